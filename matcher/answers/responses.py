"""Schools' answers to demands: written, read and moved on as each party may.

Who may:
- answer: school members, for their own school (admins name the school); only an open demand
  (active, not expired), and one open answer per school and demand;
- see: the demand's enterprise, the answering school and admins (anyone else signed in: 403);
- move on: as ``states.TRANSITIONS`` says (the enterprise decides, the school withdraws or
  delivers; admins may act for either).

Each change notifies the other party in its own transaction; e-mail goes out after the commit
(``deliver``), so a rolled-back change sends nothing.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from matcher import clock
from matcher.accounts import Actor, require
from matcher.answers.inbox import Inbox
from matcher.answers.schemas import ResponseIn
from matcher.answers.states import OPEN, TRANSITIONS
from matcher.catalog import iso
from matcher.catalog.records import is_active
from matcher.errors import Conflict, Forbidden, NotFound, ValidationFailed
from store import Course, Database, Demand, Organization, Program, Response
from store.db import violation_of

Deliver = Callable[[Sequence[int]], None]
"""Sends the e-mail of the given notifications, after their transaction committed."""


def response_record(response: Response) -> dict[str, Any]:
    demand = response.demand
    return {
        "id": response.id,
        "demand_id": response.demand_id,
        "demand_title": demand.title,
        "enterprise_id": demand.enterprise_id,
        "enterprise": demand.enterprise.name,
        "school_id": response.school_id,
        "school": response.school.name,
        "kind": response.kind,
        "course_ids": [c.id for c in response.courses],
        "courses": [{"id": c.id, "code": c.code, "title": c.title} for c in response.courses],
        "program_id": response.program_id,
        "program": response.program.name if response.program else None,
        "message": response.message,
        "seats": response.seats,
        "starts_on": iso(response.starts_on),
        "status": response.status,
        "created_at": iso(response.created_at),
        "decided_at": iso(response.decided_at),
        "closed_at": iso(response.closed_at),
    }


def _loaded() -> Any:
    return select(Response).options(
        selectinload(Response.demand).selectinload(Demand.enterprise),
        selectinload(Response.school),
        selectinload(Response.program),
        selectinload(Response.courses),
    )


class Responses:
    def __init__(self, db: Database, inbox: Inbox, deliver: Deliver) -> None:
        self.db = db
        self.inbox = inbox
        self.deliver = deliver

    # -- answering -------------------------------------------------------------------------------

    def create(self, actor: Actor | None, demand_id: int, answer: ResponseIn) -> dict[str, Any]:
        """A school's answer to an open demand; the enterprise's members are notified."""
        actor = require(actor)
        school_id = self._answering_school(actor, answer.school_id)
        with self.db.session() as session:
            demand = session.get(Demand, demand_id)
            if demand is None:
                raise NotFound(f"no demand with id {demand_id}")
            if not is_active(demand):
                raise Conflict(f"demand {demand_id} is closed: only open demands are answered")
            school = session.get(Organization, school_id)
            if school is None or school.kind != "school":
                raise NotFound(f"no school with id {school_id}")
            already = session.scalar(
                select(Response.id).where(
                    Response.demand_id == demand_id,
                    Response.school_id == school_id,
                    Response.status.in_(OPEN),
                )
            )
            if already is not None:
                raise Conflict(
                    f"{school.name} has an open answer to demand {demand_id} already (answer "
                    f"{already}): withdraw it before answering anew"
                )
            school_name = school.name  # the session is unusable after a failed flush
            courses = self._own_courses(session, school_id, answer.course_ids)
            self._own_program(session, school_id, answer.program_id)
            response = Response(
                demand_id=demand_id,
                school_id=school_id,
                kind=answer.kind,
                program_id=answer.program_id,
                message=answer.message,
                seats=answer.seats,
                starts_on=answer.starts_on,
                status="proposed",
                created_by=actor.user_id,
                created_at=clock.now(),
                courses=courses,
            )
            session.add(response)
            try:
                session.flush()
            except IntegrityError as exc:
                if violation_of(exc).kind == "unique":  # this school answered meanwhile
                    raise Conflict(
                        f"{school_name} has an open answer to demand {demand_id} already: "
                        "withdraw it before answering anew"
                    ) from None
                raise Conflict(  # a course, the program or the demand deleted meanwhile
                    f"demand {demand_id}, or a course or program of the answer, was deleted "
                    "meanwhile: reload and answer again"
                ) from None
            notices = self.inbox.notify_members(
                session,
                demand.enterprise_id,
                "answer_received",
                {"school": school.name, "demand": demand.title, "response_id": response.id},
                f"/enterprise/demands/{demand_id}#answers",
                f"answer_received:{response.id}",
            )
            record_id = response.id
        self.deliver(notices)
        return self.get(actor, record_id)

    def set_status(self, actor: Actor | None, response_id: int, status: str) -> dict[str, Any]:
        """Move an answer on, as ``TRANSITIONS`` allows; the other party is notified."""
        actor = require(actor)
        if status not in TRANSITIONS:
            raise ValidationFailed(f"status: one of {', '.join(TRANSITIONS)}")
        party, sources = TRANSITIONS[status]
        with self.db.session() as session:
            response = self._visible(session, actor, response_id)
            demand = response.demand
            owner = demand.enterprise_id if party == "enterprise" else response.school_id
            if not (actor.is_admin or actor.member_of(owner)):
                who = "the demand's enterprise" if party == "enterprise" else "the answering school"
                raise Forbidden(f"only {who} may mark an answer {status}")
            if response.status == status:
                raise Conflict(f"answer {response_id} is {status} already")
            if response.status not in sources:
                raise Conflict(
                    f"answer {response_id} is {response.status}: it cannot become {status} "
                    f"(only from {' or '.join(sorted(sources))})"
                )
            stamp = "decided_at" if party == "enterprise" else "closed_at"
            moved = session.execute(  # only from the state read: a concurrent move wins alone
                update(Response)
                .where(Response.id == response_id, Response.status == response.status)
                .values(status=status, **{stamp: clock.now()})
                .execution_options(synchronize_session=False)
            )
            if getattr(moved, "rowcount", 0) != 1:
                raise Conflict(f"answer {response_id} was changed meanwhile: reload it")
            if party == "enterprise":
                recipient, link = response.school_id, f"/school/demands/{demand.id}"
            else:
                recipient, link = demand.enterprise_id, f"/enterprise/demands/{demand.id}#answers"
            notices = self.inbox.notify_members(
                session,
                recipient,
                f"answer_{status}",
                {
                    "school": response.school.name,
                    "enterprise": demand.enterprise.name,
                    "demand": demand.title,
                    "response_id": response.id,
                },
                link,
                f"answer_{status}:{response.id}",
            )
        self.deliver(notices)
        return self.get(actor, response_id)

    # -- reading ---------------------------------------------------------------------------------

    def get(self, actor: Actor | None, response_id: int) -> dict[str, Any]:
        with self.db.session() as session:
            return response_record(self._visible(session, require(actor), response_id))

    def list(
        self,
        actor: Actor | None,
        demand_id: int | None = None,
        school_id: int | None = None,
        status: Sequence[str] = (),
    ) -> list[dict[str, Any]]:
        """The answers the actor may see, oldest first, narrowed by the filters given."""
        actor = require(actor)
        query = _loaded().join(Response.demand)
        if actor.role == "enterprise":
            query = query.where(Demand.enterprise_id == actor.organization_id)
        elif actor.role == "school":
            query = query.where(Response.school_id == actor.organization_id)
        elif not actor.is_admin:
            raise Forbidden("answers are seen by the demand's enterprise, the school and admins")
        if demand_id is not None:
            query = query.where(Response.demand_id == demand_id)
        if school_id is not None:
            query = query.where(Response.school_id == school_id)
        if status:
            query = query.where(Response.status.in_(list(status)))
        with self.db.session() as session:
            if demand_id is not None and session.get(Demand, demand_id) is None:
                raise NotFound(f"no demand with id {demand_id}")
            rows = session.scalars(query.order_by(Response.created_at, Response.id))
            return [response_record(r) for r in rows]

    # -- checks ----------------------------------------------------------------------------------

    @staticmethod
    def _answering_school(actor: Actor, named: int | None) -> int:
        if actor.is_admin:
            if named is None:
                raise Forbidden("an admin answers for a school: name it (school_id)")
            return named
        if actor.role != "school" or actor.organization_id is None:
            raise Forbidden("only school members and admins answer demands")
        if named is not None and named != actor.organization_id:
            raise Forbidden("school members answer for their own school only")
        return actor.organization_id

    @staticmethod
    def _own_courses(
        session: Session, school_id: int, course_ids: builtins.list[int]
    ) -> builtins.list[Course]:
        if not course_ids:
            return []
        courses = {
            c.id: c for c in session.scalars(select(Course).where(Course.id.in_(course_ids)))
        }
        missing = [i for i in course_ids if i not in courses]
        if missing:
            raise NotFound(f"no course with id {missing[0]}")
        foreign = [i for i in course_ids if courses[i].school_id != school_id]
        if foreign:
            raise Forbidden(f"course {foreign[0]} is another school's: answer with your own")
        return [courses[i] for i in course_ids]

    @staticmethod
    def _own_program(session: Session, school_id: int, program_id: int | None) -> None:
        if program_id is None:
            return
        program = session.get(Program, program_id)
        if program is None:
            raise NotFound(f"no program with id {program_id}")
        if program.school_id != school_id:
            raise Forbidden(f"program {program_id} is another school's: answer with your own")

    @staticmethod
    def _visible(session: Session, actor: Actor, response_id: int) -> Response:
        response = session.scalars(_loaded().where(Response.id == response_id)).one_or_none()
        if response is None:
            raise NotFound(f"no answer with id {response_id}")
        if not (
            actor.is_admin
            or actor.member_of(response.school_id)
            or actor.member_of(response.demand.enterprise_id)
        ):
            raise Forbidden(
                f"answer {response_id} is seen by the demand's enterprise, the school and admins"
            )
        return response
