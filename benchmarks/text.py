"""Newsroom-shaped text from word lists, for the benchmark's data sets.

Every sentence is drawn from a seeded `random.Random`, so a data set is the
same on every machine. Each story is about a few themes, so common words (cost,
transit, AI) recur in many stories, as they would in a real archive, but not
in all of them.
"""

import random

TOPICS = [
    ("AI", "ai"), ("Transit", "transit"), ("Housing", "housing"), ("Energy", "energy"),
    ("Health", "health"), ("Education", "education"), ("Climate", "climate"),
    ("City Budget", "city-budget"), ("Policing", "policing"), ("Water", "water"),
    ("Labour", "labour"), ("Technology", "technology"), ("Courts", "courts"),
    ("Elections", "elections"), ("Trade", "trade"), ("Farming", "farming"),
    ("Culture", "culture"), ("Science", "science"), ("Privacy", "privacy"),
    ("Ports", "ports"),
]  # fmt: skip

SUBJECTS = [
    "the council", "regulators", "the health board", "residents", "the mayor's office",
    "union leaders", "the school district", "local businesses", "researchers", "the utility",
    "landlords", "the finance committee", "state auditors", "the port authority",
    "hospital managers", "teachers", "farmers", "the planning board", "an industry group",
    "consumer advocates", "city engineers", "the opposition", "economists", "tenant groups",
    "the police board",
]  # fmt: skip

VERBS = [
    "proposed", "approved", "questioned", "delayed", "published", "rejected", "estimated",
    "warned about", "defended", "reviewed", "challenged", "welcomed", "revised", "disputed",
    "funded", "cut", "expanded", "paused", "audited", "backed",
]  # fmt: skip

# What a story is about besides its topic. Each story (and source) draws a few,
# so a search for a theme's word (cost, transit, AI) finds a third to a half of
# the archive: many stories, not all of them.
THEMES = {
    "cost": [
        "the cost of the plan", "the cost overrun", "capital costs", "maintenance costs",
        "the cost estimate", "running costs",
    ],
    "transit": [
        "a new transit line", "transit fares", "the transit budget", "the transit authority's plan",
        "bus frequency on the transit network",
    ],
    "ai": [
        "an AI pilot", "an AI scheduling system", "AI triage", "the AI vendor's contract",
        "AI note-taking in clinics",
    ],
    "housing": ["rent increases", "the housing target", "the rezoning", "social housing"],
    "energy": ["the energy tariff", "emissions targets", "heat pump grants", "the wind lease"],
    "budget": ["the budget shortfall", "the levy", "the grant scheme", "the hiring freeze"],
    "services": ["wait times", "the safety review", "library hours", "night services"],
}  # fmt: skip

THEME_FIGURES = {
    "cost": "Officials put the annual cost at {n} million",
    "transit": "Ridership on the transit network fell by {n} per cent",
    "ai": "The AI system handled {n} thousand requests in its first month",
}

OBJECTS = [
    "the contract", "the data behind the policy", "a cheaper alternative", "the timeline",
    "the public consultation", "the tender", "the proposal", "the report", "the pilot",
    "the decision", "the independent review", "the figures",
]  # fmt: skip

TAILS = [
    "after months of debate", "in a report released on Tuesday",
    "despite objections from residents", "according to figures seen by reporters",
    "ahead of next year's budget", "in a closed session", "at a packed public meeting",
    "in a letter to the council", "after an independent review", "for the second time",
    "without a public vote", "with support from both parties", "in a statement",
]  # fmt: skip

NUMBERS = [
    "The estimate rose to {n} million over {y} years",
    "{n} households would be affected, the report found",
    "About {n} per cent of respondents opposed the change",
]  # fmt: skip

HOLDERS = [
    "Fiscal Hawks", "Transit Advocates", "Tenant Unions", "Small Business Owners",
    "Public Health Experts", "Civil Liberties Groups", "Industry Associations",
    "Neighbourhood Councils", "Climate Campaigners", "Taxpayer Groups", "Union Members",
    "Technologists", "Parents' Associations", "Independent Economists",
]  # fmt: skip

LABELS = [
    "Move Faster", "Count the Cost", "Protect Residents", "Trust the Data", "Wait and See",
    "Spend Smarter", "Local Control", "Fairness First", "Build More", "Keep It Public",
    "Regulate First", "Let It Run", "Safety First", "Follow the Money",
]  # fmt: skip

PLACES = [
    "Larkport", "Northshore", "Tidewater", "Harrowgate", "Eastmere", "Saltbridge", "Kestrel",
    "Fernhill", "Marlow Bay", "Ashby", "Westfold", "Corran", "Pellham", "Brightwater",
    "Oakmoor", "Stonereach", "Glenavon", "Redcliff", "Milbrook", "Whitsand",
]  # fmt: skip

OUTLET_WORDS = [
    "Ledger", "Courier", "Radio", "Times", "Institute", "Review", "Gazette", "Post", "Wire",
    "Monitor", "Herald", "Observer", "Council", "Tribunal", "University",
]  # fmt: skip

COUNTRIES = ["United Kingdom", "Ireland", "United States", "Canada", "Australia", "New Zealand"]

TAG_WORDS = [
    "budget", "transit", "ai", "housing", "rent", "energy", "tariffs", "buses", "rail",
    "schools", "hospitals", "policing", "water", "wages", "contracts", "data", "privacy",
    "climate", "emissions", "ports", "farming", "courts", "elections", "planning", "grants",
]  # fmt: skip


class Writer:
    """Sentences, paragraphs and story bodies from one seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.themes = list(THEMES)[:1]

    def about(self, *themes) -> None:
        """Write about these themes (themed words in about half the sentences)."""
        self.themes = [t for t in themes if t in THEMES]

    def thing(self) -> str:
        r = self.rng
        if self.themes and r.random() < 0.5:
            return r.choice(THEMES[r.choice(self.themes)])
        return r.choice(OBJECTS)

    def clause(self) -> str:
        r = self.rng
        return f"{r.choice(SUBJECTS)} {r.choice(VERBS)} {self.thing()}"

    def sentence(self) -> str:
        r = self.rng
        if r.random() < 0.2:
            figures = [THEME_FIGURES[t] for t in self.themes if t in THEME_FIGURES]
            text = r.choice(NUMBERS + figures).format(n=r.randint(2, 95), y=r.randint(2, 30))
        else:
            text = f"{self.clause()} {r.choice(TAILS)}"
        return text[0].upper() + text[1:]

    def headline(self) -> str:
        r = self.rng
        text = f"{r.choice(PLACES)}: {self.clause()}"
        if r.random() < 0.5:
            text += f" {r.choice(TAILS)}"
        return text

    def paragraph(self, sentences: int, markers=()) -> str:
        """`sentences` sentences; each marker number is cited at a sentence's end."""
        parts = [self.sentence() for _ in range(sentences)]
        for number in markers:
            i = self.rng.randrange(sentences)
            parts[i] += f" [{number}]"
        return " ".join(p + "." for p in parts)

    def body(self, citations: int) -> str:
        """A few hundred words of Markdown citing every source 1..`citations` at
        least once, with a subheading and a pull quote, as editors write them."""
        r = self.rng
        numbers = list(range(1, citations + 1))
        r.shuffle(numbers)
        count = r.randint(5, 7)
        groups = [numbers[i::count] for i in range(count)]
        # Every paragraph that states something cites a source, as the checks ask.
        for group in groups:
            if not group:
                group.append(r.randint(1, citations))
        paragraphs = [self.paragraph(r.randint(3, 5), group) for group in groups]
        heading = f"## Where {r.choice(SUBJECTS)} stand"
        quote = f"> “{self.sentence()},” said a spokesperson for {r.choice(SUBJECTS)}."
        paragraphs.insert(2, quote)
        paragraphs.insert(len(paragraphs) // 2 + 1, heading)
        return "\n\n".join(paragraphs)

    def question(self) -> str:
        r = self.rng
        return f"Whether {r.choice(SUBJECTS)} will revisit {self.thing()}?"
