"""The app's answer box with an LLM configured: the draft streams, then only verified sentences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings
from rag.ui.web import App

pytestmark = pytest.mark.slow
NO_FILTERS: tuple[Any, ...] = ([], [], "", "")


def _app(sample_index: dict[str, Path], url: str | None) -> App:
    return App(Settings.load(data_dir=sample_index["data"], index_dir=sample_index["index"],
                             llm_url=url, llm_max_tokens=24))


def test_the_answer_box_streams_the_draft_then_the_verified_answer(llm_url: str,
                                                                     sample_index: dict[str, Path]) -> None:
    app = _app(sample_index, llm_url)
    state = app.search_ui("which countries lifted restrictions?", 2, "hybrid", *NO_FILTERS)[4]
    steps = list(app.generate_ui(state))
    assert len(steps) >= 3 and all("unchecked draft" in s for s in steps[:-1])
    final = steps[-1]
    assert "unchecked draft" not in final and "<strong>Answer</strong>" in final
    assert 'href="#result-1"' in final or 'href="#result-2"' in final


def test_an_unreachable_llm_is_a_visible_message(sample_index: dict[str, Path]) -> None:
    app = _app(sample_index, "http://127.0.0.1:9/v1")
    state = app.search_ui("which countries lifted restrictions?", 2, "hybrid", *NO_FILTERS)[4]
    [final] = list(app.generate_ui(state))
    assert "Could not reach the LLM server" in final and "<strong>Answer</strong>" in final
    nothing = app.search_ui("recipe for sourdough bread with rye flour", 2, "hybrid", *NO_FILTERS)[4]
    assert nothing["answerable"] is False and list(app.generate_ui(nothing)) == []


def test_the_page_wires_generation_only_when_configured(sample_index: dict[str, Path]) -> None:
    from rag.ui.layout import make_blocks

    def handlers(url: str | None) -> list[str]:
        blocks = make_blocks(_app(sample_index, url))
        return [getattr(d.fn, "__name__", "") for d in blocks.fns.values()]

    assert "generate_ui" in handlers("http://127.0.0.1:9/v1")
    assert "generate_ui" not in handlers(None)
