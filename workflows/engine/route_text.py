"""Dry-run routes as a designer reads them: steps by name, and why a route ended.

A route is a list of element ids; the page and the API also give each step's name
from the diagram ("Consolidate and revise"), and say how it ended in words. A loop
says where the route went back and after which answer ("back to Consolidate and
revise after Employer sign-off: decision = changes_requested"), and whether the
guidance expects it: a sign-off's request for changes (its outcome field, ``x-role:
outcome``, with a value other than ``x-approvedWhen``) sends the policy back for
revision and through the sign-offs again, and the revision may send it back to have its
risks assessed again, as often as the manager asks; any other loop is the diagram's own.
"""
from __future__ import annotations

import json
from collections import deque

from workflows.engine.flow_graph import flow_graph
from workflows.engine.specs import parse_xml, process_elements
from workflows.forms import meaning as form_meaning

_SIGNOFF_STEPS = ("employer_signoff", "insurer_signoff", "information_governance", "ratification")
_RISK_STEPS = ("risk_assessment", "risk_reassessment")
_TIMER = " (timer)"


class RouteText:
    def __init__(self, files: dict[str, str], process_id: str):
        self.names: dict[str, str] = {}
        self.steps: dict[str, str] = {}
        self.forms: dict[str, str] = {}
        self.form_texts = {name.removeprefix("forms/"): text for name, text in files.items()
                           if name.endswith(".json")}
        for name, text in files.items():
            if not name.endswith(".bpmn"):
                continue
            for process in parse_xml(name, text.encode()).iter("{*}process"):
                graph = flow_graph(process)
                for node_id, node in graph.nodes.items():
                    self.names[node_id] = " ".join((node.get("name") or node_id).split())
                    props = graph.props(node_id)
                    if props.get("lifecycleStep"):
                        self.steps[node_id] = props["lifecycleStep"]
                    if props.get("formJsonSchemaFilename"):
                        self.forms[node_id] = props["formJsonSchemaFilename"]
        self._parsed_forms: dict[str, dict] = {}

    def name(self, step: str) -> str:
        """A route step (an element id, or "id (timer)") by its name in the diagram."""
        element = step.removesuffix(_TIMER)
        name = self.names.get(element, element)
        return f"{name} (timer)" if step.endswith(_TIMER) else name

    def ending(self, outcome: str, element: str | None, message: str) -> str:
        where = self.names.get(element or "", element or "")
        if outcome == "published":
            return f"published at {where}"
        if outcome == "error":
            return f"stopped at {where} with an error: {message}" if where else f"stopped with an error: {message}"
        if outcome == "stuck":
            return f"{message} (after {where})" if where else message
        return message

    def loop(self, element: str, reason: tuple[str, str] | None) -> str:
        """Where a looping route went back, after which answer, and whether the guidance expects it."""
        back_to = self.names.get(element, element)
        if reason is None:
            return f"came back to {back_to} more often than the dry run follows a loop"
        done, label = reason
        after = f"{self.names.get(done, done)}{': ' + label.replace('=', ' = ') if label else ''}"
        text = f"back to {back_to} after {after}"
        if self._changes_requested(done, label):
            return (f"{text}, again and again: the guidance expects this loop (a request for changes sends the "
                    "policy back for revision and through the sign-offs again); the dry run follows it twice")
        if self.steps.get(done) == "revision" and self.steps.get(element) in _RISK_STEPS:
            return (f"{text}, again and again: the guidance expects this loop (the revision may have the risks "
                    "assessed again, as often as the manager asks); the dry run follows it twice")
        return f"{text}, again and again: not a loop the guidance calls for; check that the route can move on"

    def _changes_requested(self, element: str, label: str) -> bool:
        if self.steps.get(element) not in _SIGNOFF_STEPS or "=" not in (label or ""):
            return False
        field, value = label.split("=", 1)
        prop = form_meaning.props(self._form(self.forms.get(element, ""))).get(field, {})
        return (prop.get("x-role") == "outcome" and "x-approvedWhen" in prop
                and value not in [str(v) for v in form_meaning.approving_values(prop)])

    def _form(self, name: str) -> dict:
        if name not in self._parsed_forms:
            try:
                self._parsed_forms[name] = json.loads(self.form_texts.get(name, "{}"))
            except ValueError:
                self._parsed_forms[name] = {}
        return self._parsed_forms[name]


def unreachable_elements(files: dict[str, str], process_id: str, reached: set[str]) -> list[str]:
    """The process's elements no route reached, leaving out what only an event from outside
    (a message, a signal, a boundary event) or an event subprocess would start."""
    missing = []
    for process in process_elements(files, process_id):
        graph = flow_graph(process)
        after_events = graph.reachable(graph.entries) - _without_events(graph)
        missing += [n for n in graph.nodes if n not in reached and n not in after_events
                    and graph.kind(n) != "boundaryEvent" and graph.nodes[n].get("triggeredByEvent") != "true"
                    and not _in_event_subprocess(graph, n)]
    return missing


def _without_events(graph) -> set[str]:
    """What the process reaches without an event: not through a boundary event (a deadline, a
    reminder) nor a wait for a message or signal from outside; what only those reach is not
    "unreachable", it waits for something the routes do not send."""
    seen, queue = set(graph.entries), deque(graph.entries)
    while queue:
        for following, _flow in graph.successors(queue.popleft()):
            node = graph.nodes[following]
            waits = graph.kind(following) == "boundaryEvent" or (
                graph.kind(following) == "intermediateCatchEvent"
                and any(next(node.iter(f"{{*}}{kind}"), None) is not None
                        for kind in ("messageEventDefinition", "signalEventDefinition")))
            if following not in seen and not waits:
                seen.add(following)
                queue.append(following)
    return seen


def _in_event_subprocess(graph, node_id: str) -> bool:
    holder = graph.holder(node_id)
    while holder is not None:
        if graph.nodes[holder].get("triggeredByEvent") == "true":
            return True
        holder = graph.holder(holder)
    return False
