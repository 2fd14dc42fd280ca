"""A named lock kept as a row in the store, so that one refresh runs at a time across
processes and machines (web workers, ``talentmatch refresh``, ``talentmatch worker``).

Taking the lock inserts the row; a second taker hits the primary key and is refused. While
the holder lives, a thread renews the row every third of its time to live, so a run may last
longer than that; a lock not renewed for its time to live (a crashed process or host) may be
taken over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from types import TracebackType

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from matcher.catalog import iso
from matcher.errors import Conflict
from store import Database, JobLock

log = logging.getLogger(__name__)


class LockHeld(Conflict):
    """Someone else holds the lock."""


class DatabaseLock:
    def __init__(self, db: Database, name: str, ttl_seconds: float) -> None:
        self.db = db
        self.name = name
        self.ttl = timedelta(seconds=ttl_seconds)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.lost = False  # set when another process took the lock over: stop working

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
        self._stop.clear()
        self._renewer = threading.Thread(
            target=self._keep_renewing, name=f"{self.name}-lock", daemon=True
        )
        self._renewer.start()

    def renew(self) -> bool:
        """Push the expiry a time to live ahead; False when the lock is no longer ours."""
        now = datetime.now(UTC)
        with self.db.session() as session:
            moved = session.execute(
                update(JobLock)
                .where(JobLock.name == self.name, JobLock.owner == self.owner)
                .values(expires_at=now + self.ttl)
            )
            return bool(moved.rowcount)  # type: ignore[attr-defined]

    def _keep_renewing(self) -> None:
        interval = max(self.ttl.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                if not self.renew():
                    log.warning("the %s lock was taken over by another process", self.name)
                    self.lost = True
                    return
            except Exception:  # the database away for a moment: try again next time
                log.warning("could not renew the %s lock", self.name, exc_info=True)

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None and self._renewer is not threading.current_thread():
            self._renewer.join()
        self._renewer = None
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
