"""Anchoring quotes in the stored source text (W3C Web Annotation selectors).

A quote is kept only if it occurs verbatim. Its anchor records the exact text, 32 characters
of context on each side (TextQuoteSelector) and its character offsets (TextPositionSelector),
so a reader can find it again even in a copy with different line breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTEXT = 32
# Characters authors type differently from what an article prints: used only for hints.
LOOKALIKES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


@dataclass(frozen=True)
class Anchor:
    exact: str
    prefix: str
    suffix: str
    start: int  # offset of the first character, in characters
    end: int  # offset after the last character


class QuoteIndex:
    def __init__(self, text: str):
        self.text = text

    def contains(self, quote: str) -> bool:
        return bool(quote) and quote in self.text

    def occurrences(self, quote: str) -> list[int]:
        found, start = [], self.text.find(quote)
        while start != -1:
            found.append(start)
            start = self.text.find(quote, start + 1)
        return found

    def anchor(self, quote: str, occurrence: int = 1) -> Anchor:
        """The anchor of the n-th occurrence (1-based, default the first); ValueError says why there is none."""
        starts = self.occurrences(quote) if quote else []
        if not starts:
            raise ValueError(f"quote {quote!r} does not occur verbatim in the article{self.hint(quote)}")
        if not 1 <= occurrence <= len(starts):
            raise ValueError(f"quote {quote!r} occurs {len(starts)} time(s); occurrence {occurrence} does not exist")
        start = starts[occurrence - 1]
        end = start + len(quote)
        return Anchor(
            exact=quote,
            prefix=self.text[max(0, start - CONTEXT):start],
            suffix=self.text[end:end + CONTEXT],
            start=start,
            end=end,
        )

    def hint(self, quote: str) -> str:
        """A hint when the quote matches once quotes, apostrophes, dashes and spaces are normalised."""
        loose_text = " ".join(self.text.translate(LOOKALIKES).split())
        loose_quote = " ".join(quote.translate(LOOKALIKES).split())
        if loose_quote and loose_quote in loose_text:
            return " (it does once apostrophes, quotation marks, dashes and spaces are normalised: copy them exactly)"
        return ""
