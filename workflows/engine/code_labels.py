"""Names for each piece of diagram code, as a person would point at it.

When diagram code is stopped (too slow, too big), the message must say which
code: "the condition on flow approved", not "an expression". SpiffWorkflow hands
the script engine only the task and the code text, so the labels are read from
the diagram once, keyed by (element id, code text). Each label comes with the id of
the element it points at (a condition's flow, not its gateway), so a failure can be
marked on the diagram without reading an id back out of the words.
"""
from __future__ import annotations

from lxml import etree

from workflows.engine.specs import parse_xml

_EXPRESSIONS = {
    "timeDuration": "the timer expression of {owner}",
    "timeDate": "the timer expression of {owner}",
    "timeCycle": "the timer expression of {owner}",
    "loopCardinality": "the multi-instance count of {owner}",
    "completionCondition": "the completion condition of {owner}",
    "script": "the script of {owner}",
    "preScript": "the pre-script of {owner}",
    "postScript": "the post-script of {owner}",
}


def _local(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _owner(node) -> str | None:
    node = node.getparent()
    while node is not None and _local(node) in ("timerEventDefinition", "multiInstanceLoopCharacteristics",
                                                "extensionElements"):
        node = node.getparent()
    return node.get("id") if node is not None else None


def code_labels(files: dict[str, str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(element id, stripped code) → ("the condition on flow f1"-style label, the element it names)."""
    labels: dict[tuple[str, str], tuple[str, str]] = {}
    for name, text in files.items():
        if not name.endswith(".bpmn"):
            continue
        for node in parse_xml(name, text.encode()).iter():
            kind, code = _local(node), (node.text or "").strip()
            if not code:
                continue
            if kind == "conditionExpression":
                flow = node.getparent()
                labels[(flow.get("sourceRef"), code)] = (f"the condition on flow {flow.get('id')}", flow.get("id"))
            elif kind in _EXPRESSIONS and (owner := _owner(node)):
                labels[(owner, code)] = (_EXPRESSIONS[kind].format(owner=owner), owner)
    return labels


def label_for(labels: dict, element_id: str, code: str, is_decision: bool = False) -> tuple[str, str]:
    """The label of the code ``element_id`` is about to run, and the element that label names."""
    if is_decision:
        return f"the decision table called by {element_id}", element_id
    return labels.get((element_id, code.strip()), (f"the code of {element_id}", element_id))
