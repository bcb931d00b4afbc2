"""Query helpers shared by the apps."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
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
