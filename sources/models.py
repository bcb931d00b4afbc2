from django.core.exceptions import ValidationError
from django.db import models

from factlen.db import count_related

from .normalize import InvalidURL, normalize_url


class SourceQuerySet(models.QuerySet):
    def with_story_count(self):
        # A story may cite one source under two numbers; count it once.
        citations = self.model._meta.get_field("citations").related_model.objects.all()
        return self.annotate(story_count=count_related(citations, "source", distinct="story"))

    def for_url(self, url: str):
        """Sources matching `url` once normalised (at most one, as URLs are unique)."""
        return self.filter(url=normalize_url(url))


class Source(models.Model):
    """One article or document that stories cite, shared by every story citing it."""

    outlet_name = models.CharField(
        "outlet",
        max_length=200,
        help_text="The publication or body that published it, as readers know it: "
        "“Larkport Ledger”, “City Council”.",
    )
    title = models.CharField(
        "headline", max_length=500, help_text="The article's headline or the document's title."
    )
    url = models.URLField(
        "URL",
        max_length=2000,
        unique=True,
        help_text="Paste any link to it: tracking parameters, fragments and trailing "
        "slashes are removed, so the same article is always one source.",
    )
    author = models.CharField(max_length=200, blank=True, help_text="Optional.")
    published_on = models.DateField(
        "published", null=True, blank=True, help_text="Optional: when the source appeared."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["outlet_name", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(url__startswith="http://")
                | models.Q(url__startswith="https://"),
                name="source_url_is_http",
            ),
        ]

    def __str__(self):
        return f"{self.outlet_name}: {self.title}"

    def save(self, *args, **kwargs):
        # Normalise on every path (admin, import, shell) so a non-canonical URL
        # can never be stored and slip past the unique constraint.
        self.url = normalize_url(self.url)
        super().save(*args, **kwargs)

    def clean(self):
        try:
            self.url = normalize_url(self.url)
        except InvalidURL as exc:
            raise ValidationError({"url": str(exc)}) from None
