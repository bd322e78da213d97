"""Start the real app (`python app.py --port N`) in a subprocess and wait until it answers.

Shared by the gradio_client tests here and the browser tests in tests/browser: both check the
app a user actually runs, not an in-process copy of it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180.0  # seconds; a cold start loads torch, gradio and the model on 2 shared cores


@dataclass
class RunningApp:
    url: str
    data: Path
    index: Path
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def writable_copy(sample: dict[str, Path], dest: Path) -> dict[str, Path]:
    """A private data folder and index (for tests that add, remove or rebuild)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(sample["data"], dest / "data")
    shutil.copytree(sample["index"], dest / "index", ignore=shutil.ignore_patterns("*.lock", ".tmp-*"))
    return {"data": dest / "data", "index": dest / "index"}


DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def _answers(url: str) -> bool:
    try:
        with DIRECT.open(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # a 401 from an app behind a password still means it is up
    except OSError:
        return False


@contextmanager
def run_app(data: Path, index: Path, log: Path, *args: str,
            env: dict[str, str] | None = None) -> Iterator[RunningApp]:
    """The app on a free port of 127.0.0.1; stopped (only this process) on exit."""
    port = free_port()
    full_env = {**os.environ, "RAG_DATA": str(data), "RAG_INDEX": str(index),
                "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", **(env or {})}
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), *args], cwd=ROOT,
                                env=full_env, stdout=out, stderr=subprocess.STDOUT)
    app = RunningApp(f"http://127.0.0.1:{port}", data, index, log, proc)
    with serving(proc, lambda: _answers(f"{app.url}/gradio_api/info"), START_TIMEOUT, "the app", app.log_text):
        yield app


def call_search(url: str, *data: object, timeout: float = 60) -> dict[str, object]:
    """The README's two-step curl call in Python: POST the inputs, then read the event stream."""
    import json

    req = urllib.request.Request(f"{url}/gradio_api/call/search", method="POST",
                                 data=json.dumps({"data": list(data)}).encode(),
                                 headers={"Content-Type": "application/json"})
    with DIRECT.open(req, timeout=timeout) as r:
        event_id = json.load(r)["event_id"]
    with DIRECT.open(f"{url}/gradio_api/call/search/{event_id}", timeout=timeout) as r:
        stream = r.read().decode()
    event, payload = "", ""
    for line in stream.splitlines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            payload = line.split(":", 1)[1].strip()
    if event != "complete":
        raise RuntimeError(f"/search ended with '{event}': {payload}")
    result: dict[str, object] = json.loads(json.loads(payload)[0])
    return result
