"""Shared pieces of the benchmark: result rows, timing, peak memory of child processes, and
the corpora (the sample articles in data/, SciFact from the shared benchmarks folder)."""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SCIFACT = Path(os.environ.get("RAG_BENCH_SCIFACT", ROOT.parent / "shared" / "benchmarks" / "beir" / "scifact"))
BIN = Path(sys.executable).parent
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
       "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONPATH": str(ROOT)}


@dataclass
class Row:
    """One figure next to the baseline it was measured against in the same run."""

    section: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    ok: bool | None = None  # None: informational, no target
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def p50(xs: Sequence[float]) -> float:
    return float(statistics.median(xs))


def p95(xs: Sequence[float]) -> float:
    return float(np.percentile(np.asarray(xs, dtype=np.float64), 95))


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class Run:
    wall: float
    peak_rss: int  # bytes, of the child alone (from the kernel via wait4, not sampled)
    code: int
    out: str
    err: str
    cpu: float = 0.0  # user + system seconds of the child and its children (with ``rss`` only)


# Linux carries a process's peak RSS across fork+exec, so a child forked from this (large) process
# would report our peak as its own. A small launcher forks the real command from a fresh, small
# interpreter and reports that grandchild's peak from wait4.
_LAUNCH = """import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
import resource
kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and every process it waited for
with open(sys.argv[1], "w") as fh:
    fh.write(f"{usage.ru_maxrss} {kids.ru_utime + kids.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_child(cmd: Sequence[str], env: dict[str, str] | None = None, timeout: float = 900,
              rss: bool = False) -> Run:
    """Run a command to completion: wall time, output, and with ``rss`` its own peak RSS
    (through the launcher, which adds ~30 ms of wall time: leave it off for timings)."""
    import tempfile

    peak_file = Path(tempfile.mkstemp(prefix="rag-bench-rss-")[1])
    full = [sys.executable, "-c", _LAUNCH, str(peak_file), *cmd] if rss else list(cmd)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(full, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              env=env or ENV, cwd=ROOT, timeout=timeout)
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, out, err = -9, str(exc.stdout or ""), f"timed out after {timeout} s"
    wall = time.perf_counter() - t0
    text = (peak_file.read_text() if peak_file.exists() else "").split()
    peak_file.unlink(missing_ok=True)
    return Run(wall, int(text[0]) * 1024 if text else 0, code, out, err, float(text[1]) if len(text) > 1 else 0.0)


def interleaved(fns: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run each measurement once per round, in turn: noise from other jobs hits all alike."""
    out: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            out[name].append(fn())
    return out


# ---- corpora ---------------------------------------------------------------------------------
def scifact_docs() -> list[dict[str, str]]:
    """SciFact abstracts ({_id, title, text}); empty when the shared folder is not there."""
    corpus = SCIFACT / "corpus.jsonl"
    if not corpus.is_file():
        return []
    with open(corpus, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_articles(docs: Sequence[dict[str, str]], folder: Path) -> Path:
    """One .txt article per document: the headline, a blank line, the body (like data/)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, d in enumerate(docs):
        (folder / f"{i:05d}_{d.get('_id', i)}.txt").write_text(
            f"{d.get('title') or 'Untitled'}\n\n{d['text']}\n", encoding="utf-8")
    return folder


def sample(seq: Sequence[Any], n: int, seed: int) -> list[Any]:
    return random.Random(seed).sample(list(seq), min(n, len(seq)))


# ---- the model export, shared by every index the bench builds --------------------------------
class Workspace:
    """A temp folder for everything the run builds; the ONNX export is made once and copied."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._models: Path | None = None

    def models(self) -> Path:
        if self._models is None:
            from rag.config import Settings
            from rag.embed import ensure_export, resolve

            base = self.root / "export"
            index = Settings.load().index
            ensure_export(base, resolve(index.model), index.precision)  # the int8 model too, if used
            self._models = base / "models"
        return self._models

    def adopt(self, models: Path) -> None:
        """Use the export an index build already made (saves a second torch export)."""
        self._models = models

    def export_dir(self) -> Path:
        return next(p for p in self.models().iterdir() if (p / "model.onnx").is_file())

    def index_dir(self, name: str) -> Path:
        """A fresh index folder that already holds the model export (no torch at build time)."""
        index = self.root / name
        if index.exists():
            shutil.rmtree(index)
        index.mkdir(parents=True)
        shutil.copytree(self.models(), index / "models")
        return index


def rag_exe() -> list[str]:
    exe = BIN / "rag"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "rag.cli"]
