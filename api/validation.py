"""Request input read exactly as the OpenAPI document describes it.

JSON bodies are validated by pydantic in *strict JSON* mode: ``"5"`` is not an integer, ``0``
is not a boolean, a string is not a list. (Import files go through the same models in Python
mode, where CSV's blank cells and ``a; b`` lists are read leniently.) Query strings carry only
text, so integers and booleans there are parsed by the rules a generated client follows:
digits, and ``true`` / ``false``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any

from flask import request
from pydantic import BaseModel, BeforeValidator, Field, ValidationError
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from matcher.catalog import MAX_ID, validation_errors
from matcher.errors import ValidationFailed

# JSON Schema counts 3.0 as an integer, so a query may write one that way.
_INTEGER = re.compile(r"-?[0-9]+(?:\.0+)?")


def query_int(value: object) -> object:
    if isinstance(value, str):
        if not _INTEGER.fullmatch(value):
            raise ValueError("Input should be a valid integer")
        return int(value.split(".")[0])
    return value


def _query_bool(value: object) -> object:
    if isinstance(value, str):
        if value not in ("true", "false"):
            raise ValueError("Input should be true or false")
        return value == "true"
    return value


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
QueryId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(query_int)]
QueryLimit = Annotated[int, Field(ge=1, le=1000), BeforeValidator(query_int)]


def parse_json_body(model: type[BaseModel]) -> BaseModel:
    """The request's JSON body as ``model``, or the 4xx problem that says what is wrong."""
    if not request.is_json:
        raise UnsupportedMediaType("send the body as application/json")
    raw = request.get_data()
    if not raw.strip():
        raise BadRequest("a JSON body is required")
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise BadRequest("the request body is not valid JSON") from None
        errors = [
            {**e, "field": "(whole body)" if e["field"] == "(record)" else e["field"]}
            for e in validation_errors(exc)
        ]
        first = errors[0]
        raise ValidationFailed(
            f"body: field '{first['field']}': {first['message']}", errors=errors
        ) from None


def strict_json(model: type[BaseModel]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Check the body strictly before APIFlask's own (lenient) validation hands it to the view.

    Put it outside ``bp.input(model)``; ``functools.wraps`` keeps APIFlask's annotations.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            parse_json_body(model)
            return view(*args, **kwargs)

        return checked

    return decorator
