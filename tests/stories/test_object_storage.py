"""Lead images in S3-compatible object storage (django-storages), against a real
S3 server on a local port: moto_server, from the dev dependencies."""

import ast
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage

from stories.models import Story
from tests.factories import StoryFactory
from tests.images import picture, with_image
from tests.test_production_server import free_port

BUCKET = "factlen-media"
MOTO = Path(sys.executable).parent / "moto_server"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/media/*",
        }
    ],
}
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    """moto_server on a free port, with an empty bucket; stopped after the module."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [MOTO, "-H", "127.0.0.1", "-p", str(port)], stdout=output, stderr=output
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("moto_server did not start:\n" + log.read_text())
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_bucket(Bucket=BUCKET)
        # Readers fetch what pages link to: a public-read policy on the media, as
        # an operator sets one (README).
        client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
        yield endpoint, client
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def in_bucket(settings, s3_server):
    """The default storage is the bucket, configured as STORAGE_BUCKET configures it."""
    endpoint, client = s3_server
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "location": "media",
                "querystring_auth": False,
                "file_overwrite": False,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
    }
    return endpoint, client


def test_a_lead_image_and_its_renditions_are_stored_in_the_bucket_and_linked_from_the_page(
    client, db, in_bucket, django_capture_on_commit_callbacks
):
    endpoint, s3 = in_bucket
    with django_capture_on_commit_callbacks(execute=True):
        story = with_image(StoryFactory(), picture(1200, 800))
    story.refresh_from_db()
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert f"media/{story.image.name}" in keys
    for size in story.image_renditions["sizes"]:
        assert {f"media/{size['webp']}", f"media/{size['fallback']}"} <= keys
    # Read back through the bucket's own HTTP address, as a reader's browser would.
    url = default_storage.url(story.image_renditions["sizes"][0]["webp"])
    assert url.startswith(f"{endpoint}/{BUCKET}/media/lead-images/")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Type"] == "image/webp"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.read(12)[8:12] == b"WEBP"
    html = client.get(story.get_absolute_url()).text
    assert f'srcset="{url} 480w' in html
    assert f'<meta property="og:image" content="{endpoint}/{BUCKET}/media/' in html


def test_deleting_the_story_deletes_its_image_and_renditions_from_the_bucket(
    db, in_bucket, django_capture_on_commit_callbacks
):
    from stories.deletion import delete_stories

    _, s3 = in_bucket
    with django_capture_on_commit_callbacks(execute=True):
        story = with_image(StoryFactory(), picture(700, 500))
    prefix = f"media/{story.image.name.rsplit('.', 1)[0]}"
    assert len(s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]) == 5
    with django_capture_on_commit_callbacks(execute=True):
        delete_stories(Story.objects.filter(pk=story.pk))
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)


def test_the_stored_original_in_the_bucket_is_served_as_a_jpeg(db, in_bucket):
    story = with_image(StoryFactory())
    with urllib.request.urlopen(default_storage.url(story.image.name), timeout=10) as response:
        assert response.headers["Content-Type"] == "image/jpeg"


def setting(name, **env):
    """The value of one setting, loaded in a fresh interpreter with `env`."""
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import "
         f"settings; print(repr(getattr(settings, {name!r})))"],
        capture_output=True, text=True, check=True, cwd=django_settings.BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "factlen.settings",
             "DEBUG": "true", "DATABASE_URL": "sqlite://:memory:"} | env,
    )  # fmt: skip
    return ast.literal_eval(result.stdout.strip())


def test_a_bucket_in_the_environment_makes_it_the_default_storage_and_lets_pages_load_it():
    env = {"STORAGE_BUCKET": BUCKET, "AWS_S3_ENDPOINT_URL": "https://s3.example", **CREDENTIALS}
    storage = setting("STORAGES", **env)["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == BUCKET
    assert storage["OPTIONS"]["endpoint_url"] == "https://s3.example"
    assert storage["OPTIONS"]["querystring_auth"] is False
    policy = setting("CONTENT_SECURITY_POLICY", **env)["DIRECTIVES"]
    assert policy["img-src"] == ["'self'", "https://s3.example"]
    assert setting("SERVE_MEDIA", **env) is False
    cdn = setting("CONTENT_SECURITY_POLICY", **env, AWS_S3_CUSTOM_DOMAIN="media.example")
    assert cdn["DIRECTIVES"]["img-src"] == ["'self'", "https://media.example"]


def test_without_a_bucket_media_is_local_files_and_pages_load_only_their_own_images():
    assert setting("STORAGES")["default"]["BACKEND"].endswith("FileSystemStorage")
    assert setting("CONTENT_SECURITY_POLICY")["DIRECTIVES"]["img-src"] == ["'self'"]
