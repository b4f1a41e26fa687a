"""The shared layout in Chromium: search box and navigation on every page, keyboard use, 390 px phones,
HTML error pages for browsers, no console error, axe-core clean."""

from __future__ import annotations

import pytest

from .conftest import PHONE, check_accessibility, screenshot

NAV = ["Browse", "Timeline", "Network", "Paths", "SPARQL", "Downloads"]


def test_home_has_search_box_navigation_and_footer(page, site):
    page.goto(site.url("/"))
    box = page.get_by_label("Search people, organisations and events")
    assert box.is_visible()
    nav = page.get_by_role("navigation", name="Main")
    shown = [a.inner_text() for a in nav.get_by_role("link").all()]
    assert {"Browse", "SPARQL", "Downloads"} <= set(shown) and shown == [n for n in NAV if n in shown]
    for link in nav.get_by_role("link").all():  # the layout links only to pages this server has
        assert page.request.get(site.url(link.get_attribute("href"))).status == 200
    footer = page.locator("footer.site")
    assert "An allegation is not a fact" in footer.inner_text()
    assert footer.locator("a.status-alleged").get_attribute("title").startswith("alleged: Presented with a hedge")
    check_accessibility(page)
    screenshot(page, "home")


def test_keyboard_reaches_search_from_the_skip_link(page, site):
    page.goto(site.url("/download"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")  # the brand link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.type("flynn")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=flynn")


@pytest.mark.parametrize("path", ["/", "/sparql", "/search?q=kislyak", "/browse/events", "/person/michael-flynn",
                                  "/event/2017-05-oval-office-meeting", "/source/article", "/download",
                                  "/browse/statuses/alleged"])
def test_phone_width_has_no_horizontal_scroll(page, site, path):
    page.set_viewport_size(PHONE)
    page.goto(site.url(path))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#site-search").is_visible()
    if path == "/":
        screenshot(page, "home-phone")


@pytest.mark.parametrize("path", ["/people", "/nothing/here", "/person/nobody-at-all"])
def test_browser_gets_an_html_404_with_working_example_links(page, site, problems, path):
    problems.expect(404)
    response = page.goto(site.url(path))
    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert page.get_by_role("heading", level=1).inner_text() == "Not found"
    assert page.locator("#site-search").is_visible()
    examples = [a.get_attribute("href") for a in page.locator("main a").all()]
    assert "/person/michael-flynn" in examples
    for href in examples:
        if href.startswith("/"):
            assert page.request.get(site.url(href)).status == 200, href
    check_accessibility(page)


def test_search_box_suggests_flyn_and_opens_the_entity(page, site):
    page.goto(site.url("/"))
    page.locator("#site-search").fill("flyn")
    first = page.locator("#site-search-list li").first
    first.wait_for()
    assert first.inner_text().startswith("Michael Flynn")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/person/michael-flynn*")
    assert page.get_by_role("heading", level=1).inner_text() == "Michael Flynn"


def test_search_page_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url("/search?q=micheal+flyn"))
    results = page.locator("ol.results li")
    assert results.first.locator("a").first.inner_text() == "Michael Flynn"
    assert page.locator("h1").inner_text() == "Results for “micheal flyn”"
    screenshot(page, "search")
    context.close()


def test_search_page_passes_axe(page, site):
    page.goto(site.url("/search?q=kislyak&kind=people"))
    assert page.locator("ol.results li").first.locator("a").first.inner_text() == "Sergey Kislyak"
    check_accessibility(page)
