"""What a feed URL can make the refresh worker connect to (SSRF), against real local servers.

Name resolution is faked at ``socket.getaddrinfo`` (the system resolver the fetcher uses), so
test names such as ``feed.test`` can answer any address; the servers, sockets, TLS and HTTP
are real. Where a test must show that a public address is what gets connected to, urllib3's
``create_connection`` is wrapped to record the target and refuse the public one, since tests
must not reach the internet.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import urllib3.util.connection
from hypothesis import given
from hypothesis import strategies as st

from jobs.addresses import AddressPolicy, classify, parse_networks
from jobs.fetch import FeedFetcher, FetchError
from matcher.errors import ConfigError
from matcher.settings import load_settings
from tests.feed_server import serving

PUBLIC_V4 = "93.184.215.14"
BODY = b'[{"id": "J1", "title": "Welder"}]'


# --- the address classifier -------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "what"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.31.255.1", "a private address"),
        ("192.168.0.10", "a private address"),
        ("fd12:3456::1", "a private (unique local) address"),
        ("169.254.10.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("224.0.0.251", "a multicast address"),
        ("ff02::fb", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("255.255.255.255", "a reserved address"),
        ("4000::1", "a reserved address (outside 2000::/3)"),
        ("::", "an unspecified address"),
        ("0.0.0.0", "a 'this network' address (0.0.0.0/8)"),
        ("0.1.2.3", "a 'this network' address (0.0.0.0/8)"),
        ("100.64.0.1", "a carrier-grade NAT address (100.64.0.0/10)"),
        ("100.127.255.254", "a carrier-grade NAT address (100.64.0.0/10)"),
        ("192.0.2.1", "a documentation address"),
        ("198.51.100.7", "a documentation address"),
        ("203.0.113.9", "a documentation address"),
        ("2001:db8::1", "a documentation address"),
        ("3fff::1", "a documentation address"),
        ("198.18.0.1", "a benchmarking address"),
        ("169.254.169.254", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("168.63.129.16", "a cloud metadata address"),
        ("64:ff9b::a00:1", "a NAT64 address of 10.0.0.1 (a private address)"),
        ("64:ff9b::7f00:1", "a NAT64 address of 127.0.0.1 (a loopback address)"),
        ("64:ff9b::a9fe:a9fe", "a NAT64 address of 169.254.169.254 (a cloud metadata address)"),
        ("64:ff9b:1::808:808", "a local-use NAT64 address (64:ff9b:1::/48)"),
        ("2002:a00:1::1", "a 6to4 address of 10.0.0.1 (a private address)"),
        ("2002:7f00:1::", "a 6to4 address of 127.0.0.1 (a loopback address)"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "a Teredo address (2001::/32)"),
        ("::ffff:127.0.0.1", "an IPv4-mapped address of 127.0.0.1 (a loopback address)"),
        ("::ffff:10.0.0.1", "an IPv4-mapped address of 10.0.0.1 (a private address)"),
        ("::10.0.0.1", "an IPv4-compatible address (deprecated, ::/96)"),
        ("::8.8.8.8", "an IPv4-compatible address (deprecated, ::/96)"),
        ("::ffff:0:a00:1", "an IPv4-translated address (::ffff:0:0:0/96)"),
    ],
)
def test_non_public_addresses_are_refused_saying_what_they_are(address: str, what: str) -> None:
    refusal = classify(ipaddress.ip_address(address))
    assert refusal is not None and refusal.what == what


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        PUBLIC_V4,
        "2606:4700:4700::1111",
        "64:ff9b::808:808",  # NAT64 of a public server: what DNS64 networks answer
        "2002:808:808::1",  # 6to4 of a public address
        "::ffff:8.8.8.8",  # the IPv4 host itself
    ],
)
def test_public_addresses_and_embeddings_of_public_ones_are_accepted(address: str) -> None:
    assert classify(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("address", "refused_as"),
    [
        # On a link-local or unique local link of its own, a node tunnels to the IPv4 address.
        ("fe80::5efe:10.0.0.1", "an ISATAP address of 10.0.0.1 (a private address)"),
        ("fe80::200:5efe:192.168.0.1", "an ISATAP address of 192.168.0.1 (a private address)"),
        ("fd12::5efe:10.0.0.1", "an ISATAP address of 10.0.0.1 (a private address)"),
        ("fe80::5efe:8.8.8.8", "a link-local address"),  # a public IPv4 address: still local
        ("fe80::400:5efe:10.0.0.1", "a link-local address"),  # not u or g: no ISATAP id
        # Under a global prefix it is routed to whoever announces the prefix, like any address.
        ("2606:4700::5efe:a01:203", None),
        ("2a00:1450::200:5efe:c0a8:1", None),
        ("2a00:1450::5efe:808:808", None),
    ],
)
def test_an_isatap_interface_id_carries_an_ipv4_address_only_under_a_local_prefix(
    address: str, refused_as: str | None
) -> None:
    refusal = classify(ipaddress.ip_address(address))
    assert (refusal.what if refusal else None) == refused_as


@given(st.ip_addresses(v=4))
def test_an_embedded_ipv4_address_is_judged_like_the_address_itself(
    v4: ipaddress.IPv4Address,
) -> None:
    embeddings = [
        ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(v4)),  # NAT64
        ipaddress.IPv6Address((0x2002 << 112) | (int(v4) << 80) | 1),  # 6to4
        ipaddress.IPv6Address(int(ipaddress.IPv6Address("::ffff:0:0")) | int(v4)),  # mapped
    ]
    refused = classify(v4) is not None
    assert [classify(e) is not None for e in embeddings] == [refused] * 3
    if not refused:
        assert v4.is_global  # never more permissive than Python's own table


def test_the_allow_list_lifts_loopback_and_private_only() -> None:
    policy = AddressPolicy(parse_networks("127.0.0.1, 10.0.0.0/8, fd00::/8, 169.254.0.0/16"))

    def allowed(address: str) -> bool:
        return policy.refusal(ipaddress.ip_address(address)) is None

    assert allowed("127.0.0.1") and allowed("10.9.8.7") and allowed("fd12::1")
    assert allowed("::ffff:127.0.0.1")  # the same host as 127.0.0.1
    assert allowed("::ffff:10.1.2.3")  # the same host as 10.1.2.3, in the listed 10.0.0.0/8
    assert not allowed("127.0.0.2")  # loopback, but not listed
    assert not allowed("192.168.1.1")  # private, but not listed
    assert not allowed("169.254.1.1")  # link-local: listing it does not lift it
    assert not allowed("169.254.169.254") and not allowed("fd00:ec2::254")  # metadata
    assert not allowed("64:ff9b::7f00:1")  # NAT64 of 127.0.0.1: the translator's loopback
    assert not allowed("2002:a00:1::1")  # 6to4 of 10.0.0.1: the relay's network
    assert not allowed("fd12::5efe:a00:1")  # ISATAP of 10.0.0.1: the tunnel's far side


def test_a_malformed_allow_list_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="FEED_ALLOW_PRIVATE: 'intranet' is not an IP"):
        parse_networks("127.0.0.1, intranet")


# --- real servers and a fake DNS ----------------------------------------------------------


@dataclass
class Recorder:
    """A real HTTP(S) server on 127.0.0.1 that records what reaches it."""

    port: int = 0
    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    hosts: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)
    sni: list[str | None] = field(default_factory=list)


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            recorder.hosts.append((self.path, self.headers.get("Host", "")))
            status, headers, body = recorder.routes.get(self.path, (404, {}, b""))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def recording_server(
    address: str = "127.0.0.1", tls: ssl.SSLContext | None = None
) -> Iterator[Recorder]:
    recorder = Recorder()
    httpd = ThreadingHTTPServer((address, 0), _handler(recorder))
    httpd.daemon_threads = True
    if tls is not None:

        def remember_sni(_sock: Any, name: str | None, _ctx: ssl.SSLContext) -> None:
            recorder.sni.append(name)

        tls.sni_callback = remember_sni
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    recorder.port = httpd.server_port
    with serving(httpd):
        yield recorder


@pytest.fixture
def local() -> Iterator[Recorder]:
    with recording_server() as running:
        yield running


class FakeDNS:
    """``socket.getaddrinfo`` answering test names; anything else goes to the real one.

    Each name has a list of answers; each lookup takes the next, the last one repeating.
    """

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.answers: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in self.answers:
            return self.real(host, port, *args, **kwargs)
        self.asked.append(host)
        queue = self.answers[host]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answer
        ]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    fake = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection urllib3 opens, as (host, port); the public test address refuses."""
    real = urllib3.util.connection.create_connection
    opened: list[tuple[str, int]] = []

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append(address)
        if address[0] == PUBLIC_V4:
            raise ConnectionRefusedError("the internet is not reachable from tests")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return opened


def fetcher(allow: str = "", retries: int = 0) -> FeedFetcher:
    settings = load_settings(
        {
            "FEED_ALLOW_PRIVATE": allow,
            "FEED_CONNECT_TIMEOUT": 1,
            "FEED_READ_TIMEOUT": 1,
            "FEED_RETRIES": retries,
            "FEED_BACKOFF": 0,
        }
    )
    return FeedFetcher(settings)


# --- refusals through the fetcher ----------------------------------------------------------

EMBEDDINGS = [
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "::ffff:127.0.0.1",  # IPv4-mapped loopback (not allowed here)
    "::ffff:169.254.169.254",  # IPv4-mapped metadata
    "::127.0.0.1",  # IPv4-compatible
    "::ffff:0:a00:1",  # IPv4-translated
    "fe80::5efe:a00:1",  # ISATAP of 10.0.0.1
    "fd12::200:5efe:c0a8:101",  # ISATAP of 192.168.1.1
]


@pytest.mark.parametrize("address", EMBEDDINGS)
def test_a_url_naming_an_embedding_of_a_private_address_is_refused(
    address: str, connections: list[tuple[str, int]]
) -> None:
    shown = re.escape(str(ipaddress.ip_address(address)))  # as Python writes it
    with pytest.raises(FetchError, match=rf"^{shown}, an? .+ address.*, is not fetched"):
        fetcher().fetch(f"http://[{address}]/jobs.json")
    assert connections == []


@pytest.mark.parametrize("address", EMBEDDINGS)
def test_a_name_resolving_to_an_embedding_of_a_private_address_is_refused(
    address: str, dns: FakeDNS, connections: list[tuple[str, int]]
) -> None:
    dns.answers["feed.test"] = [[address]]
    shown = re.escape(str(ipaddress.ip_address(address)))
    with pytest.raises(FetchError, match=rf"^feed\.test resolves to {shown}, an? .+, which is not"):
        fetcher().fetch("http://feed.test/jobs.json")
    assert connections == []


@pytest.mark.parametrize(
    ("address", "remedy"),
    [
        ("127.0.0.1", True),
        ("10.20.30.40", True),
        ("100.64.0.1", True),
        ("169.254.169.254", False),
        ("fd00:ec2::254", False),
        ("0.0.0.0", False),
        ("192.0.2.1", False),
        ("224.0.0.1", False),
    ],
)
def test_a_refusal_says_whether_the_allow_list_could_lift_it(
    address: str, remedy: bool, dns: FakeDNS
) -> None:
    dns.answers["feed.test"] = [[address]]
    with pytest.raises(FetchError) as refused:
        fetcher().fetch("http://feed.test/jobs.json")
    assert f"feed.test resolves to {address}, a" in str(refused.value)
    assert ("allow it with TALENTMATCH_FEED_ALLOW_PRIVATE" in str(refused.value)) is remedy


def test_every_address_of_a_name_is_checked_not_only_the_first(
    dns: FakeDNS, connections: list[tuple[str, int]]
) -> None:
    dns.answers["feed.test"] = [[PUBLIC_V4, "10.0.0.7"]]
    with pytest.raises(FetchError, match="feed.test resolves to 10.0.0.7, a private address"):
        fetcher().fetch("http://feed.test/jobs.json")
    assert connections == []


# --- pinning -------------------------------------------------------------------------------


def test_dns_rebinding_cannot_turn_the_connection_to_a_local_server(
    local: Recorder, dns: FakeDNS, connections: list[tuple[str, int]]
) -> None:
    local.routes["/jobs.json"] = (200, {}, BODY)
    # A public answer for whoever checks, then loopback for whoever resolves again.
    dns.answers["rebind.test"] = [[PUBLIC_V4], ["127.0.0.1"]]
    with pytest.raises(FetchError, match="cannot connect"):
        fetcher(retries=2).fetch(f"http://rebind.test:{local.port}/jobs.json")
    assert local.hosts == []  # the local server never saw a request
    assert dns.asked == ["rebind.test"]  # resolved once, also across the retries
    assert connections == [(PUBLIC_V4, local.port)] * 3  # every attempt went to the checked one


def test_an_allowed_local_name_reaches_the_server_with_its_name_as_host(
    local: Recorder, dns: FakeDNS, connections: list[tuple[str, int]]
) -> None:
    local.routes["/jobs.json"] = (200, {"Content-Type": "application/json"}, BODY)
    dns.answers["feeds.intranet.test"] = [["127.0.0.1"]]
    result = fetcher(allow="127.0.0.1").fetch(f"http://feeds.intranet.test:{local.port}/jobs.json")
    assert result.body == BODY
    assert local.hosts == [("/jobs.json", f"feeds.intranet.test:{local.port}")]
    assert connections == [("127.0.0.1", local.port)]
    assert dns.asked == ["feeds.intranet.test"]


def test_without_the_allow_list_the_same_local_name_is_refused(
    local: Recorder, dns: FakeDNS
) -> None:
    local.routes["/jobs.json"] = (200, {}, BODY)
    dns.answers["feeds.intranet.test"] = [["127.0.0.1"]]
    with pytest.raises(FetchError, match="resolves to 127.0.0.1, a loopback address"):
        fetcher().fetch(f"http://feeds.intranet.test:{local.port}/jobs.json")
    assert local.hosts == []


def test_environment_proxies_are_not_used(
    local: Recorder, dns: FakeDNS, monkeypatch: pytest.MonkeyPatch
) -> None:
    local.routes["/jobs.json"] = (200, {}, BODY)
    dns.answers["feed.test"] = [["127.0.0.1"]]
    with recording_server() as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        result = fetcher(allow="127.0.0.1").fetch(f"http://feed.test:{local.port}/jobs.json")
    assert result.body == BODY
    assert proxy.hosts == []  # a proxy would resolve the name itself, unchecked


# --- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "answers", "reason"),
    [
        ("http://10.0.0.5/jobs.json", {}, "10.0.0.5, a private address, is not fetched"),
        (
            "http://intranet.test/jobs.json",
            {"intranet.test": ["192.168.1.10"]},
            "intranet.test resolves to 192.168.1.10, a private address",
        ),
        (
            "http://169.254.169.254/latest/meta-data/",
            {},
            "169.254.169.254, a cloud metadata address",
        ),
        (
            "http://[64:ff9b::7f00:1]/jobs.json",
            {},
            "a NAT64 address of 127.0.0.1 (a loopback address)",
        ),
    ],
    ids=["private-literal", "private-name", "metadata", "nat64-loopback"],
)
def test_a_redirect_from_an_allowed_local_server_to_a_private_address_is_refused(
    local: Recorder,
    dns: FakeDNS,
    connections: list[tuple[str, int]],
    location: str,
    answers: dict[str, list[str]],
    reason: str,
) -> None:
    local.routes["/jobs.json"] = (302, {"Location": location}, b"")
    for name, addresses in answers.items():
        dns.answers[name] = [addresses]
    with pytest.raises(FetchError, match=re.escape(reason)):
        fetcher(allow="127.0.0.1").fetch(f"http://127.0.0.1:{local.port}/jobs.json")
    assert local.hosts == [("/jobs.json", f"127.0.0.1:{local.port}")]  # only the first hop
    assert connections == [("127.0.0.1", local.port)]


def test_each_redirect_hop_is_resolved_and_pinned_again(
    local: Recorder, dns: FakeDNS, connections: list[tuple[str, int]]
) -> None:
    local.routes["/old"] = (301, {"Location": f"http://new.test:{local.port}/jobs.json"}, b"")
    local.routes["/jobs.json"] = (200, {}, BODY)
    dns.answers["old.test"] = [["127.0.0.1"]]
    dns.answers["new.test"] = [["127.0.0.1"]]
    result = fetcher(allow="127.0.0.1").fetch(f"http://old.test:{local.port}/old")
    assert result.body == BODY
    assert dns.asked == ["old.test", "new.test"]
    assert local.hosts == [
        ("/old", f"old.test:{local.port}"),
        ("/jobs.json", f"new.test:{local.port}"),
    ]
    assert connections == [("127.0.0.1", local.port)] * 2  # each hop to its checked address


def test_a_redirect_to_a_name_that_rebinds_is_pinned_too(
    local: Recorder, dns: FakeDNS, connections: list[tuple[str, int]]
) -> None:
    # The allowed feed server on 127.0.0.1 redirects to a name that answers a public address
    # to the check and then 127.0.0.2, where another local service listens.
    with recording_server("127.0.0.2") as victim:
        victim.routes["/admin"] = (200, {}, b"secret")
        local.routes["/jobs.json"] = (
            302,
            {"Location": f"http://rebind.test:{victim.port}/admin"},
            b"",
        )
        dns.answers["rebind.test"] = [[PUBLIC_V4], ["127.0.0.2"]]
        with pytest.raises(FetchError, match="cannot connect"):
            fetcher(allow="127.0.0.1").fetch(f"http://127.0.0.1:{local.port}/jobs.json")
    assert victim.hosts == []
    assert connections == [("127.0.0.1", local.port), (PUBLIC_V4, victim.port)]


# --- TLS -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for ``feed.test`` (and only that name): (cert, key)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=feed.test",
            "-addext",
            "subjectAltName=DNS:feed.test",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[Recorder]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with recording_server(tls=context) as running:
        running.routes["/jobs.json"] = (200, {}, BODY)
        yield running


def test_https_to_a_pinned_address_still_sends_and_verifies_the_host_name(
    tls_server: Recorder,
    certificate: tuple[Path, Path],
    dns: FakeDNS,
    connections: list[tuple[str, int]],
) -> None:
    dns.answers["feed.test"] = [["127.0.0.1"]]
    fetching = fetcher(allow="127.0.0.1")
    fetching.session.verify = str(certificate[0])
    result = fetching.fetch(f"https://feed.test:{tls_server.port}/jobs.json")
    assert result.body == BODY
    assert connections == [("127.0.0.1", tls_server.port)]
    assert tls_server.sni == ["feed.test"]
    assert tls_server.hosts == [("/jobs.json", f"feed.test:{tls_server.port}")]


def test_https_to_a_pinned_address_refuses_a_certificate_for_another_name(
    tls_server: Recorder, certificate: tuple[Path, Path], dns: FakeDNS
) -> None:
    dns.answers["other.test"] = [["127.0.0.1"]]
    fetching = fetcher(allow="127.0.0.1")
    fetching.session.verify = str(certificate[0])
    with pytest.raises(FetchError, match="cannot connect"):
        fetching.fetch(f"https://other.test:{tls_server.port}/jobs.json")
    assert tls_server.sni == ["other.test"]  # the handshake named the host, not 127.0.0.1
    assert tls_server.hosts == []  # and no request followed the failed verification
