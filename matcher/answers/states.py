"""The life of an answer: who may move it from which state to which.

::

    proposed ──accept──▶ accepted ──deliver──▶ delivered
       │  └──decline──▶ declined        │
       └──withdraw──▶ withdrawn ◀──withdraw┘

The demand's enterprise decides (accepted / declined) a proposed answer; the answering school
withdraws an open one or marks an accepted one delivered. Declined, withdrawn and delivered are
final: a declined answer is not accepted later; the school answers anew instead.
"""

from __future__ import annotations

KINDS = ("existing_course", "revised_course", "new_course", "program", "order_class", "training")
COURSE_KINDS = ("existing_course", "revised_course", "new_course")
STATUSES = ("proposed", "accepted", "declined", "withdrawn", "delivered")
OPEN = ("proposed", "accepted")

TRANSITIONS: dict[str, tuple[str, frozenset[str]]] = {
    # target status → (who moves it: "enterprise" or "school", from which statuses)
    "accepted": ("enterprise", frozenset({"proposed"})),
    "declined": ("enterprise", frozenset({"proposed"})),
    "withdrawn": ("school", frozenset({"proposed", "accepted"})),
    "delivered": ("school", frozenset({"accepted"})),
}
