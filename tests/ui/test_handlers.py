"""The app's handlers, called directly: every failure is a plain-words message, never a raise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings
from rag.ui.web import App
from tests.ui.server import writable_copy

NO_FILTERS: tuple[Any, ...] = ([], [], "", "")


@pytest.fixture(scope="module")
def app(sample_index: dict[str, Path]) -> App:
    return App(Settings.load(data_dir=sample_index["data"], index_dir=sample_index["index"]))


def _text(html: str) -> str:
    return html.replace("&#x27;", "'").replace("&quot;", '"')


def test_search_fills_status_answer_cards_and_picker(app: App) -> None:
    status, answer, results, pick, state, source = app.search_ui(
        "which countries lifted restrictions?", 3, "hybrid", *NO_FILTERS)
    assert "matched; showing the best" in status and "ms)" in status
    assert 'id="result-1"' in results and results.count('class="rag-card') == len(state["results"]) <= 3
    assert [value for _, value in pick["choices"]] == [r["rank"] for r in state["results"]]
    assert ("Answer" in answer) == state["answerable"] or "No answer found" in answer
    assert "Pick a result" in source


@pytest.mark.parametrize(("question", "dates", "expected"), [
    ("   ", ("", ""), "Type a question first"),
    ("ukraine", ("25/05/2024", ""), "date must look like 2024-05-25"),
    ("x" * 5000, ("", ""), "The question is too long"),
])
def test_bad_input_is_explained(app: App, question: str, dates: tuple[str, str], expected: str) -> None:
    status, answer, results, _, state, _ = app.search_ui(question, 5, "hybrid", [], [], *dates)
    assert expected in _text(status) and 'role="alert"' in status
    assert (answer, results, state) == ("", "", None)


def test_unexpected_failure_is_a_message_not_a_traceback(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kw: Any) -> None:
        raise RuntimeError("disk on fire\nTraceback (most recent call last)")

    monkeypatch.setattr(app.searcher, "search", boom)
    status = app.search_ui("ukraine", 5, "hybrid", *NO_FILTERS)[0]
    assert "The search failed (RuntimeError)" in status and "Traceback" not in status
    monkeypatch.setattr(app.searcher, "snapshot", boom)
    assert "Could not open that article" in app.source(1, {"results": [{"rank": 1, "path": "a", "start": 0,
                                                                         "end": 1}]})
    assert app.documents() == []


def test_source_view(app: App) -> None:
    state = app.search_ui("Stoltenberg escalation", 5, "hybrid", *NO_FILTERS)[4]
    hit = state["results"][0]
    html = app.source(1, state)
    assert "<mark>" in html and f"{hit['path']}:{hit['start']}-{hit['end']}" in html
    assert "Pick a result" in app.source(None, state)
    gone = {"results": [{**hit, "path": "missing.txt"}]}
    assert "no longer in the index" in app.source(1, gone)


def test_api_search_is_the_cli_json(app: App) -> None:
    import gradio as gr

    got = json.loads(app.api_search("which countries lifted restrictions?", 4, "hybrid"))
    want = app.searcher.search("which countries lifted restrictions?", k=4, mode="hybrid").to_dict()
    got.pop("took_ms"), want.pop("took_ms")
    assert got == want
    with pytest.raises(gr.Error, match="question is empty"):
        app.api_search("")
    with pytest.raises(gr.Error, match="must look like 2024-05-25"):
        app.api_search("ukraine", since="2024-02-30")  # natural language is fine; impossible dates are not


def test_writes_refuse_bad_input_without_touching_the_data(app: App, tmp_path: Path) -> None:
    before = sorted(p.name for p in app.settings.paths.data_dir.iterdir())
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 300_000)
    small = App(app.settings.with_(max_upload_mb=1))
    cases = [
        (app.upload(None), "Choose one or more files"),
        (app.upload([str(exe)]), "not an article file"),
        (small.upload([str(big)]), "larger than the upload limit of 1 MB"),
        (app.add_text("", "body"), "Give the pasted article a title"),
        (app.add_text("Title", "  "), "Paste the article text"),
        (small.add_text("Title", "word " * 300_000), "larger than the upload limit"),
        (app.remove(None), "Choose an article to remove"),
    ]
    for out, expected in cases:
        assert expected in out[0] and 'role="alert"' in out[0]
        assert "documents indexed" in out[5]  # the document list is still refreshed
    assert sorted(p.name for p in app.settings.paths.data_dir.iterdir()) == before


def test_failed_build_is_a_message(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kw: Any) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(app, "_build", boom)
    msg = app.rebuild(False)[0]
    assert "Rebuild: failed (OSError: no space left on device)" in msg and 'role="alert"' in msg


def test_add_then_remove_a_pasted_article(sample_index: dict[str, Path], tmp_path: Path) -> None:
    paths = writable_copy(sample_index, tmp_path / "ws")
    app = App(Settings.load(data_dir=paths["data"], index_dir=paths["index"]))
    n = len(app.documents())
    body = ("The ferry operators of Zanzibar said on Monday that the morning crossings to Dar es Salaam "
            "would resume after the harbour was cleared of debris from the storm.\n\n"
            "The harbour master said that passengers should expect delays of about two hours for the "
            "rest of the week while the remaining boats are inspected by the engineers.")
    out = app.add_text("Zanzibar ../../ferries", body)
    assert "1 added: Zanzibar-ferries.txt" in out[0], out[0]
    assert out[-2:] == ("", "")  # the form is cleared
    assert (paths["data"] / "Zanzibar-ferries.txt").is_file() and len(app.documents()) == n + 1
    again = app.add_text("Zanzibar ../../ferries", body + "\n\nA correction was added later in the day.")
    assert "Zanzibar-ferries-1.txt" in again[0], "no silent overwrite"
    out = app.remove("Zanzibar-ferries.txt")
    assert "1 removed: Zanzibar-ferries.txt" in out[0]
    assert not (paths["data"] / "Zanzibar-ferries.txt").exists() and len(app.documents()) == n + 1
