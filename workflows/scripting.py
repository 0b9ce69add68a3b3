"""The restricted environment every diagram expression and script runs in.

Diagrams are uploaded by people, so gateway conditions, DMN cells, timer
expressions and scripts are untrusted code. They are compiled with
RestrictedPython (no dunder names, guarded attribute/item/iteration access) and
run with a small whitelist of builtins. On top of that this module refuses
``while`` loops and bounds iteration and sequence repetition, so a diagram can
neither reach the OS nor hang or exhaust the server with a one-liner.
"""
from __future__ import annotations

import ast
import datetime as _dt
import re
from contextvars import ContextVar
from functools import lru_cache
from types import CodeType

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

MAX_ITERATIONS = 100_000
MAX_SEQUENCE_LENGTH = 100_000


class UnsafeCode(ValueError):
    """An expression or script uses something the restricted environment refuses."""


class _BoundedPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, minus unbounded loops, with guarded ``*`` and ``**``."""

    def visit_While(self, node):
        self.error(node, "while loops are not allowed in diagrams; use a for loop over a list")
        return node

    def visit_FormattedValue(self, node):
        spec = node.format_spec
        parts = spec.values if isinstance(spec, ast.JoinedStr) else []
        if any(not isinstance(part, ast.Constant) for part in parts):
            self.error(node, "f-string format specs must be written out, not computed")
        elif any(int(n) > MAX_SEQUENCE_LENGTH for part in parts for n in re.findall(r"\d+", str(part.value))):
            self.error(node, f"f-string widths above {MAX_SEQUENCE_LENGTH:,} are not allowed")
        return self.node_contents_visit(node)

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        guards = {ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.Add: "_add_", ast.Mod: "_mod_"}
        guard = guards.get(type(node.op))
        if guard is None:
            return node
        func = ast.copy_location(ast.Name(guard, ast.Load()), node)
        call = ast.Call(func=func, args=[node.left, node.right], keywords=[])
        return ast.copy_location(call, node)


def _too_big(kind: str):
    raise UnsafeCode(f"{kind} would be larger than {MAX_SEQUENCE_LENGTH:,} items")


def _mul(left, right):
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(count, int):
            if len(seq) * max(count, 0) > MAX_SEQUENCE_LENGTH:
                _too_big("a repeated sequence")
    return left * right


def _add(left, right):
    if isinstance(left, (str, bytes, list, tuple)) and isinstance(right, (str, bytes, list, tuple)):
        if len(left) + len(right) > MAX_SEQUENCE_LENGTH:
            _too_big("a joined sequence")
    return left + right


_FORMAT_WIDTH = re.compile(r"%[-#0 +]*(\d+)?(?:\.(\d+))?")


def _too_wide(template: str) -> bool:
    """Whether a %-format asks for a field wider than the sequence bound."""
    return any(int(number) > MAX_SEQUENCE_LENGTH for match in _FORMAT_WIDTH.finditer(template)
               for number in match.groups() if number)


def _mod(left, right):
    if isinstance(left, str) and _too_wide(left):
        _too_big("a formatted string")
    return left % right


def _pow(base, exponent):
    if isinstance(exponent, (int, float)) and abs(exponent) > 64:
        raise UnsafeCode("exponents above 64 are not allowed in diagrams")
    return base**exponent


def _lshift(value, bits):
    if isinstance(bits, int) and bits > 64:
        raise UnsafeCode("shifts above 64 bits are not allowed in diagrams")
    return value << bits


_iterations_left: ContextVar[int] = ContextVar("iterations_left", default=MAX_ITERATIONS)


def _bounded_iter(iterable):
    """Iterate like ``iter``, drawing on one budget shared by all loops of a run."""
    for item in iterable:
        left = _iterations_left.get() - 1
        if left < 0:
            raise UnsafeCode(f"loops ran more than {MAX_ITERATIONS:,} times in one step")
        _iterations_left.set(left)
        yield item


def _range(*args):
    result = range(*args)
    if len(result) > MAX_SEQUENCE_LENGTH:
        _too_big("range()")
    return result


# In-place operators go through the same guards as their plain forms (s += s would
# otherwise double a string past every bound).
_INPLACE = {"+=": _add, "-=": lambda a, b: a - b, "*=": _mul, "/=": lambda a, b: a / b,
            "//=": lambda a, b: a // b, "%=": _mod}


_WIDTH_METHODS = {"ljust", "rjust", "center", "zfill", "expandtabs"}


def _result_length(text: str, name: str, args: tuple, kwargs: dict) -> int:
    """An upper bound of the length a string-growing method would return."""
    if name == "replace":
        old, new = (list(args) + [None, None])[:2]
        if not isinstance(old, str) or not isinstance(new, str):
            return len(text)
        return len(text) + (text.count(old) if old else len(text) + 1) * len(new)
    width = args[0] if args else next(iter(kwargs.values()), 0)
    if not isinstance(width, int):
        return len(text)
    return len(text) + width * text.count("\t") if name == "expandtabs" else max(len(text), width)


def _bounded_str_method(text: str, name: str):
    """str methods that can grow a string, checked before they allocate."""
    method = getattr(text, name)

    def bounded(*args, **kwargs):
        if _result_length(text, name, args, kwargs) > MAX_SEQUENCE_LENGTH:
            _too_big(f"str.{name}()")
        return method(*args, **kwargs)

    return bounded


def _bounded_join(separator: str):
    def join(items):
        items = list(_bounded_iter(items))
        if sum(len(i) for i in items if isinstance(i, str)) + len(separator) * len(items) > MAX_SEQUENCE_LENGTH:
            _too_big("str.join()")
        return separator.join(items)

    return join


_GROWING = _WIDTH_METHODS | {"replace", "join"}


def _getattr(obj, name, default=None):
    """RestrictedPython's safer_getattr, plus size checks on string-growing methods
    (also when taken from the ``str`` class itself, as in ``str.ljust(s, n)``)."""
    if obj is str and name in _GROWING:
        return lambda text, *args, **kwargs: _getattr(text, name)(*args, **kwargs)
    if isinstance(obj, str) and name == "join":
        return _bounded_join(obj)
    if isinstance(obj, str) and name in _GROWING:
        return _bounded_str_method(obj, name)
    return safer_getattr(obj, name, default)


class _TimeForStrftime:
    """What ``import time`` yields in a diagram: only strftime, which datetime.strftime
    imports behind the scenes. Nothing else of the time module (no sleep)."""

    def __init__(self):
        import time

        self.strftime = time.strftime


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if name == "time" and level == 0:
        return _TimeForStrftime()
    raise ImportError(f"import of '{name}' is not allowed in diagrams")


def _inplacevar(op, target, value):
    if op not in _INPLACE:
        raise UnsafeCode(f"the operator {op} is not allowed in diagrams")
    return _INPLACE[op](target, value)


_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "isinstance", "len",
                 "list", "max", "min", "round", "set", "sorted", "str", "sum", "tuple", "zip",
                 "ValueError", "KeyError", "TypeError")
}
_BUILTINS.update({"range": _range, "True": True, "False": False, "None": None, "__import__": _import})

GUARDS = {
    "__builtins__": _BUILTINS,
    "_getattr_": _getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": _bounded_iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_mul_": _mul,
    "_pow_": _pow,
    "_lshift_": _lshift,
    "_add_": _add,
    "_mod_": _mod,
    "datetime": _dt.datetime,
    "date": _dt.date,
    "timedelta": _dt.timedelta,
}


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> CodeType:
    """Compile one expression (condition, DMN cell, timer); raise UnsafeCode with the reason."""
    result = compile_restricted_eval(source.strip(), "<expression>", policy=_BoundedPolicy)
    if result.errors:
        raise UnsafeCode("; ".join(result.errors))
    return result.code


@lru_cache(maxsize=1024)
def compile_script(source: str) -> CodeType:
    """Compile one script task or pre/post script; raise UnsafeCode with the reason."""
    result = compile_restricted_exec(source, "<script>", policy=_BoundedPolicy)
    if result.errors:
        raise UnsafeCode("; ".join(result.errors))
    return result.code


class RestrictedEnvironment(TaskDataEnvironment):
    """SpiffWorkflow's task-data environment with every eval/exec made restricted."""

    def __init__(self):
        super().__init__(environment_globals={})

    def evaluate(self, expression, context, external_context=None):
        scope = {**(external_context or {}), **context, **GUARDS}
        _iterations_left.set(MAX_ITERATIONS)
        return eval(compile_expression(expression), scope)

    def execute(self, script, context, external_context=None):
        scope = {**(external_context or {}), **context, **GUARDS}
        _iterations_left.set(MAX_ITERATIONS)
        exec(compile_script(script), scope)
        # Names RestrictedPython lets a script create never start with "_", so what is
        # left after removing our guards and callables is the script's data.
        kept = {key: value for key, value in scope.items()
                if key not in GUARDS and not key.startswith("_") and not callable(value)
                and not isinstance(value, _TimeForStrftime) and key not in (external_context or {})}
        for key in set(context) - set(kept):
            del context[key]
        context.update(kept)
        return True


def restricted_script_engine() -> PythonScriptEngine:
    """The only script engine a policy workflow may run with."""
    return PythonScriptEngine(environment=RestrictedEnvironment())
