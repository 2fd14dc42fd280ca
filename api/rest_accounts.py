"""REST for accounts: who am I, my tokens, my data (export, erasure, consents); for admins,
users and the audit log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from apiflask import APIBlueprint
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from matcher.accounts import EMAIL_PATTERN, Actor, require, require_admin
from matcher.catalog import OptionalInt, integral
from matcher.catalog.fields import Label
from matcher.errors import Forbidden

from .identity import caller
from .inputs import Query
from .openapi import errors
from .outputs import (
    AuditList,
    ConsentsOut,
    ExportOut,
    MeOut,
    NewTokenOut,
    TokenList,
    UserList,
    UserOut,
)
from .rest import ITEM_ID, SECURITY, ids_in_range, services
from .validation import QueryLimit, strict_json

bp = APIBlueprint("accounts", __name__, url_prefix="/api/v1")
bp.url_value_preprocessor(ids_in_range)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenIn(Body):
    name: Label = "api"
    expires_days: Annotated[int, Field(ge=1, le=3650), BeforeValidator(integral)] | None = Field(
        None, description="Default TOKEN_DAYS."
    )


class UserIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"role": {"enum": ["enterprise", "school"]}}},
                    "then": {
                        "required": ["organization_id"],
                        "properties": {
                            "organization_id": {"type": "integer"},
                            "student_id": {"type": "null"},
                        },
                    },
                },
                {
                    "if": {"properties": {"role": {"const": "student"}}},
                    "then": {"properties": {"organization_id": {"type": "null"}}},
                },
                {
                    "if": {"properties": {"role": {"const": "admin"}}},
                    "then": {
                        "properties": {
                            "organization_id": {"type": "null"},
                            "student_id": {"type": "null"},
                        }
                    },
                },
            ]
        }
    )

    email: Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]
    role: Literal["admin", "enterprise", "school", "student"]
    organization_id: OptionalInt = Field(
        None, description="Enterprise and school members: their organization."
    )
    student_id: OptionalInt = Field(
        None, description="Students: their existing student record, if any."
    )
    password: Annotated[str, Field(min_length=10, max_length=1024)] | None = Field(
        None, description="Without one, the user signs in with tokens only."
    )

    @model_validator(mode="after")
    def _fits_role(self) -> UserIn:
        """What the schema's if/then says: members name their organization, nobody else does."""
        member = self.role in ("enterprise", "school")
        if member and self.organization_id is None:
            raise ValueError(f"a {self.role} member names their organization_id")
        if not member and self.organization_id is not None:
            raise ValueError("only enterprise and school members have an organization_id")
        if self.role != "student" and self.student_id is not None:
            raise ValueError("only a student user owns a student record")
        return self


class UserPatch(Body):
    active: bool


class AuditQuery(Query):
    limit: QueryLimit = 100
    actor: Annotated[str, Field(min_length=1, max_length=254)] | None = None
    outcome: Literal["ok", "refused", "failed"] | None = None


def _me() -> Actor:
    actor = require(caller())
    if actor.user_id is None:  # only the CLI's local admin has no account
        raise Forbidden("the local admin has no account")
    return actor


@bp.get("/me")
@bp.output(MeOut)
@bp.doc(summary="The caller's account", tags=["Accounts"], responses=errors(401), security=SECURITY)
def me() -> dict[str, Any]:
    actor = _me()
    return {
        "email": actor.email,
        "role": actor.role,
        "organization_id": actor.organization_id,
        "student_id": actor.student_id,
    }


@bp.get("/me/export")
@bp.output(ExportOut)
@bp.doc(
    summary="All of the caller's data as JSON (account, tokens, student record, consents, "
    "activity, who read the record)",
    tags=["Accounts"],
    responses=errors(401),
    security=SECURITY,
)
def export_me() -> dict[str, Any]:
    return services().privacy.export(_me())


@bp.delete("/me")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Delete the caller's account; a student's record and its vectors go with it",
    tags=["Accounts"],
    responses=errors(401, 403),
    security=SECURITY,
)
def delete_me() -> None:
    actor = _me()
    if actor.is_admin:
        raise Forbidden("an admin account is removed by another admin (talentmatch users)")
    services().privacy.erase(actor)


@bp.get("/me/consents")
@bp.output(ConsentsOut)
@bp.doc(
    summary="A student's consent choices now and the ledger of their history; change them "
    "with PATCH /students/{id} (consent, share_contact)",
    tags=["Accounts"],
    responses=errors(401, 404),
    security=SECURITY,
)
def my_consents() -> dict[str, Any]:
    actor = _me()
    if actor.student_id is None:
        return {"consent": False, "share_contact": False, "ledger": []}
    record = services().catalog.get("students", actor.student_id)
    return {
        "consent": record["consent"],
        "share_contact": record["share_contact"],
        "ledger": services().privacy.consents(actor.student_id),
    }


@bp.get("/tokens")
@bp.output(TokenList)
@bp.doc(
    summary="The caller's API tokens", tags=["Accounts"], responses=errors(401), security=SECURITY
)
def list_tokens() -> dict[str, Any]:
    user_id = _me().user_id
    assert user_id is not None
    return {"items": services().tokens.list(user_id)}


@bp.post("/tokens")
@strict_json(TokenIn)
@bp.input(TokenIn)
@bp.output(NewTokenOut, status_code=201)
@bp.doc(
    summary="A new API token for the caller (shown once)",
    tags=["Accounts"],
    responses=errors(400, 401, 415, 422),
    security=SECURITY,
)
def create_token(json_data: TokenIn) -> tuple[dict[str, Any], int]:
    user_id = _me().user_id
    assert user_id is not None
    record, secret = services().tokens.create(user_id, json_data.name, json_data.expires_days)
    return {**record, "token": secret}, 201


@bp.delete(f"/tokens/<{ITEM_ID}:token_id>")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Revoke one of the caller's tokens",
    tags=["Accounts"],
    responses=errors(401, 404),
    security=SECURITY,
)
def revoke_token(token_id: int) -> None:
    services().tokens.revoke(token_id, _me().user_id)


@bp.get("/users")
@bp.output(UserList)
@bp.doc(
    summary="Every account (admins)", tags=["Admin"], responses=errors(401, 403), security=SECURITY
)
def list_users() -> dict[str, Any]:
    require_admin(caller(), "list users")
    return {"items": services().accounts.list()}


@bp.post("/users")
@strict_json(UserIn)
@bp.input(UserIn)
@bp.output(UserOut, status_code=201)
@bp.doc(
    summary="Create an account (admins)",
    tags=["Admin"],
    responses=errors(400, 401, 403, 404, 409, 415, 422),
    security=SECURITY,
)
def create_user(json_data: UserIn) -> tuple[dict[str, Any], int]:
    require_admin(caller(), "create users")
    record = services().accounts.create(
        json_data.email,
        json_data.role,
        organization=json_data.organization_id,
        student_id=json_data.student_id,
        password=json_data.password,
    )
    return record, 201


@bp.patch(f"/users/<{ITEM_ID}:user_id>")
@strict_json(UserPatch)
@bp.input(UserPatch)
@bp.output(UserOut)
@bp.doc(
    summary="Enable or disable an account (admins; the last active admin stays)",
    tags=["Admin"],
    responses=errors(400, 401, 403, 404, 409, 415, 422),
    security=SECURITY,
)
def update_user(user_id: int, json_data: UserPatch) -> dict[str, Any]:
    require_admin(caller(), "change users")
    accounts = services().accounts
    return accounts.set_active(accounts.get(user_id)["email"], json_data.active)


@bp.get("/audit")
@bp.input(AuditQuery, location="query")
@bp.output(AuditList)
@bp.doc(
    summary="The audit log, newest first (admins)",
    tags=["Admin"],
    responses=errors(401, 403, 422),
    security=SECURITY,
)
def audit_log(query_data: AuditQuery) -> dict[str, Any]:
    require_admin(caller(), "read the audit log")
    return {
        "items": services().audit.list(
            query_data.limit, actor=query_data.actor, outcome=query_data.outcome
        )
    }
