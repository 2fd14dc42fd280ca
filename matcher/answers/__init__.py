"""Answers to demands and the notices around them: schools answer what enterprises ask, the
enterprise decides, each party hears of it in its inbox and by e-mail."""

from matcher.answers.inbox import Inbox, notification_record
from matcher.answers.mail import Mailer, MailServer
from matcher.answers.responses import Responses, response_record
from matcher.answers.schemas import ResponseIn, ResponseStatusIn
from matcher.answers.states import FINAL, KINDS, OPEN, STATUSES, TRANSITIONS, allowed_from

__all__ = [
    "FINAL",
    "KINDS",
    "OPEN",
    "STATUSES",
    "TRANSITIONS",
    "Inbox",
    "MailServer",
    "Mailer",
    "ResponseIn",
    "ResponseStatusIn",
    "Responses",
    "allowed_from",
    "notification_record",
    "response_record",
]
