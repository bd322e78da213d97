"""Checksums, not sizes (D1), and known index faults as one line with a documented exit (D7, D8).

Every case runs the real `rag` command on a real index built from a copy of data/.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import DATA, run_rag

pytestmark = pytest.mark.slow
QUESTION = "which countries lifted restrictions?"


@pytest.fixture
def ws(tmp_path: Path, sample_index: dict[str, Path]) -> dict[str, Path]:
    """A private, writable copy of the session's sample index and its data."""
    shutil.copytree(sample_index["data"], tmp_path / "data")
    shutil.copytree(sample_index["index"], tmp_path / "index", ignore=shutil.ignore_patterns("*.lock"))
    return {"data": tmp_path / "data", "index": tmp_path / "index"}


def env(ws: dict[str, Path]) -> dict[str, str]:
    return {"RAG_DATA": str(ws["data"]), "RAG_INDEX": str(ws["index"])}


def gen(ws: dict[str, Path]) -> Path:
    return ws["index"] / (ws["index"] / "CURRENT").read_text().strip()


def garble(path: Path, at: int | None = None) -> None:
    """Flip bytes in the middle of the file (or at ``at``); the size stays the same."""
    raw = bytearray(path.read_bytes())
    pos = len(raw) // 2 if at is None else at
    for i in range(pos, min(pos + 64, len(raw))):
        raw[i] ^= 0x5A
    path.write_bytes(bytes(raw))


def one_line_error(p, code: int, *needles: str) -> None:  # type: ignore[no-untyped-def]
    assert p.returncode == code, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])


def query_json(ws: dict[str, Path]) -> dict:  # type: ignore[type-arg]
    p = run_rag("query", QUESTION, "--json", "-k", "5", env=env(ws))
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("victim", ["vectors.faiss", "vectors.npy", "chunks.sqlite"])
def test_same_size_damage_is_found_reported_and_repaired(ws: dict[str, Path], victim: str) -> None:
    before = query_json(ws)
    target = gen(ws) / victim
    size = target.stat().st_size
    garble(target, at=size - 200 if victim == "vectors.npy" else None)  # .npy: the vector data
    assert target.stat().st_size == size

    one_line_error(run_rag("query", QUESTION, env=env(ws)), 1, victim, "damaged", "rag index")
    st = run_rag("status", "--json", env=env(ws))
    assert st.returncode == 0, st.stderr
    assert victim in json.loads(st.stdout)["damaged"]
    human = run_rag("status", env=env(ws))
    assert "DAMAGED" in human.stdout and "up to date with" not in human.stdout

    rebuilt = run_rag("index", "-q", "--json", env=env(ws))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert not json.loads(rebuilt.stdout)["up_to_date"]
    assert "damaged" in rebuilt.stderr  # it says what it repairs
    assert json.loads(run_rag("status", "--json", env=env(ws)).stdout)["damaged"] == []
    after = query_json(ws)
    assert [(r["path"], r["start"], r["end"]) for r in after["results"]] == \
        [(r["path"], r["start"], r["end"]) for r in before["results"]]


def test_manifest_records_a_sha256_of_every_file(ws: dict[str, Path]) -> None:
    import hashlib

    g = gen(ws)
    manifest = json.loads((g / "manifest.json").read_text())
    files = sorted(p.relative_to(g).as_posix() for p in g.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert sorted(manifest["sha256"]) == files
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((g / name).read_bytes()).hexdigest() == digest


def test_garbled_current_pointer_is_one_line_and_index_repairs_it(ws: dict[str, Path]) -> None:
    (ws["index"] / "CURRENT").write_bytes(b"\xff\xfe\x00garbage/../..")
    one_line_error(run_rag("query", QUESTION, env=env(ws)), 1, "damaged", "rag index")
    one_line_error(run_rag("status", env=env(ws)), 1, "damaged")
    assert run_rag("index", "-q", env=env(ws)).returncode == 0
    assert query_json(ws)["results"]


def test_unwritable_index_location_is_one_line_exit_1(ws: dict[str, Path], tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    p = run_rag("index", "-q", env={**env(ws), "RAG_INDEX": str(blocker / "index")})
    one_line_error(p, 1, "a-file")


def test_failed_first_build_leaves_no_index_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "empty.txt").write_text("   \n")
    index = tmp_path / "new-index"
    p = run_rag("index", "-q", env={"RAG_DATA": str(data), "RAG_INDEX": str(index)})
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    assert not index.exists()


def test_status_refuses_a_file_or_missing_data_folder(ws: dict[str, Path], tmp_path: Path) -> None:
    a_file = next(DATA.glob("*.txt"))
    for bad in (a_file, tmp_path / "missing"):
        one_line_error(run_rag("status", "--data", str(bad), env=env(ws)), 2, str(bad))


def test_bad_options_exit_2(ws: dict[str, Path]) -> None:
    for args, needle in ((["-k", "0"], "top-k"), (["--mode", "foo"], "mode"), (["-k", "many"], "top-k")):
        one_line_error(run_rag("query", QUESTION, *args, env=env(ws)), 2, needle)


def test_link_out_of_data_is_warned_once_and_never_indexed(ws: dict[str, Path], tmp_path: Path) -> None:
    import os

    secret = tmp_path / "secret.txt"
    secret.write_text("Zebrafish passwords\n\nThe vault code for the zebrafish laboratory is "
                      "kept in the second drawer, the caretaker said on Monday.\n")
    os.symlink(secret, ws["data"] / "x.txt")
    first = run_rag("index", "-q", env=env(ws))
    assert first.returncode == 0, first.stderr
    assert first.stderr.count("x.txt: skipped, a link to a file outside the data folder") == 1
    again = run_rag("index", "-q", env=env(ws))
    assert again.returncode == 0 and "x.txt" not in again.stderr  # once per link, not every build
    hits = json.loads(run_rag("query", "zebrafish vault code", "--json", "-k", "10", env=env(ws)).stdout)
    assert all("zebrafish" not in r["text"].lower() and r["path"] != "x.txt" for r in hits["results"])
    assert run_rag("source", "x.txt", env=env(ws)).returncode == 1
