"""Feed connections pinned to the address that was checked.

Checking a host's addresses and then letting urllib3 resolve the name again leaves a gap: a
DNS server that answers a public address to the check and ``127.0.0.1`` to the connect
(rebinding) walks the worker into the intranet. :class:`PinnedAdapter` closes it by resolving
the name once, per request, checking every address it resolves to, and handing urllib3 the
first of them as the host to connect to, so nothing resolves the name a second time. The
request still names the host: the ``Host`` header, TLS SNI and certificate verification use
the name from the URL, not the address.

Each request resolves afresh, so a redirect to another host (or the same host) is checked
and pinned again; retries of one request (urllib3's) reuse its pinned address. Only the first
address is connected to: unlike a plain requests call, a name whose first address does not
answer fails instead of trying the next one.

Why not requests-hardened: its adapter checks only the first resolved address and allows
loopback all or nothing, where ``FEED_ALLOW_PRIVATE`` lists networks.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.connection import allowed_gai_family

from .addresses import AddressPolicy, IPAddress

Resolver = Callable[[str, int], Sequence[IPAddress]]
"""A host name and port to the addresses to connect to, best first."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


class AddressRefused(requests.exceptions.RequestException):
    """The host does not resolve, or resolves to an address the policy refuses.

    The message says which address and why, fit for a run's error list.
    """


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The system's answer (``getaddrinfo``), in its order, without IPv6 on an IPv4-only host."""
    infos = socket.getaddrinfo(host, port, family=allowed_gai_family(), type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            address = ipaddress.ip_address(sockaddr[0])
            if address not in addresses:
                addresses.append(address)
    return addresses


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


class PinnedAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that connects only to addresses ``policy`` accepts, as checked.

    Args:
        policy: which addresses may be connected to.
        resolver: how names are resolved (tests inject their own).
        **kwargs: passed to ``HTTPAdapter`` (e.g. ``max_retries``).
    """

    def __init__(
        self, policy: AddressPolicy, resolver: Resolver = system_resolver, **kwargs: Any
    ) -> None:
        self.policy = policy
        self.resolver = resolver
        super().__init__(**kwargs)

    def pin(self, host: str, port: int) -> IPAddress:
        """The address to connect to for ``host``: all of its addresses checked, the first."""
        literal = _literal(host)
        if literal is not None:
            addresses: Sequence[IPAddress] = [literal]
        else:
            try:
                addresses = self.resolver(host, port)
            except socket.gaierror as exc:
                raise AddressRefused(f"cannot resolve {host}: {exc.strerror}") from None
            if not addresses:
                raise AddressRefused(f"cannot resolve {host}: no addresses")
        for address in addresses:
            refusal = self.policy.refusal(address)
            if refusal is None:
                continue
            subject = f"{address}, {refusal.what}, is"
            if literal is None:
                subject = f"{host} resolves to {address}, {refusal.what}, which is"
            remedy = " (allow it with TALENTMATCH_FEED_ALLOW_PRIVATE)" if refusal.allowable else ""
            raise AddressRefused(f"{subject} not fetched{remedy}")
        return addresses[0]

    def build_connection_pool_key_attributes(
        self,
        request: requests.PreparedRequest,
        verify: bool | str,
        cert: str | tuple[str, str] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The pool (and so the connection) for the pinned address of the request's host.

        requests calls this once per request, just before taking a connection from the pool
        it names: the one place where the host can be swapped for its checked address.
        """
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        host: str = host_params["host"]
        scheme: str = host_params["scheme"]
        port: int | None = host_params["port"]
        address = self.pin(host, port or _DEFAULT_PORTS[scheme])
        if _literal(host) is None:
            # urllib3 would derive both from the address it connects to. A name needs no
            # brackets: only IP literals hold a colon.
            default_port = port is None or port == _DEFAULT_PORTS[scheme]
            request.headers["Host"] = host if default_port else f"{host}:{port}"
            if scheme == "https":
                pool_kwargs["server_hostname"] = host
            host_params["host"] = str(address)
        return host_params, pool_kwargs
