"""Curriculum response time: first asked → first accepted answer or first covering course.

DESIGN's rule: a demanded skill is *responded* on the earlier of

- ``answered_on``: the day (``TIMEZONE``) an enterprise accepted a school's answer to any
  demand behind the skill (also expired ones), the answer still accepted or delivered;
- ``covered_on``: the day the first covering course in scope dates from (see ``analysis``).

``response_days`` counts from the day the skill was first asked; a skill taught before anyone
asked has 0 and is counted apart (``taught_before_asked``): the median, the trend and the
per-school figures are of skills asked first and responded to later. A skill with an accepted
answer but no covering course stays a gap (coverage is about what is taught) but is responded.
A tie goes to the course.

A report as of an earlier day sees each answer as it stood at the end of that day: one created
later does not exist, one accepted later was still proposed, one delivered later was accepted.
Answers are read on each report (not cached with the coverage), so an acceptance shows at once.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher import clock
from store import Organization, Response

ANSWER_STATUSES = ("proposed", "accepted", "delivered", "declined", "withdrawn")
RESPONDED = ("accepted", "delivered")  # an answer the enterprise took and still stands
QUARTERS = 6


@dataclass
class SkillTrace:
    """What the response time needs of a skill beyond its report item (kept with the cache)."""

    postings: list[int]  # every demand behind the skill, expired ones too
    covered_by_school: dict[int, date] = field(default_factory=dict)  # school → first covering


@dataclass(frozen=True)
class Answer:
    demand_id: int
    school_id: int
    status: str  # as it stood at the end of the report's day
    decided: date | None


def _on(instant: datetime | None, day: date, tz: tzinfo) -> bool:
    return instant is not None and clock.local_day(instant, tz) <= day


class _Moves(Protocol):
    """What the status of an answer on a day is read from (a row or a ``Response``)."""

    status: str
    decided_at: datetime | None
    closed_at: datetime | None


def status_on(response: _Moves, day: date, tz: tzinfo) -> str:
    """The answer's status at the end of ``day`` (it existed by then)."""
    if response.status in ("delivered", "withdrawn") and _on(response.closed_at, day, tz):
        return response.status
    if response.status == "proposed" or not _on(response.decided_at, day, tz):
        return "proposed"
    if response.status == "declined":
        return "declined"
    return "accepted"  # accepted, or delivered / withdrawn only after the day


def load_answers(session: Session, school_id: int | None, day: date, tz: tzinfo) -> list[Answer]:
    """Answers in scope (one school's, or every school's) that existed at the end of ``day``."""
    query = select(
        Response.demand_id,
        Response.school_id,
        Response.status,
        Response.decided_at,
        Response.closed_at,
    ).where(Response.created_at < clock.day_end(day, tz))
    if school_id is not None:
        query = query.where(Response.school_id == school_id)
    answers = []
    for response in session.execute(query.order_by(Response.id)):  # rows: no ORM objects
        status = status_on(response, day, tz)
        decided = response.decided_at if status in RESPONDED else None
        answers.append(
            Answer(
                response.demand_id,
                response.school_id,
                status,
                clock.local_day(decided, tz) if decided is not None else None,
            )
        )
    return answers


def school_names(session: Session, school_id: int | None) -> dict[int, str]:
    query = select(Organization.id, Organization.name).where(Organization.kind == "school")
    if school_id is not None:
        query = query.where(Organization.id == school_id)
    return {row.id: row.name for row in session.execute(query.order_by(Organization.name))}


def _median(days: list[int]) -> float | None:
    return float(statistics.median(days)) if days else None


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _last_quarters(day: date, count: int) -> list[tuple[int, int]]:
    year, quarter = _quarter(day)
    quarters = []
    for _ in range(count):
        quarters.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return list(reversed(quarters))


def _responded(
    first_seen: date, answered: date | None, covered: date | None
) -> tuple[date, str, int] | None:
    """(responded on, by what, days) or None when neither happened."""
    if answered is None and covered is None:
        return None
    if covered is not None and (answered is None or covered <= answered):
        on, by = covered, "course"
    else:
        assert answered is not None
        on, by = answered, "answer"
    return on, by, max(0, (on - first_seen).days)


def annotate(
    report: dict[str, Any],
    traces: list[SkillTrace],
    answers: list[Answer],
    schools: dict[int, str],
) -> None:
    """Add each item's response fields and the summary's response figures to ``report``."""
    by_demand: dict[int, list[Answer]] = {}
    for answer in answers:
        by_demand.setdefault(answer.demand_id, []).append(answer)
    school_days: dict[int, list[int]] = {s: [] for s in schools}
    for item, trace in zip(report["items"], traces, strict=True):
        behind = [a for d in trace.postings for a in by_demand.get(d, [])]
        _annotate_item(item, behind)
        first_seen = date.fromisoformat(item["first_seen"])
        for school_id in schools:
            answered = min(
                (a.decided for a in behind if a.school_id == school_id and a.decided),
                default=None,
            )
            covered = trace.covered_by_school.get(school_id) if item["covered"] else None
            done = _responded(first_seen, answered, covered)
            if done is not None and done[2] > 0:  # a response to a demand, not taught before
                school_days[school_id].append(done[2])
    report["summary"].update(_summary(report, answers))
    report["summary"]["by_school"] = [
        {
            "id": school_id,
            "name": name,
            "responded": len(school_days[school_id]),
            "median_response_days": _median(school_days[school_id]),
        }
        for school_id, name in schools.items()
    ]


def _annotate_item(item: dict[str, Any], behind: list[Answer]) -> None:
    answered = min((a.decided for a in behind if a.decided is not None), default=None)
    covered = date.fromisoformat(item["covered_on"]) if item["covered_on"] else None
    done = _responded(date.fromisoformat(item["first_seen"]), answered, covered)
    counts = Counter(a.status for a in behind)
    item.update(
        answered_on=answered.isoformat() if answered else None,
        responded_on=done[0].isoformat() if done else None,
        response_by=done[1] if done else None,
        response_days=done[2] if done else None,
        answers={status: counts[status] for status in ANSWER_STATUSES},
    )


def _summary(report: dict[str, Any], answers: list[Answer]) -> dict[str, Any]:
    done = [i for i in report["items"] if i["responded_on"] is not None]
    # the curriculum's response to demand: skills asked first and answered or taught later;
    # skills taught before anyone asked them (0 days) are counted apart, not in the median
    responded = [i for i in done if i["response_days"] > 0]
    by = Counter(i["response_by"] for i in responded)
    day = date.fromisoformat(report["as_of"])
    per_quarter: dict[tuple[int, int], list[int]] = {q: [] for q in _last_quarters(day, QUARTERS)}
    for item in responded:
        quarter = _quarter(date.fromisoformat(item["responded_on"]))
        if quarter in per_quarter:
            per_quarter[quarter].append(item["response_days"])
    return {
        "median_response_days": _median([i["response_days"] for i in responded]),
        "responded": len(responded),
        "taught_before_asked": len(done) - len(responded),
        "responded_by_answer": by["answer"],
        "responded_by_course": by["course"],
        "accepted_not_delivered": sum(a.status == "accepted" for a in answers),
        "response_trend": [
            {
                "quarter": f"{year}-Q{quarter}",
                "responded": len(days),
                "median_response_days": _median(days),
            }
            for (year, quarter), days in per_quarter.items()
        ],
    }
