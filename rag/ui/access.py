"""Who may do what in the web app: accounts with roles, the rule for exposed hosts, and
throttled sign-ins.

Roles: ``viewer`` searches, reads sources and calls the /search API; ``editor`` also uploads,
removes and rebuilds. Gradio checks the password; the write handlers check the role of the
signed-in user (the same code serves the page and the queue API, so the API cannot skip it).
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from rag.config import ServeConfig
from rag.errors import UsageError

ROLES = ("viewer", "editor")
DEFAULT_ROLE = "editor"  # `--auth user:password` (no role) keeps its old meaning: full access
MAX_FAILURES = 5  # failed sign-ins per client within WINDOW before it must wait
WINDOW = 60.0  # seconds

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class Account:
    user: str
    password: str
    role: str


def parse_accounts(spec: str | None) -> list[Account]:
    """``"alice:pw:editor,bob:pw2:viewer"`` (role optional, default editor) → accounts."""
    accounts: list[Account] = []
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        user, _, rest = item.strip().partition(":")
        password, role = rest, DEFAULT_ROLE
        head, sep, tail = rest.rpartition(":")
        if sep and tail in ROLES:
            password, role = head, tail
        if not user or not password:
            raise UsageError("auth must look like user:password[:viewer|editor], several separated by commas")
        if any(a.user == user for a in accounts):
            raise UsageError(f"auth names the user '{user}' twice")
        accounts.append(Account(user, password, role))
    return accounts


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(config: ServeConfig, accounts: list[Account]) -> None:
    """Refuse to let anyone on the network change the articles without having said so."""
    if accounts or config.read_only or config.allow_anonymous_writes or is_loopback(config.host):
        return
    raise UsageError(f"refusing to serve on {config.host} without --auth: anyone reaching the port could "
                     "upload, remove and rebuild. Add --auth user:password:editor, or --read-only, "
                     "or --allow-anonymous-writes")


def role_of(config: ServeConfig, accounts: list[Account], user: str | None) -> str:
    """The role of a request's user (``None``: nobody signed in, only possible without --auth)."""
    if config.read_only:
        return "viewer"
    if not accounts:
        return "editor"
    return next((a.role for a in accounts if a.user == user), "viewer")


class LoginThrottle:
    """ASGI middleware: after MAX_FAILURES failed sign-ins from one client address within
    WINDOW seconds, further attempts get 429 until the oldest failure ages out."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]],
                 max_failures: int = MAX_FAILURES, window: float = WINDOW) -> None:
        self.app = app
        self.max_failures = max_failures
        self.window = window
        self.failures: dict[str, deque[float]] = {}

    def wait_for(self, client: str, now: float) -> float:
        fails = self.failures.get(client)
        while fails and now - fails[0] > self.window:
            fails.popleft()
        if not fails:
            self.failures.pop(client, None)
            return 0.0
        return self.window - (now - fails[0]) if len(fails) >= self.max_failures else 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].rstrip("/").endswith("/login"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.wait_for(client, time.monotonic())
        if wait > 0:
            body = json.dumps({"detail": f"Too many failed sign-ins; try again in {wait:.0f} s."}).encode()
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"retry-after", str(int(wait) + 1).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] == 200:
            self.failures.pop(client, None)
        elif status and 400 <= status[0] < 500:
            self.failures.setdefault(client, deque()).append(time.monotonic())
