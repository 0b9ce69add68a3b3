"""The builtins diagram code may call, each bounded like the operators.

Builtins that build a container (``list``, ``tuple``, ``set``, ``dict``, ``sorted``)
collect their input through :func:`budget.collect`, so a generator or ``zip`` cannot
feed them more than the per-object bound, and what they build is charged. ``str`` of
a container measures its text first (a list holding one long string many times has
a huge text), ``int`` of a text refuses more digits than Python can convert, ``sum``
of lists concatenates in linear time, ``round`` refuses absurd digit counts.
"""
from __future__ import annotations

import builtins
from types import FunctionType

from workflows.scripting.budget import (
    MAX_INT_DIGITS,
    MAX_SEQUENCE_LENGTH,
    NEW_ITEM_UNITS,
    charge,
    charge_key_calls,
    check_length,
    collect,
    refuse,
    scanned,
    too_big,
)
from workflows.scripting.constructs import comparison_cost
from workflows.scripting.durations import add_duration, subtract_duration
from workflows.scripting.hashing import check_keys, check_pairs
from workflows.scripting.methods import bounded_method
from workflows.scripting.sizes import text_cost
from workflows.scripting.text_methods import checked_int, int_from_text


def range_(*args):
    result = range(*args)
    try:
        length = len(result)
    except OverflowError:
        length = MAX_SEQUENCE_LENGTH + 1
    if length > MAX_SEQUENCE_LENGTH:
        too_big("range()")
    return result


def list_(iterable=()):
    return list(collect(iterable, "list()"))


def tuple_(iterable=()):
    return tuple(collect(iterable, "tuple()"))


def set_(iterable=()):
    items = collect(iterable, "set()")
    check_keys(items)
    return set(items)


def dict_(*args, **kwargs):
    if args:
        source = args[0] if isinstance(args[0], dict) else collect(args[0], "dict()")
        check_pairs(source)
        check_length(len(source) + len(kwargs), "dict()")
        return dict(source, *args[1:], **kwargs)
    return dict(**kwargs)


def sorted_(iterable, /, *, key=None, reverse=False):
    items = collect(iterable, "sorted()")
    charge(comparison_cost(items) * max(len(items).bit_length(), 1))
    charge_key_calls(len(items), {"key": key})
    return sorted(items, key=key, reverse=reverse)


def str_(*args, **kwargs):
    if not args and "object" in kwargs:
        args = (kwargs.pop("object"),)
    if args and isinstance(args[0], (bytes, bytearray)) and (kwargs or len(args) > 1):
        return bounded_method(bytes(args[0]), "decode")(*args[1:], **kwargs)  # str(data, encoding)
    if len(args) == 1 and not kwargs:
        value = args[0]
        if type(value) is str:
            return value
        size, work = text_cost(value, MAX_SEQUENCE_LENGTH)
        if size > MAX_SEQUENCE_LENGTH:
            too_big("str()")
        charge(work)
    elif args:  # an encoding given for something that is not bytes: Python refuses it
        return str(*args, **kwargs)
    result = str(*args, **kwargs) if args else ""
    charge(len(result))
    return result


def int_(*args, **kwargs):
    if args:
        int_from_text(args[0], "int()")
    return checked_int(int(*args, **kwargs), "int()")


def round_(number, ndigits=None):
    if isinstance(ndigits, int) and abs(ndigits) > MAX_INT_DIGITS:
        refuse(f"round() to more than {MAX_INT_DIGITS:,} digits is not allowed in diagrams")
    return round(number, ndigits)


def sum_(iterable, /, start=0):
    items = collect(iterable, "sum()")
    charge(len(items))
    if not isinstance(start, (list, tuple)):
        return sum(items, start)
    # sum() of lists copies the growing total for each item; join them in one pass instead.
    for item in items:
        if type(item) is not type(start):
            raise TypeError(f'can only concatenate {type(start).__name__} (not "{type(item).__name__}") '
                            f"to {type(start).__name__}")
    check_length(len(start) + sum(map(len, items)), "sum()")
    total = list(start)
    for item in items:
        total.extend(item)
    return type(start)(total)


def _extreme(function):
    def bounded(*args, **kwargs):
        if len(args) == 1:
            items = collect(args[0], f"{function.__name__}()")
            charge(comparison_cost(items))
            charge_key_calls(len(items), kwargs)
            return function(items, **kwargs)
        charge_key_calls(len(args), kwargs)
        return function(*args, **kwargs)

    bounded.__name__ = function.__name__
    return bounded


def zip_(*iterables, strict=False):
    """zip builds one tuple as wide as its arguments per step: ``zip(*rows)`` of many rows
    is charged for each of them."""
    zipped = zip(*iterables, strict=strict)
    return zipped if len(iterables) <= NEW_ITEM_UNITS else _charged_rows(zipped, len(iterables))


def _charged_rows(rows, width: int):
    for row in rows:
        charge(width)
        yield row


def any_(iterable):
    return any(scanned(iterable))


def all_(iterable):
    return all(scanned(iterable))


# The stand-ins above are functions; where code uses the name as a type (isinstance,
# ``str.ljust``, ``dict.fromkeys``) it means the real type.
REAL_TYPES = {list_: list, tuple_: tuple, set_: set, dict_: dict, str_: str, int_: int, range_: range, zip_: zip}


def real_type(obj):
    """The type a stand-in builtin stands for (anything else unchanged)."""
    return REAL_TYPES.get(obj, obj) if type(obj) is FunctionType else obj


def isinstance_(obj, classinfo):
    if isinstance(classinfo, tuple):
        return isinstance(obj, tuple(real_type(kind) for kind in classinfo))
    return isinstance(obj, real_type(classinfo))


ALLOWED = {
    **{name: getattr(builtins, name) for name in (
        "abs", "bool", "enumerate", "float", "len", "ValueError", "KeyError", "TypeError")},
    "isinstance": isinstance_,
    "all": all_, "any": any_, "dict": dict_, "int": int_, "list": list_, "max": _extreme(max),
    "min": _extreme(min), "range": range_, "round": round_, "set": set_, "sorted": sorted_, "str": str_,
    "sum": sum_, "tuple": tuple_, "zip": zip_, "True": True, "False": False, "None": None,
    "add_duration": add_duration, "subtract_duration": subtract_duration,
}
