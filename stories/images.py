"""Uploaded pictures (a story's lead image, an author's photo): what an upload
must be, what is stored, and its renditions.

An upload is judged by its content, never its name: Pillow must open it as
JPEG, PNG or WebP and verify it, within IMAGE_MAX_BYTES and IMAGE_MAX_PIXELS
(a picture with more pixels is refused before it is decoded, so a
decompression bomb costs nothing). What is stored is not the upload but a
copy re-encoded from its pixels: the camera's orientation applied, and no
EXIF, XMP or text chunks left, so a photo's location never reaches readers.
It is stored under a name made from its content (never reused for other
bytes, so it may be cached for good), through Django's default storage.

Renditions (WIDTHS for a lead image, PORTRAIT_WIDTHS for an author's photo,
never wider than the original) in WebP and in the original's format are made
once, by a task after the story or author is saved (stories.tasks); until
they exist, pages show the original.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's format → the file extension we store it under.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
WIDTHS = (480, 960, 1600)
# An author's photo is shown small (beside a byline, at the top of their page):
# 96 and 192 serve a 96-pixel box at one and two device pixels per CSS pixel,
# 400 the author page's larger box and social sites.
PORTRAIT_WIDTHS = (96, 192, 400)
FOLDER = "lead-images"
# The widest rendition in the original's format is what social sites are given.
_SAVE = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 80, "method": 4},
}
# What a decoder may raise on a damaged file, besides its own errors.
_BROKEN = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:,.1f} megapixels"


def checked_image(file) -> Image.Image:
    """The image in `file` (an upload or any file object), decoded; a
    ValidationError saying what is wrong when it is not an acceptable one."""
    most = settings.IMAGE_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > most:
        raise ValidationError(
            f"The image is {size:,} bytes; the most is {most:,} bytes "
            f"({most / 1024 / 1024:.0f} MB).",
            code="too_big",
        )
    file.seek(0)
    data = file.read(most + 1)
    if len(data) > most:
        raise ValidationError(f"The image is more than {most:,} bytes.", code="too_big")
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check warns below its hard limit: refuse then too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(data)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        raise ValidationError(
            f"The image was refused unread as a decompression bomb ({bomb}).", code="bomb"
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(
            "The file is not an image: upload a JPEG, PNG or WebP.", code="not_an_image"
        ) from None
    except _BROKEN as exc:
        raise ValidationError(
            f"The image is damaged and cannot be read ({exc}).", code="damaged"
        ) from None


def _decode(data: bytes) -> Image.Image:
    probe = Image.open(io.BytesIO(data))
    if probe.format not in FORMATS:
        raise ValidationError(
            f"The image is a {probe.format} file: upload a JPEG, PNG or WebP.", code="format"
        )
    width, height = probe.size
    most = settings.IMAGE_MAX_PIXELS
    if width * height > most:
        raise ValidationError(
            f"The image is {width:,} × {height:,} pixels ({_megapixels(width * height)}); the "
            f"most is {_megapixels(most)}. It was not decoded: a picture that large from a "
            "small file is a decompression bomb.",
            code="too_many_pixels",
        )
    probe.verify()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _web_mode(image: Image.Image, fmt: str) -> Image.Image:
    """The image in a mode `fmt` keeps as the reader should see it."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if fmt == "JPEG" or not has_alpha:
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    return image if image.mode == "RGBA" else image.convert("RGBA")


def _encode(image: Image.Image, fmt: str, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    options = dict(_SAVE[fmt])
    if icc:
        options["icc_profile"] = icc
    # No exif, xmp or text: only what is passed here is written.
    image.info = {}
    image.save(out, format=fmt, exif=b"", **options)
    return out.getvalue()


def cleaned_upload(file) -> ContentFile:
    """What is stored for the upload `file`: checked, turned upright, re-encoded
    without metadata, named by its content."""
    image = checked_image(file)
    fmt = image.format
    icc = image.info.get("icc_profile")
    upright = _web_mode(ImageOps.exif_transpose(image), fmt)
    data = _encode(upright, fmt, icc)
    digest = hashlib.sha256(data).hexdigest()[:20]
    return ContentFile(data, name=f"{digest}.{FORMATS[fmt]}")


def validate_upload(file) -> None:
    """Model-field validator: a new upload must be an acceptable image."""
    if file and not getattr(file, "_committed", True):
        checked_image(file)


class LeadImageFormField(forms.ImageField):
    """Django's image field, refusing what checked_image refuses in its words
    first (its own check calls a decompression bomb "not a valid image")."""

    def to_python(self, data):
        file = forms.FileField.to_python(self, data)
        if file is not None:
            checked_image(file)
            # Django's check reads an upload held in memory from where it is.
            file.seek(0)
        return super().to_python(data)


class LeadImageField(models.ImageField):
    """An ImageField that stores only the cleaned copy of what is uploaded
    (cleaned_upload), whoever saves it: the admin, an import, a shell."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [validate_upload])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("validators") == [validate_upload]:
            del kwargs["validators"]
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": LeadImageFormField, **kwargs})

    def pre_save(self, model_instance, add):
        file = getattr(model_instance, self.attname)
        if file and not file._committed:
            cleaned = cleaned_upload(file)
            file.save(cleaned.name, cleaned, save=False)
        return super().pre_save(model_instance, add)


# Renditions.


def make_renditions(name: str, *, widths=WIDTHS, storage=None) -> dict:
    """Make the renditions of the stored image `name`, `widths` wide at most;
    what a story or author keeps of them:
    {"of": name, "sizes": [{"width", "height", "webp", "fallback"}, ...]}."""
    storage = storage or default_storage
    with storage.open(name, "rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    fmt = image.format if image.format in ("JPEG", "PNG") else None
    icc = image.info.get("icc_profile")
    fallback = fmt or ("PNG" if image.mode == "RGBA" else "JPEG")
    stem = name.rsplit(".", 1)[0]
    sizes = []
    for width in _widths(image.width, widths):
        height = max(1, round(image.height * width / image.width))
        resized = image.resize((width, height), Image.Resampling.LANCZOS)
        entry = {"width": width, "height": height}
        for key, out_format in (("webp", "WEBP"), ("fallback", fallback)):
            data = _encode(_web_mode(resized, out_format), out_format, icc)
            target = f"{stem}/{width}.{FORMATS[out_format]}"
            entry[key] = storage.save(target, ContentFile(data))
        sizes.append(entry)
    return {"of": name, "sizes": sizes}


def _widths(original: int, wanted=WIDTHS) -> list[int]:
    """The rendition widths for an original this wide: each of `wanted` narrower
    than it, and the original's own width when it is narrower than the widest."""
    widths = [w for w in wanted if w < original]
    if original <= wanted[-1]:
        widths.append(original)
    return widths


def delete_images(names, *, storage=None) -> None:
    """Delete the stored images `names` and every rendition made of them (kept
    beside each, in a folder named after it)."""
    storage = storage or default_storage
    for name in sorted(names):
        stem = name.rsplit(".", 1)[0]
        try:
            _, files = storage.listdir(stem)
        except FileNotFoundError:
            files = []
        for file in files:
            storage.delete(f"{stem}/{file}")
        storage.delete(name)


def delete_renditions(renditions: dict, *, storage=None) -> None:
    storage = storage or default_storage
    for entry in renditions.get("sizes", []):
        for key in ("webp", "fallback"):
            storage.delete(entry[key])


# What pages show.


@dataclass(frozen=True)
class Candidate:
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class LeadImage:
    """A stored picture as pages show it (a story's lead image, an author's
    photo): the renditions made for its current file, or the original alone
    until they exist."""

    alt: str
    caption: str
    credit: str
    width: int
    height: int
    original: str
    webp: tuple[Candidate, ...]
    fallback: tuple[Candidate, ...]

    @classmethod
    def of(cls, story) -> "LeadImage | None":
        """A story's lead image, or None."""
        return cls.stored(
            story.image,
            width=story.image_width,
            height=story.image_height,
            renditions=story.image_renditions,
            alt=story.image_alt,
            caption=story.image_caption,
            credit=story.image_credit,
        )

    @classmethod
    def stored(
        cls, file, *, width, height, renditions, alt, caption="", credit=""
    ) -> "LeadImage | None":
        """The picture in the stored `file` (a model's image field), with the
        renditions kept for it, or None when there is no file."""
        if not file:
            return None
        url = default_storage.url
        renditions = renditions or {}
        sizes = renditions.get("sizes", []) if renditions.get("of") == file.name else []
        return cls(
            alt=alt,
            caption=caption,
            credit=credit,
            width=width or 0,
            height=height or 0,
            original=url(file.name),
            webp=tuple(Candidate(url(s["webp"]), s["width"], s["height"]) for s in sizes),
            fallback=tuple(Candidate(url(s["fallback"]), s["width"], s["height"]) for s in sizes),
        )

    @property
    def src(self) -> str:
        """The fallback for browsers without srcset: the widest rendition, else the original."""
        return self.fallback[-1].url if self.fallback else self.original

    @property
    def social(self) -> Candidate:
        """What og:image and twitter:image give: the widest rendition in the
        original's format (social sites read JPEG and PNG everywhere)."""
        if self.fallback:
            return self.fallback[-1]
        return Candidate(self.original, self.width, self.height)

    @staticmethod
    def srcset(candidates) -> str:
        return ", ".join(f"{c.url} {c.width}w" for c in candidates)

    @property
    def webp_srcset(self) -> str:
        return self.srcset(self.webp)

    @property
    def fallback_srcset(self) -> str:
        return self.srcset(self.fallback)
