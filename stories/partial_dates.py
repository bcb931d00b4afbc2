"""Dates known to a year, a month or a day ("2019", "Feb 2019", "12 Feb 2019").

A timeline event is stored as a real date plus its precision, so events sort by
date in the database; the unknown parts are stored as the first month or day.
"""

import datetime
import re
from dataclasses import dataclass

YEAR = "year"
MONTH = "month"
DAY = "day"
PRECISIONS = [(YEAR, "Year"), (MONTH, "Month"), (DAY, "Day")]

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class PartialDate:
    date: datetime.date
    precision: str

    @classmethod
    def parse(cls, text: str) -> "PartialDate":
        """Parse YYYY, YYYY-MM or YYYY-MM-DD; raise ValueError saying what is wrong."""
        match = _ISO.match(str(text).strip())
        if not match:
            raise ValueError(f"{text!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
        year, month, day = match.groups()
        precision = DAY if day else MONTH if month else YEAR
        try:
            date = datetime.date(int(year), int(month or 1), int(day or 1))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a date ({exc})") from None
        return cls(date, precision)

    @classmethod
    def of(cls, date: datetime.date, precision: str) -> "PartialDate":
        """The same point, with the parts finer than `precision` reset."""
        if precision == YEAR:
            date = date.replace(month=1, day=1)
        elif precision == MONTH:
            date = date.replace(day=1)
        return cls(date, precision)

    def iso(self) -> str:
        """The package form, also a valid HTML `<time datetime>` value."""
        if self.precision == YEAR:
            return f"{self.date.year:04d}"
        if self.precision == MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()

    def display(self) -> str:
        if self.precision == YEAR:
            return str(self.date.year)
        if self.precision == MONTH:
            return self.date.strftime("%b %Y")
        return f"{self.date.day} {self.date.strftime('%b %Y')}"

    def __str__(self):
        return self.iso()
