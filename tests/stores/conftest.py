"""A real PostgreSQL 16 + pgvector (pgserver's bundled binaries) for the store tests, and the
``store`` parameter that runs the same contract tests against both stores.

pgserver runs initdb/postgres as a ``pgserver`` system user when started as root (it creates the
user), so this works in CI as root. The server lives in a temporary folder for the session; every
test gets its own fresh database. If the server cannot start, the postgres cases skip and say why.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings
from tests.helpers import new_database, sample_data


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    # Not under pytest's 0700 temp folders: the server runs as another user (pgserver) when we
    # are root, and must reach its data folder until the end of the session.
    folder = Path(tempfile.mkdtemp(prefix="rag-pg-"))
    os.environ.setdefault("XDG_RUNTIME_DIR", str(folder))  # read when pgserver is imported
    try:
        import pgserver
    except ImportError as exc:
        pytest.skip(f"pgserver is not installed ({exc}): pip install -e '.[postgres]'")
    try:
        server = pgserver.get_server(folder / "data", cleanup_mode="delete")
    except Exception as exc:  # initdb/pg_ctl refused: say exactly why, do not fail the suite
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not start PostgreSQL with pgserver: {type(exc).__name__}: {exc}")
    yield server
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: Any) -> str:
    return new_database(pg_server)


@pytest.fixture(params=["faiss", "postgres"])
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_settings(store: str, request: pytest.FixtureRequest, tmp_path: Path,
                  models_cache: Path) -> Callable[..., Settings]:
    """``make(name, data=None, **changes)``: settings for a new, empty index of this store (its
    own folder with the model export, and for postgres its own database) over ``data``."""

    def make(name: str, data: Path | None = None, **changes: Any) -> Settings:
        index = tmp_path / f"index-{name}"
        if not index.exists():
            index.mkdir()
            shutil.copytree(models_cache, index / "models")
        url = new_database(request.getfixturevalue("pg_server")) if store == "postgres" else None
        return Settings.load(data_dir=data or sample_data(tmp_path), index_dir=index, store=store,
                             database_url=url, quiet=True, **changes)

    return make
