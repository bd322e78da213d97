"""One real app over the session's sample index, for the tests that talk to it over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.server import RunningApp, run_app


@pytest.fixture(scope="session")
def live_app(sample_index: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    log = tmp_path_factory.mktemp("ui-app") / "app.log"
    with run_app(sample_index["data"], sample_index["index"], log) as app:
        yield app
