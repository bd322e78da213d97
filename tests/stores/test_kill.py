"""kill -9 real `rag index` writers on the PostgreSQL store, many times, at random moments and
right inside the commit transaction: the database holds only whole commits, and answers."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from rag.answer.pipeline import Searcher
from rag.index.build import build
from tests.helpers import check_whole, corpus, expected, flip, rag_cmd, rag_env

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("RAG_TEST_PG_KILLS", "12"))
WRITER = "rag-kill-test"


def live_documents(url: str) -> dict[str, str]:
    with psycopg.connect(url) as c:
        return dict(c.execute("SELECT path, content_hash FROM rag_documents WHERE dead IS NULL").fetchall())


def in_commit(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as c:
        row = c.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                        "AND xact_start IS NOT NULL AND query ~ '(COPY|INSERT|UPDATE|DELETE|CREATE)'",
                        (WRITER,)).fetchone()
    return bool(row and row[0])


def kill_when(proc: subprocess.Popen[Any], url: str, at_commit: bool, delay: float) -> str:
    """SIGKILL ``proc`` after ``delay`` s, or as soon as its commit transaction is writing."""
    deadline = time.monotonic() + (120 if at_commit else delay)
    while time.monotonic() < deadline and proc.poll() is None:
        if at_commit and in_commit(url):
            break
        time.sleep(0.005 if at_commit else 0.01)
    finished = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return "finished" if finished else ("in commit" if at_commit else "random")


@pytest.mark.parametrize("store", ["postgres"])  # FAISS: tests/index/test_crash.py
def test_kill_dash_nine_leaves_only_whole_commits(tmp_path: Path, make_settings: Any, store: str) -> None:
    data = tmp_path / "data-kill"
    corpus(data, copies=1)
    flip(data, 0)
    s = make_settings("kill", data)
    build(s)
    assert s.storage.database_url
    url = s.storage.database_url
    writer_url = url + ("&" if "?" in url else "?") + f"application_name={WRITER}"
    env = {**rag_env(s), "RAG_DATABASE_URL": writer_url}
    states = [live_documents(url)]
    rng = random.Random(7)
    outcomes: dict[str, int] = {}
    for i in range(1, KILLS + 1):
        flip(data, i)
        args = ["index", "--quiet", *(["--full"] if i % 3 == 0 else [])]
        proc = subprocess.Popen([*rag_cmd(), *args], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        how = kill_when(proc, url, at_commit=i % 2 == 0, delay=rng.uniform(0.5, 12))
        outcomes[how] = outcomes.get(how, 0) + 1
        now = live_documents(url)
        assert now in (states[-1], expected(s, data)), f"kill {i}: neither the old state nor the new one"
        check_whole(url)
        if now != states[-1]:
            states.append(now)
        resp = Searcher(s).search("report on the reconstruction of the bridge", k=3)
        assert resp.results and all(r.text for r in resp.results)
    report = build(s)  # and the next writer finishes the job
    assert live_documents(url) == expected(s, data)
    check_whole(url)
    print(f"\nkills: {outcomes}; commits that landed: {len(states) - 1}; last build embedded {report.embedded}")
    assert outcomes.get("in commit", 0) >= 1, "no kill landed inside a commit transaction"
