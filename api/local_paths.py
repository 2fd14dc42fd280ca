"""Where a page may send the browser next: only a path on this site, never another host."""

from __future__ import annotations

from urllib.parse import urlsplit


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site (``/school/gaps?x=1``); ``None`` for anything
    that could leave it (``https://evil``, ``//evil``, ``evil``) or for nothing given."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target
