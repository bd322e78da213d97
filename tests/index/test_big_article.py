"""A single 1 MB article indexes in bounded memory (measured from the kernel for the `rag index`
process alone) and its chunks cite it exactly. The article repeats the sample stories, so most
chunk texts recur and are embedded once: this checks loading, cleaning, chunking and writing at
1 MB, not the model's speed (bench/vs_txtai.py times a 1 MB article of distinct text)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.config import Settings
from rag.stores.faiss.chunkdb import ChunkDB
from rag.stores.faiss.generation import current_generation
from tests.helpers import DATA, rag_cmd

pytestmark = pytest.mark.slow

# Linux carries a parent's peak RSS across fork+exec: fork from a small interpreter, report the
# grandchild's own peak (as bench/common.py does).
LAUNCH = """import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_a_1mb_article_indexes_in_bounded_memory(tmp_path: Path, fresh_index: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    stories = [p.read_text(encoding="utf-8").split("\n", 1)[1].strip() for p in sorted(DATA.glob("*.txt"))]
    body = "\n\n".join(stories)
    text = "The long report\n\n" + "\n\n".join([body] * (1_000_000 // len(body) + 1))
    (data / "long.txt").write_text(text[:1_000_000], encoding="utf-8")
    env = {**os.environ, "RAG_DATA": str(data), "RAG_INDEX": str(fresh_index)}
    proc = subprocess.run([sys.executable, "-c", LAUNCH, *rag_cmd(), "index", "--json"], env=env,
                          capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-800:]
    peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024
    report = json.loads(proc.stdout)
    assert report["documents"] == 1 and report["chunks"] > 1000
    assert report["embedded"] < report["chunks"]  # recurring chunk texts were embedded once
    assert peak_mb <= 500, f"peak RSS {peak_mb:.0f} MB"
    s = Settings.load(data_dir=data, index_dir=fresh_index)
    db = ChunkDB(current_generation(s.paths.index_dir) / "chunks.sqlite")
    src = db.source("long.txt")
    assert src is not None
    assert all(src.text[c.start:c.end] == c.text for c in db.all_chunks())
    db.close()
