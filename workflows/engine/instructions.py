"""A user task's instructions: its diagram's Jinja template, filled in as plain text.

The template (``instructionsForEndUser``) comes from an uploaded diagram, so it is
untrusted like any diagram code. It renders in Jinja's immutable sandbox (no dunders,
no changing data), and on top of that under the same bounds as diagram scripts
(``workflows.scripting``): one budget per render for loop iterations and for what the
template builds; operators, ``~``, methods, ``str.format`` and filters check the size
of their result before building it; ``range`` is bounded and drawn from the budget;
macros, blocks, includes and recursive loops (the template's ways to recurse) are
refused. The text is cut at ``MAX_INSTRUCTIONS_LENGTH`` characters, saying so. Any
error or refusal gives the raw template followed by a short note: instructions never
stop a task page from showing.
"""
from __future__ import annotations

import operator
from functools import lru_cache, update_wrapper
from string import Formatter

from jinja2 import nodes
from jinja2.filters import FILTERS
from jinja2.runtime import Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace, _PassArg

from workflows.scripting import budget, operators
from workflows.scripting.budget import (
    MAX_INT_DIGITS,
    MAX_SEQUENCE_LENGTH,
    UnsafeCode,
    charge,
    check_length,
    collect,
    refuse,
    too_big,
)
from workflows.scripting.builtin_functions import dict_, range_
from workflows.scripting.formats import format_spec_widths, percent_cost
from workflows.scripting.hashing import check_keys
from workflows.scripting.methods import bounded_method
from workflows.scripting.sizes import text_cost, text_size
from workflows.scripting.text_methods import checked_int, int_from_text

MAX_INSTRUCTIONS_LENGTH = 20_000
# Macros, blocks and call blocks can recurse; set and filter blocks gather their output
# in memory, out of reach of the cut applied to what is shown; the rest needs files.
_REFUSED_TAGS = {nodes.Macro: "macros", nodes.CallBlock: "call blocks", nodes.Block: "blocks",
                 nodes.AssignBlock: "set blocks", nodes.FilterBlock: "filter blocks",
                 nodes.Extends: "extends tags", nodes.Include: "include tags", nodes.Import: "import tags",
                 nodes.FromImport: "import tags"}
_BINARY = {"+": operators.add, "-": operators.sub, "*": operators.mul, "/": operator.truediv,
           "//": operators.floordiv, "%": operators.mod, "**": operators.pow_}


def _shown(value) -> None:
    """Refuse writing out a value whose text would be huge; charge the text."""
    if isinstance(value, str):
        charge(len(value))
        return
    size, work = text_cost(value, MAX_SEQUENCE_LENGTH)
    if size > MAX_SEQUENCE_LENGTH:
        too_big("a value shown in the instructions")
    charge(size + work)


def _width(args, kwargs, name: str, default: int = 0):
    value = args[0] if args else kwargs.get(name, default)
    return value if isinstance(value, int) else default


def _indent_check(text, args, kwargs):
    pad = args[0] if args else kwargs.get("width", 4)
    pad_length = len(pad) if isinstance(pad, str) else pad if isinstance(pad, int) else 0
    check_length(len(str(text)) + (str(text).count("\n") + 1) * pad_length, "the indent filter")


def _wordwrap_check(text, args, kwargs):
    wrap = (list(args) + [None, None, None])[2] or kwargs.get("wrapstring") or "\n"
    length = len(str(text))
    check_length(length + (length + str(text).count("\n") + 1) * len(str(wrap)), "the wordwrap filter")


def _join_check(items, args, kwargs):
    separator = str(args[0] if args else kwargs.get("d", ""))
    check_length(text_size(items, MAX_SEQUENCE_LENGTH) + len(separator) * len(items), "the join filter")


def _round_check(value, args, kwargs):
    if abs(_width(args, kwargs, "precision")) > MAX_INT_DIGITS:
        refuse(f"the round filter rounds to at most {MAX_INT_DIGITS:,} digits")


def _sum_check(items, args, kwargs):
    if isinstance((list(args) + [None, None])[1] or kwargs.get("start"), (list, tuple)):
        refuse("the sum filter adds numbers only in instructions")


# Filters that write their value out as text, and extra checks of those that can grow it.
_TEXT_FILTERS = {"capitalize", "center", "e", "escape", "forceescape", "format", "indent", "lower", "replace",
                 "safe", "string", "striptags", "title", "tojson", "trim", "truncate", "upper", "urlencode",
                 "urlize", "wordcount", "wordwrap", "xmlattr"}
_COLLECTED = {"list", "sum", "unique", "sort", "groupby", "join", "batch", "slice", "last", "max", "min",
              "random", "reverse", "dictsort"}
_CHECKS = {
    "center": lambda text, a, k: check_length(max(len(str(text)), _width(a, k, "width", 80)), "the center filter"),
    "indent": _indent_check,
    "replace": lambda text, a, k: check_length(
        len(str(text)) + (str(text).count(str(a[0])) if a and a[0] else len(str(text)) + 1)
        * len(str(a[1] if len(a) > 1 else "")), "the replace filter"),
    "format": lambda text, a, k: check_length(percent_cost(str(text), k or a)[0], "the format filter"),
    "wordwrap": _wordwrap_check,
    "join": _join_check,
    "tojson": lambda value, a, k: check_length(6 * text_size(value, MAX_SEQUENCE_LENGTH, "r"), "the tojson filter"),
    "batch": lambda items, a, k: check_length(_width(a, k, "linecount"), "the batch filter"),
    "slice": lambda items, a, k: check_length(_width(a, k, "slices"), "the slice filter"),
    "sum": _sum_check,
    "unique": lambda items, a, k: check_keys(items),
    "int": lambda value, a, k: int_from_text(value, "the int filter"),
    "round": _round_check,
}


def _guarded_filter(name: str, function):
    """A Jinja filter that checks its input (and what it may grow to) before running."""
    offset = 0 if _PassArg.from_obj(function) is None else 1  # environment or context comes first
    check = _CHECKS.get(name)

    def guarded(*args, **kwargs):
        args = list(args)
        if name in _COLLECTED and len(args) > offset:
            args[offset] = collect(args[offset], f"the {name} filter")
        value, rest = (args[offset] if len(args) > offset else None), args[offset + 1:]
        if name in _TEXT_FILTERS:
            _shown(value)
        if check is not None:
            check(value, rest, kwargs)
        result = function(*args, **kwargs)
        if isinstance(result, str):
            charge(len(result))
        elif isinstance(result, int) and not isinstance(result, bool):
            checked_int(result, f"the {name} filter")
        return result

    return update_wrapper(guarded, function)


def _concat(values) -> str:
    """``a ~ b ~ c``: measured before joining."""
    for value in values:
        _shown(value)
    texts = [value if isinstance(value, str) else str(value) for value in values]
    check_length(sum(map(len, texts)), "a joined text")
    return "".join(texts)


def _range(*args):
    result = range_(*args)
    charge(len(result))
    return result


class _InstructionsEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the diagram-code bounds on operators and methods."""

    intercepted_binops = frozenset(_BINARY)

    def __init__(self):
        super().__init__(autoescape=False, finalize=self._finalize)
        self.filters = {name: _guarded_filter(name, function) for name, function in FILTERS.items()
                        if name != "pprint"}
        self.filters.update({"instructions.loop": budget.bounded_iter, "instructions.concat": _concat})
        self.globals = {"range": _range, "dict": dict_, "namespace": Namespace, "cycler": Cycler,
                        "joiner": Joiner}

    @staticmethod
    def _finalize(value):
        _shown(value)
        return value

    def call_binop(self, context, operator, left, right):
        return _BINARY[operator](left, right)

    def getattr(self, obj, attribute):
        return self._bounded(obj, attribute, super().getattr(obj, attribute))

    def getitem(self, obj, argument):
        if type(argument) is slice and isinstance(obj, (str, bytes, list, tuple)):
            charge(len(range(*argument.indices(len(obj)))))
        value = super().getitem(obj, argument)
        return self._bounded(obj, argument, value) if isinstance(argument, str) else value

    @staticmethod
    def _bounded(obj, name: str, value):
        """A method the sandbox allows, swapped for its bounded version (never one it refused)."""
        if isinstance(value, Undefined) or not callable(value) or name in ("format", "format_map"):
            return value
        method = bounded_method(obj, name)
        return value if method is None else method

    def wrap_str_format(self, value):
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        template, is_map = value.__self__, value.__name__ == "format_map"

        def bounded(*args, **kwargs):
            _check_format(template, args[0].values() if is_map and args and isinstance(args[0], dict)
                          else [*args, *kwargs.values()])
            return wrapper(*args, **kwargs)

        return bounded


_ENVIRONMENT = _InstructionsEnvironment()


def _check_format(template: str, values) -> None:
    """``str.format`` in a template: widths written out and bounded, fields measured."""
    largest = max((text_size(value, MAX_SEQUENCE_LENGTH, "a") for value in values), default=0)
    total = 0
    for literal, field, spec, _conversion in Formatter().parse(template):
        total += len(literal)
        if field is not None:
            if "{" in (spec or ""):
                refuse("format widths must be written out, not computed")
            width, precision = format_spec_widths(spec or "")
            total += max(width, largest + precision)
        if total > MAX_SEQUENCE_LENGTH:
            too_big("a formatted text")
    charge(total)


@lru_cache(maxsize=256)
def _prepared(template: str):
    """Parse the template, refuse what could recurse, and route loops and ``~`` through the
    budget. Compiled templates are kept: a task page renders the same few again and again."""
    environment = _ENVIRONMENT
    tree = environment.parse(template)
    for tag, label in _REFUSED_TAGS.items():
        if any(True for _ in tree.find_all(tag)):
            refuse(f"{label} are not allowed in instructions")
    for loop in tree.find_all(nodes.For):
        if loop.recursive:
            refuse("recursive loops are not allowed in instructions")
        loop.iter = nodes.Filter(loop.iter, "instructions.loop", [], [], None, None, lineno=loop.lineno)
    for concat in list(tree.find_all(nodes.Concat)):
        concat.nodes = [nodes.Filter(nodes.List(concat.nodes, lineno=concat.lineno), "instructions.concat",
                                     [], [], None, None, lineno=concat.lineno)]
    tree.set_environment(environment)
    return environment.from_string(tree)


def _reason(error: Exception) -> str:
    if any(text_size(arg, 1_000, "r") > 1_000 for arg in error.args):
        return f"{type(error).__name__} with a value too large to show"
    text = str(error) or type(error).__name__
    return text if len(text) <= 300 else text[:300] + "…"


def render_instructions(template: str, data: dict) -> str:
    """The instructions filled in with ``data``, as plain text (pages escape it).

    On any error or refusal: the raw template and a short note of what went wrong."""
    run, token = budget.start()
    pieces, length = [], 0
    try:
        stream = _prepared(template).generate(**data)
        try:
            for piece in stream:
                pieces.append(piece)
                length += len(piece)
                if length > MAX_INSTRUCTIONS_LENGTH:
                    text = "".join(pieces)[:MAX_INSTRUCTIONS_LENGTH]
                    return (f"{text}\n\n(The instructions are longer than {MAX_INSTRUCTIONS_LENGTH:,} "
                            "characters; the rest is not shown.)")
        finally:
            stream.close()
        if run.refusal is not None:
            raise UnsafeCode(run.refusal)
        return "".join(pieces)
    except Exception as error:  # noqa: BLE001 - instructions must never stop a task page
        reason = run.refusal or _reason(error)
        return f"{template}\n\n(The instructions could not be filled in: {reason})"
    finally:
        budget.finish(token)
