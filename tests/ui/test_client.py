"""The real app answers over its API: gradio_client, the README's curl steps, and basic auth."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_rag
from tests.ui.server import DIRECT, RunningApp, call_search, run_app

QUESTION = "which countries lifted restrictions?"


def _cli_json(sample: dict[str, Path], *args: str) -> dict[str, Any]:
    done = run_rag("query", *args, "--json", "--data", str(sample["data"]), "--index", str(sample["index"]))
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def _comparable(resp: dict[str, Any]) -> dict[str, Any]:
    """Everything but the timing, which differs from run to run."""
    return {k: v for k, v in resp.items() if k != "took_ms"}


def test_gradio_client_answers_like_the_cli(live_app: RunningApp, sample_index: dict[str, Path]) -> None:
    from gradio_client import Client

    client = Client(live_app.url, verbose=False)
    text = client.predict(QUESTION, api_name="/search")
    assert isinstance(text, str), "the endpoint returns JSON text, not a file or dict"
    api = json.loads(text)
    cli = _cli_json(sample_index, QUESTION)
    assert api["results"], "the sample corpus answers the example question"
    assert [(r["path"], r["start"], r["end"]) for r in api["results"]] == \
        [(r["path"], r["start"], r["end"]) for r in cli["results"]]
    assert _comparable(api) == _comparable(cli)


def test_curl_steps_with_options_match_the_cli(live_app: RunningApp, sample_index: dict[str, Path]) -> None:
    api = call_search(live_app.url, "Stoltenberg escalation risk", 3, "bm25", [], [], "", "")
    cli = _cli_json(sample_index, "Stoltenberg escalation risk", "-k", "3", "--mode", "bm25")
    assert len(api["results"]) <= 3  # type: ignore[arg-type]
    assert _comparable(api) == _comparable(cli)


def test_filters_match_the_cli(live_app: RunningApp, sample_index: dict[str, Path], searcher: Any) -> None:
    from gradio_client import Client

    meta = searcher.snapshot().metadata
    outlet = sorted({m.outlet for m in meta.values() if m.outlet})[0]
    api = json.loads(Client(live_app.url, verbose=False).predict(
        question=QUESTION, k=4, outlet=[outlet], api_name="/search"))
    cli = _cli_json(sample_index, QUESTION, "-k", "4", "--outlet", outlet)
    assert api["results"] and all(r["outlet"] == outlet for r in api["results"])
    assert _comparable(api) == _comparable(cli)


def test_only_the_search_endpoint_is_public(live_app: RunningApp) -> None:
    with DIRECT.open(f"{live_app.url}/gradio_api/info", timeout=10) as r:
        info = json.load(r)
    assert set(info["named_endpoints"]) == {"/search"}
    params = [p["parameter_name"] for p in info["named_endpoints"]["/search"]["parameters"]]
    assert params[:3] == ["question", "k", "mode"]


def test_bad_request_is_a_plain_error(live_app: RunningApp) -> None:
    from gradio_client import Client

    client = Client(live_app.url, verbose=False)
    with pytest.raises(Exception, match=r"(?i)question is empty"):
        client.predict("   ", api_name="/search")
    with pytest.raises(Exception, match=r"(?i)mode must be one of"):
        client.predict(QUESTION, 5, "psychic", api_name="/search")


def _post(url: str, fields: dict[str, str]) -> tuple[int, str, str]:
    req = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST")
    try:
        with DIRECT.open(req, timeout=10) as r:
            return r.status, r.read().decode(), r.headers.get("set-cookie") or ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), ""


def _get(url: str, cookie: str = "") -> int:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with DIRECT.open(req, timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_basic_auth(sample_index: dict[str, Path], tmp_path: Path) -> None:
    from gradio_client import Client

    with run_app(sample_index["data"], sample_index["index"], tmp_path / "app.log",
                 env={"RAG_AUTH": "reader:open-sesame"}) as app:
        with DIRECT.open(f"{app.url}/", timeout=10) as r:
            page = r.read().decode()
        assert '"auth_required":true' in page.replace(" ", ""), "the page asks for a login"
        assert _get(f"{app.url}/config") == 401
        status, body, _ = _post(f"{app.url}/login", {"username": "reader", "password": "wrong"})
        assert status == 400 and "Incorrect credentials" in body
        status, _, cookie = _post(f"{app.url}/login", {"username": "reader", "password": "open-sesame"})
        assert status == 200 and cookie
        assert _get(f"{app.url}/config", cookie.split(";", 1)[0]) == 200
        client = Client(app.url, auth=("reader", "open-sesame"), verbose=False)
        assert json.loads(client.predict(QUESTION, api_name="/search"))["results"]
