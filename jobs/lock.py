"""A named lock kept as a row in the store, so that one refresh runs at a time across
processes and machines (web workers, ``talentmatch refresh``, ``talentmatch worker``).

Taking the lock inserts the row; a second taker hits the primary key and is refused. A lock
older than its time to live (a crashed process) may be taken over.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from types import TracebackType

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from matcher.catalog import iso
from matcher.errors import Conflict
from store import Database, JobLock


class LockHeld(Conflict):
    """Someone else holds the lock."""


class DatabaseLock:
    def __init__(self, db: Database, name: str, ttl_seconds: int) -> None:
        self.db = db
        self.name = name
        self.ttl = timedelta(seconds=ttl_seconds)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"

    def acquire(self) -> None:
        now = datetime.now(UTC)
        try:
            with self.db.session() as session:
                held = session.get(JobLock, self.name)
                if held is not None and held.expires_at > now:
                    raise LockHeld(
                        f"another {self.name} is running (since {iso(held.acquired_at)}, "
                        f"{held.owner}); try again when it has finished"
                    )
                if held is not None:  # left by a crashed process
                    session.delete(held)
                    session.flush()
                session.add(
                    JobLock(
                        name=self.name, owner=self.owner, acquired_at=now, expires_at=now + self.ttl
                    )
                )
        except IntegrityError:
            raise LockHeld(f"another {self.name} started at the same moment") from None

    def release(self) -> None:
        with self.db.session() as session:
            session.execute(
                delete(JobLock).where(JobLock.name == self.name, JobLock.owner == self.owner)
            )

    def __enter__(self) -> DatabaseLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
