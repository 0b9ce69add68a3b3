"""The conformance guard: the SCoR guidance as a contract every lifecycle diagram keeps.

On every path from the start to a task of step ``publication``:

- tasks of the steps risk assessment, staff consultation, patient consultation,
  employer sign-off and insurer sign-off come first; the staff consultation counts
  only as one task per staff member (multi-instance over ``staff_members``, with an
  ``assignee`` naming its input item), and each step's tasks only in its own lane;
- after a sign-off asks for changes (any value of its form's outcome field other than
  ``x-approvedWhen``), publication cannot be reached without passing both sign-offs again;
- a task of step ``risk_assessment`` or ``risk_reassessment`` comes after both
  consultations: staff preference is an input to the risk assessment (SCoR item ii);
- a review timer follows every publication: one can be reached before the process
  could publish again (an event-based gateway waiting for a timer or an early review counts).

Steps are found by their ``lifecycleStep`` property, never by element id, so a diagram
may rename anything and add anything else (extra approvals, reminders, boundary
events, event subprocesses). Each refusal names the step and a path that skips it.
"""
from __future__ import annotations

from collections import deque

from workflows.designer.outcome_conditions import holds
from workflows.engine.flow_graph import FlowGraph, flow_graph, local
from workflows.engine.specs import ProcessBundle, parse_xml
from workflows.errors import DiagramProblem
from workflows.forms import meaning as form_meaning

REQUIRED_STEPS = ("risk_assessment", "staff_consultation", "patient_consultation", "employer_signoff",
                  "insurer_signoff")
SIGNOFF_STEPS = ("employer_signoff", "insurer_signoff")
STEP_LANES = {"staff_consultation": "staff", "patient_consultation": "patient_liaison",
              "employer_signoff": "employer", "insurer_signoff": "insurer"}
STAFF_COLLECTION = "staff_members"
LABELS = {"risk_assessment": "risk assessment", "staff_consultation": "staff consultation",
          "patient_consultation": "patient consultation", "employer_signoff": "employer sign-off",
          "insurer_signoff": "insurer sign-off", "publication": "publication"}


def _arrow(path: list[str]) -> str:
    return " → ".join(path)


class _Guard:
    def __init__(self, file: str, process, graph: FlowGraph, forms: dict):
        self.file, self.process, self.graph, self.forms = file, process, graph, forms
        self.problems: list[DiagramProblem] = []

    def problem(self, node_id: str | None, message: str) -> None:
        """A refusal at ``node_id``, or at the process itself when no element is to blame."""
        if node_id in self.graph.nodes:
            self.problems.append(DiagramProblem(self.file, self.graph.line(node_id), node_id, message))
        else:
            self.problems.append(DiagramProblem(self.file, self.process.sourceline, self.process.get("id"), message))

    def of_step(self, step: str) -> set[str]:
        return {n for n in self.graph.nodes if self.graph.step(n) == step}

    def counted(self, step: str) -> set[str]:
        """The tasks of ``step`` that count as that step (right lane, staff consultation per person)."""
        counted = set()
        for node_id in sorted(self.of_step(step)):
            lane = STEP_LANES.get(step)
            if lane and self._lane(node_id) != lane:
                self.problem(node_id, f"the {LABELS[step]} task must be in the '{lane}' lane, not "
                                      f"'{self._lane(node_id) or 'no lane'}'")
            elif step == "staff_consultation" and not self._per_staff_member(node_id):
                self.problem(node_id, "the staff consultation must be one task per staff member: a multi-instance "
                                      f"task over '{STAFF_COLLECTION}' whose 'assignee' property names its input item")
            else:
                counted.add(node_id)
        return counted

    def _around(self, node_id: str) -> list:
        """The task's element and the subprocesses around it, innermost first."""
        found, element = [], self.graph.nodes[node_id]
        while element is not None and isinstance(element.tag, str) and local(element) != "process":
            found.append(element)
            element = element.getparent()
        return found

    def _lane(self, node_id: str) -> str | None:
        """A task's lane: its own, or (inside a subprocess) the subprocess's."""
        return next((self.graph.lanes[e.get("id")] for e in self._around(node_id) if e.get("id") in self.graph.lanes),
                    None)

    def _per_staff_member(self, node_id: str) -> bool:
        # One task per person: the task is multi-instance, or sits in a multi-instance subprocess.
        loop = next((child for element in self._around(node_id) for child in element
                     if isinstance(child.tag, str) and local(child) == "multiInstanceLoopCharacteristics"), None)
        if loop is None:
            return False
        source = next(loop.iter("{*}loopDataInputRef"), None)
        item = next(loop.iter("{*}inputDataItem"), None)
        assignee = self.graph.props(node_id).get("assignee")
        return (source is not None and (source.text or "").strip() == STAFF_COLLECTION and item is not None
                and bool(assignee) and assignee in (item.get("name"), item.get("id")))

    def check(self) -> list[DiagramProblem]:
        publications = self.of_step("publication")
        reached = self.graph.reachable(self.graph.entries)
        if not publications & reached:
            # At the publication task the start cannot reach, or, without one, at the start event.
            self.problem(min(publications, default=None) or next(iter(self.graph.entries), None),
                         "no task of step 'publication' can be reached from the start event")
            return self.problems
        steps = {step: self.counted(step) for step in REQUIRED_STEPS}
        for step, tasks in steps.items():
            path = self.graph.path(self.graph.entries, publications, avoid=tasks, stop=publications)
            if path:
                self.problem(path[-1], f"the {LABELS[step]} step is missing before publication: the path "
                                       f"{_arrow(path)} skips it")
        self._assessed_after_consultations(steps, publications)
        for step in SIGNOFF_STEPS:
            for task in sorted(steps[step]):
                self._changes_go_through_both(task, step, steps, publications)
        for publication in sorted(publications & reached):
            self._review_follows(publication, publications)
        return self.problems

    def _assessed_after_consultations(self, steps: dict, publications: set) -> None:
        assessing = self.of_step("risk_assessment") | self.of_step("risk_reassessment")
        for step in ("staff_consultation", "patient_consultation"):
            for task in sorted(steps[step]):
                path = self.graph.path([task], publications, avoid=assessing, stop=publications, joins_wait=False)
                if path:
                    self.problem(task, f"the risks must be assessed after the {LABELS[step]} (staff preference is "
                                       "an input to the risk assessment: add a task of step 'risk_reassessment' "
                                       f"after both consultations); the path {_arrow(path)} reaches publication "
                                       "without one")

    def _changes_go_through_both(self, task: str, step: str, steps: dict, publications: set) -> None:
        outcome = self._outcome(task)
        if outcome is None:
            return
        for destination, region in self._changes_destinations(task, *outcome).items():
            for again in SIGNOFF_STEPS:
                path = self.graph.path([destination], publications, avoid=steps[again], stop=publications)
                if path:
                    full = region + path[1:]
                    self.problem(task, f"when the {LABELS[step]} requests changes, publication can be reached "
                                       f"without the {LABELS[again]} again: {_arrow(full)}")
                    return

    def _outcome(self, task: str):
        """(data key, decision field, the values that do not approve) of a sign-off task."""
        props = self.graph.props(task)
        form = self.forms.get(props.get("formJsonSchemaFilename") or "", {})
        fields = form.get("properties", {}) if isinstance(form, dict) else {}
        for name, prop in fields.items():
            if isinstance(prop, dict) and prop.get("x-role") == "outcome" and "x-approvedWhen" in prop:
                values = prop.get("enum") or ([True, False] if prop.get("type") == "boolean" else [])
                refusing = [v for v in values if not form_meaning.approves(prop, v)]
                return props.get("dataKey") or task, name, refusing
        self.problem(task, "a sign-off's form must mark its decision field with \"x-role\": \"outcome\" and "
                           "\"x-approvedWhen\" (the approving value), so the guard can follow a request for changes")
        return None

    def _changes_destinations(self, task: str, data_key: str, field: str, refusing: list) -> dict[str, list[str]]:
        """The activities (and end events) a request for changes leads to first, each with the path there."""
        found: dict[str, list[str]] = {}
        queue = deque([(task, [task])])
        seen: set[str] = set()
        while queue:
            node, path = queue.popleft()
            for following in self._possible_next(node, data_key, field, refusing):
                if following in seen:
                    continue
                seen.add(following)
                kind = self.graph.kind(following)
                if kind.endswith("Gateway") or kind in ("intermediateCatchEvent", "intermediateThrowEvent"):
                    queue.append((following, path + [following]))
                else:
                    found[following] = path + [following]
        return found

    def _possible_next(self, node: str, data_key: str, field: str, refusing: list) -> list[str]:
        element = self.graph.nodes[node]
        kind = local(element)
        if kind in ("parallelGateway", "eventBasedGateway") or not self.graph.outgoing(node):
            return [following for following, _flow in self.graph.successors(node)]
        default = element.get("default")
        taken = set()
        for value in refusing:
            truths = {flow.id: (holds(flow.condition, data_key, field, value) if flow.condition else
                                (False if flow.id == default else True)) for flow in self.graph.outgoing(node)}
            if default and not any(truth is True for fid, truth in truths.items() if fid != default):
                truths[default] = True
            taken |= {fid for fid, truth in truths.items() if truth is not False}
        flows = {flow.id: flow.target for flow in self.graph.outgoing(node)}
        return [flows[fid] for fid in flows if fid in taken] + [b for b, flow in self.graph.successors(node)
                                                                if flow is None]

    def _review_follows(self, publication: str, publications: set) -> None:
        timers = {n for n in self.graph.nodes if self.graph.is_timer(n)}
        # Waiting at an event-based gateway for a timer or something else (an early review) is
        # waiting for the review timer: the other event only brings the review forward.
        timers |= {n for n in self.graph.nodes if self.graph.kind(n) == "eventBasedGateway"
                   and any(self.graph.is_timer(following) for following, _flow in self.graph.successors(n))}
        after = [following for following, _flow in self.graph.successors(publication)]
        if not self.graph.path(after, timers, stop=publications | timers):
            self.problem(publication, "no review timer follows this publication: add a timer event after it "
                                      "(the review date) before the process can end or publish again")
            return
        again = self.graph.path(after, publications, stop=timers | publications, avoid=timers)
        if again:
            self.problem(publication, "the policy could be published again without waiting for its review timer: "
                                      f"{_arrow([publication, *again])}")


def conformance_problems(bundle: ProcessBundle) -> list[DiagramProblem]:
    """Every way the bundle's lifecycle process breaks the guidance (empty when it keeps it)."""
    for name, text in bundle.files.items():
        if not name.endswith(".bpmn"):
            continue
        root = parse_xml(name, text.encode())
        for process in root.iter("{*}process"):
            if process.get("id") == bundle.process_id:
                return _Guard(name, process, flow_graph(process), bundle.forms).check()
    return []
