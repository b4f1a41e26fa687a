"""The desk's pages in Chromium: the timeline filters by person, a click on an edge of the network shows
its quote (and the PNG export downloads the view), the paths page finds Trump to Kislyak; no console
error, axe-core clean, readable at 390 px, screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from .conftest import PHONE, check_accessibility, screenshot

MEETING_QUOTE = "In early May 2017 - just a week after firing FBI Director James Comey"


def test_timeline_filters_by_person(page, site):
    page.goto(site.url("/timeline"))
    rows = page.locator("li.tl-entry")
    everything = rows.count()
    assert everything > 40
    page.get_by_label("Person").select_option(label="Sergey Kislyak")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/timeline?person=person%2Fsergey-kislyak**")
    assert rows.count() == 3
    for i in range(3):
        assert "Sergey Kislyak" in rows.nth(i).inner_text()
    assert page.get_by_role("status").inner_text().startswith("3 of")
    first = rows.first
    assert "December 2016" in first.inner_text() and first.locator("a.status").count() >= 1
    check_accessibility(page)
    screenshot(page, "timeline-kislyak")
    page.goto(site.url("/timeline"))
    screenshot(page, "timeline", full_page=False)


def test_network_edge_click_shows_its_quote(page, site):
    page.goto(site.url("/network"))
    page.wait_for_selector("#cy[data-ready=true]")
    page.locator("#cy").scroll_into_view_if_needed()
    box = page.locator("#cy").bounding_box()
    point = page.evaluate("""() => {
        const cy = window.kgNetwork;
        const edge = cy.edges().filter(e => e.data('label').startsWith('Trump meets Lavrov and Kislyak')
            && [e.data('source'), e.data('target')].includes('person/sergey-kislyak')
            && [e.data('source'), e.data('target')].includes('person/donald-trump'))[0];
        cy.fit(edge.connectedNodes(), 120);
        const p = edge.renderedMidpoint();
        return {x: p.x, y: p.y, id: edge.id()};
    }""")
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    panel = page.locator("#network-evidence")
    panel.get_by_text(MEETING_QUOTE).wait_for()
    assert "reported" in panel.inner_text() and "early May 2017" in panel.inner_text()
    assert panel.locator("a[href^='/claim/']").count() >= 1
    assert page.evaluate(f"window.kgNetwork.$id({point['id']!r}).selected()")
    screenshot(page, "network-edge-evidence", full_page=False)


def test_network_filters_legend_and_png_export(page, site):
    page.goto(site.url("/network"))
    page.wait_for_selector("#cy[data-ready=true]")
    count = page.locator("#network-count")
    total = int(count.inner_text().split(" of ")[1].split()[0])
    assert count.inner_text().startswith(f"{total} of {total}")
    page.locator("input[name=status][value=reported]").uncheck()
    shown = int(count.inner_text().split()[0])
    assert 0 < shown < total
    visible = page.evaluate("window.kgNetwork.edges(':visible').map(e => e.data('status'))")
    assert visible and "reported" not in visible
    page.locator("input[name=status][value=reported]").check()
    assert int(count.inner_text().split()[0]) == total
    assert page.get_by_label("Legend").is_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export PNG of this view").click()
    path = download.value.path()
    assert download.value.suggested_filename == "kg-network.png"
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    check_accessibility(page)
    screenshot(page, "network", full_page=False)


def test_network_list_shows_evidence_without_the_picture(page, site):
    page.goto(site.url("/network"))
    page.wait_for_selector("#cy[data-ready=true]")
    page.get_by_text("Show the list").click()
    row = page.locator("tr", has_text="secret communication channel").first
    assert "alleged" in row.inner_text()
    row.get_by_role("button", name="show").click()
    assert "This connection is alleged, not established." in page.locator("#network-evidence").inner_text()


def test_paths_page_finds_trump_to_kislyak(page, site):
    page.goto(site.url("/paths"))
    page.get_by_label("From").fill("Donald Trump")
    page.get_by_label("To").fill("Sergey Kislyak")
    page.get_by_role("button", name="Find paths").click()
    page.wait_for_url("**/paths?from=Donald+Trump&to=Sergey+Kislyak**")
    heading = page.locator("#results")
    assert "paths from Donald Trump to Sergey Kislyak" in heading.inner_text()
    first = page.locator("li.path").first
    assert "2 links" in first.inner_text() and "reported" in first.inner_text()
    assert first.locator("a[href^='/claim/']").count() >= 2  # each hop leads to its evidence
    assert any("Oval Office" in t or "classified intelligence" in t
               for t in page.locator("li.path").nth(1).all_inner_texts() + first.all_inner_texts())
    hedged = page.locator("li.path.hedged").first
    assert "not established" in hedged.inner_text()
    check_accessibility(page)
    screenshot(page, "paths-trump-kislyak", full_page=False)


def test_desk_pages_fit_a_phone(page, site):
    page.set_viewport_size(PHONE)
    for path in ("/timeline", "/paths?from=person/eric-trump&to=country/russia", "/network"):
        page.goto(site.url(path))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    page.goto(site.url("/paths?from=person/eric-trump&to=country/russia"))
    screenshot(page, "paths-phone", full_page=False)
