import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunk import chunk_source, sentence_spans
from rag.chunk.chunker import blocks
from rag.load.formats import paragraph_spans
from rag.records import Source


def words(texts):  # a stand-in counter: one token per word; the real tokenizer is tested elsewhere
    return [len(t.split()) for t in texts]


def make(text: str, spans=None) -> Source:
    return Source("x.txt", text, "h", "txt", spans=tuple(spans if spans is not None else paragraph_spans(text)))


def test_sentences_respect_abbreviations_and_quotes():
    text = 'Mr. Smith went to Washington, D.C. on Friday. "It is over," he said. U.S. officials agreed!'
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == ['Mr. Smith went to Washington, D.C. on Friday.', '"It is over," he said.',
                   "U.S. officials agreed!"]


def test_chunks_overlap_by_one_sentence_and_fit_budget():
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(20))
    chunks = chunk_source(make(text), words, max_tokens=30, overlap=1)
    assert len(chunks) > 3
    for a, b in itertools.pairwise(chunks):
        assert a.sentences[-1] == b.sentences[0]
    for c in chunks:
        assert words([c.text])[0] <= 28


def test_chunks_never_cross_removed_chrome():
    text = "First body paragraph here.\n\nAdvertisement:\n\nSecond body paragraph here."
    body = [(0, 26), (51, len(text))]
    src = make(text, body)
    assert blocks(src) == body
    for c in chunk_source(src, words, max_tokens=200):
        assert "Advertisement" not in c.text


def test_overlong_sentence_is_split():
    text = " ".join(["word"] * 500) + "."
    chunks = chunk_source(make(text), words, max_tokens=64, overlap=0)
    assert len(chunks) >= 8
    assert all(words([c.text])[0] <= 62 for c in chunks)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=800),
       st.integers(8, 80), st.integers(0, 2))
def test_offsets_are_exact(text, budget, overlap):
    src = make(text)
    for c in chunk_source(src, words, max_tokens=budget + 2, overlap=overlap):
        assert text[c.start:c.end] == c.text
        assert c.text.strip() == c.text and c.text
        for s, e in c.sentences:
            assert c.start <= s < e <= c.end


def test_sentence_spans_are_packed_but_read_as_tuples() -> None:
    """A chunk's spans are one array (a 176k-chunk build held 66 MB of int tuples), with the
    tuple's behaviour: equality, hashing, indexing, JSON and pickling."""
    import json
    import pickle
    import sys

    from rag.records import Chunk, Spans

    pairs = ((100_000, 100_050), (100_051, 100_090), (100_091, 100_200))
    c = Chunk("a.txt", 100_000, 100_200, "x" * 200, 0, pairs)
    assert isinstance(c.sentences, Spans) and c.sentences == pairs and list(c.sentences) == list(pairs)
    assert len(c.sentences) == 3 and c.sentences[-1] == pairs[-1] and c.sentences[:2] == pairs[:2]
    assert hash(c) == hash(Chunk("a.txt", 100_000, 100_200, "x" * 200, 0, list(pairs)))
    assert pickle.loads(pickle.dumps(c)) == c
    assert json.loads(json.dumps(list(c.sentences))) == [list(p) for p in pairs]
    packed = sys.getsizeof(c.sentences) + sys.getsizeof(c.sentences._flat)
    as_tuples = sys.getsizeof(pairs) + sum(sys.getsizeof(p) + sum(map(sys.getsizeof, p)) for p in pairs)
    assert packed < as_tuples / 2
    assert Chunk("b", 0, 1, "x", 0).sentences == ()
