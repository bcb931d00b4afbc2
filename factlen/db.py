"""Query helpers shared by the apps."""

from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce


def count_related(related: QuerySet, field: str, *, distinct: str = ""):
    """An expression counting the rows of `related` whose `field` is the outer row.

    With `distinct`, counts distinct values of that field instead of rows.

    A correlated subquery rather than a JOIN + GROUP BY: it stacks with other
    annotations without multiplying rows, and keeps the model's default
    ordering (Django drops Meta.ordering from GROUP BY queries).
    """
    counted = (
        related.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count(distinct or "pk", distinct=bool(distinct)))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def rank_by(*conditions):
    """0 for rows meeting the first condition (a Q), 1 for the second…, then
    one more for the rest: lower is better, as an admin list's `search_rank`."""
    whens = [When(condition, then=Value(i)) for i, condition in enumerate(conditions)]
    return Case(*whens, default=Value(len(conditions)), output_field=IntegerField())
