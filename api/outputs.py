"""Output models: the shape of every REST answer, as the OpenAPI document declares it.

Records are built as plain dictionaries by the domain (``matcher.records``, ``jobs.feeds``,
``jobs.refresh``); these models only describe them, and APIFlask validates each answer against
its model before sending it. ``extra="forbid"`` makes a field added in the domain but not here
fail the contract tests instead of silently vanishing from the answer.

Instants are kept as the strings the domain writes (``2026-02-01T00:00:00Z``), typed
``date-time`` in the document, so validating an answer never reformats it.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

Instant = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Day = Annotated[str, Field(json_schema_extra={"format": "date"})]
Score = Annotated[float, Field(ge=0, le=1)]
Similarity = Annotated[float, Field(ge=-1, le=1)]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Optional fields that only some answers carry: left out (not null) when absent.
    omit_when_none: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _omit_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in self.omit_when_none:
            if data.get(name) is None:
                data.pop(name, None)
        return data


class Pagination(Out):
    page: int
    per_page: int
    total: int
    pages: int


# -- records -----------------------------------------------------------------------------------


class OrganizationOut(Out):
    id: int
    kind: Literal["enterprise", "school"]
    name: str
    city: str | None
    industry: str | None


class DemandOut(Out):
    id: int
    enterprise_id: int
    enterprise: str
    kind: Literal["job", "internship", "apprenticeship", "training"]
    title: str
    description: str
    skills: list[str]
    openings: int
    city: str | None
    posted_at: Instant
    expires_at: Instant | None
    status: str = Field(description="active, expired or closed")
    source: str
    external_id: str | None
    url: str | None


class CourseOut(Out):
    id: int
    school_id: int
    school: str
    code: str
    title: str
    description: str
    skills: list[str]
    outcomes: list[str]
    hours: int | None
    created_at: Instant | None
    last_revised: Day | None


class ProgramOut(Out):
    id: int
    school_id: int
    school: str
    name: str
    description: str
    level: str | None
    annual_graduates: int | None
    course_ids: list[int]


class StudentOut(Out):
    """A student as the caller may see them. The student, their school and admins see every
    field; others see a consenting student's skills, courses, program and city, with the name
    and contact only when the student shares them (absent fields are left out)."""

    omit_when_none = frozenset(
        {"external_id", "name", "contact", "interests", "consent", "share_contact"}
    )

    id: int
    school_id: int
    school: str
    program_id: int | None
    course_ids: list[int]
    skills: list[str]
    city: str | None
    external_id: str | None = None
    name: str | None = None
    contact: str | None = None
    interests: list[str] | None = None
    consent: bool | None = None
    share_contact: bool | None = None


class OrganizationPage(Out):
    items: list[OrganizationOut]
    pagination: Pagination


class DemandPage(Out):
    items: list[DemandOut]
    pagination: Pagination


class CoursePage(Out):
    items: list[CourseOut]
    pagination: Pagination


class ProgramPage(Out):
    items: list[ProgramOut]
    pagination: Pagination


class StudentPage(Out):
    items: list[StudentOut]
    pagination: Pagination


RECORD_OUTPUTS: dict[str, tuple[type[Out], type[Out]]] = {
    "organizations": (OrganizationOut, OrganizationPage),
    "demands": (DemandOut, DemandPage),
    "courses": (CourseOut, CoursePage),
    "programs": (ProgramOut, ProgramPage),
    "students": (StudentOut, StudentPage),
}

# -- matches -----------------------------------------------------------------------------------


class CourseRef(Out):
    id: int
    title: str


class CoveredSkill(Out):
    omit_when_none = frozenset({"course"})

    skill: str
    by: str = Field(description="The taught skill, outcome or phrase that covers it.")
    similarity: Similarity
    course: CourseRef | None = Field(None, description="Programs and students: which course.")


class NearestPhrase(Out):
    skill: str
    by: str
    similarity: Similarity


class LearnCourse(Out):
    skill: str
    course_id: int
    course: str
    school: str
    by: str
    similarity: Similarity


class OccupationAgreement(Out):
    asked: str = Field(description="ESCO occupation the query's title most likely names.")
    offered: str = Field(description="ESCO occupation the result's title most likely names.")
    agreement: float = Field(
        ge=0, le=1, description="Probability that both titles name the same occupation."
    )


class Explanation(Out):
    omit_when_none = frozenset({"learn"})

    covered: list[CoveredSkill]
    missing: list[str]
    nearest: list[NearestPhrase] = Field(description="Closest phrase for each missing skill.")
    text_similarity: float
    lexical_score: float
    skill_score: float | None
    occupation: OccupationAgreement | None = Field(
        None,
        description="When both titles name taxonomy occupations: which, and how surely "
        "the same one (part of the score, see OCCUPATION_WEIGHT).",
    )
    learn: list[LearnCourse] | None = Field(
        None, description="Student matches: a course teaching each missing skill."
    )


class MatchResult(Out):
    omit_when_none = frozenset({"enterprise", "city", "openings", "code", "school"})

    id: int
    kind: str
    title: str
    score: Score
    rank: int
    explanation: Explanation
    enterprise: str | None = None
    city: str | None = None
    openings: int | None = None
    code: str | None = None
    school: str | None = None


class MatchResults(Out):
    results: list[MatchResult]


# -- gaps --------------------------------------------------------------------------------------


class NearestCourse(Out):
    id: int
    title: str
    school: str
    similarity: Similarity


class TrendCounts(Out):
    last: int
    previous: int


class AnswerCounts(Out):
    """Answers in scope to the demands behind a skill, by status as of the report's day."""

    proposed: int
    accepted: int = Field(description="Accepted, not yet delivered.")
    delivered: int
    declined: int
    withdrawn: int


class GapItem(Out):
    skill: str
    phrases: list[str]
    demand_ids: list[int]
    postings: int
    openings: int
    enterprises: int
    enterprise_names: list[str]
    first_seen: Day
    lag_days: int
    trend: Literal["new", "rising", "falling", "steady"]
    trend_counts: TrendCounts
    coverage: Annotated[float, Field(ge=0, le=1)]
    covered: bool
    severity: Literal["red", "yellow", "green"]
    opened: Day | None
    closed: Day | None
    covered_on: Day | None = Field(description="The day the first covering course dates from.")
    answered_on: Day | None = Field(
        description="The day an enterprise accepted the first answer (still accepted or "
        "delivered) to a demand behind the skill, by a school in scope."
    )
    responded_on: Day | None = Field(description="The earlier of covered_on and answered_on.")
    response_by: Literal["answer", "course"] | None
    response_days: int | None = Field(
        description="responded_on - first_seen; 0 when taught before anyone asked."
    )
    answers: AnswerCounts
    nearest_courses: list[NearestCourse]
    flagged_since: Day | None = None


class GapRulesOut(Out):
    cover_threshold: float
    role_cover_threshold: float | None = Field(
        None, description="Threshold for roles (title-only postings); absent in older snapshots."
    )
    group_threshold: float
    lexical_weight: float
    occupation_weight: float | None = Field(
        None, description="Weight of occupation agreement for roles; absent in older snapshots."
    )
    red_lag_days: int
    red_min_enterprises: int
    trend_days: int


class ResponseQuarter(Out):
    quarter: str = Field(description="YYYY-Qn of the response day.")
    responded: int
    median_response_days: float | None


class SchoolResponse(Out):
    id: int
    name: str
    responded: int = Field(description="Demanded skills this school answered or covers.")
    median_response_days: float | None


class GapSummary(Out):
    skills: int
    gaps: int
    red: int
    yellow: int
    green: int
    unmet_openings: int
    active_demands: int
    courses: int
    closed_gaps: int = Field(description="Gaps a course closed after the skill was asked.")
    median_response_days: float | None = Field(
        description="Median days from the first posting asking a skill to its first accepted "
        "answer or covering course, over the skills asked before they were answered or taught."
    )
    responded: int = Field(description="Skills asked first and answered or taught later.")
    taught_before_asked: int = Field(description="Skills a course taught before anyone asked.")
    responded_by_answer: int
    responded_by_course: int
    accepted_not_delivered: int = Field(description="Answers accepted, not yet delivered.")
    response_trend: list[ResponseQuarter]
    by_school: list[SchoolResponse]


class SchoolRef(Out):
    id: int
    name: str


class SnapshotRow(Out):
    id: int
    as_of: Day
    taken_at: Instant | None
    gaps: int
    red: int
    yellow: int
    green: int
    unmet_openings: int


class GapChanges(Out):
    since: Day
    opened: list[str]
    closed: list[str]
    no_longer_asked: list[str]


class GapReport(Out):
    omit_when_none = frozenset({"message", "snapshot_id"})

    as_of: Day
    scope: Literal["region", "school"]
    school: SchoolRef | None
    rules: GapRulesOut
    items: list[GapItem]
    summary: GapSummary
    history: list[SnapshotRow]
    changes: GapChanges | None
    message: str | None = Field(None, description="Why a report is empty or all gaps.")
    snapshot_id: int | None = Field(None, description="The snapshot just stored.")


class SnapshotList(Out):
    items: list[SnapshotRow]


# -- feeds and refresh runs --------------------------------------------------------------------


class FeedOut(Out):
    id: int
    url: str
    format: Literal["jsonld", "json", "csv"]
    enterprise_id: int | None
    enterprise: str | None
    enabled: bool
    last_fetched_at: Instant | None
    last_status: str | None
    created_at: Instant | None


class FeedList(Out):
    items: list[FeedOut]


class RunCounts(Out):
    fetched: int
    new: int
    updated: int
    unchanged: int
    expired: int
    failed: int


class RunError(Out):
    """One reason a run or one of its feeds failed (``feed_id`` empty for the run itself)."""

    feed_id: int | None
    url: str | None
    reason: str


class FeedOutcome(Out):
    feed_id: int
    url: str
    status: Literal["succeeded", "partial", "not_modified", "failed"]
    counts: RunCounts
    errors: list[str]


class RefreshRunOut(Out):
    id: int
    status: str = Field(description="running, succeeded, partial or failed")
    trigger: str
    started_at: Instant | None
    finished_at: Instant | None
    counts: RunCounts | None
    errors: list[RunError] | None
    feeds: list[FeedOutcome] | None


class RefreshRunList(Out):
    items: list[RefreshRunOut]


# -- accounts ----------------------------------------------------------------------------------

Role = Literal["admin", "enterprise", "school", "student"]


class MeOut(Out):
    email: str
    role: Role
    organization_id: int | None
    student_id: int | None


class UserOut(Out):
    id: int
    email: str
    role: Role
    organization_id: int | None
    organization: str | None
    student_id: int | None
    active: bool
    created_at: Instant
    last_login_at: Instant | None


class UserList(Out):
    items: list[UserOut]


class TokenOut(Out):
    id: int
    name: str
    created_at: Instant
    expires_at: Instant | None
    revoked_at: Instant | None
    last_used_at: Instant | None
    state: Literal["active", "expired", "revoked"]


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself: shown this once, only its hash is kept.")


class TokenList(Out):
    items: list[TokenOut]


class ConsentOut(Out):
    purpose: Literal["found_by_enterprises", "share_contact"]
    version: str
    given_at: Instant
    withdrawn_at: Instant | None


class ConsentsOut(Out):
    consent: bool = Field(description="Found by enterprises now")
    share_contact: bool = Field(description="Name and contact shown to them now")
    ledger: list[ConsentOut]


class AuditEventOut(Out):
    id: int
    at: Instant
    actor_id: int | None
    actor: str
    action: str
    resource: str | None
    outcome: Literal["ok", "refused", "failed"]
    status: int | None
    detail: str | None
    source: Literal["api", "web", "cli"]
    address: str | None


class AuditList(Out):
    items: list[AuditEventOut]


class ExportOut(Out):
    """Everything the service holds about the caller (PIPL Art. 45, GDPR Arts 15 and 20)."""

    format: Literal["talentmatch-export/1"]
    exported_at: Instant
    account: UserOut
    tokens: list[TokenOut]
    student: dict[str, Any] | None = Field(
        description="The student record in full, with its program and courses by name."
    )
    consents: list[ConsentOut]
    activity: list[AuditEventOut] = Field(description="What the caller did.")
    accesses: list[AuditEventOut] = Field(description="Who read or changed the student record.")
    notifications: list[dict[str, Any]] = Field(
        description="The caller's inbox as stored: kind, parameters, link, read and mail state."
    )


# -- answers and notifications ------------------------------------------------------------------

ResponseKind = Literal[
    "existing_course", "revised_course", "new_course", "program", "order_class", "training"
]
ResponseStatus = Literal["proposed", "accepted", "declined", "withdrawn", "delivered"]


class ResponseCourse(Out):
    id: int
    code: str
    title: str


class ResponseOut(Out):
    id: int
    demand_id: int
    demand_title: str
    enterprise_id: int
    enterprise: str
    school_id: int
    school: str
    kind: ResponseKind
    course_ids: list[int]
    courses: list[ResponseCourse]
    program_id: int | None
    program: str | None
    message: str
    seats: int | None
    starts_on: Day | None
    status: ResponseStatus
    created_at: Instant
    decided_at: Instant | None = Field(description="When the enterprise accepted or declined.")
    closed_at: Instant | None = Field(description="When the school withdrew or delivered.")


class ResponseList(Out):
    items: list[ResponseOut]


class NotificationOut(Out):
    id: int
    kind: str
    subject: str = Field(description="In the caller's language (Accept-Language or lang cookie).")
    details: list[str] = Field(
        description="Lines under the subject, in the same language: a gap digest's skills, a "
        "matched demand's fitting courses."
    )
    link: str | None
    params: dict[str, Any]
    created_at: Instant
    read_at: Instant | None
    mail_state: Literal["none", "pending", "sending", "sent", "failed"] = Field(
        description="none: inbox only; pending: to send or retry; failed: gave up after "
        "MAIL_MAX_ATTEMPTS."
    )


class NotificationList(Out):
    items: list[NotificationOut]
    unread: int


# -- exports: the talent demand list and the answers ------------------------------------------


class DemandExportRow(Out):
    id: int
    enterprise: str
    industry: str | None
    city: str | None
    title: str
    kind: str
    openings: int
    skills: list[str]
    posted: Day | None
    expires: Day | None
    status: str = Field(description="active, expired, or the status the posting was given.")
    answers: int = Field(description="Answers the enterprise accepted (delivered ones included).")
    accepted_by: list[str] = Field(description="Schools whose answer was accepted (or delivered).")


class DemandExportList(Out):
    items: list[DemandExportRow]


class AnswerExportRow(Out):
    id: int
    demand: str
    enterprise: str
    industry: str | None
    school: str
    kind: ResponseKind
    courses: list[str]
    program: str | None
    seats: int | None
    starts_on: Day | None
    status: ResponseStatus
    created: Day | None
    decided: Day | None
    days_to_decision: int | None


class AnswerExportList(Out):
    items: list[AnswerExportRow]
