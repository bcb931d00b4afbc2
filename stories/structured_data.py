"""schema.org data for search engines, built as Python data and serialised once."""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.utils.safestring import mark_safe

from factlen.times import machine_time

# The same escapes as Django's json_script: no "</script>", "<!--" or "&"
# can survive inside the element, whatever a field holds.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data) -> str:
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=False)
    # Safe: the characters that could end the element are escaped.
    return mark_safe(f'<script type="application/ld+json">{text.translate(_ESCAPES)}</script>')


def publisher(request) -> dict:
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.SITE_NAME,
        "url": request.build_absolute_uri("/"),
        "logo": {"@type": "ImageObject", "url": request.build_absolute_uri(static("favicon.svg"))},
    }


def author(author, request, *, full=False) -> dict:
    """A byline's author: a person as a `Person`, a desk as an `Organization`,
    each with the address of their author page and their photo, if any. `full`
    adds what the author page says of them."""
    data = {
        "@type": "Person" if author.is_person else "Organization",
        "name": author.name,
        "url": request.build_absolute_uri(author.get_absolute_url()),
    }
    portrait = author.portrait
    if portrait is not None:
        social = portrait.social
        data["image"] = {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(social.url),
            "width": social.width,
            "height": social.height,
        }
    if full:
        if author.role and author.is_person:
            data["jobTitle"] = author.role
        if author.bio:
            data["description"] = author.bio
        if author.links:
            data["sameAs"] = [url for _, url in author.links]
    return data


def authors(story, request) -> list[dict]:
    """Who wrote it, in byline order; a story with no author named is the newsroom's."""
    named = [author(a, request) for a in story.byline_authors]
    return named or [
        {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "url": request.build_absolute_uri("/"),
        }
    ]


def images(story, request) -> list:
    """The story's lead image (with its alt text and credit), else the site's preview."""
    image = story.lead_image
    if image is None:
        return [request.build_absolute_uri(static("social-preview.png"))]
    social = image.social
    return [
        {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(social.url),
            "width": social.width,
            "height": social.height,
            "caption": image.caption,
            "description": image.alt,
            "creditText": image.credit,
        }
    ]


def keywords(words) -> list[str]:
    """`words` without repeats, ignoring case as a reader would; the first spelling stays."""
    seen = set()
    kept = []
    for word in words:
        if word.casefold() not in seen:
            seen.add(word.casefold())
            kept.append(word)
    return kept


def news_article(story, request) -> dict:
    url = request.build_absolute_uri(story.get_absolute_url())
    return {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": story.title,
        "description": story.dek,
        "image": images(story, request),
        "datePublished": machine_time(story.published_at),
        "dateModified": machine_time(story.updated_at),
        "author": authors(story, request),
        "publisher": publisher(request),
        "articleSection": story.topic.name,
        "keywords": keywords([story.label, *sorted(tag.name for tag in story.tags.all())]),
        "citation": [
            {
                "@type": "CreativeWork",
                "name": c.source.title,
                "url": c.source.url,
                "publisher": {"@type": "Organization", "name": c.source.outlet.name},
            }
            for c in story.citations.all()
        ],
    }


def collection_page(topic, stories, request) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": topic.name,
        "description": topic.description,
        "url": request.build_absolute_uri(topic.get_absolute_url()),
        "publisher": publisher(request),
        "mainEntity": {
            "@type": "ItemList",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": i,
                    "url": request.build_absolute_uri(story.get_absolute_url()),
                    "name": story.title,
                }
                for i, story in enumerate(stories, start=1)
            ],
        },
    }


def profile_page(person, stories, request) -> dict:
    """The author page: the author, and the stories the page lists."""
    return {
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "url": request.build_absolute_uri(person.get_absolute_url()),
        "mainEntity": author(person, request, full=True),
        "hasPart": [
            {
                "@type": "NewsArticle",
                "headline": story.title,
                "url": request.build_absolute_uri(story.get_absolute_url()),
                "datePublished": machine_time(story.published_at),
            }
            for story in stories
        ],
    }
