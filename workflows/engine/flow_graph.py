"""A process diagram as a graph of flow nodes, read from its XML (no engine involved).

The conformance guard and the import check walk this graph. Sequence flows are
edges; an activity leads to the boundary events attached to it; an embedded
subprocess is entered at its start events and left from its end events, so the
tasks inside it count as steps on the way. Event subprocesses are not on the main
flow: each is a separate entry point, started by its own event.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from lxml import etree

from workflows.engine.diagram_checks import properties

_ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
               "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"}
_NODES = _ACTIVITIES | {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
                        "boundaryEvent", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
                        "eventBasedGateway", "complexGateway"}


def local(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


@dataclass
class Flow:
    id: str
    source: str
    target: str
    condition: str | None
    line: int | None


@dataclass
class FlowGraph:
    """Flow nodes by id, and the flows between them, of one process."""

    nodes: dict[str, etree._Element] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)  # start events of the process and its event subprocesses
    lanes: dict[str, str] = field(default_factory=dict)  # node id -> lane name
    _out: dict[str, list[Flow]] = field(default_factory=dict)
    _boundary: dict[str, list[str]] = field(default_factory=dict)
    _parent: dict[str, str] = field(default_factory=dict)  # node id -> id of the subprocess holding it

    def kind(self, node_id: str) -> str:
        return local(self.nodes[node_id])

    def props(self, node_id: str) -> dict[str, str]:
        return properties(self.nodes[node_id])

    def step(self, node_id: str) -> str | None:
        return self.props(node_id).get("lifecycleStep") if self.kind(node_id) == "userTask" else None

    def is_timer(self, node_id: str) -> bool:
        node = self.nodes[node_id]
        return (local(node) in ("intermediateCatchEvent", "boundaryEvent")
                and next(node.iter("{*}timerEventDefinition"), None) is not None)

    def outgoing(self, node_id: str) -> list[Flow]:
        """The flows a token may take on leaving ``node_id`` (an end event inside a subprocess
        leaves through the subprocess' own flows)."""
        node = self.nodes[node_id]
        if local(node) == "endEvent" and node_id in self._parent:
            return self._out.get(self._parent[node_id], [])
        return self._out.get(node_id, [])

    def successors(self, node_id: str) -> list[tuple[str, Flow | None]]:
        """(next node, the flow taken or None) for every way on from ``node_id``."""
        if self.kind(node_id) in ("subProcess", "transaction"):
            inner = [n for n, parent in self._parent.items() if parent == node_id and self.kind(n) == "startEvent"]
            if inner:
                return [(n, None) for n in inner] + [(b, None) for b in self._boundary.get(node_id, [])]
        found = [(flow.target, flow) for flow in self.outgoing(node_id) if flow.target in self.nodes]
        return found + [(b, None) for b in self._boundary.get(node_id, [])]

    def holder(self, node_id: str) -> str | None:
        """The subprocess the node is in (None at the process' top level)."""
        return self._parent.get(node_id)

    def line(self, node_id: str) -> int | None:
        return self.nodes[node_id].sourceline

    def path(self, starts, targets, avoid=frozenset(), stop=frozenset(), skip_flows=frozenset(),
             joins_wait: bool = True) -> list[str] | None:
        """The shortest path (node ids) from one of ``starts`` to one of ``targets`` that never enters
        ``avoid`` and never goes on from a node in ``stop``; None when there is none.

        A parallel join is passed only once every one of its incoming flows has been reached
        (a token that cannot arrive holds it forever); the path shown goes through the
        branch that arrived first. With ``joins_wait`` false a join passes on the first arrival:
        the question is then what follows one branch, whatever the others did.
        """
        parents: dict[str, str | None] = {}
        arrived: dict[str, set[str]] = {}
        first: dict[str, str] = {}
        queue = deque()
        for start in starts:
            if start not in avoid and start not in parents:
                parents[start] = None
                queue.append(start)
        while queue:
            node = queue.popleft()
            if node in targets:
                found = [node]
                while parents[found[-1]] is not None:
                    found.append(parents[found[-1]])
                return found[::-1]
            if node in stop:
                continue
            for following, flow in self.successors(node):
                if following in avoid or following in parents or (flow is not None and flow.id in skip_flows):
                    continue
                if joins_wait and self._is_parallel_join(following):
                    arrived.setdefault(following, set()).add(flow.id if flow is not None else node)
                    first.setdefault(following, node)
                    if len(arrived[following]) < len(self._incoming(following)):
                        continue
                    parents[following] = first[following]
                    queue.append(following)
                    continue
                parents[following] = node
                queue.append(following)
        return None

    def _incoming(self, node_id: str) -> list[Flow]:
        return [flow for flow in self.flows if flow.target == node_id]

    def _is_parallel_join(self, node_id: str) -> bool:
        return self.kind(node_id) == "parallelGateway" and len(self._incoming(node_id)) > 1

    def reachable(self, starts) -> set[str]:
        seen, queue = set(starts), deque(starts)
        while queue:
            for following, _flow in self.successors(queue.popleft()):
                if following not in seen:
                    seen.add(following)
                    queue.append(following)
        return seen


def flow_graph(process) -> FlowGraph:
    """The graph of one ``bpmn:process`` element."""
    graph = FlowGraph()
    for node in process.iter():
        kind = local(node)
        if kind in _NODES and node.get("id"):
            graph.nodes[node.get("id")] = node
            holder = node.getparent()
            while holder is not None and local(holder) not in ("process", "subProcess", "transaction",
                                                                "adHocSubProcess"):
                holder = holder.getparent()
            if holder is not None and local(holder) != "process":
                graph._parent[node.get("id")] = holder.get("id")
            if kind == "boundaryEvent" and node.get("attachedToRef"):
                graph._boundary.setdefault(node.get("attachedToRef"), []).append(node.get("id"))
        elif kind == "sequenceFlow" and node.get("id"):
            condition = next(node.iter("{*}conditionExpression"), None)
            text = (condition.text or "").strip() if condition is not None else ""
            flow = Flow(node.get("id"), node.get("sourceRef"), node.get("targetRef"), text or None, node.sourceline)
            graph.flows.append(flow)
            graph._out.setdefault(flow.source, []).append(flow)
    for lane in process.iter("{*}lane"):
        for ref in lane.iter("{*}flowNodeRef"):
            graph.lanes[(ref.text or "").strip()] = lane.get("name") or ""
    for node_id, node in graph.nodes.items():
        if local(node) != "startEvent":
            continue
        holder = graph._parent.get(node_id)
        if holder is None or graph.nodes[holder].get("triggeredByEvent") == "true":
            graph.entries.append(node_id)
    return graph
