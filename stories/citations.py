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
    An empty list means the citations run 1..n and every marker resolves to
    exactly one of them (the rule story packages follow too).
    """
    problems = []
    counts = Counter(numbers)
    missing = sorted(set(range(1, len(counts) + 1)) - set(counts))
    if missing:
        problems.append(
            f"Citations are numbered 1 to {len(counts)} with no gap; "
            f"number {', '.join(map(str, missing))} is missing."
        )
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
