"""Link health: is each cited source still where we said it was?

`check_links` asks every source's URL with bounded concurrency and per-host
politeness (one request at a time per host, with a pause between them), HEAD
first and GET where a server refuses HEAD, following redirects. One bad site
never stops the run: every failure becomes a recorded result.
"""

import http.client
import ipaddress
import queue
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

USER_AGENT = "FactlenLinkChecker/1.0 (+https://factlen.example/sources/; checks cited sources)"
DEFAULT_TIMEOUT = 10.0
DEFAULT_HOST_DELAY = 1.0
DEFAULT_CONCURRENCY = 8

OK, REDIRECTED, BROKEN, ERROR = "ok", "redirected", "broken", "error"


@dataclass(frozen=True)
class LinkResult:
    url: str
    outcome: str  # OK, REDIRECTED, BROKEN (an HTTP error status) or ERROR (no answer)
    status: int | None = None
    final_url: str = ""
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome in (BROKEN, ERROR)


class AddressRefused(OSError):
    """The URL leads to an address inside our own network, not to a public site."""


def refusal(address: str) -> str | None:
    """Why we may not connect to `address`, or None if it is a public address.

    An editor types the URLs we fetch, so without this the checker would
    fetch, for them, whatever our server can reach: loopback, the private
    network, link-local (including the cloud metadata service at
    169.254.169.254). Only globally routable addresses are allowed, and the
    networks in settings.LINK_CHECK_ALLOWED_NETWORKS (the tests' own server).
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    if any(ip in ipaddress.ip_network(net) for net in settings.LINK_CHECK_ALLOWED_NETWORKS):
        return None
    for kind in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return f"{ip} is a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def _connect(host, port, timeout, source_address=None):
    """A socket to the first permitted address `host` resolves to.

    The check is on the address we connect to, after DNS, so a public name
    that resolves (or later re-resolves) to an internal address is refused too.
    """
    reasons = []
    for family, kind, proto, _, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if reason := refusal(sockaddr[0]):
            reasons.append(reason)
            continue
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
        except OSError:
            sock.close()
            raise
        return sock
    raise AddressRefused(f"refused to connect to {host}: {'; '.join(dict.fromkeys(reasons))}")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = _connect(self.host, self.port, self.timeout, self.source_address)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        sock = _connect(self.host, self.port, self.timeout, self.source_address)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)


# Every hop of a redirect goes through these handlers too. No proxy from the
# environment: through one, the address checked would be the proxy's.
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _GuardedHTTPHandler, _GuardedHTTPSHandler
)


class _HeadRequest(urllib.request.Request):
    def get_method(self):
        return "HEAD"


def _open(request, timeout):
    with _opener.open(request, timeout=timeout) as response:
        if request.get_method() == "GET":
            response.read(1024)  # a little of the body proves the server really answers
        return response.status, response.geturl()


def check_url(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> LinkResult:
    """Check one URL; never raises."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/pdf,*/*;q=0.8"}
    try:
        try:
            status, final = _open(_HeadRequest(url, headers=headers), timeout)
        except urllib.error.HTTPError as exc:
            # Many servers answer HEAD wrongly (405, 403, 404...); GET decides.
            if exc.code >= 400:
                status, final = _open(urllib.request.Request(url, headers=headers), timeout)
            else:
                raise
    except urllib.error.HTTPError as exc:
        return LinkResult(url, BROKEN, status=exc.code, final_url=exc.geturl() or url)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            message = f"timed out after {timeout:g} s"
        elif isinstance(reason, ssl.SSLError):
            message = f"TLS error: {reason}"
        else:
            message = f"{type(reason).__name__}: {reason}".strip()
        return LinkResult(url, ERROR, error=message[:300])
    outcome = REDIRECTED if final.rstrip("/") != url.rstrip("/") else OK
    return LinkResult(url, outcome, status=status, final_url=final)


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:
        return ""  # check_url reports what is wrong with it


def check_urls(
    urls,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    host_delay: float = DEFAULT_HOST_DELAY,
    timeout: float = DEFAULT_TIMEOUT,
):
    """Yield a LinkResult per URL, as each finishes.

    URLs are grouped by host and each host is visited by one worker at a
    time, `host_delay` seconds apart, so no site sees more than one request
    from us at once however many of its articles we cite.
    """
    by_host = defaultdict(list)
    for url in urls:
        by_host[_host(url)].append(url)
    results = queue.Queue()

    def visit(host_urls):
        for i, url in enumerate(host_urls):
            if i:
                time.sleep(host_delay)
            try:
                results.put(check_url(url, timeout=timeout))
            except Exception as exc:  # a bug here must not hang the run
                results.put(LinkResult(url, ERROR, error=f"checker failed: {exc!r}"[:300]))

    total = sum(len(u) for u in by_host.values())
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for host_urls in by_host.values():
            pool.submit(visit, host_urls)
        for _ in range(total):
            yield results.get()
