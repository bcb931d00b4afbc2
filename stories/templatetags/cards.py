"""Story cards, rendered once per change of their story and kept.

A home page shows some eighty cards; rendering each through the template on
every request was most of its cost. A card shows only its story's own fields,
topic and authors, and any change to those touches the story's `updated_at`
(stories.signals), so a rendered card is kept under the story's id, its
`updated_at` and how it is shown, and a list of cards is read with one cache
request (or none: factlen.caching.read_kept).

    {% story_cards stories level=3 %}                  the cards, one after another
    {% story_cards stories level=2 as cards %}         (story, card) pairs, to add to
"""

from django import template
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from factlen.caching import kept_per_version

from ..models import bylines

register = template.Library()


class Cards(list):
    """(story, card HTML) pairs; shown as is, the cards one after another."""

    def __html__(self):
        return "".join(card for _, card in self)

    def __str__(self):
        return self.__html__()


@register.simple_tag
def story_cards(stories, *, level=3, show_topic=False, show_dek=False, is_lead=False):
    stories = list(stories)
    by_pk = {story.pk: story for story in stories}
    shown = f"{level}{int(show_topic)}{int(show_dek)}{int(is_lead)}"

    def render(missing):
        fresh = [by_pk[pk] for pk in missing]
        # A card names its authors: loaded for the cards rendered afresh only,
        # in one query however many stories and authors.
        prefetch_related_objects(fresh, bylines())
        shown_as = {
            "level": level,
            "show_topic": show_topic,
            "show_dek": show_dek,
            "is_lead": is_lead,
        }
        return {
            story.pk: render_to_string("includes/story_card.html", {**shown_as, "story": story})
            for story in fresh
        }

    versions = {story.pk: story.updated_at.isoformat() for story in stories}
    cards = kept_per_version(f"card:{shown}", versions, render)
    # Safe: rendered from the card template, which escapes what it shows.
    return Cards((story, mark_safe(cards[story.pk])) for story in stories)
