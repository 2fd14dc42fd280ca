"""Answers to demands and the notices around them: schools answer what enterprises ask, the
enterprise decides, each party hears of it in its inbox and by e-mail."""

from matcher.answers.inbox import Inbox, notification_record
from matcher.answers.mail import Mailer, MailServer
from matcher.answers.responses import Responses, response_record
from matcher.answers.schemas import ResponseIn, ResponseStatusIn
from matcher.answers.states import KINDS, OPEN, STATUSES, TRANSITIONS

__all__ = [
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
    "notification_record",
    "response_record",
]
