"""Citation markers: `[n]` in a story body points at the story's source n.

The renderer (stories/markdown.py) parses markers as Markdown tokens, so a
marker inside code stays literal text. The checks here must agree with it, so
they also ask the parser rather than running a regex over the raw text.
"""

from collections import Counter

MARKER_PATTERN = r"\[(\d{1,4})\]"


def markers_in(body: str) -> list[int]:
    """Citation numbers in `body`, in reading order, repeats included."""
    from .markdown import citation_numbers

    return citation_numbers(body)


def citation_problems(body: str, numbers: list[int]) -> list[str]:
    """What is wrong between the body's markers and the story's citation numbers.

    `numbers` are the numbers of the story's citations (duplicates included).
    An empty list means every marker resolves to exactly one citation.
    """
    problems = []
    counts = Counter(numbers)
    for number, count in sorted(counts.items()):
        if count > 1:
            problems.append(
                f"Two or more citations are numbered {number}; each number is used once."
            )
    seen = set()
    for number in markers_in(body):
        if number not in counts and number not in seen:
            problems.append(
                f"The body cites [{number}], but there is no citation numbered {number}."
            )
        seen.add(number)
    return problems
