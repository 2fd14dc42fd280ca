"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every envelope it accepts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class MailSink:
    """The aiosmtpd handler: accepts every mail and keeps it."""

    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(e.original_content, policy=policy.default)  # type: ignore[misc]
            for e in self.envelopes
        ]


def free_port() -> int:
    """A port nothing listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def mail_server(port: int | None = None) -> Iterator[tuple[MailSink, int]]:
    """An SMTP server on 127.0.0.1 (on ``port``, or a free one) for the block."""
    sink = MailSink()
    port = port or free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
