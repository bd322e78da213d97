"""kill -9 real `rag index` processes at random moments: the index always loads and answers,
and it is the old one or the new one, never a mix."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

from rag.answer.pipeline import Searcher
from rag.config import Settings
from rag.stores.faiss.generation import current_generation, read_manifest
from tests.conftest import DATA, rag_cmd

KILLS = int(os.environ.get("RAG_TEST_KILLS", "15"))


def _corpus(data: Path, copies: int = 3) -> None:
    shutil.copytree(DATA, data)
    for i in range(copies):
        for src in DATA.glob("*.txt"):
            text = src.read_text(encoding="utf-8").replace("Stoltenberg", f"Stoltenberg ({i})")
            (data / f"copy{i}_{src.name}").write_text(text, encoding="utf-8")


def _flip(data: Path, state: int) -> set[str]:
    """Make the data folder one of two states that index differently; return its documents."""
    marker = data / "marker.txt"
    marker.write_text(f"State {state} report\n\nThe committee published report number {state} "
                      f"on the reconstruction of the bridge in state {state}.\n", encoding="utf-8")
    odd = data / "odd.txt"
    if state % 2:
        odd.write_text("Odd report\n\nAn odd-numbered state has this extra article about ferries.\n",
                       encoding="utf-8")
    elif odd.exists():
        odd.unlink()
    return {p.relative_to(data).as_posix() for p in data.rglob("*.txt")}


def _check(settings: Settings, allowed: list[dict[str, str]]) -> None:
    gen = current_generation(settings.index_dir)
    docs = read_manifest(gen)["documents"]
    assert docs in allowed, "index is neither the old nor the new generation"
    r = Searcher(settings).search("report on the reconstruction of the bridge", k=3)
    assert r.results and all(x.text for x in r.results)


def test_kill_dash_nine_never_breaks_the_index(tmp_path: Path, fresh_index: Path) -> None:
    data = tmp_path / "data"
    _corpus(data)
    env = {**os.environ, "RAG_DATA": str(data), "RAG_INDEX": str(fresh_index)}
    settings = Settings.load(data_dir=data, index_dir=fresh_index)
    _flip(data, 0)
    t0 = time.monotonic()
    subprocess.run([*rag_cmd(), "index", "--quiet"], env=env, check=True, capture_output=True)
    duration = time.monotonic() - t0
    states = [read_manifest(current_generation(fresh_index))["documents"]]

    rng = random.Random(1234)
    survived = completed = 0
    for i in range(1, KILLS + 1):
        _flip(data, i)
        proc = subprocess.Popen([*rag_cmd(), "index", "--quiet", "--full"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, duration * 1.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # The finished state's manifest would list exactly these documents with their hashes.
        _check(settings, [*states, _expected(settings, data)])
        now = read_manifest(current_generation(fresh_index))["documents"]
        if now != states[-1]:
            completed += 1
            states.append(now)
        survived += 1
    print(f"\nkills survived: {survived}/{KILLS}; builds that completed before the kill: {completed}; "
          f"uninterrupted build {duration:.1f} s")
    assert survived == KILLS
    # After all that, a normal build still works and picks up the last state.
    subprocess.run([*rag_cmd(), "index", "--quiet"], env=env, check=True, capture_output=True)
    assert not list(fresh_index.glob(".tmp-*"))
    _check(settings, [_expected(settings, data)])


def _expected(settings: Settings, data: Path) -> dict[str, str]:
    from rag.load import discover, load_files

    return {s.path: s.content_hash for s in load_files(discover(data)).sources}
