"""Fetch one URL safely: http/https only, bounded size, time and redirects, no private hosts.

Why by hand rather than ``follow_redirects=True``: every hop's host is checked, so a public
page cannot redirect the fetcher to a loopback or intranet address. Private, loopback,
link-local and reserved addresses are refused unless the ``fetch_allow`` setting names them.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from rag.config import FetchConfig
from rag.errors import RagError

MAX_REDIRECTS = 5
USER_AGENT = "rag-news/0.1 (+offline news search; one request per article)"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(RagError):
    """The URL could not be fetched (refused, unreachable, too big, not a page)."""


@dataclass(frozen=True)
class Fetched:
    url: str  # the address asked for
    final_url: str  # after redirects
    content_type: str
    body: bytes

    def text(self) -> str:
        import httpx

        return httpx.Response(200, headers={"content-type": self.content_type}, content=self.body).text


def is_web_url(value: str) -> bool:
    return value.strip().lower().startswith(("http://", "https://"))


def check_url(url: str, config: FetchConfig) -> str:
    """The URL if it is http(s) with a host whose every address may be reached; else FetchError."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(f"only http and https URLs can be fetched, not '{url}'")
    host = parts.hostname
    if not host:
        raise FetchError(f"'{url}' has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise FetchError(f"cannot resolve the host of {url} ({exc})") from None
    allowed = _allowed(config.allow)
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if _private(addr) and not any(addr in net for net in allowed):
            raise FetchError(f"{url} points to a private or loopback address ({addr}); "
                             "set RAG_FETCH_ALLOW to allow it")
    return url.strip()


def _private(addr: IPAddress) -> bool:
    return not addr.is_global or addr.is_multicast


def _allowed(spec: str) -> list[IPNetwork]:
    nets: list[IPNetwork] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise RagError(f"RAG_FETCH_ALLOW: '{part}' is not an IP address or network") from None
    return nets


def fetch(url: str, config: FetchConfig, accept: str = "text/html,application/xhtml+xml,*/*;q=0.5") -> Fetched:
    """GET ``url`` with the checks above; the body is at most ``config.max_mb`` MB."""
    import httpx

    limit = config.max_mb * 1024 * 1024
    current = url
    headers = {"User-Agent": USER_AGENT, "Accept": accept}
    with httpx.Client(timeout=config.timeout, follow_redirects=False, headers=headers,
                      trust_env=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(current, config)
            try:
                with client.stream("GET", current) as resp:
                    if resp.is_redirect:
                        current = urljoin(current, resp.headers.get("location", ""))
                        continue
                    if resp.status_code >= 400:
                        raise FetchError(f"{current}: HTTP {resp.status_code}")
                    declared = int(resp.headers.get("content-length") or 0)
                    if declared > limit:
                        raise FetchError(f"{current}: {declared / 1e6:.1f} MB is over the "
                                         f"{config.max_mb} MB limit (RAG_FETCH_MAX_MB)")
                    body = bytearray()
                    for part in resp.iter_bytes():
                        body += part
                        if len(body) > limit:
                            raise FetchError(f"{current}: over the {config.max_mb} MB limit "
                                             "(RAG_FETCH_MAX_MB)")
                    return Fetched(url, current, resp.headers.get("content-type", ""), bytes(body))
            except httpx.TimeoutException:
                raise FetchError(f"{current}: no answer within {config.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{current}: {type(exc).__name__}: {exc}") from None
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
