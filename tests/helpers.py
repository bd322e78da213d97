"""Helpers shared by test modules (test modules never import each other): the project's paths,
running `rag` and the app as real processes, sample data folders, and store checks."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rag.config import Settings

_counter = itertools.count()

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
ARTIFACTS = ROOT / "tests" / "artifacts"


def rag_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("rag")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "rag.cli"]


def run_rag(*args: str, env: dict[str, str] | None = None, timeout: float = 600,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*rag_cmd(), *args], capture_output=True, text=True, timeout=timeout,
                          env=full_env, cwd=cwd or ROOT)


def corpus(data: Path, copies: int = 3) -> None:
    shutil.copytree(DATA, data)
    for i in range(copies):
        for src in DATA.glob("*.txt"):
            text = src.read_text(encoding="utf-8").replace("Stoltenberg", f"Stoltenberg ({i})")
            (data / f"copy{i}_{src.name}").write_text(text, encoding="utf-8")


def flip(data: Path, state: int) -> set[str]:
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


def expected(settings: Settings, data: Path) -> dict[str, str]:
    from rag.load import discover, load_files

    return {s.path: s.content_hash for s in load_files(discover(data)).sources}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(proc: subprocess.Popen[Any], up: Callable[[], bool], timeout: float, what: str,
            log: Callable[[], str], stop_after: float = 15) -> Iterator[subprocess.Popen[Any]]:
    """Wait until a server process answers (``up()``), yield it, and stop it (only it) on exit.
    Fails with the end of its log if it exits or does not answer within ``timeout`` seconds."""
    try:
        deadline = time.monotonic() + timeout
        while not up():
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer in {timeout:.0f} s:\n{log()[-3000:]}")
            time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=stop_after)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=stop_after)


def start_app(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            assert proc.poll() is None, "the app exited during start-up"
            time.sleep(0.5)
    proc.kill()
    raise AssertionError("the app did not start")


def new_database(server: Any) -> str:
    """A fresh, empty database on the session's server; its connection URL."""
    import psycopg

    name = f"rag_test_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(server.get_uri(), autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return str(server.get_uri(name))


def sample_data(tmp_path: Path, name: str = "data") -> Path:
    data = tmp_path / name
    if not data.exists():
        shutil.copytree(DATA, data)
    return data


def rag_env(settings: Settings) -> dict[str, str]:
    """The environment that points a `rag` or app process at ``settings``' index."""
    env = {**os.environ, "RAG_DATA": str(settings.paths.data_dir), "RAG_INDEX": str(settings.paths.index_dir),
           "RAG_STORE": settings.storage.store, "GRADIO_ANALYTICS_ENABLED": "False"}
    if settings.storage.database_url:
        env["RAG_DATABASE_URL"] = settings.storage.database_url
    return env


def check_whole(url: str) -> None:
    """The live generation is complete: its manifest, documents, chunks and postings agree."""
    import psycopg

    with psycopg.connect(url) as c:
        gen, manifest = c.execute("SELECT generation, manifest FROM rag_meta").fetchone()
        docs = c.execute("SELECT count(*) FROM rag_documents WHERE born <= %s AND (dead IS NULL OR dead > %s)",
                         (gen, gen)).fetchone()[0]
        chunks = c.execute("SELECT count(*) FROM rag_chunks c JOIN rag_documents d ON d.id = c.doc_id "
                           "WHERE d.dead IS NULL").fetchone()[0]
        bad = c.execute("SELECT count(*) FROM rag_chunks c WHERE c.n_terms <> coalesce((SELECT sum(tf) "
                        "FROM rag_terms t WHERE t.chunk_id = c.id), 1)").fetchone()[0]
        files = c.execute("SELECT count(*) FROM rag_files").fetchone()[0]
    counts = manifest["counts"]
    assert (docs, chunks, files) == (counts["documents"], counts["chunks"], counts["files"])
    assert bad == 0, "a chunk without its keyword postings"
