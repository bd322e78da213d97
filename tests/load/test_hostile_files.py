"""Hostile data folders: links out of the folder (D3), mistyped JSONL (D6), the wrong --data (D9)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rag.errors import UsageError
from rag.load.formats import Skip, extract
from rag.load.reader import check_data_dir, discover, file_hash, load_files

ARTICLE = ("Ministers met on Tuesday to discuss the new trade rules. The talks lasted four hours "
           "and ended with a joint statement on tariffs and quotas for the coming year.\n")


def test_links_out_of_the_data_folder_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET password list. " + ARTICLE)
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    (outside_dir / "more.txt").write_text("ELSEWHERE " + ARTICLE)
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "real.txt").write_text(ARTICLE)
    os.symlink(secret, data / "x.txt")
    os.symlink(outside_dir, data / "linked-folder")
    os.symlink(data / "real.txt", data / "sub" / "inside-link.txt")  # stays inside: allowed

    entries = {e.path: e for e in discover(data)}
    assert entries["x.txt"].outside and entries["linked-folder"].outside
    assert not entries["real.txt"].outside and not entries["sub/inside-link.txt"].outside
    assert "linked-folder/more.txt" not in entries  # never descended into
    assert file_hash(entries["x.txt"]) == "link:outside"  # not even hashed

    loaded = load_files(entries.values())
    texts = " ".join(s.text for s in loaded.sources)
    assert "TOP SECRET" not in texts and "ELSEWHERE" not in texts
    assert {s.path for s in loaded.sources} == {"real.txt", "sub/inside-link.txt"}
    link_warnings = [w for w in loaded.warnings if "outside the data folder" in w]
    assert sorted(w.split(":")[0] for w in link_warnings) == ["linked-folder", "x.txt"]  # once per link


def test_removing_a_link_moves_the_link_not_its_target(tmp_path: Path) -> None:
    from rag.index.files import relative_in_data, retire

    data = tmp_path / "data"
    data.mkdir()
    (data / "real.txt").write_text(ARTICLE)
    os.symlink(data / "real.txt", data / "alias.txt")
    assert relative_in_data(data, "alias.txt") == "alias.txt"
    assert retire(data, "alias.txt") == "alias.txt"
    assert (data / "real.txt").is_file() and not (data / "alias.txt").exists()


def _jsonl(*rows: object) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def test_jsonl_fields_are_typed() -> None:
    raw = _jsonl({"title": "Null text", "text": None},
                 {"title": "List text", "text": ["a", "b"]},
                 {"title": "Number text", "text": 42},
                 {"title": ["not", "a", "title"], "text": ARTICLE, "outlet": 7, "date": None},
                 [1, 2, 3],
                 {"title": "Fine", "text": ARTICLE, "outlet": "The Paper"})
    sources, warnings = extract("feed.jsonl", raw)
    assert [s.path for s in sources] == ["feed.jsonl#4", "feed.jsonl#6"]
    assert all(s.text != "None" and not s.text.startswith("[") for s in sources)
    assert sources[0].metadata.title is None or sources[0].metadata.title != "['not', 'a', 'title']"
    assert sources[0].metadata.outlet is None and sources[1].metadata.outlet == "The Paper"
    joined = " | ".join(warnings)
    for needle in ("line 1: 'text' is null", "line 2: 'text' is a list", "line 3: 'text' is a number",
                   "line 4: 'title' is a list", "line 4: 'outlet' is a number", "line 5: not a JSON object"):
        assert needle in joined, (needle, joined)


def test_jsonl_with_no_usable_line_is_skipped() -> None:
    with pytest.raises(Skip):
        extract("feed.jsonl", _jsonl({"text": None}, {"text": 3.5}))


def test_data_folder_must_be_a_real_folder(tmp_path: Path) -> None:
    a_file = tmp_path / "a.txt"
    a_file.write_text(ARTICLE)
    with pytest.raises(UsageError, match="does not exist"):
        check_data_dir(tmp_path / "missing", 100)
    with pytest.raises(UsageError, match="must be a folder"):
        check_data_dir(a_file, 100)
    with pytest.raises(UsageError, match="whole filesystem"):
        check_data_dir(Path("/"), 100)
    check_data_dir(tmp_path, 100)


def test_data_folder_over_the_file_limit_needs_force(tmp_path: Path) -> None:
    for i in range(12):
        (tmp_path / f"{i}.txt").write_text(ARTICLE)
    with pytest.raises(UsageError, match="more than 10 files"):
        check_data_dir(tmp_path, 10)
    check_data_dir(tmp_path, 10, force=True)
    check_data_dir(tmp_path, 0)  # 0: no limit
