"""kg.desk.dates: the span of days a date as the article gives it may cover, no more precise than the text."""

from datetime import date

import pytest

from kg.desk.dates import Span, as_of_limit, bar, happened_by, period, span_of


def test_early_may_is_the_first_ten_days_of_may():
    span = span_of("2017-05", "month", "early")
    assert (span.first, span.last) == (date(2017, 5, 1), date(2017, 5, 10))
    assert span.precision == "month" and span.qualifier == "early"


def test_summer_is_a_season_band_not_a_year_or_a_day():
    span = span_of("2016", "season", "summer")
    assert (span.first, span.last) == (date(2016, 6, 1), date(2016, 8, 31))


def test_a_year_is_the_whole_year_and_an_unknown_qualifier_does_not_narrow_it():
    assert span_of("2014", "year", None) == Span(date(2014, 1, 1), date(2014, 12, 31), "year")
    span = span_of("2016", "year", "last seven months")
    assert (span.first, span.last) == (date(2016, 1, 1), date(2016, 12, 31))


def test_a_month_ends_on_its_last_day():
    assert period("2016-02") == (date(2016, 2, 1), date(2016, 2, 29))
    assert period("2017-02-03") == (date(2017, 2, 3), date(2017, 2, 3))


def test_bounds_alone_give_an_open_span():
    span = span_of(None, None, None, not_before="2016-11")
    assert span.first == date(2016, 11, 1) and span.last is None and span.is_open
    span = span_of(None, None, None, not_after="2017-05")
    assert span.first is None and span.last == date(2017, 5, 31)
    assert span_of(None, None, None) is None


@pytest.mark.parametrize("bad", ["May 2017", "2017-5", "17", ""])
def test_a_date_that_is_not_iso_is_refused(bad):
    with pytest.raises(ValueError, match="not a date"):
        period(bad)


def test_as_of_means_by_the_end_of_the_period_given():
    assert as_of_limit("2017") == date(2017, 12, 31)
    assert as_of_limit("2017-01") == date(2017, 1, 31)
    early_may = span_of("2017-05", "month", "early")
    assert happened_by(early_may, date(2017, 5, 10))
    assert not happened_by(early_may, date(2017, 5, 9))  # it may not have happened yet
    assert not happened_by(span_of(None, None, None, not_before="2016-11"), date(2030, 1, 1))  # no end known
    assert not happened_by(None, date(2030, 1, 1))


def test_bars_draw_the_span_inside_its_year():
    left, width = bar(span_of("2016", "season", "summer"), 2016)
    assert 41 < left < 42 and 25 < width < 25.5  # June to August of a leap year
    assert bar(span_of("2014", "year", None), 2014) == (0.0, 100.0)
    left, width = bar(span_of("2017-05", "month", "early"), 2017)
    assert 32.8 < left < 32.9 and 2.7 < width < 2.8  # ten days
    assert bar(span_of("2014", "year", None), 2015) == (0.0, 0.0)
