import csv

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.http import StreamingHttpResponse
from django.utils import timezone

from factlen.admin_lists import ArchiveListMixin

from .models import QuestionFollow, SentAnswer, Subscriber, Subscription

# Spreadsheets run a cell that starts with one of these as a formula; an email
# address may legally start with some of them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class StatusFilter(admin.SimpleListFilter):
    title = "confirmed"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("confirmed", "Confirmed"),
            ("awaiting", "Awaiting confirmation"),
            ("unsubscribed", "Unsubscribed"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "confirmed":
            return queryset.confirmed()
        if self.value() == "awaiting":
            return queryset.awaiting_confirmation()
        if self.value() == "unsubscribed":
            return queryset.unsubscribed()
        return queryset


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ["topic", "created_at"]
    readonly_fields = ["created_at"]


class QuestionFollowInline(admin.TabularInline):
    model = QuestionFollow
    extra = 0
    fields = ["question", "created_at"]
    readonly_fields = ["question", "created_at"]
    verbose_name_plural = "questions followed"

    def has_add_permission(self, request, obj=None):
        return False


class Echo:
    """A file-like object that hands back what is written, for streaming CSV."""

    def write(self, value):
        return value


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_rows(subscribers):
    yield ["email", "confirmed_at", "topics", "last_digest_at"]
    for subscriber in subscribers:
        yield [
            subscriber.email,
            subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
            " ".join(topic.slug for topic in subscriber.topics.all()),
            subscriber.last_digest_at.isoformat() if subscriber.last_digest_at else "",
        ]


@admin.action(description="Export selected subscribers as CSV")
def export_csv(modeladmin, request, queryset):
    writer = csv.writer(Echo())
    subscribers = queryset.prefetch_related("topics").order_by("pk").iterator(chunk_size=500)
    rows = ([_cell(value) for value in row] for row in _csv_rows(subscribers))
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    filename = f"subscribers-{timezone.now():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.action(description="Unsubscribe selected subscribers")
def unsubscribe_selected(modeladmin, request, queryset):
    count = queryset.filter(unsubscribed_at__isnull=True).update(unsubscribed_at=timezone.now())
    modeladmin.message_user(
        request, f"Unsubscribed {count} subscriber(s); they get no more email.", messages.SUCCESS
    )


@admin.register(Subscriber)
class SubscriberAdmin(ArchiveListMixin, admin.ModelAdmin):
    list_display = ["email", "confirmed", "topic_list", "created_at", "last_digest_at"]
    list_filter = [StatusFilter, "topics"]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    actions = [export_csv, unsubscribe_selected]
    inlines = [SubscriptionInline, QuestionFollowInline]
    fields = ["email", "created_at", "confirmed_at", "unsubscribed_at", "last_digest_at"]
    # Only the reader starts a subscription (by confirming), so the dates are
    # not editable; the admin can end one with the action.
    readonly_fields = ["created_at", "confirmed_at", "unsubscribed_at", "last_digest_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("topics")

    def has_add_permission(self, request):
        # Readers subscribe themselves and confirm by email; nobody is added for them.
        return False

    @admin.display(description="confirmed", boolean=True, ordering="confirmed_at")
    def confirmed(self, subscriber):
        return subscriber.is_confirmed

    @admin.display(description="topics")
    def topic_list(self, subscriber):
        return ", ".join(topic.name for topic in subscriber.topics.all())


@admin.register(QuestionFollow)
class QuestionFollowAdmin(ArchiveListMixin, admin.ModelAdmin):
    """Who waits for which answer: readers follow from story pages and confirm by email."""

    list_display = ["subscriber", "question", "story", "question_status", "confirmed", "sent"]
    list_select_related = ["subscriber", "question__story"]
    list_filter = ["question__status"]
    search_fields = ["subscriber__email", "question__text"]
    date_hierarchy = "created_at"
    fields = ["subscriber", "question", "created_at"]
    readonly_fields = ["subscriber", "question", "created_at"]

    def get_queryset(self, request):
        sent = SentAnswer.objects.filter(
            subscriber=OuterRef("subscriber"), question=OuterRef("question")
        )
        return super().get_queryset(request).annotate(answer_sent=Exists(sent))

    def has_add_permission(self, request):
        # Readers follow questions themselves, and confirm by email.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="story", ordering="question__story__title")
    def story(self, follow):
        return follow.question.story

    @admin.display(description="question status", ordering="question__status")
    def question_status(self, follow):
        return follow.question.get_status_display()

    @admin.display(description="confirmed", boolean=True)
    def confirmed(self, follow):
        return follow.subscriber.is_confirmed

    @admin.display(description="answer sent", boolean=True, ordering="answer_sent")
    def sent(self, follow):
        return follow.answer_sent
