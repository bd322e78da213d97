"""Hostile input to the app and the terminal: escapes (D4), API limits and rejected uploads
(D10), roles, exposed hosts and throttled sign-ins (D11)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings
from rag.errors import UsageError
from rag.records import AnswerSentence, Citation, Response, Result
from rag.ui.access import check_exposure, parse_accounts, role_of
from rag.ui.web import App
from tests.ui.server import DIRECT, ROOT, run_app, writable_copy

HOSTILE = "Evil\x1b[2J\x1b]0;pwned\x07 title\x9b31m\u202egnp.exe"


def _escape_free(text: str) -> None:
    for bad in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert bad not in text, repr(text)


def test_terminal_output_is_sanitised() -> None:
    from rich.console import Console

    from rag.ui.terminal import print_response, print_status

    body = f"Passage with {HOSTILE} inside it."
    cit = Citation(f"dir/{HOSTILE}.txt", HOSTILE, 0, len(body), outlet=HOSTILE, date="2024-05-25")
    resp = Response("q", [Result(1, 0.5, body, cit, highlights=[(0, 7)], also_in=[cit])],
                    answer=[AnswerSentence(body, 1, cit.path, 0, len(body))])
    plain = io.StringIO()
    print_response(resp, Console(file=plain, force_terminal=False, width=200))
    _escape_free(plain.getvalue())
    assert "pwned" in plain.getvalue()  # the text is shown, only inert

    st = {"index": HOSTILE, "data": "d", "generation": "g", "documents": 1, "chunks": 1, "ann": "flat",
          "model": "m", "built_at": "now", "build_seconds": 1, "new": [HOSTILE], "changed": [], "deleted": []}
    out = io.StringIO()
    sys_stdout, sys.stdout = sys.stdout, out
    try:
        print_status(st)
    finally:
        sys.stdout = sys_stdout
    _escape_free(out.getvalue())


def test_cli_errors_and_warnings_are_sanitised(tmp_path: Path) -> None:
    from tests.helpers import run_rag

    p = run_rag("remove", f"{HOSTILE}.txt", env={"RAG_DATA": str(tmp_path), "RAG_INDEX": str(tmp_path / "i")})
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    _escape_free(p.stderr)


@pytest.fixture(scope="module")
def app(sample_index: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> App:
    ws = writable_copy(sample_index, tmp_path_factory.mktemp("hardening") / "ws")
    return App(Settings.load(data_dir=ws["data"], index_dir=ws["index"]))


def test_api_and_cli_agree_on_limits(app: App) -> None:
    import gradio as gr

    for k in (0, -3, 101):
        with pytest.raises(gr.Error, match=r"(?i)top-k"):
            app.api_search("which countries lifted restrictions?", k=k)
    assert json.loads(app.api_search("which countries lifted restrictions?", k=None))["results"]
    status = app.search_ui("which countries lifted restrictions?", 0, "hybrid", [], [], "", "")[0]
    assert "top-k" in status.lower()


def test_rejected_paste_and_upload_are_not_kept(app: App, tmp_path: Path) -> None:
    before = sorted(p.name for p in app.settings.paths.data_dir.rglob("*"))
    out = app.add_text("Menu", "Share this\nSubscribe\nRead more")
    assert "Not adding" in out[0] and "chrome" in out[0] and 'role="alert"' in out[0], out[0]
    good, chrome = tmp_path / "good.txt", tmp_path / "chrome.html"
    good.write_text("A title\n\n" + "The council voted on Monday to reopen the bridge to traffic. " * 5)
    chrome.write_text("<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>")
    out = app.upload([str(good), str(chrome)])
    assert "Not adding chrome.html: no article text" in out[0], out[0]
    assert sorted(p.name for p in app.settings.paths.data_dir.rglob("*")) == before  # neither kept


def test_roles_decide_who_may_write(app: App) -> None:
    s = app.settings.with_(auth="ed:pw1:editor,vi:pw2:viewer,old:pw3")
    roles = App.__new__(App)
    roles.settings, roles.accounts = s, parse_accounts(s.serve.auth)
    assert [roles.role(u) for u in ("ed", "vi", "old", None, "stranger")] == \
        ["editor", "viewer", "editor", "viewer", "viewer"]
    assert role_of(s.with_(read_only=True).serve, parse_accounts(s.serve.auth), "ed") == "viewer"
    assert role_of(app.settings.serve, [], None) == "editor"  # loopback, no --auth: the local user

    viewer = App(s)
    before = sorted(p.name for p in s.paths.data_dir.iterdir())
    for out in (viewer.rebuild(False, user="vi"), viewer.remove("004_67eed8baa2c05698.txt", user="vi"),
                viewer.add_text("T", "text " * 50, user="vi"), viewer.upload(["x.txt"], user="vi")):
        assert "need an editor account" in out[0] and 'role="alert"' in out[0]
    assert sorted(p.name for p in s.paths.data_dir.iterdir()) == before
    ro = App(app.settings.with_(read_only=True))
    assert "read-only" in ro.rebuild(False)[0]
    assert json.loads(viewer.api_search("which countries lifted restrictions?", k=2))["results"]


def test_auth_spec_is_checked() -> None:
    accounts = parse_accounts("a:p:w:d:viewer,b:secret")
    assert [(a.user, a.password, a.role) for a in accounts] == [("a", "p:w:d", "viewer"), ("b", "secret", "editor")]
    for bad in ("nopassword", ":pw", "a:pw,a:other"):
        with pytest.raises(UsageError):
            parse_accounts(bad)


def test_exposed_host_needs_auth_or_a_decision() -> None:
    s = Settings.load(host="0.0.0.0")
    with pytest.raises(UsageError, match="--auth"):
        check_exposure(s.serve, [])
    check_exposure(s.with_(read_only=True).serve, [])
    check_exposure(s.with_(allow_anonymous_writes=True).serve, [])
    check_exposure(s.serve, parse_accounts("a:b:viewer"))
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_exposure(Settings.load(host=host).serve, [])


def test_serve_refuses_an_exposed_host_without_auth(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "app.py", "--host", "0.0.0.0", "--port", "9"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "RAG_INDEX": str(tmp_path / "i")})
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "--auth" in p.stderr, p.stderr


def _login(url: str, user: str, password: str) -> int:
    data = urllib.parse.urlencode({"username": user, "password": password}).encode()
    try:
        with DIRECT.open(urllib.request.Request(f"{url}/login", data=data, method="POST"), timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_viewers_search_and_failed_logins_are_throttled(sample_index: dict[str, Path], tmp_path: Path) -> None:
    from gradio_client import Client

    with run_app(sample_index["data"], sample_index["index"], tmp_path / "app.log",
                 env={"RAG_AUTH": "ed:pw-editor:editor,vi:pw-viewer:viewer"}) as live:
        reply: Any = Client(live.url, auth=("vi", "pw-viewer"), verbose=False).predict(
            "which countries lifted restrictions?", api_name="/search")
        assert json.loads(reply)["results"]
        assert [_login(live.url, "vi", f"wrong{i}") for i in range(5)] == [400] * 5
        assert _login(live.url, "vi", "pw-viewer") == 429  # even the right password waits now
        assert _login(live.url, "ed", "pw-editor") == 429  # per client, not per account
