"""Quotes are anchored verbatim in the stored article, or refused with a reason."""

import pytest

from kg.quotes import CONTEXT, QuoteIndex

TEXT = "Alpha beta. Gamma beta. Trump’s delta."


def test_anchor_records_offsets_and_context():
    anchor = QuoteIndex(TEXT).anchor("Gamma beta")
    assert (anchor.start, anchor.end) == (12, 22)
    assert TEXT[anchor.start:anchor.end] == "Gamma beta"
    assert anchor.prefix == "Alpha beta. "
    assert anchor.suffix == ". Trump’s delta."


def test_context_is_bounded():
    text = "x" * 100 + "QUOTE" + "y" * 100
    anchor = QuoteIndex(text).anchor("QUOTE")
    assert anchor.prefix == "x" * CONTEXT and anchor.suffix == "y" * CONTEXT


def test_occurrence_picks_a_later_match():
    index = QuoteIndex(TEXT)
    assert index.anchor("beta").start == 6
    assert index.anchor("beta", occurrence=2).start == 18


def test_missing_occurrence_is_refused():
    with pytest.raises(ValueError, match="occurs 2 time"):
        QuoteIndex(TEXT).anchor("beta", occurrence=3)


def test_a_quote_not_in_the_text_is_refused():
    with pytest.raises(ValueError, match="does not occur verbatim"):
        QuoteIndex(TEXT).anchor("Epsilon")


def test_typographic_difference_gets_a_hint_but_no_anchor():
    index = QuoteIndex(TEXT)
    with pytest.raises(ValueError, match="apostrophes"):
        index.anchor("Trump's delta")
    assert not index.contains("Trump's delta")
