"""REST answers that may be files (CSV, XLSX) instead of JSON: the file response and its media
types declared in the OpenAPI document (which describes only the JSON by itself)."""

from __future__ import annotations

from typing import Any

from flask import Response

from .openapi import EXTRA_CONTENT


def file_response(body: bytes | str, content_type: str, filename: str | None = None) -> Response:
    """``body`` as ``content_type``; with ``filename``, a download (``Content-Disposition``)."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
    return Response(body, content_type=content_type, headers=headers)


def declare_files(path: str, content: dict[str, dict[str, Any]]) -> None:
    """Document that ``GET path`` also answers 200 with these media types."""
    EXTRA_CONTENT[("get", path)] = {200: content}
