"""Which IP addresses a feed request may connect to: public ones, and private ones on request.

:func:`classify` says why an address is not public, in words fit for a run's error list;
:class:`AddressPolicy` adds the operator's ``FEED_ALLOW_PRIVATE`` list, which lifts only the
refusals of loopback and private space (RFC 1918, unique local, CGNAT) — link-local, cloud
metadata, multicast, reserved space and IPv6 addresses carrying an IPv4 address inside are
refused whatever the list says, because a feed on one of those is never what was meant.

IPv6 addresses that carry an IPv4 address (NAT64, 6to4, IPv4-mapped, and ISATAP on a local
prefix) reach that IPv4 address through a translator or a tunnel, so they are judged by the
address they carry: a NAT64 address of a public server is fine (DNS64 networks answer with
those), one of 10.0.0.1 is not.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from matcher.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Refusal:
    """Why an address is refused.

    Attributes:
        what: a noun phrase with its article, e.g. ``a private address``.
        allowable: whether ``FEED_ALLOW_PRIVATE`` may lift the refusal.
    """

    what: str
    allowable: bool


_ip = ipaddress.ip_address
_net = ipaddress.ip_network

# Instance metadata services hand out cloud credentials: never a feed, even where the
# surrounding range is allowed (fd00:ec2::254 is unique local, 100.100.100.200 is CGNAT,
# Azure's 168.63.129.16 is even public space).
_METADATA = frozenset(
    {
        _ip("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, Oracle, Tencent, Huawei
        _ip("169.254.170.2"),  # AWS ECS task metadata
        _ip("169.254.0.23"),  # Tencent Cloud
        _ip("100.100.100.200"),  # Alibaba Cloud
        _ip("168.63.129.16"),  # Azure wire server
        _ip("fd00:ec2::254"),  # AWS over IPv6
    }
)

# (network, refusal), first match wins; more specific ranges come before wider ones.
_IPV4: tuple[tuple[Network, Refusal], ...] = (
    (_net("0.0.0.0/8"), Refusal("a 'this network' address (0.0.0.0/8)", False)),
    (_net("127.0.0.0/8"), Refusal("a loopback address", True)),
    (_net("10.0.0.0/8"), Refusal("a private address", True)),
    (_net("172.16.0.0/12"), Refusal("a private address", True)),
    (_net("192.168.0.0/16"), Refusal("a private address", True)),
    (_net("100.64.0.0/10"), Refusal("a carrier-grade NAT address (100.64.0.0/10)", True)),
    (_net("169.254.0.0/16"), Refusal("a link-local address", False)),
    (_net("192.0.0.0/24"), Refusal("an IETF protocol address (192.0.0.0/24)", False)),
    (_net("192.0.2.0/24"), Refusal("a documentation address", False)),
    (_net("198.51.100.0/24"), Refusal("a documentation address", False)),
    (_net("203.0.113.0/24"), Refusal("a documentation address", False)),
    (_net("192.88.99.0/24"), Refusal("a 6to4 relay anycast address", False)),
    (_net("198.18.0.0/15"), Refusal("a benchmarking address", False)),
    (_net("224.0.0.0/4"), Refusal("a multicast address", False)),
    (_net("240.0.0.0/4"), Refusal("a reserved address", False)),
)

_IPV6: tuple[tuple[Network, Refusal], ...] = (
    (_net("::/128"), Refusal("an unspecified address", False)),
    (_net("::1/128"), Refusal("a loopback address", True)),
    # Deprecated (RFC 4291); nothing legitimate lives there.
    (_net("::/96"), Refusal("an IPv4-compatible address (deprecated, ::/96)", False)),
    (_net("::ffff:0:0:0/96"), Refusal("an IPv4-translated address (::ffff:0:0:0/96)", False)),
    # Local-use NAT64: the operator picks where the IPv4 address sits, so it cannot be read.
    (_net("64:ff9b:1::/48"), Refusal("a local-use NAT64 address (64:ff9b:1::/48)", False)),
    # Teredo carries the client's IPv4 address obfuscated; the protocol is long retired.
    (_net("2001::/32"), Refusal("a Teredo address (2001::/32)", False)),
    (_net("100::/64"), Refusal("a discard-only address (100::/64)", False)),
    (_net("2001:2::/48"), Refusal("a benchmarking address", False)),
    (_net("2001:10::/28"), Refusal("an ORCHID address", False)),
    (_net("2001:20::/28"), Refusal("an ORCHID address", False)),
    (_net("2001:db8::/32"), Refusal("a documentation address", False)),
    (_net("3fff::/20"), Refusal("a documentation address", False)),
    (_net("5f00::/16"), Refusal("a segment routing address (5f00::/16)", False)),
    (_net("fc00::/7"), Refusal("a private (unique local) address", True)),
    (_net("fe80::/10"), Refusal("a link-local address", False)),
    (_net("fec0::/10"), Refusal("a site-local address (deprecated)", False)),
    (_net("ff00::/8"), Refusal("a multicast address", False)),
)

_NAT64 = _net("64:ff9b::/96")
_SIX_TO_FOUR = _net("2002::/16")
_GLOBAL_UNICAST = _net("2000::/3")
# ISATAP (RFC 5214 section 6.1) writes an IPv4 address into the interface identifier as
# 000000ug00000000:0101111011111110:<IPv4>: 0000:5efe, 0200:5efe with the u bit (the IPv4
# address is globally unique), 0100 / 0300 with the group bit. Only a node on that ISATAP
# link tunnels to the IPv4 address. Under a global prefix the packet is routed to whoever
# announces the prefix, so the address is judged like any other global one
# (2606:4700::5efe:a01:203 does not lead to 10.1.2.3 of our network); the identifier is read
# only under prefixes outside 2000::/3 (link-local fe80::/10, unique local fc00::/7, ...),
# which stay inside our own site.
_ISATAP_MASK, _ISATAP_ID = 0xFCFFFFFF, 0x00005EFE


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address carries and how, or None.

    Returns:
        ``(mechanism, address)``, e.g. ``("NAT64", IPv4Address("10.0.0.1"))``.
    """
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", address.ipv4_mapped
    number = int(address)
    if address in _NAT64:
        return "NAT64", ipaddress.IPv4Address(number & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    isatap = (number >> 32) & _ISATAP_MASK == _ISATAP_ID
    if isatap and address not in _GLOBAL_UNICAST:
        return "ISATAP", ipaddress.IPv4Address(number & 0xFFFFFFFF)
    return None


def classify(address: IPAddress) -> Refusal | None:
    """Why a feed request must not connect to ``address``; None for a public address."""
    if address in _METADATA:
        return Refusal("a cloud metadata address", False)
    if isinstance(address, ipaddress.IPv4Address):
        return _classify_v4(address)
    carried = embedded_ipv4(address)
    if carried is not None:
        mechanism, inner = carried
        refusal = classify(inner)
        if refusal is not None:
            article = "an" if mechanism[0] in "AEIOU" else "a"
            return Refusal(
                f"{article} {mechanism} address of {inner} ({refusal.what})",
                # An IPv4-mapped address is the IPv4 host itself; the others go through a
                # translator or tunnel whose far side the allow list does not describe.
                refusal.allowable and mechanism == "IPv4-mapped",
            )
        if mechanism != "ISATAP":  # the way to a public IPv4 host
            return None
        # An ISATAP address of a public host is still on a local prefix: refused as that below.
    for network, refusal in _IPV6:
        if address in network:
            return refusal
    if address not in _GLOBAL_UNICAST:
        return Refusal("a reserved address (outside 2000::/3)", False)
    if not address.is_global:
        return Refusal("an address that is not globally reachable", False)
    return None


def _classify_v4(address: ipaddress.IPv4Address) -> Refusal | None:
    for network, refusal in _IPV4:
        if address in network:
            return refusal
    if not address.is_global:
        return Refusal("an address that is not globally reachable", False)
    return None


def parse_networks(listed: str) -> list[Network]:
    """``FEED_ALLOW_PRIVATE``: comma-separated addresses or networks (CIDR)."""
    networks = []
    for part in filter(None, (p.strip() for p in listed.split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(
                f"setting FEED_ALLOW_PRIVATE: {part!r} is not an IP address or network"
            ) from None
    return networks


class AddressPolicy:
    """Public addresses, plus the loopback / private ones the operator listed."""

    def __init__(self, allowed: Iterable[Network] = ()) -> None:
        self.allowed = tuple(allowed)

    def refusal(self, address: IPAddress) -> Refusal | None:
        """Why ``address`` is refused under this policy; None if it may be used."""
        refusal = classify(address)
        if refusal is None or not refusal.allowable:
            return refusal
        host = address
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            host = address.ipv4_mapped  # the same host: "127.0.0.1" covers ::ffff:127.0.0.1
        if any(host in network for network in self.allowed):
            return None
        return refusal
