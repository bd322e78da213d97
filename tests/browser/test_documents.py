"""Managing articles in a real browser: rebuild, upload, paste, remove; hostile text stays text.

All tests here share one writable app (its own copy of the data and index) and read the
document count before they act, so they do not depend on each other's order.
"""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

from tests.browser import helpers as h
from tests.ui.server import RunningApp, call_search

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
PASTE_TITLE = f"Zanzibar ferries {IMG} resume"
PASTE_TEXT = (
    "The ferry operators of Zanzibar said on Monday that the morning crossings to Dar es Salaam "
    "would resume after the harbour was cleared of debris from the storm.\n\n"
    f"Officials said the words {SCRIPT} and {IMG} were found painted on the side of one of the old "
    "ferries, which the port authority has now taken out of service.\n\n"
    "The harbour master said that passengers should expect delays of about two hours for the rest "
    "of the week while the remaining boats are inspected by the engineers.\n")
UPLOAD_TEXT = (
    "Kilimanjaro cable car plan <b>approved</b>\n\n"
    "The regional government in Tanzania said on Tuesday that it had approved the plan for a cable "
    "car on the slopes of Kilimanjaro, despite protests from the porters who carry loads to the top.\n\n"
    f"Protesters carried banners that read {SCRIPT} and {IMG} outside the ministry, a reporter for "
    "the local paper said, and the police asked them to move away from the road.\n\n"
    "The ministry said that the cable car would carry about fifty visitors an hour and would be "
    "finished within three years if the funding arrives as planned.\n")


def _documents(page: Any, url: str) -> int:
    h.open_app(page, url)
    page.get_by_role("tab", name="Documents").click()
    return _count(page)


def _count(page: Any) -> int:
    text = page.locator("#doc-count").inner_text()
    m = re.search(r"(\d+)\s+documents?", text)
    assert m, text
    return int(m.group(1))


def _done(page: Any, box: str) -> str:
    """Wait for the outcome message of a write (the busy notice comes first)."""
    page.wait_for_selector(f"#{box} .rag-msg:not(.busy)", timeout=120_000)
    return str(page.locator(f"#{box}").inner_text())


def _assert_shown_as_text(page: Any, where: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(where)).to_contain_text(SCRIPT)
    expect(page.locator(where)).to_contain_text(IMG)
    assert page.locator(f"{where} img, {where} script").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined", "article text ran as code"


def test_rebuild_shows_progress_then_the_new_count(rw_app: RunningApp, page: Any) -> None:
    from playwright.sync_api import expect

    before = _documents(page, rw_app.url)
    shutil.copy(next(rw_app.data.glob("*.txt")), rw_app.data / "copied-in-by-hand.txt")
    page.get_by_label("Re-embed every article (slower)").check()
    page.get_by_role("button", name="Rebuild index").click()
    expect(page.locator("#rebuild-msg [role=progressbar]")).to_be_visible()
    h.shot(page, "rebuild-progress", full_page=False)
    during = call_search(rw_app.url, h.EXAMPLE, 3, "hybrid", [], [], "", "")
    assert during["results"], "searches keep working while the index is rebuilt"
    message = _done(page, "rebuild-msg")
    assert "Rebuild: done in" in message and "copied-in-by-hand.txt" in message
    expect(page.locator("#doc-count")).to_contain_text(f"{before + 1} documents")
    expect(page.locator("#doc-table")).to_contain_text("copied-in-by-hand.txt")


def test_pasted_article_is_indexed_and_shown_as_text(rw_app: RunningApp, page: Any) -> None:
    from playwright.sync_api import expect

    before = _documents(page, rw_app.url)
    page.get_by_label("Title of the pasted article").fill(PASTE_TITLE)
    page.get_by_label("Article text").fill(PASTE_TEXT)
    page.get_by_role("button", name="Add pasted article").click()
    message = _done(page, "add-msg")
    assert "1 added: Zanzibar-ferries-img-src-x-onerror-window-xss-2-resume.txt" in message, message
    expect(page.locator("#doc-count")).to_contain_text(f"{before + 1} documents")
    expect(page.get_by_label("Article text")).to_have_value("")
    expect(page.locator("#doc-table")).to_contain_text(PASTE_TITLE)
    assert page.locator("#doc-table img").count() == 0
    page.get_by_role("tab", name="Search").click()
    h.search(page, "Zanzibar ferries painted words harbour")
    expect(page.locator("#result-1 .rag-title")).to_have_text(PASTE_TITLE)
    _assert_shown_as_text(page, "#result-1")
    page.locator("#result-1 .rag-show").click()
    _assert_shown_as_text(page, "#source-view")
    h.shot(page, "xss-pasted")


def test_uploaded_article_is_indexed_and_shown_as_text(rw_app: RunningApp, page: Any) -> None:
    from playwright.sync_api import expect

    before = _documents(page, rw_app.url)
    around = sorted(p.name for p in rw_app.data.parent.iterdir())
    page.locator("#upload input[type=file]").set_input_files(
        files=[{"name": "../Kilimanjaro cable <car>.txt", "mimeType": "text/plain",
                "buffer": UPLOAD_TEXT.encode()}])
    page.get_by_role("button", name="Add uploaded files").click()
    message = _done(page, "upload-msg")
    assert "1 added:" in message, message
    expect(page.locator("#doc-count")).to_contain_text(f"{before + 1} documents")
    saved = [p.name for p in rw_app.data.iterdir() if "kilimanjaro" in p.name.lower()]
    assert len(saved) == 1 and re.fullmatch(r"[A-Za-z0-9._-]+\.txt", saved[0]), saved
    assert sorted(p.name for p in rw_app.data.parent.iterdir()) == around, "nothing lands outside data/"
    page.get_by_role("tab", name="Search").click()
    h.search(page, "Kilimanjaro cable car protest banners")
    _assert_shown_as_text(page, "#result-1")
    page.locator("#result-1 .rag-show").click()
    _assert_shown_as_text(page, "#source-view")


def test_remove_an_article(rw_app: RunningApp, page: Any) -> None:
    from playwright.sync_api import expect

    victim = sorted(p.name for p in rw_app.data.glob("*.txt"))[0]
    before = _documents(page, rw_app.url)
    box = page.get_by_label("Article to remove")
    box.click()
    page.get_by_role("option", name=victim, exact=True).click()
    page.get_by_role("button", name="Remove article").click()
    message = _done(page, "remove-msg")
    assert f"1 removed: {victim}" in message, message
    expect(page.locator("#doc-count")).to_contain_text(f"{before - 1} documents")
    expect(page.locator("#doc-table")).not_to_contain_text(victim)
    assert not (rw_app.data / victim).exists()
    assert any((rw_app.data / ".removed").rglob(victim)), "removed articles are moved aside, not deleted"


def test_upload_limit_is_a_visible_message(rw_app: RunningApp, page: Any) -> None:
    from playwright.sync_api import expect

    _documents(page, rw_app.url)
    too_big = b"word " * (h.UPLOAD_LIMIT_MB * 1024 * 1024 // 5 + 1000)
    page.locator("#upload input[type=file]").set_input_files(
        files=[{"name": "huge.txt", "mimeType": "text/plain", "buffer": too_big}])
    expect(page.get_by_text(re.compile(r"exceed the maximum allowed size", re.I))).to_be_visible()
    h.shot(page, "upload-too-big", full_page=False)
    page.get_by_label("Title of the pasted article").fill("Huge paste")
    page.get_by_label("Article text").fill(too_big.decode())
    page.get_by_role("button", name="Add pasted article").click()
    assert f"larger than the upload limit of {h.UPLOAD_LIMIT_MB} MB" in _done(page, "add-msg")
    page.get_by_label("Article text").fill("")  # a megabyte in a text box makes screenshots slow
    assert not any("huge" in p.name.lower() for p in rw_app.data.iterdir())
