"""Author photos: the lead image's checks, storage and renditions, on the author
page, in its social tags and JSON-LD, in the admin and in packages."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.forms import modelform_factory
from django.urls import reverse
from PIL import Image

from stories.models import Author, Story
from stories.packages import PackageInvalid, export_files, export_package, import_package
from tests.factories import AuthorFactory, StoryFactory, byline, package_data
from tests.html import attribute, elements, parse
from tests.images import GPS_IFD, located_exif, picture, upload

from .test_syndication import json_ld

pytestmark = pytest.mark.django_db


def with_photo(author, data=None, *, name="portrait.jpg"):
    """`author` given a photo (saved)."""
    author.photo = upload(data or picture(600, 800), name)
    author.save()
    return author


@pytest.fixture
def mara():
    return AuthorFactory(name="Mara <Okafor> & Co", slug="mara-okafor", role="Housing editor")


@pytest.fixture
def on_page(mara):
    """Mara, with a live story: she has an author page."""
    byline(StoryFactory(), mara)
    return mara


def files_in(media_root):
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


# The same checks as a lead image, through each model's own form.

FIELDS = [(Story, "image", StoryFactory), (Author, "photo", AuthorFactory)]


def bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(("model", "field", "factory"), FIELDS)
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<html><script>alert(1)</script></html>", "not an image: upload a JPEG, PNG or WebP"),
        (bomb(), "refused unread as a decompression bomb"),
    ],
)
def test_a_lead_image_and_an_author_photo_refuse_the_same_uploads_in_the_same_words(
    model, field, factory, content, expected
):
    form = modelform_factory(model, fields=[field])(
        files={field: upload(content, "upload.png", "image/png")}, instance=factory()
    )
    assert not form.is_valid()
    assert expected in form.errors[field][0]


@pytest.mark.parametrize(("model", "field", "factory"), FIELDS)
def test_a_lead_image_and_an_author_photo_accept_a_small_upload_held_in_memory(
    model, field, factory
):
    # Checked by its content first, then read again by Django's own check.
    words = {"image_alt": "A", "image_caption": "B", "image_credit": "C"} if model is Story else {}
    form = modelform_factory(model, fields=[field, *words])(
        data=words, files={field: upload(picture(600, 400))}, instance=factory()
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data[field].image.size == (600, 400)


@pytest.mark.parametrize(("model", "field", "factory"), FIELDS)
def test_a_lead_image_and_an_author_photo_both_refuse_too_many_pixels(
    settings, model, field, factory
):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    form = modelform_factory(model, fields=[field])(
        files={field: upload(picture(2000, 1200))}, instance=factory()
    )
    assert not form.is_valid()
    assert "2,000 × 1,200 pixels" in form.errors[field][0]


def test_a_stored_photo_is_upright_without_exif_and_named_by_its_content(mara):
    with_photo(mara, picture(800, 600, exif=located_exif(orientation=6)), name="../me.html.jpg")
    assert re.fullmatch(r"author-photos/[0-9a-f]{20}\.jpg", mara.photo.name)
    assert (mara.photo_width, mara.photo_height) == (600, 800)
    with default_storage.open(mara.photo.name, "rb") as file:
        data = file.read()
    image = Image.open(io.BytesIO(data))
    assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
    assert b"PhoneMaker" not in data


def test_photo_renditions_are_small_never_wider_than_the_original(
    mara, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with_photo(mara, picture(300, 400))
    mara.refresh_from_db()
    sizes = mara.photo_renditions["sizes"]
    assert mara.photo_renditions["of"] == mara.photo.name
    assert [(s["width"], s["height"]) for s in sizes] == [(96, 128), (192, 256), (300, 400)]
    for size in sizes:
        with default_storage.open(size["webp"], "rb") as file:
            assert Image.open(file).size == (size["width"], size["height"])


def test_a_large_photo_gets_the_three_portrait_widths_only(
    mara, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with_photo(mara, picture(1600, 1600))
    mara.refresh_from_db()
    assert [s["width"] for s in mara.photo_renditions["sizes"]] == [96, 192, 400]


def test_renditions_of_a_replaced_photo_are_not_kept(mara, django_capture_on_commit_callbacks):
    from stories.tasks import render_author_photo

    with_photo(mara)
    first = mara.photo.name
    with_photo(mara, picture(500, 500, colour=(0, 90, 0)))
    assert render_author_photo.enqueue(author_id=mara.pk, photo=first).return_value == 0
    mara.refresh_from_db()
    assert mara.photo_renditions == {}


# Files go with the photo.


def test_replacing_or_clearing_a_photo_deletes_the_old_files(
    mara, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with_photo(mara)
    first = mara.photo.name
    assert len(files_in(media_root)) == 1 + 2 * 3
    with django_capture_on_commit_callbacks(execute=True):
        with_photo(mara, picture(500, 500, colour=(0, 90, 0)))
    mara.refresh_from_db()
    kept = files_in(media_root)
    assert first not in kept and mara.photo.name in kept
    assert not [name for name in kept if name.startswith(first.rsplit(".", 1)[0])]
    with django_capture_on_commit_callbacks(execute=True):
        mara.photo = None
        mara.save()
    assert files_in(media_root) == []


def test_deleting_an_author_deletes_their_photo_and_renditions(
    media_root, django_capture_on_commit_callbacks
):
    keep = with_photo(AuthorFactory(), picture(300, 300, colour=(0, 0, 200)))
    with django_capture_on_commit_callbacks(execute=True):
        gone = with_photo(AuthorFactory())
    assert len(files_in(media_root)) == 1 + 1 + 2 * 3
    with django_capture_on_commit_callbacks(execute=True):
        gone.delete()
    assert files_in(media_root) == [keep.photo.name]


# What pages show.


def test_the_author_page_shows_the_photo_eagerly_with_its_size_and_the_name_as_alt(
    client, on_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with_photo(on_page, picture(600, 800))
    page = parse(client.get(on_page.get_absolute_url()).text)
    header = elements(page, "header", class_="author-header")[0]
    (img,) = elements(header, "img")
    assert attribute(img, "width") == "600" and attribute(img, "height") == "800"
    assert attribute(img, "alt") == "Mara <Okafor> & Co"
    assert attribute(img, "loading") is None
    assert attribute(img, "srcset").endswith(" 400w")
    (source,) = elements(header, "source", type="image/webp")
    assert " 96w, " in attribute(source, "srcset")


def test_the_author_page_shows_the_original_until_renditions_are_made(client, on_page):
    with_photo(on_page)
    img = elements(parse(client.get(on_page.get_absolute_url()).text), "img")[0]
    assert attribute(img, "src") == f"/media/{on_page.photo.name}"
    assert attribute(img, "srcset") is None


def test_an_author_without_a_photo_keeps_the_sites_preview(client, on_page):
    html = client.get(on_page.get_absolute_url()).text
    assert "<picture>" not in html
    assert "social-preview" in re.search(r'og:image" content="([^"]+)"', html).group(1)
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert "image" not in json_ld(html)["mainEntity"]


def test_the_photo_is_the_author_pages_social_image_and_json_ld_image(
    client, on_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with_photo(on_page, picture(800, 800))
    html = client.get(on_page.get_absolute_url()).text
    widest = Author.objects.get(pk=on_page.pk).photo_renditions["sizes"][-1]
    url = f"http://testserver/media/{widest['fallback']}"
    assert f'<meta property="og:image" content="{url}">' in html
    assert '<meta property="og:image:width" content="400">' in html
    assert '<meta property="og:image:alt" content="Mara &lt;Okafor&gt; &amp; Co">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert json_ld(html)["mainEntity"]["image"] == {
        "@type": "ImageObject",
        "url": url,
        "width": 400,
        "height": 400,
    }


def test_a_story_names_its_authors_photo_in_its_json_ld(client, on_page):
    with_photo(on_page)
    story = on_page.bylines.get().story
    data = json_ld(client.get(story.get_absolute_url()).text)
    assert data["author"][0]["image"]["url"] == f"http://testserver/media/{on_page.photo.name}"


def test_the_story_byline_shows_small_photos_of_the_authors_who_have_one(
    client, on_page, django_capture_on_commit_callbacks
):
    other = AuthorFactory(name="Hana Villiers")
    story = on_page.bylines.get().story
    byline(story, other)
    with django_capture_on_commit_callbacks(execute=True):
        with_photo(on_page, picture(640, 800))
    found = elements(parse(client.get(story.get_absolute_url()).text), "p", class_="byline")[0]
    (img,) = elements(found, "img", class_="byline-photo")
    assert attribute(img, "alt") == ""  # the linked name follows at once
    assert attribute(img, "width") == "640" and attribute(img, "height") == "800"
    assert attribute(img, "src").endswith("/96.jpg")
    assert attribute(img, "srcset").split(", ")[:2] == [
        f"/media/{size['fallback']} {size['width']}w"
        for size in Author.objects.get(pk=on_page.pk).photo_renditions["sizes"][:2]
    ]
    assert attribute(img, "loading") is None


def test_a_story_whose_authors_have_no_photo_shows_none_in_its_byline(client, on_page):
    story = on_page.bylines.get().story
    found = elements(parse(client.get(story.get_absolute_url()).text), "p", class_="byline")[0]
    assert elements(found, "img") == []


# The admin.


def test_an_editor_uploads_a_photo_in_the_author_admin_and_sees_its_preview(
    editor_client, mara, django_capture_on_commit_callbacks
):
    url = reverse("admin:stories_author_change", args=[mara.pk])
    form = editor_client.get(url).text
    assert 'enctype="multipart/form-data"' in form
    assert "No image yet." in form
    fields = {"name": mara.name, "slug": mara.slug, "kind": mara.kind, "role": mara.role}
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            url, {**fields, "bio": "", "website": "", "social": "", "photo": upload(picture())}
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    mara.refresh_from_db()
    assert mara.photo.name.startswith("author-photos/")
    preview = re.search(r'<img class="lead-image-preview"[^>]*>', editor_client.get(url).text)
    small = mara.photo_renditions["sizes"][1]
    assert f'src="/media/{small["fallback"]}" width="192"' in preview.group()


def test_the_author_admin_refuses_a_file_that_is_not_an_image(editor_client, mara):
    url = reverse("admin:stories_author_change", args=[mara.pk])
    fields = {"name": mara.name, "slug": mara.slug, "kind": mara.kind, "role": mara.role}
    response = editor_client.post(url, {**fields, "photo": upload(b"<html></html>", "me.jpg")})
    assert response.status_code == 200
    assert "The file is not an image" in response.text
    mara.refresh_from_db()
    assert not mara.photo


# Packages.


def photo_package(path="authors/mara-okafor.jpg"):
    return package_data(
        authors=[{"slug": "mara-okafor", "name": "Mara Okafor", "photo": {"path": path}}]
    )


def test_a_package_gives_a_new_author_its_photo_and_round_trips_it(tmp_path):
    from django.core.management import call_command

    (tmp_path / "authors").mkdir()
    (tmp_path / "authors" / "mara-okafor.jpg").write_bytes(picture(600, 800))
    story = import_package(photo_package(), folder=tmp_path).story
    author = Author.objects.get(slug="mara-okafor")
    assert (author.photo_width, author.photo_height) == (600, 800)
    before = export_package(story)
    assert before["authors"][0]["photo"] == {"path": "authors/mara-okafor.jpg"}
    assert list(export_files(story)) == ["authors/mara-okafor.jpg"]
    out = tmp_path / "export"
    call_command("export_story", story.slug, to=str(out))
    # Into another site: neither the story nor its author is there.
    Story.objects.all().delete()
    Author.objects.all().delete()
    call_command("import_story", str(out / f"{story.slug}.json"))
    again = Story.objects.get(slug=story.slug)
    assert export_package(again) == before
    assert again.byline_authors[0].photo_width == 600


def test_an_existing_author_keeps_their_photo_and_the_import_says_so(tmp_path, mara):
    with_photo(mara, picture(300, 300, colour=(0, 0, 200)))
    kept = mara.photo.name
    (tmp_path / "authors").mkdir()
    (tmp_path / "authors" / "mara-okafor.jpg").write_bytes(picture(600, 800))
    result = import_package(photo_package(), folder=tmp_path)
    mara.refresh_from_db()
    assert mara.photo.name == kept
    assert any("authors[0].photo.path" in note and "keeps" in note for note in result.notes)


def test_an_existing_author_without_a_photo_is_given_the_packages(tmp_path, mara):
    (tmp_path / "authors").mkdir()
    (tmp_path / "authors" / "mara-okafor.jpg").write_bytes(picture(600, 800))
    import_package(photo_package(), folder=tmp_path)
    mara.refresh_from_db()
    assert mara.photo.name.startswith("author-photos/")


@pytest.mark.parametrize(
    ("path", "content", "expected"),
    [
        ("me.jpg", b"not a picture", "authors[0].photo.path: 'me.jpg': The file is not an image"),
        ("missing.jpg", None, "authors[0].photo.path: 'missing.jpg' cannot be read"),
        ("../me.jpg", None, "'../me.jpg' is not a relative path inside the package"),
    ],
)
def test_a_photo_failing_its_checks_refuses_the_whole_import_naming_its_path(
    tmp_path, media_root, path, content, expected
):
    if content is not None:
        (tmp_path / path).write_bytes(content)
    with pytest.raises(PackageInvalid) as refusal:
        import_package(photo_package(path), folder=tmp_path)
    assert any(expected in problem for problem in refusal.value.problems)
    assert not Story.objects.exists() and not Author.objects.exists()
    assert files_in(media_root) == []


def test_a_package_read_from_standard_input_cannot_carry_a_photo():
    with pytest.raises(PackageInvalid, match=r"authors\[0\]\.photo\.path: .*standard input"):
        import_package(photo_package())


def test_an_import_refused_by_the_publish_checks_removes_the_photo_it_stored(tmp_path, media_root):
    (tmp_path / "me.jpg").write_bytes(picture(300, 300))
    data = photo_package("me.jpg")
    data["key_points"] = []  # a valid package, refused at publishing: after the photo is stored
    with pytest.raises(PackageInvalid, match="publish check"):
        import_package(data, folder=tmp_path)
    assert not Author.objects.exists()
    assert files_in(media_root) == []
