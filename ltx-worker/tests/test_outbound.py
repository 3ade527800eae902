"""The outbound policy for client-given URLs: the shared address table (Tests/Fixtures/outbound-
addresses.json, also read by the gateway's Swift tests), the port rule, connections pinned to the
checked addresses, redirects checked hop by hop, the total deadline and minimum rate, and errors
that name no internal address or port.

Public names are served by `internet`: a table of names for `socket.getaddrinfo` and routes that
carry a connection to a public address to a server on loopback; any other connection that leaves
loopback fails the test."""

import http.server
import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest

from zoetrope_ltx.outbound import FetchError, Policy, fetch, refused

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "outbound-addresses.json")

with open(FIXTURE) as handle:
    TABLE = json.load(handle)

PUBLIC = "93.184.216.34"
"""A public address the tests' `internet` routes to loopback servers (never reached for real)."""


@pytest.mark.parametrize("row", TABLE["addresses"], ids=lambda row: f"{row['address']}-{row['why']}")
def test_every_address_of_the_shared_table(row):
    assert refused(ipaddress.ip_address(row["address"])) is row["refused"], row["why"]


def test_the_shared_table_covers_both_families_and_the_default_ports():
    families = {ipaddress.ip_address(row["address"]).version for row in TABLE["addresses"]}
    assert families == {4, 6} and len(TABLE["addresses"]) > 100
    assert TABLE["default_ports"] == [80, 443]


def test_the_port_rule():
    assert Policy().port_allowed(80) and Policy().port_allowed(443)
    assert not Policy().port_allowed(8080) and not Policy().port_allowed(22)
    assert Policy(allowed_ports=frozenset({8080})).port_allowed(8080)
    assert not Policy(allowed_ports=frozenset({8080})).port_allowed(8081)
    assert Policy(allow_private=True).port_allowed(6379)


class Internet:
    def __init__(self):
        self.names = {}  # name -> the answers of its successive lookups (the last one repeats)
        self.routes = {}  # (address, port) -> a loopback port
        self.lookups = []
        self.connects = []

    def answer(self, host, port):
        self.lookups.append(host)
        answers = self.names[host]
        addresses = answers[min(self.lookups.count(host), len(answers)) - 1]
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0)) if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]


@pytest.fixture
def internet(monkeypatch):
    net = Internet()
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, port, *args, **kwargs):
        if host in net.names:
            return net.answer(host, port)
        return real_getaddrinfo(host, port, *args, **kwargs)

    def connect(sock, address):
        host, port = address[0], address[1]
        net.connects.append((host, port))
        if (host, port) in net.routes:
            return real_connect(sock, ("127.0.0.1", net.routes[host, port]))
        assert ipaddress.ip_address(host.split("%")[0]).is_loopback, f"a test tried to reach {host}"
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return net


def serve(handle, tls=None):
    """A loopback HTTP(S) server whose GET calls `handle(request)`; returns (server, port)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            handle(self)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


@pytest.fixture
def servers():
    started = []

    def start(handle, tls=None):
        server, port = serve(handle, tls)
        started.append(server)
        return port

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def reply(request, status=200, body=b"", headers=()):
    request.send_response(status)
    for name, value in headers:
        request.send_header(name, value)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)


PICTURE = b"\x89PNG pretend picture bytes" * 100


def site(request):
    """/photo.png, /to?url=… (a redirect), anything else 404; records each request's Host."""
    request.server.hosts = getattr(request.server, "hosts", []) + [request.headers["Host"]]
    if request.path == "/photo.png":
        reply(request, body=PICTURE)
    elif request.path.startswith("/to?url="):
        reply(request, 302, headers=[("Location", request.path[len("/to?url="):])])
    else:
        reply(request, 404, b"no")


def failure(url, tmp_path, policy=Policy()):
    with pytest.raises(FetchError) as caught:
        fetch(url, str(tmp_path / "out"), 1 << 20, policy)
    assert [p.name for p in tmp_path.iterdir()] == []
    return str(caught.value)


def test_a_public_name_is_fetched_with_its_host_header(internet, servers, tmp_path):
    internet.names["images.example"] = [[PUBLIC]]
    internet.routes[PUBLIC, 80] = servers(site)
    fetch("http://images.example/photo.png", str(tmp_path / "out"), 1 << 20)
    assert (tmp_path / "out").read_bytes() == PICTURE
    assert internet.lookups == ["images.example"] and internet.connects == [(PUBLIC, 80)]


def test_dns_rebinding_connects_to_the_checked_address_only(internet, servers, tmp_path):
    # The name answers a public address first and loopback after: the fetch resolves once and
    # connects to what it checked; the loopback listener must see no connection.
    inside = []
    internet.names["rebind.example"] = [[PUBLIC], ["127.0.0.1"]]
    internet.routes[PUBLIC, 80] = servers(site)
    internet.routes["127.0.0.1", 80] = servers(lambda request: (inside.append(request.path), reply(request, body=b"secret")))
    fetch("http://rebind.example/photo.png", str(tmp_path / "out"), 1 << 20)
    assert (tmp_path / "out").read_bytes() == PICTURE
    assert internet.lookups == ["rebind.example"] and internet.connects == [(PUBLIC, 80)] and inside == []


def test_a_name_with_any_refused_address_is_refused(internet, tmp_path):
    internet.names["mixed.example"] = [[PUBLIC, "127.0.0.1"]]
    internet.names["mapped.example"] = [["::ffff:10.1.2.3"]]
    assert failure("http://mixed.example/photo.png", tmp_path) == "could not fetch: its host is not a public address"
    assert failure("http://mapped.example/x", tmp_path) == "could not fetch: its host is not a public address"
    assert internet.connects == []


def test_tls_keeps_the_name_for_sni_and_the_certificate(internet, servers, tmp_path):
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("no openssl to make a certificate")
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=secure.example",
                    "-addext", "subjectAltName=DNS:secure.example", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    names = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _socket, name, _context: names.append(name)
    internet.names["secure.example"] = [[PUBLIC]]
    internet.routes[PUBLIC, 443] = servers(site, tls=context)
    out = tmp_path / "downloads"
    out.mkdir()
    fetch("https://secure.example/photo.png", str(out / "photo"), 1 << 20, verify=cert)
    assert (out / "photo").read_bytes() == PICTURE and names == ["secure.example"]
    # A name the certificate does not carry fails verification, pinned to the same server.
    internet.names["other.example"] = [[PUBLIC]]
    with pytest.raises(FetchError, match="^could not fetch: not reachable$"):
        fetch("https://other.example/photo.png", str(out / "other"), 1 << 20, verify=cert)


def test_ports_other_than_80_and_443_need_the_operators_allow_list(internet, servers, tmp_path):
    internet.names["images.example"] = [[PUBLIC]]
    internet.routes[PUBLIC, 8080] = servers(site)
    assert failure("http://images.example:8080/photo.png", tmp_path) == "could not fetch: its port is not allowed"
    assert internet.lookups == [] and internet.connects == []
    fetch("http://images.example:8080/photo.png", str(tmp_path / "out"), 1 << 20,
          Policy(allowed_ports=frozenset({8080})))
    assert (tmp_path / "out").read_bytes() == PICTURE


def test_only_http_and_https(tmp_path):
    assert failure("file:///etc/passwd", tmp_path) == "could not fetch: its URL is not http(s)"
    assert failure("ftp://images.example/x", tmp_path) == "could not fetch: its URL is not http(s)"


def test_every_redirect_hop_is_resolved_checked_and_pinned_again(internet, servers, tmp_path):
    port = servers(site)
    internet.names["a.example"] = [[PUBLIC]]
    internet.names["b.example"] = [["8.8.4.4"], ["127.0.0.1"]]
    internet.names["inside.example"] = [["10.0.0.5"]]
    internet.routes[PUBLIC, 80] = port
    internet.routes["8.8.4.4", 443] = port  # plain HTTP on 443: a default port either way
    fetch("http://a.example/to?url=http://b.example:443/photo.png", str(tmp_path / "out"), 1 << 20)
    assert (tmp_path / "out").read_bytes() == PICTURE
    assert internet.lookups == ["a.example", "b.example"] and internet.connects == [(PUBLIC, 80), ("8.8.4.4", 443)]
    (tmp_path / "out").unlink()
    redirect = "http://a.example/to?url="
    assert failure(redirect + "http://inside.example/photo.png", tmp_path) == \
        "could not fetch: a redirect's host is not a public address"
    assert failure(redirect + "http://127.0.0.1/photo.png", tmp_path) == \
        "could not fetch: a redirect's host is not a public address"
    assert failure(redirect + "http://a.example:6379/", tmp_path) == "could not fetch: a redirect's port is not allowed"
    assert failure(redirect + "gopher://a.example/", tmp_path) == "could not fetch: a redirect's URL is not http(s)"
    assert failure("http://a.example/to?url=/to?url=/to?url=/to?url=/to?url=/to?url=/photo.png", tmp_path) == \
        "could not fetch: more than 5 redirects"
    assert not any(host in ("10.0.0.5", "127.0.0.1") for host, _ in internet.connects)


def test_errors_name_no_internal_address_or_port(internet, servers, tmp_path):
    listening = servers(site)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    internet.names["inside.example"] = [["127.0.0.1"]]
    messages = {
        failure(f"http://127.0.0.1:{listening}/photo.png", tmp_path, Policy(allowed_ports=frozenset({listening}))),
        failure(f"http://127.0.0.1:{closed_port}/photo.png", tmp_path, Policy(allowed_ports=frozenset({closed_port}))),
        failure("http://inside.example/photo.png", tmp_path)}
    # Whether something listens there or not, the same answer, naming neither address nor port.
    assert messages == {"could not fetch: its host is not a public address"}
    trusted = Policy(allow_private=True)
    unreachable = failure(f"http://127.0.0.1:{closed_port}/photo.png", tmp_path, trusted)
    assert unreachable == "could not fetch: not reachable"
    assert failure(f"http://127.0.0.1:{listening}/gone.png", tmp_path, trusted) == "could not fetch (HTTP 404)"
    for message in messages | {unreachable}:
        assert "127.0.0.1" not in message and str(closed_port) not in message and str(listening) not in message
    internet.names["nowhere.example"] = [[]]
    assert failure("http://nowhere.example/x", tmp_path) == "could not fetch: its host does not resolve"


def drip(phase, count=60):
    """A server that answers 200 and then sends one byte a second, in the headers or the body."""

    def handle(request):
        try:
            if phase == "headers":
                request.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            else:
                request.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % count)
            for _ in range(count):
                request.wfile.write(b"a")
                request.wfile.flush()
                time.sleep(1)
        except OSError:
            pass
        request.close_connection = True

    return handle


@pytest.mark.parametrize("phase", ["headers", "body"])
def test_a_drip_fed_fetch_ends_at_the_total_deadline(servers, tmp_path, phase):
    port = servers(drip(phase))
    began = time.monotonic()
    message = failure(f"http://127.0.0.1:{port}/photo.png", tmp_path, Policy(allow_private=True, timeout=2))
    assert message == "could not fetch: took longer than the 2 s limit"
    assert time.monotonic() - began < 20  # the drip lasts 60 s; the margin is for a loaded machine


def test_a_body_under_the_minimum_rate_fails(servers, tmp_path):
    def slow(request):
        request.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        try:
            for _ in range(100):  # 500 bytes every 0.1 s: 5 000 bytes/s
                request.wfile.write(b"b" * 500)
                request.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass
        request.close_connection = True

    port = servers(slow)
    began = time.monotonic()
    message = failure(f"http://127.0.0.1:{port}/x", tmp_path,
                      Policy(allow_private=True, timeout=30, min_rate=10000, rate_grace=1))
    assert message == "could not fetch: slower than the 10000 bytes/s minimum"
    assert time.monotonic() - began < 8  # the whole body takes 10 s; the margin is for a loaded machine


def test_a_body_over_the_size_limit_fails(servers, tmp_path):
    port = servers(lambda request: reply(request, body=b"x" * 1_200_000))
    with pytest.raises(FetchError, match="^could not fetch: larger than 1 MB$"):
        fetch(f"http://127.0.0.1:{port}/x", str(tmp_path / "out"), 1 << 20, Policy(allow_private=True))
    assert list(tmp_path.iterdir()) == []
