"""Write a generated answer for a response and verify it (the one entry point for CLI, app, eval)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rag.embed import Encoder
from rag.generate.client import Generator, OnToken, complete
from rag.generate.prompt import build_messages
from rag.generate.verify import verify
from rag.records import AnswerSentence, Citation, GeneratedSentence, Response, Result

if TYPE_CHECKING:
    from rag.answer.pipeline import Searcher


def should_generate(resp: Response, always: bool) -> bool:
    """Never without passages; never on a no-answer unless the user asked for it."""
    return bool(resp.results) and (resp.answerable or always)


def generate(resp: Response, gen: Generator, encoder: Encoder, *, always: bool = False,
             on_token: OnToken | None = None) -> list[GeneratedSentence] | None:
    """The verified sentences (also stored on ``resp.generated``), or None when not attempted."""
    if not should_generate(resp, always):
        return None
    text = complete(gen, build_messages(resp.query, resp.results), on_token)
    resp.generated = verify(text, resp.results, encoder)
    return resp.generated


def drafts(resp: Response, gen: Generator, encoder: Encoder, *, always: bool = False) -> Iterator[str]:
    """The draft so far, each time the model adds to it; then ``resp.generated`` is set."""
    if not should_generate(resp, always):
        return
    text = ""
    for piece in gen.stream(build_messages(resp.query, resp.results)):
        text += piece
        yield text
    resp.generated = verify(text, resp.results, encoder)


def response_from_state(state: dict[str, Any]) -> Response:
    """The parts of a response (``Response.to_dict()``, the app's state) that generation needs."""
    results = [Result(r["rank"], r["score"], r["text"],
                      Citation(r["path"], r["title"], r["start"], r["end"], r.get("outlet"),
                               r.get("date"), r.get("author")), weak=r.get("weak", False))
               for r in state.get("results", [])]
    answer = [AnswerSentence(**a) for a in state.get("answer", [])]
    return Response(state["query"], results, bool(state.get("answerable")), answer,
                    state.get("mode", "hybrid"))


def kept(resp: Response) -> list[GeneratedSentence]:
    """The sentences to show as the answer: the supported ones (empty: show the extractive one)."""
    return [g for g in (resp.generated or []) if g.supported]


def generate_for(searcher: Searcher, resp: Response, *, stream: bool = False) -> None:
    """Fill ``resp.generated`` with the configured generator; ``stream`` echoes the draft to
    stderr as the model writes it (the verified answer is printed afterwards)."""
    import sys

    from rag.generate.client import from_config

    gen = from_config(searcher.settings.llm)
    if gen is None or not should_generate(resp, searcher.settings.llm.always):
        return

    started: list[bool] = []

    def echo(piece: str) -> None:
        if not started:
            started.append(True)
            sys.stderr.write("draft: ")
        sys.stderr.write(piece)
        sys.stderr.flush()

    try:
        generate(resp, gen, searcher.snapshot().reader, always=searcher.settings.llm.always,
                 on_token=echo if stream else None)
    finally:
        if started:
            sys.stderr.write("\n\n")
