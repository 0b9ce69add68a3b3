"""Which way a gateway goes when a sign-off requests changes, read from its conditions' text.

The conformance guard must know which flows a "changes requested" decision can take,
without running diagram code outside the sandbox. Conditions that compare the
sign-off's decision field with constants (``employer_signoff["decision"] == "approved"``,
``.get("decision") != "approved"``, ``in (...)``, combined with ``and``/``or``/``not``)
are read here; any other condition counts as "may be taken", so an unusual way of
writing a condition can make the guard stricter, never weaker.
"""
from __future__ import annotations

import ast

UNKNOWN = None


def _outcome_access(node, data_key: str, field: str) -> bool:
    """``data_key["field"]`` or ``data_key.get("field"…)``."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == data_key:
        return isinstance(node.slice, ast.Constant) and node.slice.value == field
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == data_key and node.args):
        return isinstance(node.args[0], ast.Constant) and node.args[0].value == field
    return False


def _constants(node) -> list | None:
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(isinstance(e, ast.Constant) for e in node.elts):
        return [e.value for e in node.elts]
    return None


def _compare(node: ast.Compare, data_key, field, value):
    if len(node.ops) != 1:
        return UNKNOWN
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if _outcome_access(right, data_key, field) and isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
        left, right = right, left
    if not _outcome_access(left, data_key, field):
        return UNKNOWN
    constants = _constants(right)
    if constants is None:
        return UNKNOWN
    if isinstance(op, (ast.Eq, ast.Is)) and len(constants) == 1 and isinstance(right, ast.Constant):
        return value == constants[0]
    if isinstance(op, (ast.NotEq, ast.IsNot)) and len(constants) == 1 and isinstance(right, ast.Constant):
        return value != constants[0]
    if isinstance(op, ast.In) and not isinstance(right, ast.Constant):
        return value in constants
    if isinstance(op, ast.NotIn) and not isinstance(right, ast.Constant):
        return value not in constants
    return UNKNOWN


def _truth(node, data_key, field, value):
    if isinstance(node, ast.Compare):
        return _compare(node, data_key, field, value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _truth(node.operand, data_key, field, value)
        return UNKNOWN if inner is UNKNOWN else not inner
    if isinstance(node, ast.BoolOp):
        parts = [_truth(v, data_key, field, value) for v in node.values]
        if isinstance(node.op, ast.And):
            return False if False in parts else (UNKNOWN if UNKNOWN in parts else True)
        return True if True in parts else (UNKNOWN if UNKNOWN in parts else False)
    if isinstance(node, ast.Constant):
        return bool(node.value)
    return UNKNOWN


def holds(condition: str, data_key: str, field: str, value) -> bool | None:
    """Whether ``condition`` holds when ``data_key[field] == value``: True, False or None (cannot tell)."""
    try:
        tree = ast.parse(condition.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return UNKNOWN
    return _truth(tree.body, data_key, field, value)
