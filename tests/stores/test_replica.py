"""Two real app processes on one PostgreSQL database, as two replicas behind a load balancer would
be: an article added through one is answered by the other without a restart, and a removal
through the second disappears from the first."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings
from rag.index.build import build
from tests.helpers import DATA, free_port, rag_cmd, rag_env, start_app

pytestmark = pytest.mark.slow

ARTICLE = ("Flood barrier opens\n\nThe new flood barrier on the river Thorne opened on Tuesday, "
           "protecting nine villages from spring floods, engineers said.\n")
QUESTION = "flood barrier on the river Thorne"


def replica(tmp_path: Path, name: str, models_cache: Path, url: str) -> Settings:
    """One app's own folders (as on its own machine), on the shared database."""
    data, index = tmp_path / f"data-{name}", tmp_path / f"index-{name}"
    shutil.copytree(DATA, data)
    index.mkdir()
    shutil.copytree(models_cache, index / "models")
    return Settings.load(data_dir=data, index_dir=index, store="postgres", database_url=url, quiet=True)


def ask(client: Any, question: str) -> dict[str, Any]:
    return dict(json.loads(client.predict(question, 3, "hybrid", api_name="/search")))


def test_an_article_added_through_one_replica_is_answered_by_the_other(
        tmp_path: Path, models_cache: Path, pg_url: str) -> None:
    from gradio_client import Client

    a, b = (replica(tmp_path, n, models_cache, pg_url) for n in ("a", "b"))
    build(a)
    apps = []
    try:
        ports = []
        for s in (a, b):
            ports.append(free_port())
            apps.append(start_app(rag_env(s), ports[-1]))
        ca, cb = (Client(f"http://127.0.0.1:{p}/", verbose=False) for p in ports)
        assert ask(cb, QUESTION)["results"][0]["path"] != "zz_flood.txt"

        upload = tmp_path / "zz_flood.txt"
        upload.write_text(ARTICLE, encoding="utf-8")
        added = subprocess.run([*rag_cmd(), "add", str(upload), "--quiet"], env=rag_env(a),
                               capture_output=True, text=True, timeout=600)
        assert added.returncode == 0, added.stderr
        out = ask(cb, QUESTION)  # replica b: no restart, no rebuild of its own
        assert out["results"][0]["path"] == "zz_flood.txt"
        assert "Thorne" in out["results"][0]["text"]
        assert ask(ca, QUESTION)["results"][0]["path"] == "zz_flood.txt"

        removed = subprocess.run([*rag_cmd(), "remove", "zz_flood.txt", "--quiet"], env=rag_env(b),
                                 capture_output=True, text=True, timeout=600)
        assert removed.returncode == 0, removed.stderr
        assert all(r["path"] != "zz_flood.txt" for r in ask(ca, QUESTION)["results"])
    finally:
        for p in apps:
            p.terminate()
            p.wait(timeout=30)


def test_two_writers_on_one_database_leave_one_whole_state(tmp_path: Path, models_cache: Path, pg_url: str) -> None:
    """Two `rag index` runs on two machines (no shared lock file) over the same articles: the
    database's advisory lock orders the commits; both succeed and the state is whole."""
    from tests.helpers import check_whole

    a, b = (replica(tmp_path, n, models_cache, pg_url) for n in ("wa", "wb"))
    procs = [subprocess.Popen([*rag_cmd(), "index", "--quiet"], env=rag_env(s), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for s in (a, b)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    check_whole(pg_url)
    assert build(b).up_to_date


def test_a_replica_can_tell_whether_the_database_holds_an_index(tmp_path: Path, models_cache: Path,
                                                                 pg_url: str) -> None:
    """What the app should check at start-up with this store (not a CURRENT file of its own)."""
    from rag.stores.postgres.status import has_index

    s = replica(tmp_path, "h", models_cache, pg_url)
    assert not has_index(s.storage)
    build(s)
    assert has_index(s.storage)


def test_a_second_index_in_its_own_schema_leaves_the_first_alone(tmp_path: Path, models_cache: Path,
                                                                 pg_url: str) -> None:
    from rag.stores.postgres.db import with_schema
    from rag.stores.postgres.status import has_index, pg_files

    main = replica(tmp_path, "main", models_cache, pg_url)
    build(main)
    other = main.with_(database_url=with_schema(pg_url, "beir_test"), data_dir=tmp_path / "other")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "one.txt").write_text(ARTICLE, encoding="utf-8")
    assert not has_index(other.storage)
    build(other)
    assert set(pg_files(other.storage)) == {"one.txt"} and len(pg_files(main.storage)) == 5
