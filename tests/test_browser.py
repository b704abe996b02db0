"""The page in a real browser: Playwright driving Debian's chromium (scripts/browser.sh installs it;
never `playwright install`) against `rasd serve` on 127.0.0.1, on a store built from a slice of the
development corpus. Every request to anything but 127.0.0.1 is blocked and recorded (the page must
work offline: no CDN; the OpenStreetMap tiles simply fail). Screenshots of the main views go to
docs/screenshot-*.png when RASD_SCREENSHOTS=docs (else a temporary folder)."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import threading
import time
import tempfile
from pathlib import Path

import pytest

from tests.api_fixtures import HOSTILE_ID, fill_store
from tests.conftest import GAZETTEER_TSV, ROOT, needs_shared

TOKEN = "browser-token-789"
CHROMIUM = os.environ.get("RASD_TEST_CHROMIUM") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# The screenshots in docs/ are refreshed only on request (RASD_SCREENSHOTS=docs), so that a test
# run leaves the working tree clean; otherwise they go to a temporary folder.
DOCS = ROOT / "docs" if os.environ.get("RASD_SCREENSHOTS") == "docs" else Path(tempfile.mkdtemp(prefix="rasd-shots-"))


def _need_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but no chromium at {CHROMIUM}: `make test` installs it with scripts/browser.sh")
        pytest.skip(f"no chromium at {CHROMIUM} (scripts/browser.sh installs Debian's)")
    if not (ROOT / "src/rasd/serve/static/vendor/leaflet/leaflet.js").exists():
        pytest.fail("Leaflet is not in the static folder: run `make web` (npm ci + copy)")


pytestmark = needs_shared


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, full_extractor):  # type: ignore[no-untyped-def]
    _need_browser()
    import uvicorn

    from rasd.serve.api import create_app

    store = fill_store(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'rasd.db'}", full_extractor)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(store, token=TOKEN, gazetteer=str(GAZETTEER_TSV)), host="127.0.0.1", port=port,
                            log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    store.close()


@pytest.fixture(scope="module")
def browser(server):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.outside = []  # type: ignore[attr-defined]
    page.errors = []  # type: ignore[attr-defined]

    def route(r):  # type: ignore[no-untyped-def]
        if r.request.url.startswith("http://127.0.0.1"):
            r.continue_()
        else:
            page.outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    assert page.errors == [], page.errors
    # only OpenStreetMap tiles may be attempted (and fail offline): no CDN, nothing else
    assert all(u.startswith("https://tile.openstreetmap.org/") for u in page.outside), page.outside
    context.close()


def open_page(page, server: str, query: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/{query}")
    page.wait_for_selector("body[data-ready='1']", timeout=20000)


def list_ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all("#list tbody tr", "rows => rows.map(r => r.dataset.id)")


def api(page, server: str, path: str) -> dict:  # type: ignore[no-untyped-def]
    return page.request.get(f"{server}{path}").json()


def test_browser_map_shows_markers_and_boundaries(page, server: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server)
    # the boundaries (the offline base map)
    page.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane path').length > 50")
    markers = page.locator(".event-marker").count() + page.locator(".marker-cluster").count()
    assert markers > 5
    assert page.locator(".leaflet-overlay-pane path").count() > 50
    expected = api(page, server, "/api/events?limit=5000&fields=event_id_cnty")["data"]
    assert list_ids(page) == [e["event_id_cnty"] for e in expected]
    assert page.locator("#timeline rect.bar").count() > 4  # one bar per day with events (6 days in the recent window of this slice)
    page.screenshot(path=str(DOCS / "screenshot-map.png"))


def test_browser_timeline_drag_filters_map_and_list(page, server: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server)
    before = len(list_ids(page))
    box = page.locator("#timeline").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.55, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, y, steps=8)
    page.mouse.move(box["x"] + box["width"] * 0.97, y, steps=8)
    page.mouse.up()
    page.wait_for_function("new URLSearchParams(location.search).get('from') !== null")
    page.wait_for_timeout(500)
    params = dict(re.findall(r"(\w+)=([^&]+)", page.url))
    assert params["from"] <= params["to"]
    ids = list_ids(page)
    assert 0 < len(ids) < before
    dates = page.eval_on_selector_all("#list tbody tr td:first-child", "cells => cells.map(c => c.textContent)")
    assert all(params["from"] <= d <= params["to"] for d in dates)
    assert page.locator("#timeline rect.brush").count() == 1
    page.screenshot(path=str(DOCS / "screenshot-timeline.png"))
    # the view is shareable: the same URL gives the same list
    url = page.url
    open_page(page, server, url[len(server) + 1:])
    assert list_ids(page) == ids
    # a click without dragging clears the range
    page.mouse.click(box["x"] + box["width"] * 0.5, y)
    page.wait_for_function("new URLSearchParams(location.search).get('from') === null")
    page.wait_for_timeout(300)
    assert len(list_ids(page)) == before


def test_browser_timeline_per_week(page, server: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server)
    days = page.locator("#timeline rect.bar").count()
    page.select_option("#t-bin", "week")
    page.wait_for_function("new URLSearchParams(location.search).get('bin') === 'week'")
    weeks = api(page, server, "/api/stats?status=event")["data"]["by_week"]
    titles = page.eval_on_selector_all("#timeline rect.bar title", "ts => ts.map(t => t.textContent)")
    assert 0 < len(titles) < days and all(t.startswith("week of ") for t in titles)
    shown = {t.split(": ")[0][len("week of "):]: int(t.split(": ")[1].split()[0]) for t in titles}
    assert all(shown[w["week"]] == w["events"] for w in weeks if w["week"] in shown)
    assert page.locator("#timeline-caption").text_content() == "Events per week"
    # a drag selects whole weeks, Monday to Sunday
    box = page.locator("#timeline").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, y, steps=8)
    page.mouse.up()
    page.wait_for_function("new URLSearchParams(location.search).get('from') !== null")
    params = dict(re.findall(r"(\w+)=([^&]+)", page.url))
    start, end = dt.date.fromisoformat(params["from"]), dt.date.fromisoformat(params["to"])
    assert start.weekday() == 0 and end.weekday() == 6 and params["bin"] == "week"
    # the choice is in the URL: reopening it shows weeks
    open_page(page, server, page.url[len(server) + 1:])
    assert page.locator("#t-bin").input_value() == "week"


def test_browser_filter_by_type_and_governorate(page, server: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server)
    page.select_option("#f-type", "Battles")
    page.wait_for_function("new URLSearchParams(location.search).get('event_type') === 'Battles'")
    page.wait_for_timeout(500)
    battles = api(page, server, "/api/events?limit=5000&fields=event_id_cnty&event_type=Battles")["data"]
    assert list_ids(page) == [e["event_id_cnty"] for e in battles] and battles
    page.select_option("#f-sub", "Armed clash")
    page.wait_for_function("new URLSearchParams(location.search).get('sub_event_type') === 'Armed clash'")
    page.wait_for_timeout(500)
    clashes = api(page, server, "/api/events?limit=5000&fields=event_id_cnty&sub_event_type=Armed clash")["data"]
    assert list_ids(page) == [e["event_id_cnty"] for e in clashes]
    # a shared URL restores the filters in the form
    open_page(page, server, "?event_type=Battles&admin1=Aleppo&actor=islamic")
    assert page.input_value("#f-type") == "Battles" and page.input_value("#f-admin1") == "Aleppo"
    assert page.input_value("#f-actor") == "islamic"
    expected = api(page, server, "/api/events?limit=5000&fields=event_id_cnty&event_type=Battles&admin1=Aleppo&actor=islamic")["data"]
    assert list_ids(page) == [e["event_id_cnty"] for e in expected]


def _event_with_evidence(page, server: str) -> str:  # type: ignore[no-untyped-def]
    for row in api(page, server, "/api/events?limit=200&fields=event_id_cnty,source&fatalities=1")["data"]:
        detail = api(page, server, f"/api/events/{row['event_id_cnty']}")
        spans = {s["field"] for src in detail["sources"] for s in src["evidence"] if s["sentence_start"] is not None}
        if {"trigger", "location"} <= spans and (";" in row["source"] or len(spans) >= 4):
            return row["event_id_cnty"]
    raise AssertionError("no event with trigger and place evidence")


def test_browser_event_shows_highlighted_arabic_evidence(page, server: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server)
    eid = _event_with_evidence(page, server)
    page.fill("#f-actor", "")
    page.locator(f"#list tbody tr[data-id='{eid}']").click()
    page.wait_for_selector("#detail .sentence mark.ev")
    assert f"event={eid}" in page.url
    sentence = page.locator("#detail p.sentence").first
    assert sentence.get_attribute("dir") == "rtl" and sentence.get_attribute("lang") == "ar"
    assert page.evaluate("getComputedStyle(document.querySelector('#detail p.sentence')).direction") == "rtl"
    trigger = page.locator("#detail p.sentence mark.ev-trigger").first
    assert re.search(r"[\u0600-\u06ff]", trigger.text_content())
    labels = page.eval_on_selector_all("#detail sup.label", "xs => xs.map(x => x.textContent)")
    assert "trigger" in labels and "place" in labels
    detail = api(page, server, f"/api/events/{eid}")
    assert page.locator("#detail .source").count() == len(detail["sources"])
    assert page.locator(f"#list tbody tr.selected[data-id='{eid}']").count() == 1
    page.screenshot(path=str(DOCS / "screenshot-event.png"))


def test_browser_event_history_says_by_what_reports_were_merged(page, server: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server)
    eid = history = None
    for row in api(page, server, "/api/events?limit=500&fields=event_id_cnty,source")["data"]:
        if ";" in row["source"]:
            history = api(page, server, f"/api/events/{row['event_id_cnty']}")["history"]
            if any(h["action"] == "merge" and "model" in h["detail"].get("match", "") for h in history):
                eid = row["event_id_cnty"]
                break
    assert eid is not None and history, "no event merged by the merge model"
    open_page(page, server, f"?event={eid}")
    page.wait_for_selector("#detail details.history")
    assert page.locator("#detail details.history summary").text_content() == f"history ({len(history)})"
    page.locator("#detail details.history summary").click()
    merges = page.locator("#detail details.history li[data-action='merge']")
    assert merges.count() == sum(h["action"] == "merge" for h in history)
    texts = merges.all_text_contents()
    assert any(re.search(r"match: .+ \(model 0\.\d\d\)", t) for t in texts), texts


def test_browser_article_html_is_shown_as_text(page, server: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server)
    rows = [r for r in api(page, server, "/api/events?status=all&limit=5000&fields=all")["data"] if r["doc_id"] == HOSTILE_ID]
    assert rows
    open_page(page, server, f"?status={rows[0]['status']}&event={rows[0]['event_id_cnty']}")
    page.wait_for_selector("#detail .source")
    title = page.locator("#detail .source .meta strong").first.text_content()
    assert title.startswith("<script>window.__pwned") and "<b>" in title
    assert page.locator("#detail script, #detail img, #detail b, #list script, #list img").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    assert "<i>Outlet</i>" in page.locator("#detail .source .meta").first.text_content()


def test_browser_review_edit_with_token(page, server: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server, "?event_type=Battles")
    eid = list_ids(page)[0]
    before = api(page, server, f"/api/events/{eid}")["data"]
    page.locator(f"#list tbody tr[data-id='{eid}']").click()
    page.wait_for_selector("#detail dl")
    assert page.locator("#edit-form").count() == 0  # read-only without the token
    # a wrong token: the write is refused (401) and the page says so
    page.fill("#token", "wrong")
    page.dispatch_event("#token", "change")
    page.wait_for_selector("#edit-form")
    page.fill("#edit-fatalities", str(before["fatalities"] + 4))
    page.click("#edit-save")
    page.wait_for_selector("#detail .review .msg:has-text('Error')")
    assert api(page, server, f"/api/events/{eid}")["data"]["fatalities"] == before["fatalities"]
    # the right token
    page.fill("#token", TOKEN)
    page.dispatch_event("#token", "change")
    page.wait_for_selector("#review-state.on")
    page.wait_for_selector("#edit-form")
    page.fill("#edit-fatalities", str(before["fatalities"] + 4))
    page.fill("#edit-notes", "Checked against the second source.")
    page.click("#edit-save")
    page.wait_for_function("document.querySelector('#detail .review .msg')?.textContent === 'Saved.' && "
                           f"document.querySelector('#edit-fatalities')?.value === '{before['fatalities'] + 4}'")
    after = api(page, server, f"/api/events/{eid}")
    assert after["data"]["event_id_cnty"] == eid and after["data"]["fatalities"] == before["fatalities"] + 4
    assert after["data"]["timestamp"] > before["timestamp"] and after["history"][-1]["action"] == "edit"
    page.screenshot(path=str(DOCS / "screenshot-review.png"))


def test_browser_place_an_unlocated_candidate(page, server: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server, "?status=candidate")
    page.evaluate(f"sessionStorage.setItem('rasdToken', '{TOKEN}')")
    candidates = api(page, server, "/api/events?status=candidate&limit=5000&fields=all")["data"]
    target = next(c for c in candidates if c["reason"] == "unlocated" and c["event_date"])
    open_page(page, server, f"?status=candidate&event={target['event_id_cnty']}")
    page.wait_for_selector("#place-query")
    page.fill("#place-query", "أريحا")
    page.click("#place-search")
    page.wait_for_selector(".place-here")
    page.screenshot(path=str(DOCS / "screenshot-place.png"))
    page.locator(".place-here").first.click()
    page.wait_for_function("document.querySelector('#detail .review .msg')?.textContent.startsWith('Placed')")
    placed = api(page, server, f"/api/events/{target['event_id_cnty']}")["data"]
    assert placed["status"] == "event" and placed["latitude"] is not None
