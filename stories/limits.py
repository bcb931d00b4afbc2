"""How much one story may hold: the limits, and the words for each refusal.

Generous for real journalism (the longest demo story is a fraction of each),
small enough that no story can make its page, its preview, its admin page or
a search slow for everyone. The model's fields, the admin's formsets, the
package format's JSON Schema and its parser all take their numbers from
here; a test holds the schema to them.
"""

from dataclasses import dataclass

# Characters of the text fields that have no length of their own in the
# database (TextField). Short fields keep their max_length on the model.
BODY_LENGTH = 60_000
WHY_IT_MATTERS_LENGTH = 3_000
VIEWPOINT_DETAIL_LENGTH = 6_000
CITATION_QUOTE_LENGTH = 2_000
CORRECTION_LENGTH = 3_000
WITHDRAWN_REASON_LENGTH = 3_000
COMMENT_LENGTH = 3_000
# A lead image's words (short fields, kept by the database's max_length).
IMAGE_ALT_LENGTH = 300
IMAGE_CAPTION_LENGTH = 500
IMAGE_CREDIT_LENGTH = 200
AUTHOR_BIO_LENGTH = 600


@dataclass(frozen=True)
class ItemLimit:
    """At most `most` rows of one kind per story."""

    what: str  # as an editor names them, plural
    most: int

    def refusal(self, given: int | None = None) -> str:
        text = f"A story holds at most {self.most:,} {self.what}"
        return f"{text} ({given:,} given)." if given is not None else f"{text}."


# Keyed by the story's related name for the rows (and "tags").
ITEMS = {
    "viewpoints": ItemLimit("viewpoints", 12),
    "key_points": ItemLimit("key points", 12),
    "timeline_events": ItemLimit("timeline events", 60),
    "open_questions": ItemLimit("open questions", 12),
    "citations": ItemLimit("cited sources", 80),
    "corrections": ItemLimit("corrections and updates", 50),
    "tags": ItemLimit("tags", 20),
    "story_authors": ItemLimit("authors", 8),
}

# A story package: its size as a file, and how deep its JSON may nest (the
# format itself needs three levels: the story, a list, an item of it).
PACKAGE_BYTES = 2_000_000
PACKAGE_DEPTH = 6


def too_big(size: int) -> str:
    return f"the package is {size:,} bytes; a package may be at most {PACKAGE_BYTES:,} bytes"


def too_deep(depth: int) -> str:
    return f"nested more than {PACKAGE_DEPTH} levels deep ({depth:,} or more)"
