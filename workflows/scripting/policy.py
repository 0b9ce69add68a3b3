"""What diagram code may be written, decided when it is compiled (at deploy time).

RestrictedPython's policy keeps dunders and unguarded attribute, item and iteration
access out. This one also refuses what no run-time budget can see: ``while`` loops,
function and class definitions (recursion such as ``f(n+1) + f(n+1)`` is exponential
in a few lines), ``yield``/``await``, and format widths that are computed or too wide.
It routes every operator that can build a large object through a guard of
``operators.py``.
"""
from __future__ import annotations

import ast
from functools import lru_cache
from types import CodeType

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec

from workflows.scripting.budget import MAX_SEQUENCE_LENGTH, UnsafeCode
from workflows.scripting.formats import format_spec_widths, percent_conversions

_OPERATOR_GUARDS = {
    ast.Add: "_add_", ast.Sub: "_sub_", ast.Mult: "_mul_", ast.FloorDiv: "_floordiv_", ast.Mod: "_mod_",
    ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.BitOr: "_or_", ast.BitXor: "_xor_", ast.BitAnd: "_and_",
}


def _call(guard: str, args: list, like: ast.AST) -> ast.Call:
    call = ast.Call(func=ast.Name(guard, ast.Load()), args=args, keywords=[])
    return ast.fix_missing_locations(ast.copy_location(call, like))


def _keyed(node: ast.AST) -> ast.AST:
    """A dict key or set member written in a display: hashed, so charged, unless written out."""
    return node if isinstance(node, ast.Constant) else _call("_key_", [node], node)


class BoundedPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, minus unbounded constructs, with guarded operators."""

    def visit_While(self, node):
        self.error(node, "while loops are not allowed in diagrams; use a for loop over a list")
        return node

    def visit_FunctionDef(self, node):
        self.error(node, "function definitions (def) are not allowed in diagrams; write the steps out")
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self.error(node, "lambda functions are not allowed in diagrams")
        return node

    def visit_ClassDef(self, node):
        self.error(node, "class statements are not allowed in diagrams")
        return node

    def visit_Yield(self, node):
        self.error(node, "yield is not allowed in diagrams")
        return node

    visit_YieldFrom = visit_Yield

    def visit_Await(self, node):
        self.error(node, "await is not allowed in diagrams")
        return node

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        guard = _OPERATOR_GUARDS.get(type(node.op))
        if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
            self._check_percent_template(node.left)
        return node if guard is None else _call(guard, [node.left, node.right], node)

    def _check_percent_template(self, template: ast.Constant) -> None:
        """A written-out %-template is checked now, so deploy reports it."""
        text = template.value
        if isinstance(text, bytes):
            text = text.decode("latin-1")
        if isinstance(text, str):
            try:
                for _ in percent_conversions(text):
                    pass
            except UnsafeCode as refusal:
                self.error(template, str(refusal))

    def visit_Compare(self, node):
        """Comparing two computed values pays for their size (see ``constructs.compared``);
        a side written out in the code bounds the work by itself, so costs nothing."""
        node = self.node_contents_visit(node)
        operands = [node.left, *node.comparators]
        charged = set()
        for index, op in enumerate(node.ops):
            left, right = operands[index], operands[index + 1]
            if isinstance(op, (ast.In, ast.NotIn)):
                charged.add(index)
            elif not isinstance(op, (ast.Is, ast.IsNot)) and not isinstance(left, ast.Constant) \
                    and not isinstance(right, ast.Constant):
                charged.update((index, index + 1))
        guarded = [_call("_compared_", [operand], operand) if index in charged and not isinstance(operand, ast.Constant)
                   else operand for index, operand in enumerate(operands)]
        node.left, node.comparators = guarded[0], [
            _call("_contained_in_", [right], right) if isinstance(op, (ast.In, ast.NotIn)) else right
            for op, right in zip(node.ops, guarded[1:], strict=True)]
        return node

    def visit_JoinedStr(self, node):
        """f"...{value!r:>10}..." becomes _fstring_("...", _fvalue_(value, 114, ">10"), "...")."""
        pieces = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                spec = self._written_spec(part)
                value = self.visit(part.value)
                pieces.append(_call("_fvalue_", [value, ast.Constant(part.conversion), ast.Constant(spec)], part))
            else:
                pieces.append(part)
        return _call("_fstring_", pieces, node)

    def _written_spec(self, field: ast.FormattedValue) -> str:
        spec = field.format_spec
        parts = spec.values if isinstance(spec, ast.JoinedStr) else []
        if any(not isinstance(part, ast.Constant) for part in parts):
            self.error(field, "f-string format specs must be written out, not computed")
            return ""
        text = "".join(str(part.value) for part in parts)
        if max(format_spec_widths(text)) > MAX_SEQUENCE_LENGTH:
            self.error(field, f"f-string widths above {MAX_SEQUENCE_LENGTH:,} are not allowed")
        return text

    def _display(self, node, kind: str):
        node = self.node_contents_visit(node)
        starred = tuple(index for index, element in enumerate(node.elts) if isinstance(element, ast.Starred))
        if not starred or not isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            return node
        values = [element.value if isinstance(element, ast.Starred) else element for element in node.elts]
        return _call("_display_", [ast.Constant(kind), ast.Constant(starred), *values], node)

    def visit_List(self, node):
        return self._display(node, "list")

    def visit_Tuple(self, node):
        return self._display(node, "tuple")

    def visit_DictComp(self, node):
        node = self.node_contents_visit(node)
        node.key = _call("_key_", [node.key], node.key)
        return node

    def visit_SetComp(self, node):
        node = self.node_contents_visit(node)
        node.elt = _call("_key_", [node.elt], node.elt)
        return node

    def visit_Set(self, node):
        """``{a, b}``: each member is hashed, and charged (``hashing.py``)."""
        node = self._display(node, "set")
        if isinstance(node, ast.Set):
            node.elts = [_keyed(element) for element in node.elts]
        return node

    def visit_Dict(self, node):
        node = self.node_contents_visit(node)
        node.keys = [None if key is None else _keyed(key) for key in node.keys]
        unpacked = tuple(index for index, key in enumerate(node.keys) if key is None)
        if not unpacked:
            return node
        pieces = [value if key is None else ast.Tuple([key, value], ast.Load())
                  for key, value in zip(node.keys, node.values, strict=True)]
        return _call("_dict_display_", [ast.Constant(unpacked), *pieces], node)


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> CodeType:
    """Compile one expression (condition, DMN cell, timer); raise UnsafeCode with the reason."""
    result = compile_restricted_eval(source.strip(), "<expression>", policy=BoundedPolicy)
    if result.errors:
        raise UnsafeCode("; ".join(result.errors))
    return result.code


@lru_cache(maxsize=1024)
def compile_script(source: str) -> CodeType:
    """Compile one script task or pre/post script; raise UnsafeCode with the reason."""
    result = compile_restricted_exec(source, "<script>", policy=BoundedPolicy)
    if result.errors:
        raise UnsafeCode("; ".join(result.errors))
    return result.code
