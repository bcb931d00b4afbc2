from django import forms
from django.contrib import admin, messages
from django.db import models
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from factlen.admin_lists import ArchiveListMixin, is_picker, rank_first
from factlen.admin_widgets import TolerantAutocompleteMixin
from factlen.db import count_related

from .models import Outlet, OutletDomain, Source, outlet_name_for
from .normalize import InvalidURL


class NeverCitedFilter(admin.SimpleListFilter):
    """Sources and outlets no story cites: often made in the citation popup and
    then not used. Readers never see them (pages show only what live stories
    cite); this lists them for cleaning up."""

    title = "cited"
    parameter_name = "cited"
    uncited = {}  # set per admin: the lookup for "cited by no story"

    def lookups(self, request, model_admin):
        return [("no", "Never cited (clean up)"), ("yes", "Cited by a story")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(**self.uncited)
        if self.value() == "yes":
            return queryset.exclude(**self.uncited)
        return queryset


class SourceNeverCitedFilter(NeverCitedFilter):
    uncited = {"citations__isnull": True}


class OutletNeverCitedFilter(NeverCitedFilter):
    def queryset(self, request, queryset):
        cited = Outlet.objects.filter(sources__citations__isnull=False).values("pk")
        if self.value() == "no":
            return queryset.exclude(pk__in=cited)
        if self.value() == "yes":
            return queryset.filter(pk__in=cited)
        return queryset


class OutletDomainInline(admin.TabularInline):
    model = OutletDomain
    # Sources find their outlet by domain: an outlet without one is never matched.
    extra = 0
    min_num = 1
    validate_min = True


def ranked_search(queryset, term, request):
    """A list's or picker's search through the model's QuerySet.search, best
    first. It never duplicates rows: no join is searched."""
    return rank_first(request, queryset.search(term)), False


@admin.register(Outlet)
class OutletAdmin(ArchiveListMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "country", "domain_list", "source_count"]
    list_filter = [OutletNeverCitedFilter, "kind", "country"]
    search_fields = ["name", "domains__domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OutletDomainInline]
    actions = ["merge_outlets"]
    fields = ["name", "slug", "kind", "country", "homepage", "description"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        outlets = super().get_queryset(request).order_by("name")
        if is_picker(request):
            return outlets  # a picker shows names only
        # Counted per listed outlet through the sources' outlet index, not by
        # joining and grouping every source.
        sources = Source.objects.all()
        return outlets.annotate(source_count=count_related(sources, "outlet")).prefetch_related(
            "domains"
        )

    def get_search_results(self, request, queryset, search_term):
        return ranked_search(queryset, search_term, request)

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, outlet):
        return outlet.source_count

    @admin.display(description="domains")
    def domain_list(self, outlet):
        return ", ".join(d.domain for d in outlet.domains.all())

    @admin.action(description="Merge selected outlets into one…")
    def merge_outlets(self, request, queryset):
        outlets = list(queryset)
        if len(outlets) < 2:
            self.message_user(request, "Select two or more outlets to merge.", messages.WARNING)
            return None
        target_pk = request.POST.get("merge_into")
        target = next((o for o in outlets if str(o.pk) == target_pk), None)
        if target is None:
            # First step: ask which outlet the others fold into.
            return render(
                request,
                "admin/sources/outlet/merge.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Merge outlets",
                    "outlets": outlets,
                    "opts": self.model._meta,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        others = [o for o in outlets if o.pk != target.pk]
        moved = target.merge(others)
        self.message_user(
            request,
            f"Merged {', '.join(o.name for o in others)} into {target.name}: "
            f"{moved} source(s) moved, {len(others)} outlet(s) removed.",
            messages.SUCCESS,
        )
        return None


class LinkHealthFilter(admin.SimpleListFilter):
    title = "link health"
    parameter_name = "link"

    def lookups(self, request, model_admin):
        return [("broken", "Broken"), ("unchecked", "Never checked"), ("ok", "Working")]

    def queryset(self, request, queryset):
        if self.value() == "broken":
            return queryset.broken()
        if self.value() == "unchecked":
            return queryset.filter(link_checked_at__isnull=True)
        if self.value() == "ok":
            return queryset.filter(link_checked_at__isnull=False, link_failures=0)
        return queryset


class SourceForm(forms.ModelForm):
    """A source, and its outlet in the same step when none publishes on its domain."""

    new_outlet_name = forms.CharField(
        label="New outlet's name",
        required=False,
        max_length=200,
        help_text="Only when no outlet publishes on the URL's domain: the outlet is created "
        "with this name and that domain.",
    )

    class Meta:
        model = Source
        # The admin's fieldsets give the fields (with its URL widgets).
        fields = ["title"]

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("new_outlet_name", "").strip()
        url = cleaned.get("url")
        if name and url and not cleaned.get("outlet"):
            try:
                unknown = Outlet.objects.for_url(url) is None
            except InvalidURL:
                unknown = False  # the URL field says what is wrong
            if unknown:
                cleaned["outlet"] = Outlet(name=name)  # created when the source is saved
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if "outlet" in self.errors and not self.data.get("new_outlet_name"):
            # Offer the outlet, named from the domain, for the next save.
            try:
                suggestion = outlet_name_for(self.cleaned_data.get("url") or "")
            except (InvalidURL, IndexError):
                return
            self.data = self.data.copy()
            self.data["new_outlet_name"] = suggestion


def short_address(url: str, length: int = 48) -> str:
    """`url` without its scheme; past `length` characters, its host and the end
    of its path (where a headline's words usually are), the middle cut."""
    address = url.split("://", 1)[-1]
    if len(address) <= length:
        return address
    host, _, path = address.partition("/")
    tail = max(length - len(host) - 2, 16)
    return f"{host}/…{path[-tail:]}"


@admin.register(Source)
class SourceAdmin(ArchiveListMixin, TolerantAutocompleteMixin, admin.ModelAdmin):
    list_display = ["title", "outlet", "address", "published_on", "story_count", "link_ok"]
    list_select_related = ["outlet"]
    search_fields = ["outlet__name", "title", "url"]
    list_filter = [SourceNeverCitedFilter, LinkHealthFilter, "outlet__kind", "outlet"]
    autocomplete_fields = ["outlet"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["link_health"]
    fieldsets = [
        (
            None,
            {"fields": ["url", "outlet", "new_outlet_name", "title", "author", "published_on"]},
        ),
        ("Link health", {"fields": ["link_health", "archive_url"]}),
    ]
    # Newest first, read backwards through the primary key: the model's order
    # (outlet name, headline) would sort a hundred thousand joined rows.
    ordering = ["-pk"]

    form = SourceForm

    def save_model(self, request, obj, form, change):
        obj.save_with_new_outlet()

    def get_queryset(self, request):
        sources = super().get_queryset(request)
        if is_picker(request):
            return sources.select_related("outlet")  # each option is named by its outlet
        return sources.with_story_count()

    def get_search_results(self, request, queryset, search_term):
        return ranked_search(queryset, search_term, request)

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, source):
        return source.story_count

    @admin.display(description="URL", ordering="url")
    def address(self, source):
        # A long address written out whole took the list's width from the
        # titles; the whole of it is the cell's tooltip and on the source's page.
        return format_html('<span title="{}">{}</span>', source.url, short_address(source.url))

    @admin.display(description="link OK", boolean=True)
    def link_ok(self, source):
        if source.link_checked_at is None:
            return None
        return not source.is_broken

    @admin.display(description="last check")
    def link_health(self, source):
        if source.link_checked_at is None:
            return "Not checked yet (python manage.py check_links)."
        outcome = source.link_error or f"HTTP {source.link_status}"
        text = format_html(
            "{} on {}; {} failed check(s) in a row.",
            outcome,
            date_format(timezone.localtime(source.link_checked_at), "DATETIME_FORMAT"),
            source.link_failures,
        )
        if source.link_final_url and source.link_final_url != source.url:
            text = format_html("{} Redirects to {}.", text, source.link_final_url)
        return text
