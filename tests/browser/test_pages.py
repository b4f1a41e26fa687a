"""Entity, browse, home and source-reader pages in Chromium: content, keyboard, JS off, axe-core, phones."""

from __future__ import annotations

import re

import pytest

from .conftest import PHONE, check_accessibility, screenshot


def test_home_shows_live_statistics_and_leads_everywhere(page, site):
    page.goto(site.url("/"))
    cards = page.locator(".cards .card").first
    assert re.match(r"^\d+\s*People$", cards.inner_text().strip())
    statuses = page.locator("ul.status-counts li")
    assert statuses.count() == 6
    assert "alleged" in statuses.nth(4).inner_text()
    page.get_by_role("link", name=re.compile(r"^\d+ alleged$")).click()
    page.wait_for_url("**/browse/statuses/alleged")
    quotes = page.locator("main blockquote")
    assert quotes.count() == int(re.match(r"(\d+)", page.locator("h1").inner_text()).group(1))
    assert page.locator("main .status-alleged").count() >= quotes.count()
    check_accessibility(page)


@pytest.mark.parametrize("path, heading", [
    ("/browse", "Browse the graph"), ("/browse/people", "People"), ("/browse/events", "Events and statements"),
    ("/browse/sources", "Outlets and sources the article credits"), ("/browse/statuses", "Claims by epistemic status"),
])
def test_browse_pages_have_counts_and_pass_axe(page, site, path, heading):
    page.goto(site.url(path))
    assert page.locator("h1").inner_text().startswith(heading)
    assert page.locator("main .count").count() >= 1 or path == "/browse/statuses"
    check_accessibility(page)
    screenshot(page, "browse" + path[len("/browse"):].replace("/", "-"))


def test_people_index_lists_the_twelve_people(page, site):
    page.goto(site.url("/browse/people"))
    assert page.locator("main ul.facts > li").count() == 12
    page.get_by_role("link", name="Sergey Kislyak").click()
    assert page.locator("h1").inner_text() == "Sergey Kislyak"


def test_entity_page_reads_like_littlesis_and_passes_axe(page, site):
    page.goto(site.url("/person/michael-flynn"))
    assert page.url.endswith("/person/michael-flynn.html")
    row = page.locator("#events-heading ~ ul.facts > li", has=page.locator("a[href='/event/2016-12-flynn-kislyak-conversation']")).first
    text = row.inner_text()
    assert "with Sergey Kislyak" in text and "December 2016" in text and "admitted" in text
    assert "Flynn spoke with Russian ambassador Sergey Kislyak" in text
    check_accessibility(page)
    screenshot(page, "entity-flynn")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "entity-flynn-phone", full_page=False)


def test_source_reader_highlights_a_claims_quote_and_links_back(page, site):
    page.goto(site.url("/claim/event-2017-05-oval-office-meeting-1"))
    page.locator("a.source-place").first.click()
    page.wait_for_url(re.compile(r".*/source/article\.html#q-\d+-\d+$"))
    current = page.locator("mark.quote.current")
    assert current.count() >= 1
    highlighted = " ".join(current.all_inner_texts())
    assert "Oval Office" in highlighted or "Lavrov" in highlighted
    assert current.first.is_visible()
    screenshot(page, "source-reader", full_page=False)
    current.first.locator("a").click()  # a quote leads to its claims...
    entry = page.locator("li:target")
    entry.get_by_role("link", name="claim").click()  # ... and a claim to its page
    assert "/claim/" in page.url
    page.go_back()
    check_accessibility(page)


def test_entity_and_source_pages_work_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url("/person/sergey-kislyak"))
    assert page.locator("h1").inner_text() == "Sergey Kislyak"
    assert page.locator("#events-heading").is_visible()
    page.goto(site.url("/source/article"))
    assert page.locator("mark.quote").count() > 100
    page.goto(site.url("/browse/events"))
    assert page.locator("main ul.facts > li").count() > 50
    context.close()
