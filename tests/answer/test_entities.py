"""Entity mentions from the packaged spaCy model: exact spans, clause roles, country forms;
and how mentions in relevant sentences are voted into an answer."""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path

import pytest

from rag.answer.entities import MODEL, MODEL_STATE, ROLE_OBLIQUE, ROLE_SUBJECT, _Model, mentions, refused_here
from rag.answer.extract import EntityVote, PassageRead, SentenceRead, vote
from rag.answer.gazetteer import country, is_country_name
from rag.records import Chunk

TEXT = ("US President Joe Biden authorized Kyiv to use US-supplied weapons inside Russia. "
        "In Berlin, a German government spokesman confirmed the decision.")


def test_mentions_are_exact_spans_with_roles_and_countries() -> None:
    (found,) = mentions([TEXT])
    assert found, "the packaged model found no entity"
    for m in found:
        assert TEXT[m.start:m.end] == m.text
    by_text = {m.text: m for m in reversed(found)}  # the first mention of each text
    assert by_text["US"].country == "United States" and by_text["US"].role == ROLE_SUBJECT
    assert by_text["Russia"].role == ROLE_OBLIQUE  # "inside Russia": a circumstance
    assert by_text["German"].country == "Germany" and by_text["German"].role == ROLE_SUBJECT
    assert by_text["Berlin"].country == "Germany"
    assert by_text["Joe Biden"].label == "PERSON"


def test_the_model_multiplies_with_numpy_and_finds_what_blis_finds() -> None:
    """blis falls back to a slow generic kernel on CPUs it does not know; the pipeline must use
    numpy's BLAS in every layer, with the same entities, roles and parse as blis gives."""
    import spacy

    nlp = MODEL_STATE.nlp()
    ops = [node.ops for _, pipe in nlp.pipeline for node in pipe.model.walk()]
    assert ops and not any(getattr(o, "use_blis", True) for o in ops)
    reference = spacy.load(MODEL, exclude=["lemmatizer", "senter", "tagger", "attribute_ruler"])
    assert any(getattr(n.ops, "use_blis", False) for _, p in reference.pipeline for n in p.model.walk())
    text = TEXT + " NATO Secretary General Jens Stoltenberg said on Friday that allies should lift limits."
    ours, theirs = nlp(text), reference(text)
    assert [(e.start_char, e.end_char, e.label_) for e in ours.ents] == \
        [(e.start_char, e.end_char, e.label_) for e in theirs.ents]
    assert [(t.dep_, t.head.i) for t in ours] == [(t.dep_, t.head.i) for t in theirs]


def test_preload_loads_in_the_background_once() -> None:
    model = _Model()
    model.preload()
    loader = model._loader
    assert loader is not None
    model.preload()  # already loading: no second thread
    assert model._loader is loader
    loader.join(timeout=60)
    assert model._nlp is not None and model.mentions([TEXT]) == mentions([TEXT])


def test_an_import_is_refused_to_the_loading_thread_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """spaCy loads on a background thread with torch refused; another thread importing torch at
    that moment (an index build's ONNX export) must get it."""
    (tmp_path / "rag_probe_module.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    got: list[object] = []
    with refused_here("rag_probe_module"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("rag_probe_module")
        other = threading.Thread(target=lambda: got.append(importlib.import_module("rag_probe_module").VALUE))
        other.start()
        other.join()
    assert got == [42]
    sys.modules.pop("rag_probe_module", None)


def test_a_second_read_settles_the_process() -> None:
    """The first read keeps numpy's BLAS threads (a cold query); before the second, BLAS drops to
    one thread and the long-lived objects leave the garbage collector's sight."""
    import gc

    from threadpoolctl import threadpool_info

    model = _Model()
    model.mentions([TEXT])
    assert not model._settled
    model.mentions([TEXT + " Again."])
    assert model._settled and gc.get_freeze_count() > 0
    assert all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")


def test_mentions_are_cached_and_empty_text_is_fine() -> None:
    a = mentions([TEXT, "", TEXT])
    assert a[0] == a[2] and a[1] == ()


def test_country_forms() -> None:
    assert country("U.S.") == country("American") == country("Washington") == "United States"
    assert country("the UK") == country("British") == "United Kingdom"
    assert country("us") is None  # the pronoun
    assert country("Armageddon") is None
    assert is_country_name("Germany") and is_country_name("the UK")
    assert not is_country_name("Berlin") and not is_country_name("German")


def _sentence(path: str, start: int, rel: float, *names: str) -> SentenceRead:
    from rag.answer.entities import Mention

    ms = tuple(Mention(start + i, start + i + 1, n, "GPE", n, ROLE_SUBJECT, n) for i, n in enumerate(names))
    return SentenceRead(path, start, start + 50, "x" * 50, rel, rel, ms, tuple(1.0 for _ in ms))


def _passage(path: str, *sentences: SentenceRead) -> PassageRead:
    return PassageRead(Chunk(path, 0, 1000, "x" * 1000, 0), list(sentences))


def names(votes: list[EntityVote]) -> list[str]:
    return [v.name for v in votes]


def test_list_vote_discounts_the_story_protagonists() -> None:
    """Ukraine is named in every passage, relevant or not; Germany and the UK only where the
    asked fact is: the list names the latter."""
    passages = [
        _passage("a", _sentence("a", 0, 0.8, "Ukraine", "Germany"), _sentence("a", 100, 0.1, "Ukraine")),
        _passage("b", _sentence("b", 0, 0.7, "United Kingdom", "Ukraine"), _sentence("b", 100, 0.1, "Ukraine")),
        _passage("c", _sentence("c", 0, 0.1, "Ukraine")),
        _passage("d", _sentence("d", 0, 0.1, "Ukraine")),
    ]
    got = names(vote(passages, margin=0.42, as_list=True))
    assert set(got[:2]) == {"Germany", "United Kingdom"} and "Ukraine" not in got


def test_single_vote_sums_relevant_mentions_and_ignores_irrelevant_ones() -> None:
    passages = [
        _passage("a", _sentence("a", 0, 0.9, "Stoltenberg"), _sentence("a", 100, 0.85, "Stoltenberg")),
        _passage("b", _sentence("b", 0, 0.88, "Putin"), _sentence("b", 100, 0.2, "Macron")),
    ]
    got = names(vote(passages, margin=0.18))
    assert got[0] == "Stoltenberg" and "Macron" not in got


def test_a_surname_folds_into_the_full_name() -> None:
    passages = [_passage("a", _sentence("a", 0, 0.9, "Jens Stoltenberg"), _sentence("a", 100, 0.9, "Stoltenberg"))]
    (only,) = vote(passages)
    assert only.name == "Jens Stoltenberg" and len(only.mentions) == 2


def test_phrases_reward_key_terms_said_side_by_side() -> None:
    from rag.answer.extract import key_pairs, phrases
    from rag.answer.question import analyse

    q = analyse("Who asked the Secretary of Defense to act?")
    pairs = key_pairs(q, {"ask": 1.0, "secretari": 2.0, "defens": 3.0, "act": 1.0})
    assert phrases(pairs, "Lawmakers sent a letter to Secretary of Defense Lloyd Austin.") > 0.4
    assert phrases(pairs, "The Foreign Secretary spoke about defense spending.") == 0.0
    assert phrases({}, "anything") == 0.0


def test_the_blank_tokenizer_loads_into_the_models_own_and_spacy_cli_stays_importable() -> None:
    """The model's tokenizer, loaded over a blank one, is byte for byte the default load's; the
    stand-ins for spaCy's command line (skipped while loading) do not stay in the process."""
    import importlib
    import sys

    import spacy

    from rag.answer.entities import MODEL, MODEL_STATE

    ours = MODEL_STATE.nlp().tokenizer.to_bytes(exclude=["vocab"])
    default = spacy.load(MODEL, exclude=["lemmatizer", "senter", "tagger", "attribute_ruler", "parser", "ner"])
    assert ours == default.tokenizer.to_bytes(exclude=["vocab"])
    cli = importlib.import_module("spacy.cli")
    assert hasattr(cli, "download") and "spacy.cli" in sys.modules
