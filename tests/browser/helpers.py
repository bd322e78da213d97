"""Small steps the browser tests share: open the app, search, read what the page shows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_SCREENSHOT = ROOT / "docs" / "screenshot.png"
EXAMPLE = "which countries lifted restrictions?"
UPLOAD_LIMIT_MB = 1  # the writable app's limit, small so the test file stays small

_NEW_STATUS = """() => { const m = document.querySelector('#status .rag-msg');
  return m && !m.dataset.seen && !m.hasAttribute('aria-busy'); }"""

# Records whether the busy "Searching…" notice ever appeared (it may be gone by the time we look).
WATCH_BUSY = """() => { window.__sawBusy = false;
  const seen = () => { if (document.querySelector('#status [aria-busy=true]')) window.__sawBusy = true; };
  new MutationObserver(seen).observe(document.querySelector('#status'), {childList: true, subtree: true});
}"""


def open_app(page: Any, url: str, query: str = "") -> None:
    page.goto(f"{url}/{query}")
    page.get_by_label("Question", exact=True).wait_for(state="visible")


def mark_status(page: Any) -> None:
    """Tag the current status line, so waiting for "the next one" cannot see the old one."""
    page.wait_for_selector("#status .rag-msg")
    page.evaluate("document.querySelector('#status .rag-msg').dataset.seen = '1'")


def wait_status(page: Any) -> str:
    page.wait_for_function(_NEW_STATUS)
    return str(page.locator("#status").inner_text())


def search(page: Any, question: str) -> str:
    """Type the question, press Enter, and return the status line that answers it."""
    mark_status(page)
    box = page.get_by_label("Question", exact=True)
    box.fill(question)
    box.press("Enter")
    return wait_status(page)


def cards(page: Any) -> Any:
    return page.locator("#results article.rag-card")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def shot(page: Any, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
