"""What went wrong in a write, in words a user can act on.

Pydantic's validation errors become ``ValidationFailed`` naming record and field; a constraint
the database enforced (a race with another write) becomes a ``Conflict`` naming the field.
Both carry ``errors``: ``[{"field", "message"}]``, the shape every error body uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from matcher.catalog.records import SINGULAR
from matcher.catalog.schemas import INPUT_MODELS, InputModel
from matcher.errors import Conflict, ValidationFailed
from store.db import Violation, violation_of

M = TypeVar("M", bound=InputModel)

_TYPE_TAGS = {"datetime", "date", "int", "str", "bool", "float", "none"}

# Columns a unique constraint is scoped by; the field a person can change is the other one.
_SCOPE_COLUMNS = {"kind", "school_id", "source"}
_TABLE_NOUNS = {**SINGULAR, "feeds": "feed"}


def _field_of(violation: Violation) -> str:
    fields = [c.removesuffix("_key") for c in violation.columns if c not in _SCOPE_COLUMNS]
    return fields[-1] if fields else "(record)"


def conflict_of(violation: Violation, deleting: bool = False) -> Conflict:
    """The Conflict to answer for a constraint the database enforced during a write."""
    kind = violation.kind
    if kind == "reference":  # SQLite does not say which side; the write does
        kind = "referenced" if deleting else "missing"
    field = _field_of(violation)
    noun = _TABLE_NOUNS.get(violation.table, "record")
    if kind == "unique":
        message = f"another {noun} with the same {field} was stored at the same moment"
    elif kind == "missing":
        message = "the record it refers to was deleted at the same moment"
    elif kind == "referenced":
        referrers = violation.table or "other records"
        message = f"it is still referenced by {referrers}; delete those first"
    else:
        message = f"the write breaks a rule of the store ({noun}: {field})"
    detail = f"{message}; nothing was written"
    if field != "(record)":
        detail = f"field '{field}': {detail}"
    return Conflict(detail, errors=[{"field": field, "message": message}])


@contextmanager
def constraint_conflicts(deleting: bool = False) -> Iterator[None]:
    """Around a write's transaction: a constraint violation becomes a ``Conflict``.

    The transaction is rolled back by then (``Database.session``), so nothing was written.
    """
    try:
        yield
    except IntegrityError as exc:
        raise conflict_of(violation_of(exc), deleting) from None


def _field_path(loc: tuple[int | str, ...]) -> str:
    """``('posted_at', 'datetime')`` → ``posted_at``: drop pydantic's union member tags."""
    parts = [str(p) for p in loc if not (isinstance(p, str) and (p in _TYPE_TAGS or "[" in p))]
    return ".".join(parts) or "(record)"


def validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic errors as ``[{"field", "message"}]``, the shape every error body uses."""
    errors = []
    for err in exc.errors():
        field = _field_path(err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        errors.append({"field": field, "message": message})
    return errors


def parse_input(kind: str, data: Any, label: str = "body") -> InputModel:
    """Validate ``data`` as a ``kind`` record; raise ValidationFailed naming record and field."""
    return parse_input_model(INPUT_MODELS[kind], data, label)


def parse_input_model(model: type[M], data: Any, label: str = "body") -> M:
    """Validate ``data`` with ``model``; raise ValidationFailed naming record and field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = validation_errors(exc)
        first = errors[0]
        raise ValidationFailed(
            f"{label}: field '{first['field']}': {first['message']}", errors=errors
        ) from None
