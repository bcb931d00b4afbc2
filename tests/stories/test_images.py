"""Lead images: what an upload must be, what is stored and served, and how pages show it."""

import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from stories.images import WIDTHS, checked_image
from stories.models import Story
from tests.factories import StoryFactory
from tests.images import GPS_IFD, located_exif, picture, upload, with_image


def stored(story) -> Image.Image:
    with default_storage.open(story.image.name, "rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


# What an upload must be.


def test_a_jpeg_png_or_webp_upload_is_accepted(db):
    for fmt in ("JPEG", "PNG", "WEBP"):
        assert checked_image(upload(picture(800, 600, fmt=fmt))).format == fmt


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(db):
    with pytest.raises(ValidationError, match="not an image: upload a JPEG, PNG or WebP"):
        checked_image(upload(b"<html><script>alert(1)</script></html>", "photo.jpg"))


def test_an_image_of_another_format_is_refused_by_its_content(db):
    out = io.BytesIO()
    Image.new("RGB", (40, 40)).save(out, format="GIF")
    with pytest.raises(ValidationError, match="is a GIF file"):
        checked_image(upload(out.getvalue(), "looks-like.png"))


def test_a_truncated_image_is_refused_as_damaged(db):
    data = picture(800, 600)
    with pytest.raises(ValidationError, match="damaged"):
        checked_image(upload(data[: len(data) // 2]))


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read(db, settings):
    settings.IMAGE_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match=r"the most is 1,000 bytes"):
        checked_image(upload(picture(800, 600)))


def test_a_picture_over_the_pixel_limit_is_refused_unread(db, settings):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    with pytest.raises(ValidationError, match=r"2,000 × 1,200 pixels \(2.4 megapixels\)") as no:
        checked_image(upload(picture(2000, 1200)))
    assert "It was not decoded" in str(no.value)


def test_a_decompression_bomb_is_refused_without_being_decoded(db):
    # 20,000 × 20,000 pixels of one colour: a small file that decodes to 400 MB.
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG")
    assert len(out.getvalue()) < 200_000
    with pytest.raises(ValidationError, match="decompression bomb") as refusal:
        checked_image(upload(out.getvalue(), "bomb.png", "image/png"))
    assert "refused unread" in str(refusal.value)


def test_the_story_form_refuses_an_upload_over_the_limit_with_the_reason(db, settings):
    from django.forms import modelform_factory

    settings.IMAGE_MAX_PIXELS = 1_000_000
    form_class = modelform_factory(
        Story, fields=["image", "image_alt", "image_caption", "image_credit"]
    )
    form = form_class(
        data={"image_alt": "A", "image_caption": "B", "image_credit": "C"},
        files={"image": upload(picture(2000, 1200))},
        instance=StoryFactory(),
    )
    assert not form.is_valid()
    assert "2,000 × 1,200 pixels" in form.errors["image"][0]


def test_the_story_form_refuses_a_decompression_bomb_in_those_words(db):
    from django.forms import modelform_factory

    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG")
    form = modelform_factory(Story, fields=["image"])(
        files={"image": upload(out.getvalue(), "bomb.png", "image/png")}, instance=StoryFactory()
    )
    assert not form.is_valid()
    assert "refused unread as a decompression bomb" in form.errors["image"][0]


def test_the_admin_change_page_previews_the_image(editor_client, db):
    from django.urls import reverse

    story = with_image(StoryFactory())
    response = editor_client.get(reverse("admin:stories_story_change", args=[story.pk]))
    assert 'enctype="multipart/form-data"' in response.text
    preview = re.search(r'<img class="lead-image-preview"[^>]*>', response.text).group()
    assert f'src="/media/{story.image.name}"' in preview
    assert "sizes not made yet" in response.text


# What is stored.


def test_the_stored_image_has_no_exif_and_its_location_is_gone(db):
    story = with_image(StoryFactory(), picture(1200, 800, exif=located_exif()))
    image = stored(story)
    assert "exif" not in image.info
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    with default_storage.open(story.image.name, "rb") as file:
        assert b"PhoneMaker" not in file.read()


def test_the_stored_image_is_turned_as_the_camera_said(db):
    # Orientation 6: the camera was turned a quarter clockwise; shown upright
    # the picture is taller than wide, and its coloured half on top.
    story = with_image(StoryFactory(), picture(1200, 800, exif=located_exif(orientation=6)))
    image = stored(story)
    assert image.size == (800, 1200)
    assert (story.image_width, story.image_height) == (800, 1200)
    top, bottom = image.getpixel((400, 100)), image.getpixel((400, 1100))
    assert top[0] > 150 and top[1] < 130  # the red half
    assert bottom == (255, 255, 255) or min(bottom) > 240


def test_the_stored_name_is_made_from_the_content_not_the_upload(db):
    story = with_image(StoryFactory(), name="../../etc/passwd.html.jpg")
    assert re.fullmatch(r"lead-images/[0-9a-f]{20}\.jpg", story.image.name)


def test_an_image_needs_its_alt_text_caption_and_credit(db):
    story = StoryFactory()
    story.image = upload(picture(800, 600))
    with pytest.raises(ValidationError) as refusal:
        story.full_clean()
    assert set(refusal.value.message_dict) >= {"image_alt", "image_caption", "image_credit"}


def test_the_database_refuses_an_image_without_its_words(db):
    from django.db import IntegrityError, transaction

    story = with_image(StoryFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Story.objects.filter(pk=story.pk).update(image_credit="")


# Renditions.


def test_renditions_are_made_once_at_each_width_never_wider_than_the_original(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        story = with_image(StoryFactory(), picture(1200, 800))
    story.refresh_from_db()
    sizes = story.image_renditions["sizes"]
    assert story.image_renditions["of"] == story.image.name
    assert [s["width"] for s in sizes] == [480, 960, 1200]
    assert [s["height"] for s in sizes] == [320, 640, 800]
    for size in sizes:
        with default_storage.open(size["webp"], "rb") as file:
            webp = Image.open(file)
            assert (webp.format, webp.size) == ("WEBP", (size["width"], size["height"]))
        with default_storage.open(size["fallback"], "rb") as file:
            assert Image.open(file).format == "JPEG"


def test_a_wide_original_gets_every_width_and_no_bigger(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        story = with_image(StoryFactory(), picture(2400, 1200))
    story.refresh_from_db()
    assert [s["width"] for s in story.image_renditions["sizes"]] == list(WIDTHS)


def test_a_png_with_transparency_keeps_png_as_its_fallback(db, django_capture_on_commit_callbacks):
    data = picture(600, 400, fmt="PNG", colour=(0, 0, 255, 128))
    with django_capture_on_commit_callbacks(execute=True):
        story = with_image(StoryFactory(), data, name="chart.png")
    story.refresh_from_db()
    fallback = story.image_renditions["sizes"][-1]["fallback"]
    assert fallback.endswith(".png")
    with default_storage.open(fallback, "rb") as file:
        assert Image.open(file).mode == "RGBA"


# What pages show.


def test_the_story_page_shows_the_image_eagerly_with_srcset_sizes_and_dimensions(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        story = with_image(StoryFactory(), picture(2400, 1600))
    html = client.get(story.get_absolute_url()).text
    figure = re.search(r'<figure class="lead-image">.*?</figure>', html, re.DOTALL).group()
    assert '<source type="image/webp" srcset="/media/lead-images/' in figure
    assert " 480w, " in figure and " 1600w" in figure
    assert 'width="2400" height="1600"' in figure
    assert 'alt="A red and white test card"' in figure
    assert "loading=" not in figure  # the top of the page: not lazy
    assert "The test card, as it hangs in the newsroom." in figure
    assert "Photo: Factlen" in figure


def test_the_page_shows_the_original_until_renditions_are_made(client, db):
    story = with_image(StoryFactory(), picture(1200, 800))  # the commit never comes
    assert story.image_renditions == {}
    html = client.get(story.get_absolute_url()).text
    figure = re.search(r'<figure class="lead-image">.*?</figure>', html, re.DOTALL).group()
    assert f'src="/media/{story.image.name}"' in figure
    assert "srcset" not in figure
    assert 'width="1200" height="800"' in figure


def test_renditions_of_an_earlier_image_are_never_shown(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        story = with_image(StoryFactory(), picture(1200, 800))
    story.refresh_from_db()
    story.image = upload(picture(900, 900, colour=(0, 90, 0)))
    story.save()
    assert story.lead_image.webp == ()
    assert story.lead_image.src.endswith(story.image.name)


def test_cards_show_the_image_lazily_below_the_lead(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        older = with_image(StoryFactory(title="Older story"), picture(1200, 800))
        with_image(StoryFactory(title="Newest story", topic=older.topic), picture(1200, 800))
    html = client.get("/").text
    lead = re.search(r'<section class="lead".*?</section>', html, re.DOTALL).group()
    assert "<picture>" in lead and "loading=" not in lead
    rest = html[html.index("</section>") :]
    assert 'loading="lazy"' in rest and "<picture>" in rest
    topic_page = client.get(older.topic.get_absolute_url()).text
    assert topic_page.count('loading="lazy"') == 2


def test_a_new_rendition_reaches_a_card_already_rendered(
    client, db, django_capture_on_commit_callbacks
):
    story = with_image(StoryFactory(), picture(1200, 800))
    assert "srcset" not in client.get("/").text
    from stories.tasks import render_lead_image

    render_lead_image.enqueue(story_id=story.pk, image=story.image.name)
    assert "srcset" in client.get("/").text


def test_social_tags_and_json_ld_use_the_image_and_its_alt_text(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        story = with_image(StoryFactory(), picture(2400, 1600), alt="Workers on <a> roof & more")
    html = client.get(story.get_absolute_url()).text
    widest = story.__class__.objects.get(pk=story.pk).image_renditions["sizes"][-1]
    url = f"http://testserver/media/{widest['fallback']}"
    assert f'<meta property="og:image" content="{url}">' in html
    assert '<meta property="og:image:width" content="1600">' in html
    assert f'<meta name="twitter:image" content="{url}">' in html
    assert '<meta name="twitter:image:alt" content="Workers on &lt;a&gt; roof &amp; more">' in html
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.DOTALL).group(1))
    assert data["image"][0]["url"] == url
    assert data["image"][0]["description"] == "Workers on <a> roof & more"
    assert data["image"][0]["creditText"] == "Photo: Factlen"


def test_a_story_without_an_image_keeps_the_sites_preview(client, published_story):
    html = client.get(published_story.get_absolute_url()).text
    assert "social-preview" in re.search(r'og:image" content="([^"]+)"', html).group(1)
    assert '<figure class="lead-image">' not in html
    assert "<picture>" not in html


# Serving.


def test_media_is_served_as_an_image_sandboxed_and_never_sniffed(client, db):
    story = with_image(StoryFactory())
    response = client.get(f"/media/{story.image.name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_file_in_media_that_is_not_an_image_is_not_served(client, db, media_root):
    (media_root / "page.html").write_text("<script>alert(1)</script>")
    (media_root / "page.svg").write_text("<svg onload='alert(1)'/>")
    assert client.get("/media/page.html").status_code == 404
    assert client.get("/media/page.svg").status_code == 404


def test_renditions_wait_in_the_queue_for_a_worker(transactional_db, queued):
    from tests.tasks import run_worker

    story = with_image(StoryFactory(), picture(1200, 800))
    story.refresh_from_db()
    assert story.image_renditions == {}  # saved at once; the sizes come later
    run_worker()
    story.refresh_from_db()
    assert story.image_renditions["of"] == story.image.name
    assert len(story.image_renditions["sizes"]) == 3


def test_deleting_a_story_deletes_its_images_and_those_of_its_revisions(
    db, media_root, django_capture_on_commit_callbacks
):
    import reversion

    from stories.deletion import delete_stories

    with django_capture_on_commit_callbacks(execute=True), reversion.create_revision():
        story = with_image(StoryFactory(), picture(1200, 800))
    story.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True), reversion.create_revision():
        with_image(story, picture(900, 900, colour=(0, 90, 0)))
    assert len([p for p in media_root.rglob("*") if p.is_file()]) == 2 + 2 * 3 + 2 * 2
    keep = with_image(StoryFactory(), picture(600, 400, colour=(0, 0, 200)))
    with django_capture_on_commit_callbacks(execute=True):
        delete_stories(Story.objects.filter(pk=story.pk))
    assert [p for p in media_root.rglob("*") if p.is_file()] == [media_root / keep.image.name]


def test_make_renditions_queues_the_images_without_sizes_and_only_those(db):
    from django.core.management import call_command

    from tests.factories import AuthorFactory
    from tests.stories.test_author_photos import with_photo

    # Saved outside any commit hook: as images stored before sizes were made.
    bare = with_image(StoryFactory(), picture(1000, 600))
    author = with_photo(AuthorFactory())
    done = with_image(StoryFactory(), picture(600, 400))
    out = io.StringIO()
    call_command("make_renditions", stdout=out)  # the tasks run at once here
    assert out.getvalue().strip() == "Queued 2 lead image(s) and 1 author photo(s)."
    # Sizes lost for one story only: only it is queued again.
    Story.objects.filter(pk=bare.pk).update(image_renditions={})
    out = io.StringIO()
    call_command("make_renditions", stdout=out)
    assert out.getvalue().strip() == "Queued 1 lead image(s) and 0 author photo(s)."
    bare.refresh_from_db()
    author.refresh_from_db()
    done.refresh_from_db()
    assert [s["width"] for s in bare.image_renditions["sizes"]] == [480, 960, 1000]
    assert author.photo_renditions["of"] == author.photo.name
    assert done.image_renditions["of"] == done.image.name
