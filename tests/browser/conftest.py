"""Browser tests: Playwright for Python driving Debian's Chromium (never `playwright install`).

They start the real app (`python app.py --port N`) in a subprocess: one over the session's
sample index for searching, one over a private copy for adding, removing and rebuilding.
Every test leaves a full-page screenshot in tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import ARTIFACTS, UPLOAD_LIMIT_MB
from tests.ui.server import RunningApp, run_app, writable_copy

CHROMIUM = Path(os.environ.get("RAG_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One browser (fresh profile) for the session; each test opens its own page."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("browser tests need Playwright for Python (pip install playwright)")
    expect.set_options(timeout=30_000)
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            args=ARGS, headless=True, viewport={"width": 1280, "height": 900},
            permissions=["clipboard-read", "clipboard-write"])
        ctx.set_default_timeout(30_000)
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture(scope="session")
def ro_app(chromium: Any, sample_index: dict[str, Path],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app over the shared sample index: searched, never written."""
    with run_app(sample_index["data"], sample_index["index"],
                 tmp_path_factory.mktemp("ro-app") / "app.log") as app:
        yield app


@pytest.fixture(scope="session")
def rw_app(chromium: Any, sample_index: dict[str, Path],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app over a private copy, for tests that add, remove and rebuild."""
    root = tmp_path_factory.mktemp("rw-app")
    ws = writable_copy(sample_index, root / "ws")
    with run_app(ws["data"], ws["index"], root / "app.log",
                 env={"RAG_MAX_UPLOAD_MB": str(UPLOAD_LIMIT_MB)}) as app:
        yield app


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    pg = chromium.new_page()
    pg.set_viewport_size({"width": 1280, "height": 900})
    try:
        yield pg
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        finally:
            pg.close()
