"""The outbound policy for a job's client-given URLs, the same as the gateway's (both pass
Tests/Fixtures/outbound-addresses.json): which addresses and ports may be fetched, and a fetch that
resolves each hop once, checks every address and connects only to a checked one, within a total
deadline and a minimum transfer rate."""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
import threading
import time
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .protocol import TooLarge, save

log = logging.getLogger("zoetrope_ltx")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

REFUSED_IPV4 = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"))
"""The IANA IPv4 special-purpose registry's ranges that are not globally reachable, multicast and reserved."""

REFUSED_IPV6 = tuple(ipaddress.IPv6Network(n) for n in (
    "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64", "2001::/23", "2001:db8::/32",
    "2620:4f:8000::/48", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"))
"""The IANA IPv6 special-purpose registry's ranges that are not globally reachable, and multicast;
everything outside `GLOBAL_UNICAST` is refused too."""

GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")

CARRIERS = (  # (prefix, shift of the IPv4 address inside)
    (ipaddress.IPv6Network("::ffff:0:0/96"), 0),  # IPv4-mapped
    (ipaddress.IPv6Network("::ffff:0:0:0/96"), 0),  # IPv4-translated
    (ipaddress.IPv6Network("::/96"), 0),  # IPv4-compatible (:: and ::1 excepted)
    (ipaddress.IPv6Network("64:ff9b::/96"), 0),  # NAT64
    (ipaddress.IPv6Network("2002::/16"), 80),  # 6to4: bytes 2–5
)

DEFAULT_PORTS = frozenset({80, 443})
IO_TIMEOUT = 10.0
"""The longest a connect or a single read may wait (less when the fetch's deadline is nearer)."""
SLACK = 0.5
"""How far a socket timeout may reach past the deadline (the deadline's own shutdown comes first)."""


def carried_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, translated, compatible, NAT64, 6to4), or None."""
    for prefix, shift in CARRIERS:
        if address in prefix and not (prefix.prefixlen == 96 and int(prefix.network_address) == 0
                                      and int(address) <= 1):
            return ipaddress.IPv4Address((int(address) >> shift) & 0xFFFF_FFFF)
    return None


def refused(address: Address) -> bool:
    """Whether an address is outside the public internet (the shared table's policy)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = carried_ipv4(address)
        if inner is None:
            return address not in GLOBAL_UNICAST or any(address in network for network in REFUSED_IPV6)
        address = inner
    return any(address in network for network in REFUSED_IPV4)


@dataclass(frozen=True)
class Policy:
    """What a fetch of a client's URL may do. `allow_private`: a trusted network (any address, any port)."""

    allow_private: bool = False
    allowed_ports: frozenset[int] = frozenset()
    timeout: float = 60.0
    min_rate: float = 16384.0
    rate_grace: float = 10.0
    """Seconds of a body before its average rate must reach `min_rate`."""

    def port_allowed(self, port: int) -> bool:
        return self.allow_private or port in DEFAULT_PORTS or port in self.allowed_ports


class FetchError(Exception):
    """A fetch of a client's URL failed; the message is safe to show the client (no internal address,
    port or sign of what answered)."""


class Expired(Exception):
    """The fetch's deadline passed."""


class Deadline:
    """A fetch's total time: short timeouts for each wait, and at the end every socket it opened is
    shut down, so no connect, header or body read outlives it."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds
        self._expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def expired(self) -> bool:
        return self._expired or time.monotonic() >= self.end

    def left(self) -> float:
        left = self.end - time.monotonic()
        if self._expired or left <= 0:
            raise Expired()
        return left

    def io_timeout(self) -> float:
        return min(IO_TIMEOUT, self.left() + SLACK)

    def watch(self, sock: socket.socket) -> None:
        """Shuts `sock` down at the deadline (through a duplicate: TLS takes over the original)."""
        duplicate = sock.dup()
        with self._lock:
            self._sockets.append(duplicate)
            if self._expired:
                self._shut(duplicate)

    def release(self) -> None:
        """Forgets the sockets watched so far (their connections are closed)."""
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def close(self) -> None:
        self._timer.cancel()
        self.release()

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def resolve(host: str, port: int, deadline: Deadline) -> list[tuple[int, tuple]]:
    """`host`'s addresses (family, socket address), resolved once within the deadline; [] when it does not resolve."""
    answer: dict = {}

    def run() -> None:
        try:
            answer["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            answer["error"] = error

    thread = threading.Thread(target=run, name="resolve", daemon=True)
    thread.start()
    thread.join(deadline.left())
    if thread.is_alive():
        raise Expired()
    if "error" in answer:
        log.debug("%s does not resolve: %s", host, answer["error"])
        return []
    found: list[tuple[int, tuple]] = []
    for family, _, _, _, sockaddr in answer["infos"]:
        if family in (socket.AF_INET, socket.AF_INET6) and (family, sockaddr) not in found:
            found.append((family, sockaddr))
    return found


def connect(connection: HTTPConnection, addresses: list[tuple[int, tuple]], deadline: Deadline) -> socket.socket:
    """A socket to the first of the checked `addresses` that accepts (urllib3's `_new_conn`)."""
    sys.audit("http.client.connect", connection, connection.host, connection.port)
    failure: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            for option in connection.socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(deadline.io_timeout())
            deadline.watch(sock)
            sock.connect(sockaddr)
            return sock
        except Expired as error:
            sock.close()
            raise ConnectTimeoutError(connection, "the fetch's deadline passed") from error
        except OSError as error:
            sock.close()
            failure = error
    if isinstance(failure, TimeoutError):
        raise ConnectTimeoutError(connection, "connection timed out") from failure
    raise NewConnectionError(connection, f"could not connect: {failure}") from failure


class PinnedAdapter(HTTPAdapter):
    """Connects to the checked addresses only; the URL's host stays the Host header, the TLS SNI and
    the name the certificate must match."""

    def __init__(self, addresses: list[tuple[int, tuple]], deadline: Deadline):
        self.addresses, self.deadline = addresses, deadline
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        addresses, deadline = self.addresses, self.deadline

        def new_conn(connection):
            return connect(connection, addresses, deadline)

        http = type("PinnedHTTPConnection", (HTTPConnection,), {"_new_conn": new_conn})
        https = type("PinnedHTTPSConnection", (HTTPSConnection,), {"_new_conn": new_conn})
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("PinnedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("PinnedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https})}


def fetch(url: str, path: str, max_bytes: int, policy: Policy = Policy(), max_redirects: int = 5,
          verify: bool | str = True) -> None:
    """Streams a client's `url` into `path` under `policy`, following redirects one checked hop at a
    time; raises `FetchError` with a message fit for the job's error."""
    deadline = Deadline(policy.timeout)
    try:
        for hop in range(max_redirects + 1):
            whose = "its" if hop == 0 else "a redirect's"
            addresses = checked(url, policy, deadline, whose)
            try:
                with requests.Session() as session:
                    session.trust_env = False  # no proxy from the environment: the connection is pinned
                    session.verify = verify
                    adapter = PinnedAdapter(addresses, deadline)
                    session.mount("http://", adapter)
                    session.mount("https://", adapter)
                    timeout = deadline.io_timeout()
                    with session.get(url, stream=True, timeout=(timeout, timeout), allow_redirects=False) as response:
                        if response.is_redirect:
                            url = urljoin(url, response.headers["Location"])
                            continue
                        if response.status_code != 200:
                            raise FetchError(f"could not fetch (HTTP {response.status_code})")
                        save(body(response, policy, deadline), path, max_bytes)
                        return
            finally:
                deadline.release()
        raise FetchError(f"could not fetch: more than {max_redirects} redirects")
    except FetchError:
        raise
    except TooLarge as error:
        raise FetchError(f"could not fetch: {error}") from error
    except (Expired, requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        if isinstance(error, Expired) or deadline.expired:
            raise FetchError(f"could not fetch: took longer than the {policy.timeout:g} s limit") from error
        log.debug("fetch failed: %r", error)
        raise FetchError("could not fetch: not reachable") from error
    finally:
        deadline.close()


def checked(url: str, policy: Policy, deadline: Deadline, whose: str) -> list[tuple[int, tuple]]:
    """The addresses `url` may be fetched from: the scheme and port checked, the host resolved once
    and every one of its addresses checked."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError as error:
        raise FetchError(f"could not fetch: {whose} URL is not valid") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"could not fetch: {whose} URL is not http(s)")
    if not policy.port_allowed(port):
        raise FetchError(f"could not fetch: {whose} port is not allowed")
    addresses = resolve(parts.hostname, port, deadline)
    if not addresses:
        raise FetchError(f"could not fetch: {whose} host does not resolve")
    if not policy.allow_private:
        for _, sockaddr in addresses:
            if refused(ipaddress.ip_address(sockaddr[0].split("%")[0])):
                log.debug("%s resolves to %s, which is not public", parts.hostname, sockaddr[0])
                raise FetchError(f"could not fetch: {whose} host is not a public address")
    return addresses


def body(response: requests.Response, policy: Policy, deadline: Deadline) -> Iterator[bytes]:
    """The body's chunks as they arrive, failing once the deadline passes or when, after
    `policy.rate_grace` seconds, the average rate since the body began is under `policy.min_rate`."""
    began = time.monotonic()
    received = 0

    def check_rate() -> None:
        elapsed = time.monotonic() - began
        if elapsed >= policy.rate_grace and received < policy.min_rate * elapsed:
            raise FetchError(f"could not fetch: slower than the {policy.min_rate:g} bytes/s minimum")

    while True:
        deadline.left()
        try:
            chunk = response.raw.read1(1 << 16, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError:
            deadline.left()
            check_rate()
            raise
        deadline.left()  # a socket shut down at the deadline reads as the end
        if not chunk:
            return
        received += len(chunk)
        check_rate()
        yield chunk
