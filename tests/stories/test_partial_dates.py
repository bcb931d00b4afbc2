import datetime

import pytest

from stories.partial_dates import PartialDate


@pytest.mark.parametrize(
    ("text", "date", "precision", "display"),
    [
        ("2019", datetime.date(2019, 1, 1), "year", "2019"),
        ("2019-02", datetime.date(2019, 2, 1), "month", "Feb 2019"),
        ("2019-02-12", datetime.date(2019, 2, 12), "day", "12 Feb 2019"),
    ],
)
def test_the_form_of_a_date_sets_its_precision(text, date, precision, display):
    when = PartialDate.parse(text)
    assert (when.date, when.precision) == (date, precision)
    assert when.display() == display
    assert when.iso() == text


@pytest.mark.parametrize("text", ["19", "2019-2", "2019-13", "2019-02-30", "Feb 2019", ""])
def test_malformed_dates_are_refused(text):
    with pytest.raises(ValueError, match="is not a date"):
        PartialDate.parse(text)


def test_of_discards_what_the_precision_does_not_know():
    assert PartialDate.of(datetime.date(2019, 2, 12), "month").date == datetime.date(2019, 2, 1)
    assert PartialDate.of(datetime.date(2019, 2, 12), "year").iso() == "2019"
