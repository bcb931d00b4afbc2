from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from stories.models import Correction, OpenQuestion, Story, Topic

# However many questions a reader follows, these many at most: enough for anyone
# reading, and a bound on the rows one address can make.
MAX_FOLLOWS_PER_READER = 100


def normalize_email(email: str) -> str:
    """One spelling per inbox: mail providers treat addresses case-insensitively."""
    return email.strip().lower()


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        """Readers who confirmed their address and have not unsubscribed since.

        Nothing but a confirmation email is ever sent to anyone else.
        """
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)

    def awaiting_confirmation(self):
        return self.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)

    def unsubscribed(self):
        return self.filter(unsubscribed_at__isnull=False)


class Subscriber(models.Model):
    email = models.EmailField(unique=True, help_text="Kept in lower case: one inbox, one reader.")
    topics = models.ManyToManyField(
        Topic, through="Subscription", related_name="subscribers", blank=True
    )
    created_at = models.DateTimeField("signed up", auto_now_add=True)
    confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the reader confirmed the address from the link we emailed. The digest "
        "only carries stories published after this.",
    )
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    last_digest_at = models.DateTimeField("last digest", null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # With the unique email, this makes the database refuse a second
            # spelling of the same address.
            models.CheckConstraint(
                condition=Q(email=Lower("email")),
                name="subscriber_email_lower_case",
                violation_error_message="Email addresses are stored in lower case.",
            ),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def clean(self):
        self.email = normalize_email(self.email)

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None

    def confirm(self):
        """Start (or restart) the subscription; the digest counts from now."""
        if self.is_confirmed:
            return
        self.confirmed_at = timezone.now()
        self.unsubscribed_at = None
        self.save(update_fields=["confirmed_at", "unsubscribed_at"])

    def unsubscribe(self):
        # Topics are kept, so subscribing again from the manage page restores them.
        if self.unsubscribed_at is None:
            self.unsubscribed_at = timezone.now()
            self.save(update_fields=["unsubscribed_at"])

    def followed_questions(self):
        """The questions the reader follows whose answer is not out yet, oldest follow first."""
        return (
            OpenQuestion.objects.open_to_readers()
            .filter(follows__subscriber=self)
            .order_by("follows__created_at", "pk")
        )

    def new_stories(self):
        """What the next digest carries: live stories in the reader's topics,
        published since they confirmed, that no digest has sent them yet."""
        if not self.is_confirmed:
            return Story.objects.none()
        return (
            Story.objects.published()
            .filter(
                topic__in=Subscription.objects.filter(subscriber=self).values("topic"),
                published_at__gte=self.confirmed_at,
            )
            .exclude(pk__in=SentStory.objects.filter(subscriber=self).values("story"))
            .for_digest()
        )

    def new_corrections(self):
        """Corrections and clarifications the next digest owes the reader: made
        public after a digest sent them the story, on a story still live, and
        not sent to them yet. Updates add news rather than mend an error, so
        they are not sent again."""
        if not self.is_confirmed:
            return Correction.objects.none()
        sent_before = SentStory.objects.filter(
            subscriber=self, story=OuterRef("story"), sent_at__lt=OuterRef("created_at")
        )
        return (
            Correction.objects.filter(
                kind__in=Correction.RESENT_KINDS,
                created_at__lte=timezone.now(),
                story__in=Story.objects.published(),
            )
            .filter(Exists(sent_before))
            .exclude(pk__in=SentCorrection.objects.filter(subscriber=self).values("correction"))
            .select_related("story__topic")
            .order_by("created_at", "pk")
        )


class Subscription(models.Model):
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="subscriptions")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["topic__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "topic"], name="subscription_unique_per_topic"
            ),
        ]

    def __str__(self):
        return f"{self.subscriber} → {self.topic}"


class SentStory(models.Model):
    """A story a digest carried to a reader: what keeps the next one from repeating it."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="sent_stories"
    )
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "sent stories"
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "story"], name="sent_story_once_per_subscriber"
            ),
        ]

    def __str__(self):
        return f"{self.story_id} → {self.subscriber}"


class SentCorrection(models.Model):
    """A correction a digest carried to a reader who had been sent its story."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="sent_corrections"
    )
    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "correction"], name="sent_correction_once_per_subscriber"
            ),
        ]

    def __str__(self):
        return f"{self.correction_id} → {self.subscriber}"


class QuestionFollowQuerySet(models.QuerySet):
    def due(self):
        """Follows owed their one email: the question is answered by a story
        readers can open, the reader has confirmed, and nothing was sent yet."""
        sent = SentAnswer.objects.filter(
            subscriber=OuterRef("subscriber"), question=OuterRef("question")
        )
        return self.filter(
            question__status=OpenQuestion.Status.ANSWERED,
            question__answered_in__in=Story.objects.published(),
            subscriber__in=Subscriber.objects.confirmed(),
        ).exclude(Exists(sent))


class QuestionFollow(models.Model):
    """A reader waiting for an open question's answer, by email.

    Made when the reader asks, confirmed or not: mail goes only to a
    confirmed address (Subscriber.confirmed), so the follow takes effect
    when the reader confirms from the newsletter's confirmation email.
    """

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="follows")
    question = models.ForeignKey(OpenQuestion, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField("followed", default=timezone.now)

    objects = QuestionFollowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "question"], name="question_follow_once_per_subscriber"
            ),
        ]

    def __str__(self):
        return f"{self.subscriber} follows “{self.question}”"


class SentAnswer(models.Model):
    """The one email telling a follower their question is answered."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="sent_answers"
    )
    question = models.ForeignKey(OpenQuestion, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "question"], name="sent_answer_once_per_subscriber"
            ),
        ]

    def __str__(self):
        return f"{self.question_id} → {self.subscriber}"
