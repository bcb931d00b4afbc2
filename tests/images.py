"""Pictures made for the tests, in memory: uploads as an editor's browser sends them."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# EXIF tags: the orientation, and the GPS block (its pointer in IFD0).
ORIENTATION = 0x0112
GPS_IFD = 0x8825


def picture(width=2000, height=1200, *, fmt="JPEG", colour=(200, 80, 40), exif=None) -> bytes:
    """A picture: its left half `colour`, its right half white, so turning it shows."""
    mode = "RGBA" if fmt == "PNG" and len(colour) == 4 else "RGB"
    image = Image.new(mode, (width, height), "white")
    image.paste(Image.new(mode, (width // 2, height), colour), (0, 0))
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def located_exif(*, orientation=1) -> Image.Exif:
    """EXIF as a phone writes it: an orientation and where the photo was taken."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    return exif


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def with_image(story, data=None, *, name="photo.jpg", **words):
    """`story` given a lead image (saved), with its alt text, caption and credit."""
    story.image = upload(data or picture(), name)
    story.image_alt = words.get("alt", "A red and white test card")
    story.image_caption = words.get("caption", "The test card, as it hangs in the newsroom.")
    story.image_credit = words.get("credit", "Photo: Factlen")
    story.save()
    return story
