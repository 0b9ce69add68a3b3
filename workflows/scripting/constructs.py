"""What compiled diagram code calls for constructs other than operators.

f-strings become ``_fstring_(...)`` of ``_fvalue_(...)`` fields, ``[*a, *b]`` and
``{**a, **b}`` become ``_display_``/``_dict_display_``, ``f(*args)`` goes through
``_apply_``, the right side of ``in`` through ``_contained_in_``, and item access and
assignment through ``_getitem_``/``_write_``. Each measures what it is about to build
before Python builds it, as the operators do.
"""
from __future__ import annotations

from RestrictedPython.Guards import full_write_guard

from workflows.scripting.budget import (
    MAX_SEQUENCE_LENGTH,
    charge,
    check_growth,
    check_length,
    collect,
    current,
    mark_mutated,
    scanned,
    too_big,
    units_left,
)
from workflows.scripting.formats import formatted_cost
from workflows.scripting.hashing import check_key, check_keys, tuple_compare_cost
from workflows.scripting.sizes import compare_cost

_SEQUENCES = (str, bytes, bytearray, list, tuple)


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
    if kind == "set":
        check_keys(items)
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
            if not isinstance(piece, dict):
                check_keys(list(piece.keys()))
            result.update(piece)
        else:
            result[piece[0]] = piece[1]  # the key was charged where it is written (policy.py)
    return result


def apply(function, *args, **kwargs):
    """Calls written with ``*args`` or ``**kwargs``."""
    check_length(len(args) + len(kwargs), "a call's argument list")
    return function(*args, **kwargs)


def contained_in(container):
    """The right side of ``in``: membership in a list or text compares with all of it."""
    if isinstance(container, (set, frozenset, dict, range)):
        return container
    if isinstance(container, (list, tuple, str, bytes)):
        return compared(container)
    return scanned(container)


_CHEAP = {int, float, bool, type(None)}


def comparison_cost(value) -> int:
    """:func:`sizes.compare_cost`, remembered for a container until anything changes in
    place (a loop testing membership in one list measures it once)."""
    if type(value) is tuple:  # a tuple shared at many places in itself is measured once
        cost = tuple_compare_cost(value, units_left())
        if cost is not None:
            return cost
    if not isinstance(value, (list, tuple, dict, set, frozenset)) or len(value) <= 8:
        return compare_cost(value, units_left())
    measured = current().measured
    known = measured.get(id(value))
    if known is None or known[0] is not value:
        known = measured[id(value)] = (value, compare_cost(value, units_left()))
    return known[1]


def compared(value):
    """An operand of ``==``, ``<``... (both sides written in the code): comparing long
    texts, or lists of them, costs in proportion to their size, and pays for it."""
    if type(value) not in _CHEAP:
        charge(comparison_cost(value))
    return value


# ------------------------------------------------------------------ subscripts

def getitem(obj, key):
    if type(key) is slice and isinstance(obj, _SEQUENCES):
        charge(len(range(*key.indices(len(obj)))))
    elif type(key) is tuple:  # a tuple is hashed afresh at each lookup
        check_key(key)
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


class _DictWriter:
    """What ``mapping[key] = value`` writes through: keys are checked (``hashing.py``)."""

    __slots__ = ("_target",)

    def __init__(self, target: dict):
        self._target = target

    def __setitem__(self, key, value):
        self._target[check_key(key)] = value

    def __delitem__(self, key):
        del self._target[key]


def write(obj):
    """RestrictedPython's hook for item and attribute assignment."""
    if type(obj) is list:
        mark_mutated()
        return _ListWriter(obj)
    if type(obj) is dict:
        mark_mutated()
        return _DictWriter(obj)
    return full_write_guard(obj)
