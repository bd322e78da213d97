"""Bad input never costs what is already indexed, and always gets a clear one-line message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.answer.pipeline import Searcher, clean_question
from rag.config import Settings
from rag.errors import BadQuery, RagError
from rag.index.build import build
from rag.load import discover, load_files
from rag.load.formats import extract
from rag.stores.faiss.generation import current_generation
from tests.helpers import DATA, run_rag

BODY = ("The city council approved the new budget on Tuesday after a long debate. "
        "The mayor said the plan would fund schools and repair roads across the district.\n")


def _pdf(text: str) -> bytes:
    """A minimal one-page PDF with real text content (no PDF writer needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def test_every_kind_of_bad_file_is_skipped_with_a_warning(tmp_path: Path) -> None:
    d = tmp_path / "data"
    d.mkdir()
    (d / "good.txt").write_text("Budget approved\n\n" + BODY, encoding="utf-8")
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (d / "chrome.txt").write_text("Advertisement:\n\nLeave a Reply\n\nYour email address will not be "
                                  "published. Required fields are marked *\n", encoding="utf-8")
    (d / "latin1.txt").write_bytes(("Caf\u00e9 news\n\n" + BODY).encode("latin-1"))
    (d / "utf16.txt").write_bytes(("\ufeffCaf\u00e9 news\n\n" + BODY).encode("utf-16"))
    (d / "doc.pdf").write_bytes(_pdf("The harbour reopened after the storm, the port authority said."))
    (d / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (d / "feed.jsonl").write_text(json.dumps({"title": "T", "text": BODY, "outlet": "Wire"}) + "\n{bad\n",
                                  encoding="utf-8")
    (d / "big.txt").write_bytes(b"word " * (21 * 1024 * 1024 // 5))
    loaded = load_files(discover(d), max_file_mb=20)
    paths = {s.path for s in loaded.sources}
    assert paths == {"good.txt", "latin1.txt", "utf16.txt", "doc.pdf", "feed.jsonl#1"}
    for name in ("empty.txt", "binary.txt", "chrome.txt", "broken.pdf", "big.txt", "latin1.txt", "feed.jsonl"):
        msgs = [w for w in loaded.warnings if w.startswith(name)]
        assert msgs and all("\n" not in m for m in msgs), name
    utf16 = next(s for s in loaded.sources if s.path == "utf16.txt")
    assert utf16.extracted and "Caf\u00e9" in utf16.text
    pdf = next(s for s in loaded.sources if s.path == "doc.pdf")
    assert "harbour reopened" in pdf.text


def test_hundred_megabyte_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    d = tmp_path / "data"
    d.mkdir()
    with open(d / "huge.txt", "wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    (d / "good.txt").write_text("Budget approved\n\n" + BODY, encoding="utf-8")
    loaded = load_files(discover(d), max_file_mb=50)
    assert [s.path for s in loaded.sources] == ["good.txt"]
    assert any("huge.txt" in w and "100 MB" in w for w in loaded.warnings)


def test_cli_index_of_only_bad_files_fails_clearly_and_keeps_old_index(tmp_path: Path,
                                                                    sample_index: dict[str, Path]) -> None:
    index = tmp_path / "index"
    shutil.copytree(sample_index["index"], index)
    before = current_generation(index).name
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.txt").write_bytes(b"")
    (bad / "b.txt").write_bytes(b"\x00\x01\x02" * 1000)
    p = run_rag("index", "--quiet", env={"RAG_DATA": str(bad), "RAG_INDEX": str(index)})
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines()[-1].startswith("error: nothing to index")
    assert current_generation(index).name == before
    p = run_rag("index", "--quiet", env={"RAG_DATA": str(tmp_path / "nope"), "RAG_INDEX": str(index)})
    assert p.returncode != 0 and "does not exist" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("victim", ["vectors.faiss", "chunks.sqlite", "vectors.npy", "manifest.json"])
def test_corrupt_or_truncated_index_file(tmp_path: Path, sample_index: dict[str, Path], victim: str) -> None:
    index = tmp_path / "index"
    shutil.copytree(sample_index["index"], index)
    f = current_generation(index) / victim
    f.write_bytes(f.read_bytes()[: max(1, f.stat().st_size // 3)])
    env = {"RAG_DATA": str(sample_index["data"]), "RAG_INDEX": str(index)}
    p = run_rag("query", "which countries lifted restrictions?", env=env)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "rag index" in p.stderr
    # the data is intact, so rebuilding repairs it
    p = run_rag("index", "--quiet", env=env)
    assert p.returncode == 0, p.stderr
    assert run_rag("query", "which countries lifted restrictions?", env=env).returncode == 0


def test_question_edge_cases(searcher: Searcher) -> None:
    with pytest.raises(BadQuery, match="empty"):
        searcher.search(" \n\t ")
    with pytest.raises(BadQuery, match="too long"):
        searcher.search("why " * 2500)
    r = searcher.search("which\x00 countries\x07 lifted\x1b restrictions?")
    assert r.query == "which countries lifted restrictions?" and r.results


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_fuzz_query_path(searcher: Searcher, q: str) -> None:
    try:
        clean = clean_question(q, 2000)
    except BadQuery:
        return
    r = searcher.search(q, k=3)
    assert r.query == clean
    for x in r.results:
        assert x.citation.start < x.citation.end
        for s, e in x.highlights:
            assert x.citation.start <= s < e <= x.citation.end


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(["a.txt", "b.md", "c.html", "d.jsonl", "e.pdf"]))
def test_fuzz_loader(raw: bytes, name: str) -> None:
    from rag.load.formats import Skip

    try:
        sources, _warnings = extract(name, raw)
    except Skip as exc:
        assert "\n" not in str(exc)
        return
    for s in sources:
        for a, b in s.spans:
            assert 0 <= a < b <= len(s.text)


def test_a_build_error_is_a_rag_error(tmp_path: Path) -> None:
    with pytest.raises(RagError):
        build(Settings.load(data_dir=tmp_path / "missing", index_dir=tmp_path / "i", quiet=True))


def test_sample_data_untouched() -> None:
    assert len(list(DATA.glob("*.txt"))) == 5
