"""Where webhook deliveries may go: public addresses only (no SSRF into the cluster, S17.2).

A webhook URL is chosen by whoever registers it; without a check, deliveries could be aimed
at the service's own network: loopback, the pod and service networks, the cloud metadata
address (link-local). The host is resolved at registration and again before every delivery
(its DNS may change), and every address it resolves to must be a public unicast address,
unless it is in the allow-list (`WEBHOOK_ALLOWED_NETWORKS`: empty in production; loopback on
the local stack, whose tests run their receiver there).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Resolves (host, port) to its addresses.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


class UnsafeUrlError(Exception):
    """The URL's host is (or resolves to) an address deliveries must not reach."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def resolve(host: str, port: int) -> Sequence[str]:
    """Every address of `host` (A and AAAA), as the HTTP client would connect to them."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [str(info[4][0]) for info in infos]


def is_public(address: IPAddress) -> bool:
    """A global unicast address: not private, loopback, link-local, multicast, unspecified,
    reserved or shared (carrier-grade NAT); IPv4-mapped IPv6 is judged as its IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


@dataclass(frozen=True, slots=True)
class PinnedUrl:
    """Where to send a request: the URL with its host replaced by a checked address, plus the
    Host header and TLS server name that keep the original name (httpx `extensions`)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)


class UrlGuard:
    """Refuses webhook URLs whose host resolves to a non-public address not allowed."""

    def __init__(
        self,
        allowed: Sequence[IPNetwork] = (),
        resolver: Resolver = resolve,
        timeout_seconds: float = 5.0,
    ) -> None:
        self._allowed = tuple(allowed)
        self._resolve = resolver
        self._timeout = timeout_seconds

    def _allowed_address(self, address: IPAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address.version == net.version and address in net for net in self._allowed):
            return True
        return is_public(address)

    async def check(self, url: str) -> None:
        """Raise `UnsafeUrlError` unless every address of the URL's host may be reached."""
        await self.addresses(url)

    async def pin(self, url: str) -> PinnedUrl:
        """The URL aimed at the first checked address of its host (see the module docstring)."""
        addresses = await self.addresses(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return PinnedUrl(url)  # an address already: nothing is resolved
        address = addresses[0]
        literal = f"[{address}]" if address.version == 6 else str(address)
        netloc = literal if parts.port is None else f"{literal}:{parts.port}"
        host_header = host if parts.port is None else f"{host}:{parts.port}"
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        return PinnedUrl(
            urlunsplit(parts._replace(netloc=netloc)), {"Host": host_header}, extensions
        )

    async def addresses(self, url: str) -> list[IPAddress]:
        """Every address of the URL's host, each one allowed; else `UnsafeUrlError`."""
        parts = urlsplit(url)
        host = parts.hostname
        if not host:
            raise UnsafeUrlError("no host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise UnsafeUrlError("bad port") from exc
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            try:
                async with asyncio.timeout(self._timeout):  # a stuck resolver holds no request
                    found = await self._resolve(host, port)
            except (OSError, TimeoutError) as exc:
                raise UnsafeUrlError("host does not resolve") from exc
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
            if not addresses:
                raise UnsafeUrlError("host does not resolve")
        if not all(self._allowed_address(a) for a in addresses):
            raise UnsafeUrlError("address not allowed")
        return addresses
