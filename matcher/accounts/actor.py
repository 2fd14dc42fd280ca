"""Who is acting: a signed-in user, a token's owner, or the local administrator of the CLI."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "enterprise", "school", "student")


@dataclass(frozen=True)
class Actor:
    """A caller the service knows. Anonymous callers are ``None`` wherever an actor is asked."""

    role: str
    email: str
    user_id: int | None = None
    organization_id: int | None = None  # enterprise and school members: their organization
    student_id: int | None = None  # students: their own record, once they have one

    @classmethod
    def local_admin(cls) -> Actor:
        """The CLI on the local database: it holds the database's credentials anyway."""
        return cls(role="admin", email="local admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def member_of(self, organization_id: int | None) -> bool:
        return (
            self.role in ("enterprise", "school")
            and organization_id is not None
            and self.organization_id == organization_id
        )
