"""Readers' pages come from the cache, and every change shows on the very next request.

Each test runs against the local-memory cache and the machine's real Redis.
"""

import datetime
import gzip
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import http_date

from factlen import caching
from factlen import urls as site_urls
from sources.models import Outlet, Source
from stories.models import Correction
from stories.workflow import perform

from .factories import StoryFactory, TopicFactory, complete_story
from .stories.test_locking import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["locmem", "redis"], autouse=True)
def page_cache(request, settings):
    if request.param == "redis":
        settings.CACHES = {
            **settings.CACHES,
            "default": request.getfixturevalue("redis_cache_settings"),
        }
    settings.PAGE_CACHE = True
    return request.param


def get(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return response


def body(response):
    content = response.content
    if response.get("Content-Encoding") == "gzip":
        content = gzip.decompress(content)
    return content.decode()


def assert_fresh_after(client, url, change, expected, unexpected=None):
    """`url` is served from the cache until `change()`; the next request shows it."""
    get(client, url)
    before = get(client, url)
    assert before["X-Page-Cache"] == "hit"
    if unexpected:
        assert unexpected in body(before)
    change()
    after = get(client, url)
    assert after["X-Page-Cache"] == "miss"
    assert expected in body(after)
    if unexpected:
        assert unexpected not in body(after)


@pytest.fixture
def reader():
    """An anonymous reader, apart from `client`, which `editor_client` logs in."""
    return Client()


@pytest.fixture
def story(topic):
    return complete_story(topic=topic, slug="harbour-lease", title="Harbour lease approved")


PUBLIC_PAGES = [
    lambda s: "/",
    lambda s: s.topic.get_absolute_url(),
    lambda s: s.get_absolute_url(),
    lambda s: "/feeds/rss/",
    lambda s: "/feeds/atom/",
    lambda s: f"/feeds/{s.topic.slug}/rss/",
    lambda s: "/sources/",
    lambda s: "/corrections/",
    lambda s: "/search/?q=harbour",
    lambda s: "/sitemap.xml",
    lambda s: "/sitemap-stories.xml",
    lambda s: "/robots.txt",
]


@pytest.mark.parametrize("url_of", PUBLIC_PAGES)
def test_a_second_anonymous_visit_to_a_public_page_comes_from_the_cache(client, story, url_of):
    url = url_of(story)
    first, second = get(client, url), get(client, url)
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert body(first) == body(second)
    assert second["Content-Type"] == first["Content-Type"]


def test_cached_pages_go_out_gzipped_to_clients_that_ask_and_plain_to_others(client, story):
    url = story.get_absolute_url()
    get(client, url)
    zipped = get(client, url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    plain = get(client, url)
    assert zipped["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 3
    assert "Accept-Encoding" in zipped["Vary"]


def test_pages_not_cached_are_gzipped_too(editor_client, story):
    response = get(editor_client, story.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "Harbour lease approved" in body(response)


def test_a_conditional_get_is_answered_304_by_etag_and_by_date(client, story):
    url = story.get_absolute_url()
    first = get(client, url)
    assert first["ETag"].startswith('W/"')
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    earlier = http_date(time.time() - 3600)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code in (200, 304)
    other = client.get(url, HTTP_IF_NONE_MATCH='W/"something-else"')
    assert other.status_code == 200


def test_an_etag_changes_with_the_page(client, story):
    url = story.get_absolute_url()
    etag = get(client, url)["ETag"]
    story.title = "Harbour lease amended"
    story.save()
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_shared_caches_may_keep_a_page_while_browsers_revalidate(client, story, settings):
    settings.PAGE_CACHE_SHARED_SECONDS = 120
    control = get(client, story.get_absolute_url())["Cache-Control"]
    assert {part.strip() for part in control.split(",")} == {
        "public",
        "max-age=0",
        "must-revalidate",
        "s-maxage=120",
    }


def test_shared_caches_never_keep_a_page_past_the_next_scheduled_story(client, topic, settings):
    settings.PAGE_CACHE_SHARED_SECONDS = 3600
    StoryFactory(topic=topic, published_at=timezone.now() + datetime.timedelta(seconds=90))
    control = get(client, "/")["Cache-Control"]
    shared = int(control.split("s-maxage=")[1].split(",")[0])
    assert 0 < shared <= 90


# Every change a reader could see shows on the very next request.


def test_an_edit_in_the_admin_shows_at_once(reader, editor_client, story):
    url = story.get_absolute_url()

    def edit():
        change_url = reverse("admin:stories_story_change", args=[story.pk])
        data = form_data(editor_client.get(change_url))
        data["title"] = "Harbour lease amended"
        data["viewpoints-0-summary"] = "A newly worded summary."
        response = editor_client.post(change_url, data)
        assert response.status_code == 302, response.context and response.context["errors"]

    assert_fresh_after(reader, url, edit, "Harbour lease amended", "Harbour lease approved")
    assert "A newly worded summary." in body(get(reader, url))


def test_a_publish_shows_on_home_topic_feed_and_sitemap(client, editor, story):
    draft = complete_story(topic=story.topic, draft=True, slug="new-one", title="Brand new story")
    for url in ("/", story.topic.get_absolute_url(), "/feeds/rss/", "/sitemap-stories.xml"):
        get(client, url)
    perform(draft, "publish", by=editor)
    for url in ("/", story.topic.get_absolute_url(), "/feeds/rss/"):
        assert "Brand new story" in body(get(client, url)), url
    assert "/new-one/" in body(get(client, "/sitemap-stories.xml"))
    assert get(client, draft.get_absolute_url())["X-Page-Cache"] == "miss"


def test_a_scheduled_story_appears_the_moment_its_time_comes(client, editor, topic):
    soon = timezone.now() + datetime.timedelta(seconds=1.5)
    StoryFactory(topic=topic, title="Scheduled story", published_at=soon)
    complete_story(topic=topic, title="Already out")
    get(client, "/")
    cached = get(client, "/")
    assert cached["X-Page-Cache"] == "hit"
    assert "Scheduled story" not in body(cached)
    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.2)
    after = get(client, "/")
    assert after["X-Page-Cache"] == "miss"
    assert "Scheduled story" in body(after)
    assert "Scheduled story" in body(get(client, "/feeds/rss/"))


def test_a_withdrawal_takes_the_story_off_every_page(client, editor, story):
    url = story.get_absolute_url()
    get(client, url)
    get(client, story.topic.get_absolute_url())
    perform(story, "withdraw", by=editor, comment="The lease figures were wrong.")
    assert client.get(url).status_code == 410
    assert "Harbour lease approved" not in body(get(client, story.topic.get_absolute_url()))


def test_a_correction_shows_at_once(client, story):
    def correct():
        Correction.objects.create(story=story, text="The lease runs 25 years, not 20.")

    assert_fresh_after(client, story.get_absolute_url(), correct, "The lease runs 25 years")
    assert "The lease runs 25 years" in body(get(client, "/corrections/"))


def test_a_source_edit_shows_at_once(client, story):
    source = story.citations.first().source

    def edit():
        source.title = "Renamed source headline"
        source.save()

    assert_fresh_after(client, story.get_absolute_url(), edit, "Renamed source headline")


def test_an_outlet_edit_shows_at_once_on_stories_and_the_sources_page(client, story):
    outlet = story.citations.first().source.outlet
    old_name = outlet.name

    def rename():
        outlet.name = "The Renamed Gazette"
        outlet.save()

    assert_fresh_after(client, "/sources/", rename, "The Renamed Gazette", old_name)
    assert "The Renamed Gazette" in body(get(client, story.get_absolute_url()))


def test_a_topic_rename_shows_at_once(client, story):
    topic = story.topic

    def rename():
        topic.name = "Artificial Intelligence"
        topic.save()

    assert_fresh_after(client, story.get_absolute_url(), rename, "Artificial Intelligence")
    assert "Artificial Intelligence" in body(get(client, "/"))


def test_a_tag_rename_shows_at_once_on_the_story_and_in_feeds(client, story):
    tag = story.tags.get(name="tag 0")

    def rename():
        tag.name = "Harbour leases"
        tag.save()

    assert_fresh_after(client, "/feeds/rss/", rename, "<category>Harbour leases</category>")
    assert 'content="Harbour leases"' in body(get(client, story.get_absolute_url()))


def test_a_deleted_tag_leaves_the_story_and_feeds_at_once(client, story):
    def delete():
        story.tags.get(name="tag 0").delete()

    assert_fresh_after(client, "/feeds/atom/", delete, 'term="tag 1"', unexpected='term="tag 0"')


def test_an_author_rename_shows_at_once_in_feeds(client, story):
    author = story.story_authors.first().author

    def rename():
        author.name = "Renamed Correspondent"
        author.save()

    assert_fresh_after(client, "/feeds/rss/", rename, "Renamed Correspondent")


class BrokenSite(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args):
        pass


@pytest.fixture
def local_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), BrokenSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_link_found_broken_shows_at_once(client, story, local_site):
    source = story.citations.first().source
    Source.objects.filter(pk=source.pk).update(url=f"{local_site}/gone", link_failures=2)

    def check():
        call_command("check_links", "--delay", "0", "--timeout", "2", stdout=io.StringIO())

    assert_fresh_after(client, story.get_absolute_url(), check, "The original is unavailable")


# Never from a shared cache.


def test_staff_are_never_served_from_the_cache_nor_fill_it(reader, editor_client, story):
    url = story.get_absolute_url()
    staff = get(editor_client, url)
    assert "X-Page-Cache" not in staff
    assert get(reader, url)["X-Page-Cache"] == "miss"
    assert "X-Page-Cache" not in get(editor_client, url)


def test_previews_share_links_and_newsletter_pages_are_never_cached(reader, editor, story):
    from stories.models import PreviewLink

    preview = reverse("stories:preview", args=[story.pk])
    staff = Client()
    staff.force_login(editor)
    assert "X-Page-Cache" not in get(staff, preview)
    assert "X-Page-Cache" not in get(staff, preview)
    shared = PreviewLink.objects.create(story=story, created_by=editor).get_absolute_url()
    for url in (shared, "/newsletter/subscribe/"):
        get(reader, url)
        assert "X-Page-Cache" not in get(reader, url), url


def public_view_with_a_form(request):
    return HttpResponse(f'<form><input name="csrfmiddlewaretoken" value="{get_token(request)}">')


def public_view_setting_a_cookie(request):
    response = HttpResponse("hello")
    response.set_cookie("seen", "1")
    return response


urlpatterns = [
    path("form/", caching.public_page(public_view_with_a_form)),
    path("cookie/", caching.public_page(public_view_setting_a_cookie)),
    *site_urls.urlpatterns,  # the site's own, which middleware reverses
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/form/", "/cookie/"])
def test_a_page_with_a_csrf_token_or_a_cookie_is_never_cached(url):
    client = Client()
    first, second = client.get(url), client.get(url)
    assert "X-Page-Cache" not in first
    assert "X-Page-Cache" not in second


def test_page_cache_off_renders_every_request(client, story, settings):
    settings.PAGE_CACHE = False
    assert "X-Page-Cache" not in get(client, story.get_absolute_url())
    assert "X-Page-Cache" not in get(client, story.get_absolute_url())


def test_a_new_deploy_starts_with_a_fresh_cache(client, story, settings):
    url = story.get_absolute_url()
    get(client, url)
    assert get(client, url)["X-Page-Cache"] == "hit"
    caching.code_version.cache_clear()
    settings.SITE_TAGLINE = "A different tagline after a deploy."
    try:
        assert get(client, url)["X-Page-Cache"] == "miss"
    finally:
        caching.code_version.cache_clear()


class PurgeReceiver(BaseHTTPRequestHandler):
    def do_POST(self):
        self.server.received.append((self.command, self.path, self.headers["Authorization"]))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PURGE = do_POST

    def log_message(self, *args):
        pass


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_purges_the_http_cache_in_front(story, settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeReceiver)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.CACHE_PURGE_URL = f"http://127.0.0.1:{server.server_address[1]}/purge/all"
        settings.CACHE_PURGE_METHOD = "PURGE"
        settings.CACHE_PURGE_TOKEN = "purge-secret"
        with transaction.atomic():
            Outlet.objects.filter(pk=story.citations.first().source.outlet_id).first().save()
            story.save()
        assert server.received == [("PURGE", "/purge/all", "Bearer purge-secret")]
    finally:
        server.shutdown()
        server.server_close()


def test_a_failing_purge_endpoint_never_stops_a_save(story, settings, caplog):
    settings.CACHE_PURGE_URL = "http://127.0.0.1:9/unreachable"
    caching.purge_shared_caches()
    assert "Cache purge at http://127.0.0.1:9/unreachable failed" in caplog.text


def test_topic_pages_of_a_new_topic_are_not_served_stale(client, story):
    get(client, "/")
    topic = TopicFactory(name="Transport", slug="transport")
    complete_story(topic=topic, title="Buses on time")
    assert "Transport" in body(get(client, "/"))


def count_reads(monkeypatch) -> list:
    """The shared cache's reads from now on: (method, keys read)."""
    reads, inside = [], []  # local memory's get_many calls its own get: not a read of its own
    backend = caches["default"]
    for name in ("get", "get_many"):
        original = getattr(backend, name)

        def counted(keys, *args, _original=original, _name=name, **kwargs):
            if not inside:
                reads.append((_name, [keys] if _name == "get" else list(keys)))
            inside.append(_name)
            try:
                return _original(keys, *args, **kwargs)
            finally:
                inside.pop()

        monkeypatch.setattr(backend, name, counted)
    return reads


def test_a_hit_on_a_page_another_process_stored_reads_state_and_page_at_once(
    client, story, monkeypatch
):
    url = story.get_absolute_url()
    get(client, url)
    caching._local_pages.clear()  # as in a process that did not render it
    reads = count_reads(monkeypatch)
    assert get(client, url)["X-Page-Cache"] == "hit"
    assert [(method, len(keys)) for method, keys in reads] == [("get_many", 2)]


def test_a_hit_on_a_page_this_process_served_reads_the_state_alone(client, story, monkeypatch):
    url = story.get_absolute_url()
    first = get(client, url)
    reads = count_reads(monkeypatch)
    again = get(client, url)
    assert again["X-Page-Cache"] == "hit" and body(again) == body(first)
    assert reads == [("get", [caching._state_key()])]


def test_a_process_s_own_copy_gives_way_to_the_current_version_another_process_stored(
    client, story
):
    url = story.get_absolute_url()
    get(client, url)
    key, old = next(iter(caching._local_pages._pages.items()))
    story.title = "Harbour lease amended"
    story.save()  # a new version; "another process" renders the page under it
    assert "Harbour lease amended" in body(get(client, url))
    caching._local_pages.put(key, old)  # this process still holds the old one
    response = get(client, url)
    assert response["X-Page-Cache"] == "hit"
    assert "Harbour lease amended" in body(response)
    assert caching._local_pages.get(key).version == caching.content_state().version


def test_a_process_keeps_its_most_recently_served_pages_only():
    pages = caching.LocalPages(2)
    for key in "abc":
        pages.put(key, key)
    assert (pages.get("a"), pages.get("b"), pages.get("c")) == (None, "b", "c")
    pages.get("b")  # now the most recent
    pages.put("d", "d")
    assert (pages.get("b"), pages.get("c"), pages.get("d")) == ("b", None, "d")


def test_a_process_keeps_no_more_page_bytes_than_its_limit():
    def page(size):
        return caching.CachedPage("v", 200, (), b"x" * size, "", 0.0, "")

    pages = caching.LocalPages(10, max_bytes=100)
    pages.put("a", page(40))
    pages.put("b", page(40))
    pages.put("a", page(50))  # replaced, not counted twice: 90 bytes, b the least recent
    pages.put("c", page(30))  # 120: b goes
    assert (pages.get("a") is not None, pages.get("b"), pages.get("c") is not None) == (
        True,
        None,
        True,
    )


def test_a_page_kept_from_an_earlier_content_version_is_never_served(client, story):
    url = story.get_absolute_url()
    get(client, url)
    caching.content_changed()
    response = get(client, url)
    assert response["X-Page-Cache"] == "miss"
    assert get(client, url)["X-Page-Cache"] == "hit"


def test_only_views_marked_public_are_looked_up_in_the_cache(story):
    assert caching.is_public_path(story.get_absolute_url())
    assert caching.is_public_path("/")
    assert not caching.is_public_path("/admin/")
    assert not caching.is_public_path("/newsletter/subscribe/")
    assert not caching.is_public_path("/no-such-page/at/all/")
    remembered = caching._public_path.cache_info().currsize
    long_slug = "x" * caching.REMEMBERED_PATH_LENGTH
    assert caching.is_public_path(f"/{long_slug}/")  # a topic's address, if there were one
    assert not caching.is_public_path(f"/admin/{long_slug}/")
    assert caching._public_path.cache_info().currsize == remembered


def test_a_page_rendered_without_the_page_cache_reads_the_content_state_once(
    client, story, settings, monkeypatch
):
    settings.PAGE_CACHE = False
    get(client, story.get_absolute_url())  # fills what the page keeps per version
    reads = []
    original = caching._current

    def counted(state):
        reads.append(state)
        return original(state)

    monkeypatch.setattr(caching, "_current", counted)
    get(client, story.get_absolute_url())
    assert len(reads) == 1


def test_a_change_during_a_request_is_seen_at_once_within_it(rf):
    seen = []

    def view(request):
        seen.append(caching.content_state().version)
        caching.content_changed()
        seen.append(caching.content_state().version)
        return HttpResponse("ok")

    caching.PageCacheMiddleware(view)(rf.post("/"))
    assert seen[0] != seen[1]
    assert caching.content_state().version == seen[1]


def test_what_is_kept_under_a_version_is_read_from_process_memory_after_the_first_read(
    page_cache,
):
    key = f"factlen:data:{caching.content_state().version}:example"
    caching.keep({key: ["kept"]}, 60)
    assert caching.read_kept([key]) == {key: ["kept"]}
    caches["default"].delete(key)
    assert caching.read_kept([key]) == {key: ["kept"]}
    first, second = caching.read_kept([key])[key], caching.read_kept([key])[key]
    assert first is not second  # a copy each time: no reader changes another's
    caching.content_changed()
    assert caching.cached_for_version("example", lambda: ["new"]) == ["new"]
