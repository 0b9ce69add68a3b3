"""What compiled diagram code calls instead of Python's operators.

The policy (``policy.py``) rewrites ``a * b`` into ``_mul_(a, b)``, f-strings into
``_fstring_(...)``, ``[*a, *b]`` into ``_display_(...)`` and so on. Each guard works out
how large its result will be from the sizes of its operands, refuses or charges the
budget, and only then lets Python build the result.
"""
from __future__ import annotations

import math
import operator
from collections.abc import ItemsView, KeysView

from RestrictedPython.Guards import full_write_guard

from .budget import (
    MAX_INT_BITS,
    MAX_INT_DIGITS,
    MAX_SEQUENCE_LENGTH,
    charge,
    check_growth,
    check_length,
    collect,
    mark_mutated,
    refuse,
    scanned,
    too_big,
)
from .sizes import formatted_cost, limbs, percent_cost

_SEQUENCES = (str, bytes, bytearray, list, tuple)
_SET_LIKE = (set, frozenset, dict, KeysView, ItemsView)


def _big(number: int) -> bool:
    return number.bit_length() > 64


def _refuse_digits(what: str):
    refuse(f"{what} would have more than {MAX_INT_DIGITS:,} digits")


def _both_ints(left, right) -> bool:
    return isinstance(left, int) and isinstance(right, int)


def mul(left, right):
    if _both_ints(left, right):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            _refuse_digits("a product")
        if _big(left) or _big(right):
            charge(limbs(left) * limbs(right))
        return left * right
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, _SEQUENCES) and isinstance(count, int):
            check_length(len(sequence) * max(count, 0), "a repeated sequence")
            break
    return left * right


def pow_(base, exponent):
    if _both_ints(base, exponent) and exponent > 1 and abs(base) > 1:
        bits = exponent * math.log2(abs(base))
        if bits > MAX_INT_BITS:
            _refuse_digits("a power")
        if bits > 300:
            charge((int(bits) // 30 + 1) ** 2)
    return base**exponent


def lshift(value, bits):
    if _both_ints(value, bits) and value and bits > 0:
        if value.bit_length() + bits > MAX_INT_BITS:
            _refuse_digits("a shifted integer")
    return value << bits


def _grown_int(left, right, what: str) -> None:
    """+, - and | grow an int by at most one bit: refuse at the digit bound."""
    if _big(left) or _big(right):
        if max(left.bit_length(), right.bit_length()) + 1 > MAX_INT_BITS:
            _refuse_digits(what)
        charge(max(limbs(left), limbs(right)))


def add(left, right):
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        check_length(len(left) + len(right), "a joined sequence")
    elif _both_ints(left, right):
        _grown_int(left, right, "a sum")
    return left + right


def sub(left, right):
    if _both_ints(left, right):
        _grown_int(left, right, "a difference")
    elif isinstance(left, _SET_LIKE):
        charge(len(left))
    return left - right


def _union(operation, what: str):
    def guarded(left, right):
        if isinstance(left, _SET_LIKE) and isinstance(right, _SET_LIKE):
            check_length(len(left) + len(right), what)
        elif _both_ints(left, right):
            _grown_int(left, right, what)
        return operation(left, right)

    return guarded


or_ = _union(operator.or_, "a union")
xor = _union(operator.xor, "a symmetric difference")


def and_(left, right):
    if isinstance(left, _SET_LIKE):
        charge(len(left))
    return left & right


def _division_work(left, right) -> None:
    if _both_ints(left, right) and (_big(left) or _big(right)):
        charge(limbs(left) * limbs(right))


def floordiv(left, right):
    _division_work(left, right)
    return left // right


def mod(left, right):
    if isinstance(left, (str, bytes, bytearray)):
        size, work = percent_cost(left, right)
        if size > MAX_SEQUENCE_LENGTH:
            too_big("a formatted string")
        charge(work)
        result = left % right
        charge(len(result))
        return result
    _division_work(left, right)
    return left % right


# ------------------------------------------------------------------ in-place operators

def _extended_list(target: list, value) -> list:
    items = value if isinstance(value, (list, tuple)) else collect(value, "a list")
    check_growth(len(target), len(items), "a list")
    mark_mutated()
    target += items
    return target


def _iadd(target, value):
    return _extended_list(target, value) if type(target) is list else add(target, value)


def _imul(target, count):
    if type(target) is list and isinstance(count, int):
        check_growth(len(target), len(target) * (max(count, 1) - 1), "a repeated sequence")
        mark_mutated()
        target *= count
        return target
    return mul(target, count)


def _in_place_set(plain, in_place):
    """Set and dict in-place operators change the object itself, as in Python."""

    def guarded(target, value):
        if isinstance(target, (set, dict)):
            value = value if isinstance(value, (set, frozenset, dict)) else collect(value, "a set")
            check_growth(len(target), len(value), "a set or dict")
            mark_mutated()
            return in_place(target, value)
        return plain(target, value)

    return guarded


INPLACE = {
    "+=": _iadd, "-=": _in_place_set(sub, operator.isub), "*=": _imul, "/=": operator.truediv,
    "//=": floordiv, "%=": mod, "**=": pow_, "<<=": lshift, ">>=": operator.rshift,
    "|=": _in_place_set(or_, operator.ior), "&=": _in_place_set(and_, operator.iand),
    "^=": _in_place_set(xor, operator.ixor),
}


def inplacevar(op: str, target, value):
    """RestrictedPython's hook for ``name op= value``."""
    guard = INPLACE.get(op)
    if guard is None:
        refuse(f"the operator {op} is not allowed in diagrams")
    return guard(target, value)


# ------------------------------------------------------------------ f-strings and displays

_CONVERSIONS = {115: str, 114: repr, 97: ascii}


def fvalue(value, conversion: int, spec: str) -> str:
    """One ``{value!conversion:spec}`` field of an f-string, bounded before it is built."""
    size, work = formatted_cost(value, chr(conversion) if conversion in _CONVERSIONS else "s", spec)
    if size > MAX_SEQUENCE_LENGTH:
        too_big("an f-string field")
    charge(work)
    if conversion in _CONVERSIONS:
        value = _CONVERSIONS[conversion](value)
    result = format(value, spec)
    charge(len(result))
    return result


def fstring(*pieces: str) -> str:
    check_length(sum(map(len, pieces)), "an f-string")
    return "".join(pieces)


_DISPLAYS = {"list": list, "tuple": tuple, "set": set}


def display(kind: str, starred: tuple, *values):
    """``[a, *b]``, ``(a, *b)`` and ``{a, *b}``: unpacked parts are measured first."""
    parts = [collect(value, f"a {kind}") if index in starred else value for index, value in enumerate(values)]
    check_length(sum(len(part) if index in starred else 1 for index, part in enumerate(parts)), f"a {kind}")
    items = []
    for index, part in enumerate(parts):
        if index in starred:
            items.extend(part)
        else:
            items.append(part)
    return _DISPLAYS[kind](items)


def dict_display(unpacked: tuple, *pieces):
    """``{k: v, **other}``: each ``**`` part must be a mapping, measured before merging."""
    for index in unpacked:
        if not hasattr(pieces[index], "keys"):
            raise TypeError(f"'{type(pieces[index]).__name__}' object is not a mapping")
    check_length(sum(len(piece) if index in unpacked else 1 for index, piece in enumerate(pieces)), "a dict")
    result = {}
    for index, piece in enumerate(pieces):
        if index in unpacked:
            result.update(piece)
        else:
            result[piece[0]] = piece[1]
    return result


def apply(function, *args, **kwargs):
    """Calls written with ``*args`` or ``**kwargs``."""
    check_length(len(args) + len(kwargs), "a call's argument list")
    return function(*args, **kwargs)


def contained_in(container):
    """The right side of ``in``: membership in a list or text scans it."""
    if isinstance(container, (set, frozenset, dict, range)):
        return container
    return scanned(container)


# ------------------------------------------------------------------ subscripts

def getitem(obj, key):
    if type(key) is slice and isinstance(obj, _SEQUENCES):
        charge(len(range(*key.indices(len(obj)))))
    return obj[key]


class _ListWriter:
    """What ``lst[...] = value`` writes through: slice assignment can grow a list."""

    __slots__ = ("_target",)

    def __init__(self, target: list):
        self._target = target

    def __setitem__(self, key, value):
        if type(key) is slice:
            value = value if isinstance(value, (list, tuple)) else collect(value, "a list")
            replaced = len(range(*key.indices(len(self._target))))
            check_growth(len(self._target) - replaced, len(value), "a list")
        self._target[key] = value

    def __delitem__(self, key):
        del self._target[key]


def write(obj):
    """RestrictedPython's hook for item and attribute assignment."""
    if type(obj) is list:
        mark_mutated()
        return _ListWriter(obj)
    if type(obj) is dict:
        mark_mutated()
        return obj
    return full_write_guard(obj)
