"""A real app keeps answering while the index is rebuilt, and picks up the new index without a
restart; two builds at once wait for each other instead of corrupting anything."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

from rag.stores.faiss.generation import current_generation, read_manifest
from tests.helpers import free_port, rag_cmd, start_app

CLIENTS = 4


def test_app_answers_during_rebuild_and_sees_new_index(tmp_path: Path, sample_index: dict[str, Path]) -> None:
    from gradio_client import Client

    data, index = tmp_path / "data", tmp_path / "index"
    shutil.copytree(sample_index["data"], data)
    shutil.copytree(sample_index["index"], index)
    env = {**os.environ, "RAG_DATA": str(data), "RAG_INDEX": str(index), "GRADIO_ANALYTICS_ENABLED": "False"}
    port = free_port()
    app = start_app(env, port)
    served, failures = [0] * CLIENTS, []
    stop = threading.Event()

    def client(i: int) -> None:
        c = Client(f"http://127.0.0.1:{port}/", verbose=False)
        qs = ["which countries lifted restrictions?", "Stoltenberg escalation", "Kharkiv border fighting"]
        while not stop.is_set():
            try:
                out = json.loads(c.predict(qs[served[i] % 3], 3, "hybrid", api_name="/search"))
                assert out["results"], "no results"
                served[i] += 1
            except Exception as exc:  # every failure is counted, none may happen
                failures.append(f"{type(exc).__name__}: {exc}")

    try:
        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(2)
        (data / "zz_new.txt").write_text(
            "Flood barrier opens\n\nThe new flood barrier on the river Thorne opened on Tuesday, "
            "protecting nine villages from spring floods, engineers said.\n", encoding="utf-8")
        before = current_generation(index).name
        subprocess.run([*rag_cmd(), "index", "--full", "--quiet"], env=env, check=True, capture_output=True)
        assert current_generation(index).name != before
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        c = Client(f"http://127.0.0.1:{port}/", verbose=False)
        out = json.loads(c.predict("flood barrier on the river Thorne", 3, "hybrid", api_name="/search"))
        assert out["results"][0]["path"] == "zz_new.txt"  # new index used without a restart
    finally:
        stop.set()
        app.terminate()
        app.wait(timeout=30)
    total = sum(served)
    print(f"\nconcurrent requests served during the rebuild: {total} by {CLIENTS} clients, "
          f"failures: {len(failures)}")
    assert not failures, failures[:3]
    assert total >= CLIENTS


def test_two_builds_at_once_wait_for_each_other(tmp_path: Path, sample_index: dict[str, Path]) -> None:
    data, index = tmp_path / "data", tmp_path / "index"
    shutil.copytree(sample_index["data"], data)
    shutil.copytree(sample_index["index"], index)
    env = {**os.environ, "RAG_DATA": str(data), "RAG_INDEX": str(index)}
    procs = [subprocess.Popen([*rag_cmd(), "index", "--full"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert any("waiting" in err for _, err in outs)  # the second one said why it waited
    assert read_manifest(current_generation(index))["counts"]["documents"] == 5
