"""The database tables. Only the database module opens sessions and commits."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite hands back naive ones otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    email: Mapped[str | None] = mapped_column(String(254))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Mail about new tasks and reminders comes at once, or once a day in one digest.
    mail_digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Stored in each session at sign-in and checked on every request; bumping it
    # (sign-out, password change) ends every session signed in before.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    department: Mapped[Department | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)


class ApiToken(Base):
    """An API token; only its SHA-256 is stored, the token itself is shown once.

    A token works until ``expires_at`` unless revoked; ``last_used_at`` is kept to
    the minute, not written on every request."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    user: Mapped[User] = relationship(lazy="joined")


class RateLimitWindow(Base):
    """One fixed rate-limit window (e.g. failed sign-ins for one account), shared by
    every app process through the database. Times are Unix seconds, as Flask-Limiter's
    storage interface speaks them."""

    __tablename__ = "rate_limit_windows"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    ends_at: Mapped[float] = mapped_column(Float, index=True)


class ProcessVersion(Base):
    """An immutable deployed version of a process and the files it was parsed from."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    files: Mapped[dict] = mapped_column(JSON, deferred=True)  # large; loaded only when parsed or shown
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Why this version was deployed (required from the studio and the API; none for ``init``).
    note: Mapped[str | None] = mapped_column(Text)


class ProcessDraft(Base):
    """A designer's work in progress on a process: files saved while editing, not yet a version.

    Several drafts may exist at once; deploying one makes a version and leaves the draft as it was,
    marked with ``deployed_version``. ``base_version`` is the version it was started from (None
    for an imported diagram).
    """

    __tablename__ = "process_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(200))
    base_version: Mapped[int | None] = mapped_column(Integer)
    files: Mapped[dict] = mapped_column(JSON, deferred=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Counts saves, so an editor in another tab cannot silently overwrite newer work.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    deployed_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Policy(Base):
    """A department's policy and what lists show of it, saved with optimistic versioning.

    ``version`` counts saves: every change is ``UPDATE … WHERE version = expected``.
    """

    __tablename__ = "policies"
    __table_args__ = (Index("ix_policies_department_updated", "department_id", "updated_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    draft: Mapped[dict] = mapped_column(JSON, default=dict)
    risk_rating: Mapped[str | None] = mapped_column(String(20))  # residual rating of the latest assessment
    risk_rating_initial: Mapped[str | None] = mapped_column(String(20))  # the same assessment before mitigations
    published_version: Mapped[str | None] = mapped_column(String(20))  # the latest published version's label: "1.1"
    # Why an early review opened by itself (incidents, new guidance), until the next publication.
    early_review_reason: Mapped[str | None] = mapped_column(Text)
    next_timer_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # A process firing the due timers holds the policy until then (workflows/operations/timer_claims.py).
    timer_claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A published policy a manager suspended (until resumed or replaced) or withdrew.
    suspended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    department: Mapped[Department] = relationship(lazy="joined")
    process_version: Mapped[ProcessVersion] = relationship(lazy="raise")


class WorkflowState(Base):
    """A policy's running workflow: its state (without the process spec, which its
    version holds) and its current data, read only when a step runs or a task is shown."""

    __tablename__ = "workflow_states"
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), primary_key=True)
    state: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)


#: Where tasks without a due date go in the inbox's order: after every dated one.
NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=timezone.utc)


def due_order(due_at: datetime | None) -> datetime:
    return NO_DUE_DATE if due_at is None else due_at


def ready_task_row(policy: "Policy", task, now: datetime) -> dict:
    """The task index's row for a task of ``policy`` that became ready ``now`` (a ``tasks.ReadyTask``)."""
    return dict(id=task.id, policy_id=policy.id, department_id=policy.department_id, element_id=task.element_id,
                title=task.title, lane=task.lane, lifecycle_step=task.lifecycle_step, assignee=task.assignee,
                form=task.form, data_key=task.data_key, instructions=task.instructions, prefill=task.values,
                state="ready", ready_since=now, due_at=task.due_at, due_order=due_order(task.due_at),
                reminder_stage=0)


class HumanTask(Base):
    """A user task of a policy, kept in step with every save so lists never load workflows."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        # The inbox: ready tasks of a lane, in a department or organisation-wide, in its order
        # (soonest due first, then undated ones, oldest first), read from the index, never sorted.
        Index("ix_human_tasks_inbox_department", "state", "department_id", "lane", "due_order", "ready_since", "id"),
        Index("ix_human_tasks_inbox", "state", "lane", "due_order", "ready_since", "id"),
        Index("ix_human_tasks_policy", "policy_id", "state"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    element_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(40))
    lifecycle_step: Mapped[str | None] = mapped_column(String(40))
    assignee: Mapped[str | None] = mapped_column(String(80))
    form: Mapped[str | None] = mapped_column(String(200))
    data_key: Mapped[str] = mapped_column(String(200))  # the variable its answers are stored under
    instructions: Mapped[str | None] = mapped_column(Text, deferred=True)  # rendered when the task became ready
    prefill: Mapped[dict | None] = mapped_column(JSON, deferred=True)  # the answers its form starts with
    # "Save and continue later": partial answers kept beside the task, never run through the workflow.
    saved_answers: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    saved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    saved_by: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(20))
    ready_since: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # from the diagram (dueIn or a boundary timer)
    # ``due_at``, or NO_DUE_DATE for a task without one: an index can keep this order on every
    # backend (NULLs sort first in SQLite and last in PostgreSQL, and "IS NULL" is no index key).
    due_order: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))  # a shared task one person took on
    # Reminders already sent: 0 none, 1 "due soon", 2 "overdue" (each is sent once).
    reminder_stage: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(80))
    policy: Mapped[Policy] = relationship(lazy="raise")


class AuditEvent(Base):
    """Who did what, when, with which data, on which diagram version. Never updated."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(200))
    task_title: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict | None] = mapped_column(JSON)
    process_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))


class DraftRound(Base):
    """The policy draft as one round left it (each completion that saved the draft),
    so reviewers see what changed since the round before without loading workflows."""

    __tablename__ = "draft_rounds"
    __table_args__ = (UniqueConstraint("policy_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[str] = mapped_column(String(36))
    task_title: Mapped[str] = mapped_column(String(200))
    saved_by: Mapped[str] = mapped_column(String(80))
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)
    draft: Mapped[dict] = mapped_column(JSON)


class PublishedVersion(Base):
    """A published, publicly readable version of a policy. Holds no staff names."""

    __tablename__ = "published_versions"
    __table_args__ = (UniqueConstraint("policy_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict] = mapped_column(JSON)
    risk_rating: Mapped[str | None] = mapped_column(String(20))
    effective_date: Mapped[date] = mapped_column(Date)
    review_date: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PolicyTranslation(Base):
    """A translation of a policy's public document into one language, made from one published version
    (``version_number``); it stays readable after a newer version, marked as translating an earlier one."""

    __tablename__ = "policy_translations"
    __table_args__ = (UniqueConstraint("policy_id", "language"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    language: Mapped[str] = mapped_column(String(35))
    version_number: Mapped[int] = mapped_column(Integer)
    sections: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Incident(Base):
    """A recording made or continued without permission (guidance item vii).

    Holds no patient-identifying fields: the form asks for what happened, not who."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    reported_by: Mapped[str] = mapped_column(String(80))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    action_taken: Mapped[str] = mapped_column(Text)
    # what a governance lead acts on; null in reports made before they were asked (and optional in the API)
    local_reference: Mapped[str | None] = mapped_column(String(100))  # the trust's incident system number
    category: Mapped[str | None] = mapped_column(String(30))
    harm: Mapped[str | None] = mapped_column(String(20))
    support_offered: Mapped[bool | None] = mapped_column(Boolean)
    support_details: Mapped[str | None] = mapped_column(Text)
    escalated_to: Mapped[list | None] = mapped_column(JSON)  # security, police, communications, information_governance
    other_patients_captured: Mapped[bool | None] = mapped_column(Boolean)


class OutboxMessage(Base):
    """One e-mail to one person, written in the transaction of the step that causes it.

    The sender claims a message by a conditional update (``status`` pending → sending,
    with a lease), so several processes sending at once never take the same one;
    ``handed_over_at`` is set just before the SMTP DATA command, so a message whose
    sender stopped after that point is never sent again automatically."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(80))  # username
    address: Mapped[str | None] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))  # pending, sending, sent, failed, uncertain
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    handed_over_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class Invitation(Base):
    """A one-time link for a person to choose their own password (see workflows/policies/invitations.py).

    Only the hash of the link's secret is kept; ``used_at`` is set by a guarded update, so
    of two uses at once one wins, and a newer invitation ends the older ones (``used_at``
    too). ``accepted_at`` tells the two apart: set only when the person chose a password."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SignInIdentity(Base):
    """A person as the trust's OpenID Connect provider names them: its issuer and their subject
    (``iss`` and ``sub``, which the provider never reuses), linked to one of our users."""

    __tablename__ = "signin_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    first_signed_in_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_signed_in_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdempotencyKey(Base):
    """The first answer to an API call made with an ``Idempotency-Key``, kept 24 hours so that a
    repeat returns it without acting again (workflows/operations/idempotency.py). ``client`` is
    a hash of the credential that made the call; ``status`` is None while it is being answered."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("client", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class RecordingPreference(Base):
    """A person's standing preference on being recorded at work, for each kind of recording
    (``willing``, ``willing_with_conditions`` or ``not_willing``), kept between consultations
    so rotas and room planning can respect it. Read by name only by the department's
    managers (workflows/people/recording_preferences.py); every change is audited."""

    __tablename__ = "recording_preferences"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    screen_photos: Mapped[str | None] = mapped_column(String(30))
    video: Mapped[str | None] = mapped_column(String(30))
    audio: Mapped[str | None] = mapped_column(String(30))
    conditions: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(80))


class GuidanceVersion(Base):
    """A version of the professional guidance the policies implement (title and date), recorded
    by ``policyflow guidance set``: published policies on an older version come up for early review."""

    __tablename__ = "guidance_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    issued_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(80))
