"""What a diagram's code reads: the variables it names and the fields it looks up.

The dry run varies only the answers code can see (a field a condition, script or
decision reads by name), and treats two workflow states as the same route when
they agree on everything code reads. Read from the code's text with ``ast``;
nothing is run.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from workflows.engine.diagram_checks import _DMN_QUESTION_MARK
from workflows.engine.flow_graph import local
from workflows.engine.specs import parse_xml

_CODE = ("conditionExpression", "timeDuration", "timeDate", "timeCycle", "completionCondition", "loopCardinality",
         "script", "preScript", "postScript")


@dataclass(frozen=True)
class CodeReads:
    names: frozenset[str]
    fields: frozenset[str]

    def project(self, data: dict) -> tuple:
        """The part of ``data`` code can read, as a hashable value."""
        return tuple(sorted((name, _frozen(self._keep(value))) for name, value in data.items() if name in self.names))

    def _keep(self, value):
        if isinstance(value, dict):
            return {k: self._keep(v) for k, v in value.items() if k in self.fields}
        if isinstance(value, list):
            return [self._keep(v) for v in value]
        return value


def _frozen(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def _texts(files: dict[str, str]):
    for name, text in files.items():
        if not name.endswith((".bpmn", ".dmn")):
            continue
        for node in parse_xml(name, text.encode()).iter():
            kind = local(node)
            if kind in _CODE:
                yield node.text or "", kind.startswith(("script", "pre", "post"))
            elif kind in ("inputExpression", "outputEntry"):
                yield "".join(node.itertext()), False
            elif kind == "inputEntry":
                yield _DMN_QUESTION_MARK.sub("dmninputexpr", "".join(node.itertext())), False


def code_reads(files: dict[str, str]) -> CodeReads:
    names, fields = set(), set()
    for text, is_script in _texts(files):
        try:
            tree = ast.parse(text.strip(), mode="exec" if is_script else "eval")
        except (SyntaxError, ValueError, RecursionError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                fields.add(str(node.slice.value))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                  and node.args and isinstance(node.args[0], ast.Constant)):
                fields.add(str(node.args[0].value))
            elif isinstance(node, ast.Attribute):
                fields.add(node.attr)
    return CodeReads(frozenset(names), frozenset(fields))
