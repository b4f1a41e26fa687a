"""Event dates as the article gives them, turned into the span of days they may cover.

The graph types a date as precisely as the text (xsd:gYear, xsd:gYearMonth, xsd:date) with a
precision (day, month, season, year), a qualifier the type cannot say ("early", "summer") and the
article's words. A `Span` is the honest reading of that: "early May 2017" covers 1-10 May 2017,
"summer 2016" June to August 2016, "2014" the whole year; a bound alone ("shortly after
November 2016") gives one open end. Nothing is made more precise than the text.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

#: Qualifiers narrowing a month: the part of the month they cover (first day, last day or None = month end).
MONTH_PARTS = {"early": (1, 10), "mid": (11, 20), "late": (21, None)}
#: Seasons (northern meteorological): first and last month. Winter straddles two years: not narrowed.
SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}

_LEXICAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class Span:
    """The days an event may have happened on: [first, last], either end None when open."""

    first: date | None
    last: date | None
    precision: str  # day, month, season, year, or "bound" when only notBefore/notAfter are known
    qualifier: str | None = None

    @property
    def is_open(self) -> bool:
        return self.first is None or self.last is None

    def sort_key(self) -> tuple:
        """Earliest first; an open start sorts at its last day; shorter (more precise) spans first,
        so an event known only to be after X comes after the events dated like X."""
        anchor = self.first or self.last
        return (anchor.toordinal(), self.last.toordinal() if self.last else date.max.toordinal())


def period(lexical: str) -> tuple[date, date]:
    """The first and last day of "2016", "2016-12" or "2016-12-05"; ValueError on anything else."""
    match = _LEXICAL.match(lexical.strip())
    if not match:
        raise ValueError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {lexical!r}")
    year, month, day = (int(g) if g else None for g in match.groups())
    if day is not None:
        d = date(year, month, day)
        return d, d
    if month is not None:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return date(year, 1, 1), date(year, 12, 31)


def span_of(value: str | None, precision: str | None, qualifier: str | None,
            not_before: str | None = None, not_after: str | None = None) -> Span | None:
    """The span of an event's date, or of its bounds; None when the article dates it in no way."""
    if value:
        first, last = period(value)
        q = (qualifier or "").strip().lower()
        if precision == "month" and q in MONTH_PARTS:
            start, end = MONTH_PARTS[q]
            first = first.replace(day=start)
            last = last if end is None else last.replace(day=end)
        elif precision == "season" and q in SEASONS:
            m1, m2 = SEASONS[q]
            first = date(first.year, m1, 1)
            last = date(first.year, m2, calendar.monthrange(first.year, m2)[1])
        return Span(first, last, precision or _precision_of(value), qualifier)
    if not_before or not_after:
        first = period(not_before)[0] if not_before else None
        last = period(not_after)[1] if not_after else None
        return Span(first, last, "bound", qualifier)
    return None


def _precision_of(lexical: str) -> str:
    return {1: "year", 2: "month", 3: "day"}[lexical.count("-") + 1]


def as_of_limit(text: str) -> date:
    """The last day an "as of" date covers: "2017" -> 31 Dec 2017, "2017-01" -> 31 Jan 2017."""
    return period(text)[1]


def happened_by(span: Span | None, limit: date) -> bool:
    """True when the event had certainly happened by `limit` (its latest possible day is on or before)."""
    return span is not None and span.last is not None and span.last <= limit


def fraction_of_year(day: date) -> float:
    """Where a day falls in its year, 0.0 (1 Jan) to 1.0 (end of 31 Dec): for drawing spans."""
    start = date(day.year, 1, 1).toordinal()
    length = 366 if calendar.isleap(day.year) else 365
    return (day.toordinal() - start) / length


def bar(span: Span, year: int) -> tuple[float, float]:
    """Left and width (percent of `year`) of the part of `span` inside `year`, for a year ruler."""
    first = span.first if span.first and span.first.year == year else date(year, 1, 1)
    last = span.last if span.last and span.last.year == year else date(year, 12, 31)
    if span.first and span.first.year > year or span.last and span.last.year < year:
        return 0.0, 0.0
    left = fraction_of_year(first)
    right = fraction_of_year(last) + 1 / (366 if calendar.isleap(year) else 365)
    return round(left * 100, 2), round(max(right - left, 0.0) * 100, 2)
