"""What compiled diagram code calls instead of Python's binary operators.

The policy (``policy.py``) rewrites ``a * b`` into ``_mul_(a, b)`` and ``x += y`` into
``_inplacevar_("+=", x, y)``. Each guard works out how large its result will be from
the sizes of its operands (integers from their bit lengths), refuses or charges the
budget, and only then lets Python build the result.
"""
from __future__ import annotations

import math
import operator
from collections.abc import ItemsView, KeysView

from workflows.scripting.budget import (
    MAX_INT_BITS,
    MAX_INT_DIGITS,
    MAX_SEQUENCE_LENGTH,
    charge,
    check_growth,
    check_length,
    collect,
    mark_mutated,
    refuse,
    too_big,
)
from workflows.scripting.formats import percent_cost
from workflows.scripting.hashing import check_keys, check_pairs
from workflows.scripting.sizes import limbs

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
        right = _view_operand(left, right)
        charge(len(left))
    return left - right


def _view_operand(left, right):
    """Dict views combine with any iterable, which becomes a set: check it first."""
    if isinstance(left, (KeysView, ItemsView)) and not isinstance(right, (set, frozenset, dict)):
        right = collect(right, "a set")
        check_keys(right)
    return right


def _union(operation, what: str):
    def guarded(left, right):
        right = _view_operand(left, right)
        if isinstance(left, _SET_LIKE) and isinstance(right, _SET_LIKE):
            check_length(len(left) + len(right), what)
        elif isinstance(left, _SET_LIKE) and isinstance(right, (list, tuple, str)):
            check_length(len(left) + len(right), what)
        elif _both_ints(left, right):
            _grown_int(left, right, what)
        return operation(left, right)

    return guarded


or_ = _union(operator.or_, "a union")
xor = _union(operator.xor, "a symmetric difference")


def and_(left, right):
    if isinstance(left, _SET_LIKE):
        right = _view_operand(left, right)
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
            if isinstance(target, dict):
                check_pairs(value)
            else:
                check_keys(value)
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
