"""The catalog as one actor may use it: every write checked against ownership, every student
shown only as far as the actor may see them.

REST, pages and the CLI (``--as EMAIL``, or the local admin) all write through this object;
the plain :class:`~matcher.catalog.Catalog` below it knows nothing of accounts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from matcher.accounts.access import Access
from matcher.accounts.actor import Actor
from matcher.accounts.users import Accounts
from matcher.catalog import Catalog, InputModel
from matcher.catalog.writes import Page
from matcher.errors import Forbidden

AfterCreate = Callable[[str, list[int]], None]
"""Told the kind and ids of records just created and committed (e.g. to notify of them)."""


class OwnedCatalog:
    def __init__(
        self,
        catalog: Catalog,
        access: Access,
        accounts: Accounts,
        actor: Actor | None,
        after_create: AfterCreate | None = None,
    ) -> None:
        self.catalog = catalog
        self.access = access
        self.accounts = accounts
        self.actor = actor
        self.after_create = after_create

    def get(self, kind: str, entity_id: int) -> dict[str, Any]:
        if kind == "students":
            self.access.student_level(self.actor, entity_id)  # 401 / 404 before reading
            return self.access.student_view(self.actor, self.catalog.get(kind, entity_id))
        return self.catalog.get(kind, entity_id)

    def list_page(
        self, kind: str, page: int = 1, per_page: int = 20, filters: dict[str, Any] | None = None
    ) -> Page:
        if kind != "students":
            return self.catalog.list_page(kind, page, per_page, filters)
        filters = {**(filters or {}), **self.access.student_list_filters(self.actor)}
        found = self.catalog.list_page(kind, page, per_page, filters)
        found.items = [self.access.student_view(self.actor, r) for r in found.items]
        return found

    def create(self, kind: str, data: InputModel) -> dict[str, Any]:
        ids = self.create_many(kind, [data], labels=["body"])
        return self.get(kind, ids[0])

    def create_many(
        self,
        kind: str,
        records: Sequence[InputModel],
        progress: Callable[[int], None] | None = None,
        labels: Sequence[str] | None = None,
    ) -> list[int]:
        if kind == "students" and self.actor and self.actor.role == "student" and len(records) > 1:
            raise Forbidden("a student creates one student record: their own")
        allowed = [self.access.check_create(self.actor, kind, r) for r in records]
        link = None
        if kind == "students" and self.actor and self.actor.role == "student":
            assert self.actor.user_id is not None
            link = partial(self.accounts.link_new_student, self.actor.user_id)
        ids = self.catalog.create_many(
            kind, allowed, progress=progress, labels=labels, in_transaction=link
        )
        if link is not None and self.actor and self.actor.user_id is not None:
            self.actor = self.accounts.actor_by_id(self.actor.user_id)
        if self.after_create is not None:
            self.after_create(kind, ids)
        return ids

    def update(self, kind: str, entity_id: int, patch: dict[str, Any]) -> dict[str, Any]:
        self.access.check_change(self.actor, kind, entity_id, patch)
        self.catalog.update(kind, entity_id, patch)
        return self.get(kind, entity_id)

    def delete(self, kind: str, entity_id: int) -> None:
        self.access.check_change(self.actor, kind, entity_id, None)
        self.catalog.delete(kind, entity_id)
