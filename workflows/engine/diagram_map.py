"""What the app reads from a diagram's own metadata: where each step keeps its data.

Pages and the publication need the risk assessment, the consultation answers, the
draft, the rating and the warning signs. None of them is found by element id or
variable name written in Python: each is found through the ``spiffworkflow:property``
entries of the diagram (``lifecycleStep``, ``dataKey``, ``publishes``,
``warningSigns``, ``reviewContext``, ``formStartsFrom``), through multi-instance
output collections, and through the DMN decision a business rule task calls. The
map is read from the stored files (never by running the workflow) and cached per
diagram version.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field

from workflows.engine.diagram_checks import CONTEXT_PARTS, FORM_PROPERTY, properties
from workflows.engine.specs import ProcessBundle, parse_xml

#: Lifecycle steps whose tasks decide on the policy (their forms carry an "outcome" field).
SIGNOFF_STEPS = ("employer_signoff", "insurer_signoff")
DECISION_STEPS = (*SIGNOFF_STEPS, "review")
DEFAULT_CONTEXT = ("draft",)
__all__ = ["CONTEXT_PARTS", "DEFAULT_CONTEXT", "DECISION_STEPS", "SIGNOFF_STEPS", "DiagramMap", "RatingRule",
           "StepTask", "diagram_map", "merged_form", "score_range"]
_CACHED = 32


@dataclass(frozen=True)
class StepTask:
    """A user task of the diagram, as its properties describe it."""

    element_id: str
    title: str
    lane: str | None
    lifecycle_step: str | None
    data_key: str
    form: str | None
    #: For a multi-instance task: the variable collecting every instance's answers.
    collection: str | None = None
    review_context: tuple[str, ...] = DEFAULT_CONTEXT
    starts_from: str | None = None


@dataclass(frozen=True)
class RatingRule:
    """One row of the risk rating decision: the rating it gives, its description, its score range."""

    rating: str
    description: str
    lowest: int | None = None   # inclusive
    below: int | None = None    # exclusive


@dataclass(frozen=True)
class DiagramMap:
    tasks: dict[str, StepTask]
    draft_key: str | None = None
    rating_key: str | None = None
    rating_rules: tuple[RatingRule, ...] = ()
    warning_key: str | None = None
    anonymous_forms: frozenset[str] = field(default_factory=frozenset)
    #: The variable holding the rating before mitigations (``riskRating`` "initial"); a diagram
    #: rating once has one rating for both.
    initial_rating_key: str | None = None
    #: How many incidents within twelve months open an early review by themselves (the diagram's
    #: ``earlyReviewAfterIncidents`` property, on any element; 0 turns it off).
    early_review_after_incidents: int = 3

    def ratings(self, data: dict) -> tuple[str | None, str | None]:
        """(the residual rating of the latest assessment, its initial rating) from workflow data.
        Until a residual rating exists, the initial rating is the best the policy has."""
        initial = data.get(self.initial_rating_key) if self.initial_rating_key else None
        residual = data.get(self.rating_key) if self.rating_key else None
        initial = str(initial) if initial is not None else None
        return (str(residual) if residual is not None else initial), initial

    def of_step(self, *steps: str) -> list[StepTask]:
        return [task for task in self.tasks.values() if task.lifecycle_step in steps]

    def storing(self, key: str | None) -> list[StepTask]:
        """The tasks whose answers are saved under ``key``."""
        return [task for task in self.tasks.values() if key and task.data_key == key]


def diagram_map(bundle: ProcessBundle) -> DiagramMap:
    """The map of a deployed bundle (read once per diagram version)."""
    found = _MAPS.get(bundle.content_hash)
    if found is None:
        found = _read(bundle)
        _MAPS[bundle.content_hash] = found
        while len(_MAPS) > _CACHED:
            _MAPS.popitem(last=False)
    return found


_MAPS: OrderedDict[str, DiagramMap] = OrderedDict()


def _read(bundle: ProcessBundle) -> DiagramMap:
    roots = {name: parse_xml(name, text.encode()) for name, text in bundle.files.items()
             if name.endswith((".bpmn", ".dmn"))}
    tasks, draft_key, warning_key, decisions, incident_limit = {}, None, None, [], None
    for name, root in roots.items():
        if not name.endswith(".bpmn"):
            continue
        lanes = {(ref.text or "").strip(): lane.get("name") for lane in root.iter("{*}lane")
                 for ref in lane.iter("{*}flowNodeRef")}
        for node in root.iter():
            if not isinstance(node.tag, str) or not node.get("id"):
                continue
            props = properties(node)
            warning_key = warning_key or props.get("warningSigns")
            if incident_limit is None and (props.get("earlyReviewAfterIncidents") or "").strip().isdigit():
                incident_limit = int(props["earlyReviewAfterIncidents"])
            if node.tag.endswith("}userTask"):
                task = _step_task(node, props, lanes)
                tasks[task.element_id] = task
                if props.get("lifecycleStep") == "publication" and props.get("publishes"):
                    draft_key = props["publishes"]
            elif node.tag.endswith("}businessRuleTask"):
                called = next((child.text for child in node.iter("{*}calledDecisionId") if child.text), None)
                if called:
                    decisions.append((called.strip(), props.get("riskRating")))
    residual = [d for d, kind in decisions if kind == "residual"] or [d for d, kind in decisions if kind != "initial"]
    initial = [d for d, kind in decisions if kind == "initial"]
    rating_key, rules = _rating(roots, residual or initial)
    initial_key, initial_rules = _rating(roots, initial) if initial else (rating_key, rules)
    anonymous = frozenset(name for name, form in bundle.forms.items() if form.get("x-anonymous"))
    return DiagramMap(tasks, draft_key, rating_key or initial_key, rules or initial_rules, warning_key, anonymous,
                      initial_key, 3 if incident_limit is None else incident_limit)


def _enclosing(node) -> list:
    """The task and the subprocesses around it, innermost first."""
    found = [node]
    parent = node.getparent()
    while parent is not None and isinstance(parent.tag, str) and parent.tag.endswith("}subProcess"):
        found.append(parent)
        parent = parent.getparent()
    return found


def _step_task(node, props: dict, lanes: dict) -> StepTask:
    # A per-person step may be a multi-instance task, or a task inside a multi-instance subprocess
    # (one for each member of staff); its answers are collected in that loop's output.
    around = _enclosing(node)
    loops = [child for element in around for child in element if isinstance(child.tag, str)
             and child.tag.endswith("}multiInstanceLoopCharacteristics")]
    output = next(loops[0].iter("{*}loopDataOutputRef"), None) if loops else None
    context = props.get("reviewContext")
    collection = (output.text or "").strip() if output is not None else ""
    lane = next((lanes[element.get("id")] for element in around if element.get("id") in lanes), None)
    return StepTask(
        element_id=node.get("id"), title=node.get("name") or node.get("id"), lane=lane,
        lifecycle_step=props.get("lifecycleStep"), data_key=props.get("dataKey") or node.get("id"),
        form=props.get(FORM_PROPERTY), collection=collection or None,
        review_context=tuple(context.split()) if context is not None else DEFAULT_CONTEXT,
        starts_from=props.get("formStartsFrom") or None)


def _rating(roots: dict, decision_ids: list[str]) -> tuple[str | None, tuple[RatingRule, ...]]:
    """The variable the first of these risk decisions writes, and its rules with the score range each covers."""
    for root in roots.values():
        for decision in root.iter("{*}decision"):
            if not decision_ids or decision.get("id") != decision_ids[0]:
                continue
            output = next(decision.iter("{*}output"), None)
            rules = []
            for rule in decision.iter("{*}rule"):
                cell = next(rule.iter("{*}inputEntry"), None)
                result = next(rule.iter("{*}outputEntry"), None)
                description = next(rule.iter("{*}description"), None)
                lowest, below = score_range(_text(cell))
                rules.append(RatingRule(_text(result).strip("\"'"), _text(description), lowest, below))
            return (output.get("name") if output is not None else None), tuple(rules)
    return None, ()


def _text(node) -> str:
    return "".join(node.itertext()).strip() if node is not None else ""


_COMPARISONS = [
    (re.compile(r"^<\s*(\d+)$"), lambda m: (None, int(m[1]))),
    (re.compile(r"^<=\s*(\d+)$"), lambda m: (None, int(m[1]) + 1)),
    (re.compile(r"^>=\s*(\d+)$"), lambda m: (int(m[1]), None)),
    (re.compile(r"^>\s*(\d+)$"), lambda m: (int(m[1]) + 1, None)),
    (re.compile(r"^(\d+)\s*(<=?)\s*\?\s*(<=?)\s*(\d+)$"),
     lambda m: (int(m[1]) + (m[2] == "<"), int(m[4]) + (m[3] == "<="))),
]


def score_range(cell: str) -> tuple[int | None, int | None]:
    """(lowest, below) of a DMN cell such as ``< 8``, ``8 <= ? < 15`` or ``>= 15``; (None, None) otherwise."""
    for pattern, bounds in _COMPARISONS:
        match = pattern.match(cell.strip())
        if match:
            return bounds(match)
    return None, None


def merged_form(bundle: ProcessBundle, tasks: list[StepTask]) -> dict:
    """One form with every field of the tasks' forms (e.g. the draft's, and the revision's with
    its notes), in order; the first form's rules. What a variable several tasks write can hold."""
    merged: dict = {"type": "object", "properties": {}, "required": [], "allOf": []}
    for task in tasks:
        form = bundle.forms.get(task.form or "", {})
        for name, prop in form.get("properties", {}).items():
            merged["properties"].setdefault(name, prop)
        if not merged["allOf"]:
            merged["allOf"] = list(form.get("allOf", []))
            merged["required"] = list(form.get("required", []))
    return merged
