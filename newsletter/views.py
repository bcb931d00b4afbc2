from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from stories.models import Topic, live_topics

from . import ratelimit, tasks, tokens
from .emails import confirm_valid_for
from .forms import FollowForm, SubscribeForm, TopicsForm

# Sign-up attempts per client address: enough for a person correcting a typo,
# too few to use the form for sending mail in bulk.
SUBSCRIBE_LIMIT = 5
SUBSCRIBE_WINDOW = 10 * 60


def _invalid_link(request, error):
    return render(request, "newsletter/invalid_link.html", {"expired": error.expired}, status=400)


def _subscribe_page(request, form=None):
    context = {
        "form": form,
        "topics": live_topics(),
        "checked": (form["topics"].value() or []) if form else [],
    }
    return render(request, "newsletter/subscribe.html", context)


# No CSRF token: the sign-up box sits on every topic and story page, which are
# the same for every reader and cached as such. A forged cross-site sign-up
# can do no more than anyone can do from the form itself: ask for one
# confirmation email, within the rate limits, that only the inbox's owner can
# act on (double opt-in). No session or signed-in user is involved.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe(request):
    if request.method == "GET":
        return _subscribe_page(request)
    client = request.META.get("REMOTE_ADDR", "")
    if not ratelimit.allow(f"subscribe:{client}", limit=SUBSCRIBE_LIMIT, window=SUBSCRIBE_WINDOW):
        return render(request, "newsletter/rate_limited.html", status=429)
    form = SubscribeForm(request.POST)
    # Bots are answered as people are, so they learn nothing from the reply.
    if form.is_from_bot():
        return render(request, "newsletter/check_inbox.html", {"valid_for": confirm_valid_for()})
    if not form.is_valid():
        return _subscribe_page(request, form)
    # Queued, not done here: sending the confirmation (or not, for a reader
    # already confirmed) would make the reply slower for a new address.
    tasks.subscribe.enqueue(
        email=form.cleaned_data["email"],
        topic_ids=[topic.pk for topic in form.cleaned_data["topics"]],
    )
    return render(request, "newsletter/check_inbox.html", {"valid_for": confirm_valid_for()})


# No CSRF token, for the reasons the sign-up has none: the follow box sits in
# every open question of the (cached) story pages, and the worst a forged
# follow can do is ask for one confirmation email, within the same limits.
@csrf_exempt
@never_cache
@require_http_methods(["POST"])
def follow(request):
    """Follow an open question by email, through the newsletter's double opt-in."""
    client = request.META.get("REMOTE_ADDR", "")
    # One budget with the sign-up form: both send confirmation email.
    if not ratelimit.allow(f"subscribe:{client}", limit=SUBSCRIBE_LIMIT, window=SUBSCRIBE_WINDOW):
        return render(request, "newsletter/rate_limited.html", status=429)
    form = FollowForm(request.POST)
    context = {"valid_for": confirm_valid_for(), "following": True}
    if form.is_from_bot():
        return render(request, "newsletter/check_inbox.html", context)
    if not form.is_valid():
        return render(request, "newsletter/follow.html", {"form": form}, status=400)
    question = form.cleaned_data["question"]
    tasks.follow.enqueue(email=form.cleaned_data["email"], question_id=question.pk)
    return render(request, "newsletter/check_inbox.html", {**context, "question": question})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET shows a button and only the POST confirms: mail scanners that
    follow every link in a message must not subscribe anyone."""
    try:
        subscriber = tokens.subscriber_from_confirm_token(token)
    except tokens.InvalidToken as error:
        return _invalid_link(request, error)
    if request.method == "POST":
        subscriber.confirm()
        context = {
            "subscriber": subscriber,
            "topics": subscriber.topics.all(),
            "questions": subscriber.followed_questions(),
            "manage_token": tokens.manage_token(subscriber),
        }
        return render(request, "newsletter/confirmed.html", context)
    context = {"token": token, "digest": subscriber.topics.exists()}
    return render(request, "newsletter/confirm.html", context)


def _whole_number(text) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 18 else None


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request, token):
    try:
        subscriber = tokens.subscriber_from_manage_token(token)
    except tokens.InvalidToken as error:
        return _invalid_link(request, error)
    form, saved = None, None
    if request.method == "POST":
        if "resubscribe" in request.POST:
            # The link came by email to this inbox: following it proves the address.
            again = subscriber.unsubscribed_at is not None
            subscriber.confirm()
            saved = "You are subscribed again." if again else "Your address is confirmed."
        elif "unfollow" in request.POST:
            question = subscriber.followed_questions().filter(
                pk=_whole_number(request.POST["unfollow"])
            )
            if not (question := question.first()):
                context = {"token": token}
                return render(request, "newsletter/no_such_follow.html", context, status=400)
            subscriber.follows.filter(question=question).delete()
            saved = f"You no longer follow “{question.text}”"
        else:
            form = TopicsForm(request.POST)
            if form.is_valid():
                subscriber.topics.set(form.cleaned_data["topics"])
                saved = "Your topics are saved."
    subscribed = set(subscriber.topics.values_list("slug", flat=True))
    topics = [
        topic
        for topic in Topic.objects.counted()
        if topic.published_count > 0 or topic.slug in subscribed
    ]
    context = {
        "subscriber": subscriber,
        "token": token,
        "questions": subscriber.followed_questions().select_related("story"),
        "topics": topics,
        "checked": form["topics"].value() if form and not form.is_valid() else subscribed,
        "form": form,
        "saved": saved,
    }
    return render(request, "newsletter/manage.html", context)


# Token pages belong to one reader: never_cache keeps them out of shared caches.
# Mail clients send the one-click unsubscribe POST (RFC 8058) without a CSRF
# token; the signed link is what authorises it.
@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        subscriber = tokens.subscriber_from_manage_token(token)
    except tokens.InvalidToken as error:
        return _invalid_link(request, error)
    if request.method == "POST":
        subscriber.unsubscribe()
        return render(request, "newsletter/unsubscribed.html", {"token": token})
    return render(request, "newsletter/unsubscribe.html", {"token": token})
