import datetime

from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify, smart_split, unescape_string_literal

from factlen.db import count_related, rank_by

from .normalize import InvalidURL, normalize_url
from .signals import link_health

# A source is broken after this many failed checks in a row: one failure is
# as likely to be the site's bad minute as a dead link.
BROKEN_AFTER = 3


def host_of(url: str) -> str:
    """The host a URL is published on, lowercase, without a leading `www.`."""
    host = (normalize_url(url).split("/")[2]).split(":")[0]
    return host.removeprefix("www.")


def domain_candidates(host: str) -> list[str]:
    """`news.bbc.co.uk` → [`news.bbc.co.uk`, `bbc.co.uk`, `co.uk`]: the host and
    every parent domain, so an outlet's domain matches its subdomains. Whole
    labels only, so `notreason.com` never matches `reason.com`."""
    labels = host.removeprefix("www.").split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


# On PostgreSQL a search term this long or longer is found through a trigram
# index (sources migration 0007); a shorter one yields no trigram to look up.
TRIGRAM_LENGTH = 3


def search_words(term: str) -> list[str]:
    """The words of an admin search, as Django's admin splits them: "quoted
    phrases" stay whole."""
    words = []
    for bit in smart_split(term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit:
            words.append(bit)
    return words


def ranks_cheaply(queryset, term: str) -> bool:
    """Whether ranking the matches reads only an index's few: on PostgreSQL a
    short term matches much of the archive, and ranking it would read all of it
    (it is listed newest first instead)."""
    return connections[queryset.db].vendor != "postgresql" or len(term) >= TRIGRAM_LENGTH


class OutletQuerySet(models.QuerySet):
    def search(self, term: str):
        """Outlets whose name or one of whose domains contains each word of
        `term`, with `search_rank`: the outlet of that exact name or domain
        first, then names starting with it, then the rest."""
        term = term.strip()
        words = search_words(term)
        if not words:
            return self
        matches = models.Q()
        for word in words:
            domains = OutletDomain.objects.filter(domain__icontains=word).values("outlet")
            matches &= models.Q(name__icontains=word) | models.Q(pk__in=domains)
        found = self.filter(matches)
        exact_domain = OutletDomain.objects.filter(domain=term.lower()).values("outlet")
        return found.annotate(
            search_rank=rank_by(
                models.Q(name__iexact=term) | models.Q(pk__in=exact_domain),
                models.Q(name__istartswith=term),
            )
        )

    def for_url(self, url: str):
        """The outlet publishing on the URL's domain (the most specific match), or None."""
        candidates = domain_candidates(host_of(url))
        match = (
            OutletDomain.objects.filter(domain__in=candidates).select_related("outlet").order_by()
        )
        best = max(match, key=lambda d: len(d.domain), default=None)
        return best.outlet if best else None

    def counted(self, *, scheduled) -> list["Outlet"]:
        """The outlets, each with `story_count`: the live stories citing it.

        A list: read from the kept count of published stories citing the
        outlet (kept by stories.counts), less `scheduled[outlet id]`: how many
        of those are scheduled, their time yet to come. The caller says so
        (stories.counts.scheduled_by_outlet): which stories are live is the
        stories app's rule, and this app does not import it.
        """
        outlets = list(self)
        for outlet in outlets:
            outlet.story_count = outlet.published_story_count - scheduled.get(outlet.pk, 0)
        return outlets

    def cited(self, *, scheduled) -> list["Outlet"]:
        """Outlets cited by at least one live story, with `story_count`."""
        counted = self.filter(published_story_count__gt=0).counted(scheduled=scheduled)
        return [outlet for outlet in counted if outlet.story_count > 0]


class Outlet(models.Model):
    """A publication, broadcaster or body whose articles and documents stories cite."""

    class Kind(models.TextChoices):
        NEWSPAPER = "newspaper", "Newspaper"
        MAGAZINE = "magazine", "Magazine"
        WIRE = "wire", "Wire service"
        BROADCASTER = "broadcaster", "Broadcaster"
        TRADE = "trade", "Trade press"
        THINK_TANK = "think_tank", "Think tank"
        ADVOCACY = "advocacy", "Advocacy group"
        GOVERNMENT = "government", "Government"
        COURT = "court", "Court"
        ACADEMIC = "academic", "Academic"
        COMPANY = "company", "Company"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, help_text="As readers know it: “Larkport Ledger”.")
    slug = models.SlugField(
        max_length=100, unique=True, help_text="Its page's address, as in /sources/this-slug/."
    )
    homepage = models.URLField(blank=True, help_text="Optional.")
    kind = models.CharField(
        max_length=20,
        choices=Kind,
        default=Kind.OTHER,
        help_text="What sort of body it is; readers see the mix of kinds under each story.",
    )
    country = models.CharField(max_length=60, blank=True, help_text="Where it is based.")
    description = models.TextField(
        blank=True,
        help_text="A short, factual description written by our editors: who owns or funds "
        "it, what it covers. No ratings.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Stories with the status Published citing it, scheduled ones included;
    # kept by stories.counts whenever a citation or a story's status changes.
    published_story_count = models.PositiveIntegerField(default=0, editable=False)

    objects = OutletQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sources:outlet", kwargs={"slug": self.slug})

    @classmethod
    def for_source(cls, url: str, name: str) -> "Outlet":
        """The outlet for a new source: matched by the URL's domain, else created
        from `name` and that domain."""
        outlet = cls.objects.for_url(url)
        if outlet is None:
            outlet = cls.objects.create(name=name, slug=unique_slug(cls, name))
            OutletDomain.objects.create(outlet=outlet, domain=host_of(url))
        return outlet

    @transaction.atomic
    def merge(self, others) -> int:
        """Fold `others` into this outlet: their sources and domains move here and
        they are deleted. Returns how many sources moved."""
        others = [o for o in others if o.pk != self.pk]
        moved = Source.objects.filter(outlet__in=others).update(outlet=self)
        OutletDomain.objects.filter(outlet__in=others).update(outlet=self)
        for field in ("homepage", "country", "description"):
            if not getattr(self, field):
                setattr(
                    self, field, next((getattr(o, field) for o in others if getattr(o, field)), "")
                )
        self.save()
        Outlet.objects.filter(pk__in=[o.pk for o in others]).delete()
        return moved


class OutletDomain(models.Model):
    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="e.g. larkportledger.example: also matches its subdomains.",
    )

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower().removeprefix("www.").rstrip(".")
        super().save(*args, **kwargs)


def outlet_name_for(url: str) -> str:
    """A first guess at an outlet's name from its domain: `larkport-ledger.example` →
    “Larkport Ledger”. Editors correct it; it saves them typing the usual case."""
    labels = host_of(url).split(".")
    name = labels[0] if len(labels) < 2 else labels[-2]
    if name in {"co", "com", "org", "gov", "ac", "net", "edu"} and len(labels) > 2:
        name = labels[-3]
    return name.replace("-", " ").title()


def unique_slug(model, name: str) -> str:
    base = slugify(name)[:90] or "outlet"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class SourceQuerySet(models.QuerySet):
    def with_story_count(self):
        # A story may cite one source under two numbers; count it once.
        return self.annotate(story_count=count_related(_citations(), "source", distinct="story"))

    def search(self, term: str):
        """Sources whose outlet's name, headline or URL contains each word of
        `term` (the admin's list and picker), with `search_rank` where ranking
        is cheap (ranks_cheaply): the source at that exact URL first, then the
        outlet of that name's, then the headline of that exact text, then
        headlines starting with it, then the rest."""
        term = term.strip()
        words = search_words(term)
        if not words:
            return self
        try:
            url = normalize_url(term)
        except InvalidURL:
            url = None
        matches = models.Q()
        for word in words:
            # The outlets first (a few hundred rows), as a list: with a join or
            # a subquery the planner cannot look each of the three up in its
            # own index and combine the matches, and reads every source.
            outlets = list(Outlet.objects.filter(name__icontains=word).values_list("pk", flat=True))
            matches &= (
                models.Q(outlet__in=outlets)
                | models.Q(title__icontains=word)
                | models.Q(url__icontains=word)
            )
        if url:  # a pasted link with tracking parameters still finds its source
            matches |= models.Q(url=url)
        found = self.filter(matches)
        if not ranks_cheaply(self, term):
            return found
        named = list(Outlet.objects.filter(name__iexact=term).values_list("pk", flat=True))
        return found.annotate(
            search_rank=rank_by(
                models.Q(url=url) if url else models.Q(pk__in=[]),
                models.Q(outlet__in=named),
                models.Q(title__iexact=term),
                models.Q(title__istartswith=term),
            )
        )

    def for_url(self, url: str):
        """Sources matching `url` once normalised (at most one, as URLs are unique)."""
        return self.filter(url=normalize_url(url))

    def broken(self):
        return self.filter(link_failures__gte=BROKEN_AFTER)

    def record_check(self, pk, result) -> None:
        """Store a link check's result (a sources.links.LinkResult) on source `pk`."""
        fields = {
            "link_status": result.status,
            "link_final_url": result.final_url[:2000],
            "link_error": result.error,
            "link_checked_at": timezone.now(),
        }
        # F() so a concurrent check cannot lose a count.
        fields["link_failures"] = models.F("link_failures") + 1 if result.failed else 0
        with transaction.atomic():
            was_broken = self.broken().filter(pk=pk).exists()
            self.filter(pk=pk).update(**fields)
            if self.broken().filter(pk=pk).exists() != was_broken:
                # Readers are told when a source breaks (or works again).
                link_health.send(sender=Source, source_ids=[pk])

    def stale(self, days: float):
        """Sources not checked in the last `days` days (or never)."""
        since = timezone.now() - datetime.timedelta(days=days)
        return self.filter(
            models.Q(link_checked_at__isnull=True) | models.Q(link_checked_at__lt=since)
        )


def _citations():
    """Every story's citations of sources.

    The model (stories.Citation) is reached through its relation to Source, not
    imported: stories depend on sources, never the other way round.
    """
    return Source._meta.get_field("citations").related_model.objects.all()


class Source(models.Model):
    """One article or document that stories cite, shared by every story citing it."""

    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        related_name="sources",
        blank=True,
        help_text="Leave empty to match the outlet by the URL's domain.",
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
    archive_url = models.URLField(
        "archived copy",
        max_length=2000,
        blank=True,
        help_text="A copy in a web archive. Readers are sent there if the original breaks.",
    )
    link_status = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False, help_text="HTTP status at the last check."
    )
    link_final_url = models.URLField(max_length=2000, blank=True, editable=False)
    link_error = models.CharField(max_length=300, blank=True, editable=False)
    link_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    link_failures = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="Failed checks in a row."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["outlet__name", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(url__startswith="http://")
                | models.Q(url__startswith="https://"),
                name="source_url_is_http",
            ),
        ]

    def __str__(self):
        return f"{self.outlet.name}: {self.title}" if self.outlet_id else self.title

    def save(self, *args, **kwargs):
        # Normalise on every path (admin, import, shell) so a non-canonical URL
        # can never be stored and slip past the unique constraint.
        self.url = normalize_url(self.url)
        super().save(*args, **kwargs)

    def clean(self):
        if not self.url:
            return  # the URL field has already said what is wrong
        try:
            self.url = normalize_url(self.url)
        except InvalidURL as exc:
            raise ValidationError({"url": str(exc)}) from None
        existing = Source.objects.filter(url=self.url).exclude(pk=self.pk).first()
        if existing:
            raise ValidationError(
                {"url": f"Already a source: {existing} (#{existing.pk}). Cite that one."}
            )
        if not self.outlet_id and not self.creates_outlet:
            outlet = Outlet.objects.for_url(self.url)
            if outlet is not None:
                self.outlet = outlet
            else:
                raise ValidationError(
                    {
                        "outlet": f"No outlet publishes on {host_of(self.url)} yet: "
                        "choose one, or create it by giving its name below (filled in "
                        "from the domain) and saving again."
                    }
                )

    @property
    def creates_outlet(self) -> bool:
        """Given a new, unsaved outlet: saving through `save_with_new_outlet` creates it."""
        outlet = self._meta.get_field("outlet").get_cached_value(self, default=None)
        return outlet is not None and outlet.pk is None

    @transaction.atomic
    def save_with_new_outlet(self):
        """Save, first creating the new outlet given (with the URL's domain) if any."""
        if self.creates_outlet:
            self.outlet = Outlet.for_source(self.url, self.outlet.name)
        self.save()

    @property
    def is_broken(self) -> bool:
        return self.link_failures >= BROKEN_AFTER
