"""Drive a policy through its lifecycle at the service level, as the roles would."""
from __future__ import annotations

from tests.answers import answers_for


def task_of(services, actor, element_id: str) -> dict:
    """The actor's ready task for ``element_id`` (fails loudly if there is none)."""
    tasks = [t for t in services.queries.inbox(actor) if t["name"] == element_id]
    assert tasks, f"{actor.username} has no ready {element_id} task; inbox: {services.queries.inbox(actor)}"
    return tasks[0]


def complete(services, actor, element_id: str, **changes) -> int:
    """Complete the actor's ``element_id`` task with the valid answers for its form
    (a publication takes effect on the services' today unless ``effective_date`` is given)."""
    task = task_of(services, actor, element_id)
    if "effective_date" in answers_for(task["form"]) and "effective_date" not in changes:
        changes["effective_date"] = services.clock().date().isoformat()
    return services.commands.complete(actor, task["id"], answers_for(task["form"], **changes))


def consult(services, people, staff=("sam", "alex", "kim"), liaison="pat", equality="eve") -> None:
    """Every member of staff answers the consultation (alex does not want to be filmed), then the
    liaison; the equality lead assesses the draft meanwhile."""
    for name in staff:
        changes = {"willing_to_be_filmed": "not_willing", "comments": "I do not want to be filmed."} \
            if name == "alex" else {}
        complete(services, people[name], "staff_consultation", **changes)
    complete(services, people[liaison], "patient_consultation")
    complete(services, people[equality], "equality_impact")


def revise(services, people, manager="mary", governance="gil", **changes) -> None:
    """The manager reassesses the risks and revises the policy (justifying any warning signs);
    information governance approves."""
    complete(services, people[manager], "reassess_risks")
    complete(services, people[manager], "revise_policy", **changes)
    if any(t["name"] == "justify_warning_signs" for t in services.queries.inbox(people[manager])):
        complete(services, people[manager], "justify_warning_signs")
    complete(services, people[governance], "information_governance")


def resubmit(services, people, manager="mary", governance="gil", **changes) -> None:
    """After a request for changes: the manager revises the policy without reassessing the risks
    (justifying any warning signs) and information governance approves it again."""
    complete(services, people[manager], "revise_policy", **changes)
    if any(t["name"] == "justify_warning_signs" for t in services.queries.inbox(people[manager])):
        complete(services, people[manager], "justify_warning_signs")
    complete(services, people[governance], "information_governance")


def approve_and_publish(services, people, employer="emma", insurer="ian", manager="mary", committee="cora") -> None:
    complete(services, people[employer], "employer_signoff")
    complete(services, people[insurer], "insurer_signoff")
    complete(services, people[committee], "ratification")
    complete(services, people[manager], "publish_policy")


def to_signoff(services, people, title="Recording during ultrasound") -> int:
    """Start a policy and carry it through drafting, both consultations, the equality impact
    assessment, the reassessment, the revision and information governance."""
    policy_id = services.commands.start(people["mary"], title, "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    consult(services, people)
    revise(services, people)
    return policy_id


def to_published(services, people, title="Recording during ultrasound") -> int:
    policy_id = to_signoff(services, people, title)
    approve_and_publish(services, people)
    return policy_id


def published_version(services, policy_id: int, number: int | None = None):
    """(the published version a reader would get, all version numbers) as the public page reads them."""
    from workflows.policies import publication

    with services.database.reading() as session:
        return publication.published(session, policy_id, number)


def policy_row(services, policy_id: int):
    """The stored policy row (version counter, derived columns)."""
    from workflows.storage.schema import Policy

    with services.database.reading() as session:
        return session.get(Policy, policy_id)


def stored_workflow(services, policy_id: int):
    """The policy's saved workflow, loaded as a fresh engine (another app process) would."""
    from workflows.engine.steps import WorkflowEngine
    from workflows.storage.schema import WorkflowState

    with services.database.reading() as session:
        state = session.get(WorkflowState, policy_id)
    bundle = services.processes.bundle(policy_row(services, policy_id).process_version_id)
    return WorkflowEngine().load(bundle, state.state), state


def audit_events(services, **filters) -> list:
    """Every stored audit event matching ``filters`` (column=value), oldest first."""
    from sqlalchemy import select

    from workflows.storage.schema import AuditEvent

    query = select(AuditEvent).filter_by(**filters).order_by(AuditEvent.id)
    with services.database.reading() as session:
        return list(session.scalars(query))


def forms_by_element(bundle) -> dict[str, str]:
    """The form file each user task names, by element id (subprocesses included), as a client finds them."""
    specs = [bundle.spec, *bundle.subprocess_specs.values()]
    return {task.bpmn_id: dict(task.extensions["properties"])["formJsonSchemaFilename"]
            for spec in specs for task in spec.task_specs.values()
            if "formJsonSchemaFilename" in dict(getattr(task, "extensions", {}).get("properties", {}))}


def republish_unchanged(services, people, manager="mary", committee="cora", **review) -> None:
    """The open review finds nothing to change: the committee confirms it and the manager
    republishes it (a minor version, "1.1")."""
    complete(services, people[manager], "review_policy", **{"outcome": "no_changes", **review})
    complete(services, people[committee], "ratification")
    complete(services, people[manager], "publish_policy")


def republish_after_full_review(services, people, manager="mary") -> None:
    """The open review asks for a full review: the policy goes round again (drafting, consultations,
    reassessment, revision, information governance, sign-offs, ratification) and is republished as the
    next major version."""
    complete(services, people[manager], "review_policy", outcome="full_review")
    complete(services, people[manager], "draft_policy")
    complete(services, people[manager], "assess_risks")
    consult(services, people)
    revise(services, people, manager=manager)
    approve_and_publish(services, people, manager=manager)
