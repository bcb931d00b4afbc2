"""The citation rule: `[n]` in a story body points at the story's citation n.

Stated once, here, and applied in the same words by the admin form on every
save, by the publish checks and by story packages. The body's markers are read
by the Markdown parser (stories/markdown.py), so a marker inside code is
literal text and never checked.
"""

from collections import Counter
from dataclasses import dataclass

from .markdown import citation_numbers


@dataclass(frozen=True)
class CitationProblem:
    """One thing wrong, and where: a marker in the body, one citation (its index
    in the numbers checked), or the numbering as a whole (neither)."""

    message: str
    in_body: bool = False
    citation: int | None = None

    def __str__(self):
        return self.message


def citation_problems(
    body: str, numbers: list[int], *, all_cited: bool = False, cited_elsewhere=()
):
    """What breaks the rule between the body's markers and the citation numbers.

    `numbers` are the story's citation numbers in their order, repeats
    included. They must run 1 to k with no gap and no repeat, and every marker
    in the body must name one of them; with `all_cited` (publishing), every
    citation must also be cited in the body or be among `cited_elsewhere` (the
    numbers a viewpoint cites, say). Returns a list of CitationProblem,
    empty when the rule holds.
    """
    cited = citation_numbers(body)
    return [
        *_gaps(numbers),
        *_repeats(numbers),
        *_unresolved(cited, numbers),
        *(_uncited([*cited, *cited_elsewhere], numbers) if all_cited else []),
    ]


def _gaps(numbers):
    used = set(numbers)
    missing = sorted(set(range(1, len(used) + 1)) - used)
    if not missing:
        return []
    listed = ", ".join(map(str, missing))
    which = f"number {listed} is" if len(missing) == 1 else f"numbers {listed} are"
    return [
        CitationProblem(f"Citations are numbered 1 to {len(used)} with no gap; {which} missing.")
    ]


def _repeats(numbers):
    seen, problems = Counter(), []
    for index, number in enumerate(numbers):
        seen[number] += 1
        if seen[number] == 2:  # once per number, at its first repeat
            problems.append(
                CitationProblem(
                    f"Two or more citations are numbered {number}; each number is used once.",
                    citation=index,
                )
            )
    return problems


def _unresolved(cited, numbers):
    known = set(numbers)
    missing = dict.fromkeys(n for n in cited if n not in known)  # in reading order, once each
    return [
        CitationProblem(f"The body cites [{n}], but no citation is numbered {n}.", in_body=True)
        for n in missing
    ]


def _uncited(cited, numbers):
    cited = set(cited)
    return [
        CitationProblem(f"Citation {number} is never cited in the story.", citation=index)
        for index, number in enumerate(numbers)
        if number not in cited
    ]
