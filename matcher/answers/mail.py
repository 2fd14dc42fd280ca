"""E-mail of notifications: an outbox read after commit, each mail claimed before it is sent.

A notification row is the outbox entry. ``deliver`` sends the given ones right after their
transaction committed; ``deliver_due`` (the worker, every few minutes, and ``talentmatch
notifications send``) sends whatever is pending: mail that failed before, or whose process
stopped before sending. A mail is claimed by one conditional UPDATE (``pending`` → ``sending``)
so two workers never send it twice; a failure puts it back to ``pending`` with a later
``mail_next_at`` (1, 5, 15, 60, 240 minutes...) until ``MAIL_MAX_ATTEMPTS``, then ``failed``;
the notice stays in the inbox throughout. A claim older than ``STALE_CLAIM`` (the sender died
mid-send) is taken again: only a process that dies between the SMTP server's acceptance and
the next UPDATE can make one mail arrive twice.

In a web process (``send_in_background``) ``deliver`` hands the mail to one background thread
and returns at once, so a request never waits for the SMTP server (an unreachable one would
hold it for ``MAIL_TIMEOUT`` per mail); what that thread has not sent when the process stops
stays pending for ``deliver_due``. The CLI and the worker send in their own thread.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import ColumnElement, func, or_, select, update

from matcher import clock
from matcher.answers.notices import details, subject
from store import Database, Notification, User

log = logging.getLogger(__name__)
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
STALE_CLAIM = timedelta(minutes=15)


def _due(now: datetime) -> ColumnElement[bool]:
    """A mail to send now: pending and past its backoff, or claimed by a sender long gone."""
    return or_(
        (Notification.mail_state == "pending")
        & (Notification.mail_next_at.is_(None) | (Notification.mail_next_at <= now)),
        (Notification.mail_state == "sending") & (Notification.mail_next_at <= now - STALE_CLAIM),
    )


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    security: str = "none"  # none | starttls | ssl
    timeout: float = 10.0
    max_attempts: int = 6
    public_url: str = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Letter:
    notification_id: int
    to: str
    subject: str
    body: str


class Mailer:
    def __init__(self, db: Database, server: MailServer | None) -> None:
        self.db = db
        self.server = server
        self._sender: ThreadPoolExecutor | None = None

    def send_in_background(self) -> None:
        """From now on ``deliver`` returns at once; one background thread sends the mail."""
        if self.server is not None and self._sender is None:
            self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tm-mail")

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until the mail handed to the background thread so far is sent or has failed."""
        if self._sender is not None:
            self._sender.submit(lambda: None).result(timeout)

    def close(self) -> None:
        """Finish the mail handed to the background thread, then stop it."""
        if self._sender is not None:
            self._sender.shutdown(wait=True)
            self._sender = None

    def deliver(self, notification_ids: Sequence[int]) -> int:
        """Send these notifications' mail (after their commit); how many were sent now.

        Never raises: the change that the mail reports is committed already, and a mail not
        sent now stays pending for ``deliver_due``. In the background it answers 0 at once.
        """
        if self.server is None or not notification_ids:
            return 0
        if self._sender is not None:
            self._sender.submit(self._send_all, list(notification_ids))
            return 0
        return self._send_all(notification_ids)

    def _send_all(self, notification_ids: Sequence[int]) -> int:
        sent = 0
        for notification_id in notification_ids:
            try:
                sent += self._send_one(notification_id)
            except Exception:  # e.g. the store is unreachable: the worker retries later
                log.exception("mail of notification %s not sent now", notification_id)
        return sent

    def deliver_due(self, limit: int = 200) -> int:
        """Send every pending mail whose time has come; how many were sent."""
        if self.server is None:
            return 0
        now = clock.now()
        with self.db.session() as session:
            due = session.scalars(
                select(Notification.id).where(_due(now)).order_by(Notification.id).limit(limit)
            ).all()
        return sum(self._send_one(i) for i in due)

    def outbox(self) -> dict[str, int]:
        """How many mails are pending, being sent, sent and failed (the inbox-only ones aside)."""
        with self.db.session() as session:
            rows = session.execute(
                select(Notification.mail_state, func.count()).group_by(Notification.mail_state)
            ).all()
        found = {str(state): int(n) for state, n in rows}
        return {state: found.get(state, 0) for state in ("pending", "sending", "sent", "failed")}

    def _send_one(self, notification_id: int) -> bool:
        assert self.server is not None
        letter = self._claim(notification_id)
        if letter is None:
            return False
        try:
            self._transmit(letter)
        except (OSError, smtplib.SMTPException) as exc:
            self._failed(notification_id, f"{type(exc).__name__}: {exc}")
            return False
        except Exception as exc:  # counted like any failure, not left "sending" for ever
            log.exception("mail of notification %s failed unexpectedly", notification_id)
            self._failed(notification_id, f"{type(exc).__name__}: {exc}")
            return False
        with self.db.session() as session:
            session.execute(
                update(Notification)
                .where(Notification.id == notification_id)
                .values(mail_state="sent", mailed_at=clock.now(), mail_error=None)
            )
        return True

    def _claim(self, notification_id: int) -> Letter | None:
        """Take the mail for this process, or ``None`` if another has it or it is not due."""
        assert self.server is not None
        now = clock.now()
        with self.db.session() as session:
            claimed = session.execute(
                update(Notification)
                .where(Notification.id == notification_id, _due(now))
                .values(mail_state="sending", mail_next_at=now)
            )
            if not getattr(claimed, "rowcount", 0):
                return None
            notice = session.get(Notification, notification_id)
            assert notice is not None
            user = session.get(User, notice.user_id)
            if user is None or not user.active:
                notice.mail_state = "none"
                return None
            link = self.server.public_url.rstrip("/") + notice.link if notice.link else ""
            zh, en = (
                subject(notice.kind, notice.params, "zh"),
                subject(notice.kind, notice.params, "en"),
            )
            body = f"{zh}\n{en}\n\n{link}\n".rstrip() + "\n"
            chinese = details(notice.kind, notice.params, "zh")
            english = details(notice.kind, notice.params, "en")
            for lines in (chinese, english) if chinese != english else (chinese,):
                if lines:
                    body += "\n" + "\n".join(f"- {line}" for line in lines) + "\n"
            return Letter(notification_id, user.email, f"{zh} / {en}", body)

    def _transmit(self, letter: Letter) -> None:
        server = self.server
        assert server is not None
        message = EmailMessage()
        message["From"] = server.sender
        message["To"] = letter.to
        message["Subject"] = letter.subject
        message["Message-ID"] = make_msgid(idstring=f"talentmatch-{letter.notification_id}")
        message.set_content(letter.body)
        if server.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host,
                server.port,
                timeout=server.timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with smtp:
            if server.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if server.username:
                smtp.login(server.username, server.password)
            smtp.send_message(message)

    def _failed(self, notification_id: int, error: str) -> None:
        assert self.server is not None
        with self.db.session() as session:
            notice = session.get(Notification, notification_id)
            if notice is None:
                return
            notice.mail_attempts += 1
            notice.mail_error = error[:500]
            if notice.mail_attempts >= self.server.max_attempts:
                notice.mail_state = "failed"
                notice.mail_next_at = None
            else:
                wait = BACKOFF_MINUTES[min(notice.mail_attempts, len(BACKOFF_MINUTES)) - 1]
                notice.mail_state = "pending"
                notice.mail_next_at = clock.now() + timedelta(minutes=wait)
