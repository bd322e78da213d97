"""The page at phone size and in Gradio's dark theme: nothing overflows, text stays readable."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import helpers as h
from tests.ui.server import RunningApp

pytestmark = pytest.mark.browser

# WCAG contrast ratio of an element's text against the first opaque background behind it.
CONTRAST = """(el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const fg = rgb(getComputedStyle(el).color);
  let bg = [255, 255, 255];
  for (let n = el; n; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) { bg = c; break; }
  }
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return {ratio: (hi + 0.05) / (lo + 0.05), bg: lum(bg)};
}"""


def test_phone_viewport(ro_app: RunningApp, page: Any) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    h.open_app(page, ro_app.url)
    h.search(page, h.EXAMPLE)
    expect(h.cards(page).first).to_be_visible()
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    for card in h.cards(page).all():
        card.scroll_into_view_if_needed()
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    search_btn = page.get_by_role("button", name="Search", exact=True).bounding_box()
    assert search_btn["x"] + search_btn["width"] <= width + 1
    page.evaluate("window.scrollTo(0, 0)")
    h.shot(page, "phone-390x844", full_page=False)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_theme_is_readable(ro_app: RunningApp, page: Any, theme: str) -> None:
    from playwright.sync_api import expect

    h.open_app(page, ro_app.url, f"?__theme={theme}")
    h.search(page, h.EXAMPLE)
    card = h.cards(page).first
    expect(card).to_be_visible()
    for selector in (".rag-text", ".rag-title", ".rag-cite"):
        got = card.locator(selector).evaluate(CONTRAST)
        dark = got["bg"] < 0.2
        assert dark == (theme == "dark"), f"{selector}: background luminance {got['bg']:.2f} in {theme}"
        assert got["ratio"] >= 4.5, f"{selector}: contrast {got['ratio']:.1f} is below 4.5:1"
    status = page.locator("#status .rag-msg").evaluate(CONTRAST)
    assert status["ratio"] >= 4.5
    h.shot(page, f"{theme}-theme")


# Every visible form control has an accessible name (a <label>, aria-label or aria-labelledby).
UNLABELLED = """() => { const shown = Array.from(document.querySelectorAll('input, textarea, select'))
  .filter((el) => el.type !== 'hidden' && el.offsetParent !== null);
  return [shown.length, shown.filter((el) => {
    const named = (el.getAttribute('aria-label') || '').trim()
      || Array.from(el.labels || []).map((l) => l.innerText).join(' ').trim()
      || (el.getAttribute('aria-labelledby') || '').split(' ')
           .map((id) => (document.getElementById(id) || {}).innerText || '').join(' ').trim();
    return !named;
  }).map((el) => el.outerHTML.slice(0, 160))]; }"""


def test_every_input_has_a_label(ro_app: RunningApp, page: Any) -> None:
    h.open_app(page, ro_app.url)
    page.get_by_text("Options and filters").click()
    page.get_by_label("Published from", exact=True).wait_for(state="visible")
    h.search(page, h.EXAMPLE)
    shown, unnamed = page.evaluate(UNLABELLED)
    assert shown >= 9 and unnamed == []  # question, top-k (2), mode, outlet, file, 2 dates, radios
    page.get_by_role("tab", name="Documents").click()
    page.get_by_label("Article text").wait_for(state="visible")
    shown, unnamed = page.evaluate(UNLABELLED)
    assert shown >= 4 and unnamed == []  # re-embed, title, text, article to remove
