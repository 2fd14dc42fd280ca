"""Fetching feeds over HTTP, carefully: feeds are other people's servers.

- only ``http`` and ``https``; every host (also each redirect target, followed by hand) must
  resolve to public addresses only, unless ``FEED_ALLOW_PRIVATE`` lists a loopback or private
  one (:mod:`jobs.addresses`) — a feed URL must not make the worker read the intranet or a
  cloud metadata service;
- each connection goes to the address that was checked (:mod:`jobs.pinning`), so a DNS answer
  that changes between check and connect (rebinding) cannot redirect it; environment proxies
  are ignored for the same reason (a proxy would resolve the name itself);
- connect and read timeouts; retries with exponential backoff on connection errors, 429 and
  5xx (``Retry-After`` honoured);
- conditional GET: the ETag / Last-Modified of the last answer are sent back, a 304 means
  the feed has not changed;
- the body is streamed and cut off at ``FEED_MAX_BYTES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.util.retry import Retry

from matcher.settings import Settings

from .addresses import AddressPolicy, parse_networks
from .pinning import AddressRefused, PinnedAdapter, Resolver, system_resolver

MAX_REDIRECTS = 5
USER_AGENT = "talentmatch-refresh/0.1"
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A feed could not be fetched; the message says why, fit for a run's error list."""


@dataclass(frozen=True)
class FetchResult:
    not_modified: bool
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None


class FeedFetcher:
    """Fetches feed URLs under the ``FEED_*`` settings.

    Args:
        settings: the service settings (``FEED_*``).
        resolver: how host names are resolved; the system's unless a test injects one.
    """

    def __init__(self, settings: Settings, resolver: Resolver = system_resolver) -> None:
        self.timeout = (settings.feed_connect_timeout, settings.feed_read_timeout)
        self.max_bytes = int(settings.feed_max_bytes)
        policy = AddressPolicy(parse_networks(settings.feed_allow_private))
        retry = Retry(
            total=settings.feed_retries,
            connect=settings.feed_retries,
            read=settings.feed_retries,
            status=settings.feed_retries,
            backoff_factor=settings.feed_backoff,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
            redirect=False,
        )
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies, .netrc or CA bundle from the environment
        adapter = PinnedAdapter(policy, resolver, max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @staticmethod
    def check_url(url: str) -> None:
        """Refuse what is no web address; the address check comes with the connection."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"only http and https URLs are fetched, not {parts.scheme or url!r}")
        if not parts.hostname:
            raise FetchError(f"URL {url!r} has no host")
        try:
            parts.port  # noqa: B018 - parsed on access
        except ValueError:
            raise FetchError(f"URL {url!r} has an invalid port") from None

    def fetch(
        self, url: str, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        headers = {"User-Agent": USER_AGENT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self.check_url(current)
            response = self._get(current, headers)
            with response:
                if response.is_redirect:
                    current = urljoin(current, response.headers.get("Location", ""))
                    continue
                if response.status_code == 304:
                    return FetchResult(not_modified=True, etag=etag, last_modified=last_modified)
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} {response.reason}".strip())
                body = self._read(response)
                return FetchResult(
                    not_modified=False,
                    body=body,
                    content_type=response.headers.get("Content-Type", ""),
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                )
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    def _get(self, url: str, headers: dict[str, str]) -> requests.Response:
        try:
            return self.session.get(
                url, headers=headers, timeout=self.timeout, stream=True, allow_redirects=False
            )
        except AddressRefused as exc:
            raise FetchError(str(exc)) from None
        except requests.exceptions.RequestException as exc:
            raise FetchError(self._reason(exc)) from None

    def _reason(self, exc: requests.exceptions.RequestException) -> str:
        """What went wrong, in words; retries wrap the last cause in a MaxRetryError."""
        cause: BaseException = exc
        while isinstance(cause.args[0] if cause.args else None, BaseException):
            cause = cause.args[0]
        cause = getattr(cause, "reason", None) or cause
        if (
            isinstance(exc, requests.exceptions.Timeout)
            or isinstance(cause, TimeoutError)
            or ("timed out" in str(cause).lower())
        ):
            return f"timed out (connect {self.timeout[0]:g} s, read {self.timeout[1]:g} s)"
        if isinstance(exc, requests.exceptions.ConnectionError):
            return f"cannot connect ({type(cause).__name__})"
        return f"request failed ({type(exc).__name__})"

    def _read(self, response: requests.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(
                f"response of {declared} bytes is over the {self.max_bytes}-byte limit"
            )
        body = bytearray()
        try:
            for chunk in response.iter_content(_CHUNK):
                body.extend(chunk)
                if len(body) > self.max_bytes:
                    raise FetchError(f"response is over the {self.max_bytes}-byte limit")
        except requests.exceptions.RequestException:
            raise FetchError(
                f"timed out or broke off while reading (read timeout {self.timeout[1]:g} s)"
            ) from None
        return bytes(body)
