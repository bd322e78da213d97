"""kill -9 real `rag index` processes at random moments: the index always loads and answers,
and it is the old one or the new one, never a mix."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from rag.answer.pipeline import Searcher
from rag.config import Settings
from rag.stores.faiss.generation import current_generation, read_manifest
from tests.helpers import corpus, expected, flip, rag_cmd

KILLS = int(os.environ.get("RAG_TEST_KILLS", "15"))


def _check(settings: Settings, allowed: list[dict[str, str]]) -> None:
    gen = current_generation(settings.paths.index_dir)
    docs = read_manifest(gen)["documents"]
    assert docs in allowed, "index is neither the old nor the new generation"
    r = Searcher(settings).search("report on the reconstruction of the bridge", k=3)
    assert r.results and all(x.text for x in r.results)


def test_kill_dash_nine_never_breaks_the_index(tmp_path: Path, fresh_index: Path) -> None:
    data = tmp_path / "data"
    corpus(data)
    env = {**os.environ, "RAG_DATA": str(data), "RAG_INDEX": str(fresh_index)}
    settings = Settings.load(data_dir=data, index_dir=fresh_index)
    flip(data, 0)
    t0 = time.monotonic()
    subprocess.run([*rag_cmd(), "index", "--quiet"], env=env, check=True, capture_output=True)
    duration = time.monotonic() - t0
    states = [read_manifest(current_generation(fresh_index))["documents"]]

    rng = random.Random(1234)
    survived = completed = 0
    for i in range(1, KILLS + 1):
        flip(data, i)
        proc = subprocess.Popen([*rag_cmd(), "index", "--quiet", "--full"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, duration * 1.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # The finished state's manifest would list exactly these documents with their hashes.
        _check(settings, [*states, expected(settings, data)])
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
    _check(settings, [expected(settings, data)])
