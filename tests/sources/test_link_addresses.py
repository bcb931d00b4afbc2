"""check_links fetches public sites only: never our own network, however a URL is spelt."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sources.links import ERROR, check_url, refusal


class Recorder(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.server.paths.append(self.path)
        target = self.path.removeprefix("/redirect-to/")
        if target != self.path:
            self.send_response(302)
            self.send_header("Location", target)
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD


def serve(address):
    server = ThreadingHTTPServer((address, 0), Recorder)
    server.paths = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def internal():
    """A server on a loopback address, standing in for anything inside our network."""
    server = serve("127.0.0.1")
    yield server, server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "fd00:ec2::254",  # the same, over IPv6
        "fe80::1",
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "224.0.0.1",
    ],
)
def test_internal_addresses_are_refused(address, settings):
    settings.LINK_CHECK_ALLOWED_NETWORKS = []
    assert refusal(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_are_allowed(address, settings):
    settings.LINK_CHECK_ALLOWED_NETWORKS = []
    assert refusal(address) is None


@pytest.mark.parametrize(
    "spelling",
    [
        "127.0.0.1",
        "localhost",  # a name: the address it resolves to is what counts
        "2130706433",  # 127.0.0.1 as one number
        "0x7f.1",
        "[::ffff:127.0.0.1]",
    ],
)
def test_no_spelling_of_a_loopback_url_reaches_the_server(spelling, internal, settings):
    settings.LINK_CHECK_ALLOWED_NETWORKS = []
    server, port = internal
    result = check_url(f"http://{spelling}:{port}/secret", timeout=2)
    assert result.outcome == ERROR
    assert "refused to connect" in result.error
    assert server.paths == []


def test_a_redirect_into_our_network_is_refused_at_that_hop(internal, settings):
    server, port = internal
    inner = serve("127.0.0.2")
    try:
        settings.LINK_CHECK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
        target = f"http://127.0.0.2:{inner.server_address[1]}/admin"
        result = check_url(f"http://127.0.0.1:{port}/redirect-to/{target}", timeout=2)
        assert result.outcome == ERROR
        assert "127.0.0.2 is a loopback address" in result.error
        assert server.paths == [f"/redirect-to/{target}"]
        assert inner.paths == []
    finally:
        inner.shutdown()
        inner.server_close()


def test_the_allowed_networks_setting_lets_a_test_server_through(internal, settings):
    server, port = internal
    settings.LINK_CHECK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert check_url(f"http://127.0.0.1:{port}/ok", timeout=2).outcome == "ok"
    assert server.paths == ["/ok"]
