"""Whether a policy's data is enough for the code still ahead of it on another version.

Read from the version's files (nothing is run): for each flow node, what its code
reads (scripts, pre- and post-scripts, the conditions on its outgoing flows, timer and
multi-instance expressions, the inputs of the decision it calls, the variable a
publication publishes) and what it sets (its ``dataKey``, what its scripts assign,
the decision's output, a loop's items and collected output, a message's variable).
From where the policy waits, a variable is available at a node when the policy's data
has it or every way there sets it first (at a parallel join, any branch will do);
each read of a variable that is not available is reported, with the element and the
code that reads it. Event subprocesses are checked from their start, with the data
the policy has now.

``proposed_renames`` pairs a data key the old version uses, and the new one does not,
with a key the new version uses instead, when tasks of the same ``lifecycleStep``
store them: the rename a designer most likely meant.
"""
from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from difflib import SequenceMatcher

from workflows.engine.diagram_checks import properties
from workflows.engine.flow_graph import flow_graph, local
from workflows.engine.specs import parse_xml, process_elements
from workflows.scripting.builtin_functions import ALLOWED
from workflows.scripting.environment import GUARDS

_KNOWN = set(ALLOWED) | set(GUARDS) | {"True", "False", "None"}
#: What the engine hands a task of a lifecycle step before its code runs (steps.REVIEW_LEAD_VARIABLE:
#: the publication's post-script counts the review's opening back from its date).
_ENGINE_SETS = {"publication": {"review_lead_time"}}
_TIMERS = ("timeDuration", "timeDate", "timeCycle")


@dataclass(frozen=True)
class MissingRead:
    element: str
    code: str  # "post-script", "condition on flow X", ...
    name: str


def _names(text: str, mode: str) -> tuple[set[str], set[str]]:
    """(names the code reads before setting them, names it sets).

    Statements count in order, and a statement reads before it sets: ``count = count + 1``
    and ``count += 1`` read ``count`` (a policy without it would stop there with a
    NameError), ``count = 0`` then ``count += 1`` does not. Names a comprehension, a
    function or ``:=`` binds are never reads (their order inside one expression is not followed)."""
    try:
        tree = ast.parse(text.strip(), mode=mode)
    except (SyntaxError, ValueError, RecursionError):
        return set(), set()
    local = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            local |= {name.id for name in ast.walk(node.target) if isinstance(name, ast.Name)}
        elif isinstance(node, ast.arg):
            local.add(node.arg)
        elif isinstance(node, ast.NamedExpr):
            local.add(node.target.id)
    reads, stores = set(), set()
    for statement in _statements(tree):
        loads, sets = _own_names(statement)
        reads |= loads - stores - local
        stores |= sets
    return reads - _KNOWN, stores | local


_HOLDERS = (ast.stmt, ast.excepthandler, ast.match_case)


def _statements(node):
    """``node`` and the statements inside it, in the order they are written (expressions hold none)."""
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _HOLDERS):
            yield from _statements(child)


def _own_names(statement) -> tuple[set[str], set[str]]:
    """(names read, names set) by a statement itself, not by the statements nested in it."""
    loads, sets = set(), set()
    pending = [child for child in ast.iter_child_nodes(statement) if not isinstance(child, _HOLDERS)]
    if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
        loads.add(statement.target.id)
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        sets.add(statement.name)
    if isinstance(statement, ast.excepthandler) and statement.name:
        sets.add(statement.name)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                sets.add(node.id)
            elif isinstance(node.ctx, ast.Load):
                loads.add(node.id)
        elif isinstance(node, ast.alias):
            sets.add((node.asname or node.name).split(".")[0])
        pending += [child for child in ast.iter_child_nodes(node) if not isinstance(child, _HOLDERS)]
    return loads, sets


@dataclass
class _Node:
    """(code, names read, what the node itself has set when that code runs: None for all it sets)."""
    before: list[tuple[str, set[str], frozenset | None]]  # before the node's own data is set
    after: list[tuple[str, set[str], frozenset | None]]  # once it has run (post-script, outgoing conditions)
    sets: set[str]


def _decision_inputs(files: dict[str, str]) -> dict[str, set[str]]:
    found = {}
    for name, text in files.items():
        if name.endswith(".dmn"):
            for decision in parse_xml(name, text.encode()).iter("{*}decision"):
                reads = set()
                for expression in decision.iter("{*}inputExpression"):
                    reads |= _names("".join(expression.itertext()), "eval")[0]
                outputs = {output.get("name") for output in decision.iter("{*}output") if output.get("name")}
                found[decision.get("id")] = (reads, outputs)
    return found


def _own(node, tag: str):
    """The node's own ``tag`` elements (not those of the elements inside a subprocess)."""
    for child in node.iter(f"{{*}}{tag}"):
        owner = child.getparent()
        while owner is not None and owner is not node and not (local(owner) in _FLOW_OWNERS and owner.get("id")):
            owner = owner.getparent()
        if owner is node:
            yield child


_FLOW_OWNERS = {"subProcess", "transaction", "adHocSubProcess", "userTask", "scriptTask", "task", "manualTask",
                "businessRuleTask", "serviceTask", "sendTask", "receiveTask", "callActivity", "startEvent",
                "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}


def _node_facts(graph, node_id: str, decisions: dict) -> _Node:
    node, kind = graph.nodes[node_id], graph.kind(node_id)
    facts = _Node([], [], set())
    props = properties(node) if kind == "userTask" else {}
    for pre in _own(node, "preScript"):
        reads, stores = _names(pre.text or "", "exec")
        facts.before.append(("pre-script", reads, frozenset()))
        facts.sets |= stores
    loop = next(iter(_own(node, "multiInstanceLoopCharacteristics")), None)
    if loop is not None:
        for ref in loop.iter("{*}loopDataInputRef"):
            facts.before.append(("multi-instance collection", {(ref.text or "").strip()} - {""}, None))
        for item in loop.iter("{*}inputDataItem"):
            facts.sets.add(item.get("name") or item.get("id") or "")
        for ref in loop.iter("{*}loopDataOutputRef"):
            facts.sets.add((ref.text or "").strip())
        for tag in ("loopCardinality", "completionCondition"):
            for expression in loop.iter(f"{{*}}{tag}"):
                facts.before.append((tag, _names(expression.text or "", "eval")[0], None))
    for script in _own(node, "script"):  # it finds what the pre-script and the loop set, not what it sets later
        reads, stores = _names(script.text or "", "exec")
        facts.before.append(("script", reads, frozenset(facts.sets)))
        facts.sets |= stores
    for tag in _TIMERS:
        for timer in _own(node, tag):
            facts.before.append(("timer", _names(timer.text or "", "eval")[0], None))
    for called in _own(node, "calledDecisionId"):
        reads, outputs = decisions.get((called.text or "").strip(), (set(), set()))
        facts.before.append(("decision's inputs", reads, None))
        facts.sets |= outputs
    for variable in _own(node, "messageVariable"):
        facts.sets.add((variable.text or "").strip())
    for payload in _own(node, "messagePayload"):
        facts.before.append(("message payload", _names(payload.text or "", "eval")[0], None))
    facts.sets |= _ENGINE_SETS.get(props.get("lifecycleStep"), set())
    if props.get("dataKey"):
        facts.sets.add(props["dataKey"])
    elif kind == "userTask":
        facts.sets.add(node_id)
    for post in _own(node, "postScript"):
        reads, stores = _names(post.text or "", "exec")
        facts.after.append(("post-script", reads, frozenset(facts.sets)))
        facts.sets |= stores
    if props.get("publishes"):
        facts.after.append(("publication", {props["publishes"]}, None))
    for flow in graph.flows:
        if flow.source == node_id and flow.condition:
            facts.after.append((f"condition on flow {flow.id}", _names(flow.condition, "eval")[0], None))
    facts.sets.discard("")
    return facts


def missing_reads(files: dict[str, str], process_id: str, waiting: dict[str, bool], present: set[str]
                  ) -> list[MissingRead]:
    """Reads on the paths ahead of ``waiting`` ({element: whether it has started, so its
    pre-script ran}) that neither ``present`` nor the way there provides."""
    decisions = _decision_inputs(files)
    missing: dict[tuple, MissingRead] = {}
    for process in process_elements(files, process_id):
        graph = flow_graph(process)
        facts = {node_id: _node_facts(graph, node_id, decisions) for node_id in graph.nodes}
        starts = {node_id: started for node_id, started in waiting.items() if node_id in graph.nodes}
        for entry in graph.entries:
            holder = graph.holder(entry)
            if holder is not None and graph.nodes[holder].get("triggeredByEvent") == "true":
                starts.setdefault(entry, False)  # an event subprocess may start at any time
        for found in _walk(graph, facts, starts, frozenset(present)):
            missing.setdefault((found.element, found.code, found.name), found)
    return list(missing.values())


def _walk(graph, facts: dict[str, _Node], starts: dict[str, bool], present: frozenset):
    """Each read no way from ``starts`` provides. What is available only shrinks as ways are
    found, except at a join, which waits for all its incoming flows (or, when some never come
    from where the policy is, for those that do) and has what any of them brings."""
    available: dict[str, frozenset] = {node_id: present for node_id in starts}
    arrivals: dict[str, dict[str, frozenset]] = {}  # join -> {node it came from: what it brought}
    queue, rounds, limit = deque(starts), 0, 50 * len(graph.nodes) + 100
    while rounds < limit:
        while queue and rounds < limit:
            rounds += 1
            node_id = queue.popleft()
            out = available[node_id] | facts[node_id].sets
            for following, _flow in graph.successors(node_id):
                if _is_join(graph, following):
                    arrivals.setdefault(following, {})[node_id] = out
                    if len(arrivals[following]) < _incoming(graph, following):
                        continue
                    joined = frozenset().union(*arrivals[following].values())
                else:
                    known = available.get(following)
                    joined = out if known is None else known & out
                if joined != available.get(following):
                    available[following] = joined
                    queue.append(following)
        waiting = [join for join in arrivals if join not in available]
        if not waiting:
            break
        for join in waiting:  # some of its flows never come from where the policy is
            available[join] = frozenset().union(*arrivals[join].values())
            queue.append(join)
    for node_id, have in available.items():
        node = facts[node_id]
        for code, reads, provided in node.before + node.after:
            if starts.get(node_id) and code == "pre-script":
                continue  # it ran when the task started
            for name in sorted(reads - have - (node.sets if provided is None else provided)):
                yield MissingRead(node_id, code, name)


def _incoming(graph, node_id: str) -> int:
    return sum(1 for flow in graph.flows if flow.target == node_id)


def _is_join(graph, node_id: str) -> bool:
    return graph.kind(node_id) in ("parallelGateway", "inclusiveGateway") and _incoming(graph, node_id) > 1


def _keys_by_step(files: dict[str, str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name, text in files.items():
        if name.endswith(".bpmn"):
            for task in parse_xml(name, text.encode()).iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask"):
                props = properties(task)
                if props.get("lifecycleStep") and props.get("dataKey"):
                    found.setdefault(props["lifecycleStep"], set()).add(props["dataKey"])
    return found


def proposed_renames(old_files: dict[str, str], new_files: dict[str, str]) -> dict[str, str]:
    """{old key: new key} for data keys renamed between two versions (see the module docstring)."""
    old, new = _keys_by_step(old_files), _keys_by_step(new_files)
    old_all, new_all = set().union(*old.values()), set().union(*new.values())
    proposals = {}
    for step in sorted(set(old) & set(new)):
        removed, added = sorted(old[step] - new_all), sorted(new[step] - old_all)
        for before in removed:  # each with the most alike of the keys left (policy_draft_loc: policy_draft)
            if added and before not in proposals:
                after = max(added, key=lambda key: (SequenceMatcher(None, before, key).ratio(), key))
                proposals[before] = after
                added.remove(after)
    return proposals


def describe_missing(found: list[MissingRead], data: set[str], proposals: dict[str, str]) -> str:
    """One sentence per missing variable, naming what reads it and where the policy keeps it."""
    kept_in = {new: old for old, new in proposals.items() if old in data}
    sentences = []
    for item in found:
        sentence = f"{item.element}'s {item.code} reads {item.name}"
        if item.name in kept_in:
            sentence += f"; this policy keeps it in {kept_in[item.name]}"
        sentences.append(sentence)
    return "; ".join(sentences[:8]) + ("; …" if len(sentences) > 8 else "")
