"""Import files: JSON lines, a JSON list or CSV, validated record by record.

An import is all-or-nothing: the first invalid record stops it before anything is written.
With ``skip_invalid`` every invalid record is reported and left out, and the rest is written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from matcher.catalog.checks import parse_input
from matcher.catalog.schemas import INPUT_MODELS, InputModel
from matcher.errors import TalentmatchError, ValidationFailed

MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass
class ImportReport:
    kind: str
    created: list[int] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"record", "error"}

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "created": len(self.created),
            "ids": self.created,
            "skipped": self.skipped,
        }


def _json_records(text: str, name: str) -> list[tuple[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, list):
        raise ValidationFailed(f"{name}: a .json import must hold a list of records")
    return [(f"record {i + 1}", item) for i, item in enumerate(data)]


def _jsonl_records(text: str, name: str) -> list[tuple[str, Any]]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((f"line {number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            records.append((f"line {number}", BadLine(f"not valid JSON ({exc.msg})")))
    return records


def csv_records(text: str, name: str, kind: str) -> list[tuple[str, Any]]:
    """``(label, record)`` per CSV line; a line that cannot be a record is a :class:`BadLine`
    (the import page previews them as invalid rows)."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if not header:
        raise ValidationFailed(f"{name}: the CSV file has no header row")
    known = INPUT_MODELS[kind].model_fields
    unknown = [h for h in header if h not in known]
    if unknown:
        raise ValidationFailed(
            f"{name}: wrong CSV header: unknown column {unknown[0]!r} for {kind} "
            f"(known: {', '.join(known)})"
        )
    records: list[tuple[str, Any]] = []
    for row in reader:
        label = f"line {reader.line_num}"
        if None in row:
            records.append((label, BadLine("more cells than header columns")))
            continue
        records.append((label, {k: v for k, v in row.items() if v not in (None, "")}))
    return records


@dataclass
class BadLine:
    error: str


def read_records(path: Path, kind: str) -> list[tuple[str, Any]]:
    """(label, raw record) pairs from a .jsonl, .json or .csv file."""
    if kind not in INPUT_MODELS:
        raise ValidationFailed(f"unknown kind {kind!r}: use one of {', '.join(INPUT_MODELS)}")
    if not path.is_file():
        raise ValidationFailed(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValidationFailed(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(f"{path}: not UTF-8 text") from None
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _jsonl_records(text, path.name)
    if suffix == ".json":
        return _json_records(text, path.name)
    if suffix == ".csv":
        return csv_records(text, path.name, kind)
    raise ValidationFailed(f"{path}: unknown file type {suffix!r} (use .jsonl, .json or .csv)")


class RecordWriter(Protocol):
    """What an import writes through: the catalog, or the catalog as one actor may use it."""

    def create_many(
        self,
        kind: str,
        records: Sequence[InputModel],
        progress: Callable[[int], None] | None = None,
        labels: Sequence[str] | None = None,
    ) -> list[int]: ...


def import_file(
    catalog: RecordWriter,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport(kind)
    raw = read_records(path, kind)
    if not raw:
        raise ValidationFailed(f"{path.name}: no records")
    valid: list[tuple[str, InputModel]] = []
    for label, data in raw:
        try:
            if isinstance(data, BadLine):
                raise ValidationFailed(f"{label}: {data.error}")
            valid.append((label, parse_input(kind, data, label)))
        except ValidationFailed as exc:
            if not skip_invalid:
                raise
            report.skipped.append({"record": label, "error": exc.detail})
    # References and uniqueness are checked while writing; with skip_invalid a failing record
    # is dropped and the batch retried, so what is written is still one transaction.
    while valid:
        try:
            report.created = catalog.create_many(
                kind, [m for _, m in valid], progress=progress, labels=[lbl for lbl, _ in valid]
            )
            break
        except TalentmatchError as exc:
            if not skip_invalid:
                raise
            label = exc.detail.split(":", 1)[0]
            if all(lbl != label for lbl, _ in valid):
                raise  # not about one record (the model or the store failed): stop
            report.skipped.append({"record": label, "error": exc.detail})
            valid = [(lbl, m) for lbl, m in valid if lbl != label]
    return report
