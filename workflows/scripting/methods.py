"""Methods that build or grow objects, as diagram code and templates get them.

RestrictedPython's ``safer_getattr`` keeps diagrams away from dunders; on top of it,
the methods of str and bytes (``text_methods.py``), list, dict, set, int and dates that
can build a large result (``extend``, ``update``, ``fromkeys``, ``to_bytes``,
``strftime``...) come back wrapped: the wrapper works out the result's size first,
refuses or charges the budget, then calls the real method. Methods that walk a whole
container pay for it, so linear work repeated in a loop stays bounded. Jinja templates
(``instructions.py``) use the same wrappers through :func:`bounded_method`.
"""
from __future__ import annotations

from datetime import date, time

from workflows.scripting.budget import (
    MAX_INT_BITS,
    MAX_INT_DIGITS,
    charge,
    charge_key_calls,
    check_growth,
    check_length,
    collect,
    mark_mutated,
    refuse,
)
from workflows.scripting.constructs import comparison_cost
from workflows.scripting.hashing import check_key, check_keys, check_pairs
from workflows.scripting.sizes import limbs, text_size
from workflows.scripting.text_methods import TEXT_METHODS, bounded_strftime


def _sized(value, kind):
    return value if isinstance(value, (list, tuple, set, frozenset, dict)) else collect(value, kind)


def _growing(target, name, grow):
    """A mutating method: ``grow(args, kwargs)`` says how many items it may add."""
    method = getattr(target, name)

    def bounded(*args, **kwargs):
        check_growth(len(target), grow(args, kwargs), f"{type(target).__name__}.{name}()")
        if name == "insert":
            charge(len(target))  # the items after the insertion point move
        mark_mutated()
        return method(*args, **kwargs)

    return bounded


_NEW_OBJECT = {"union", "symmetric_difference", "intersection", "difference"}
_SHRINKING = {"intersection", "difference", "intersection_update", "difference_update"}


def _with_sized_arguments(target, name):
    """extend/update/union...: materialize each argument (bounded) before measuring."""
    method = getattr(target, name)
    kind = f"{type(target).__name__}.{name}()"
    check = check_pairs if isinstance(target, dict) else check_keys if isinstance(target, (set, frozenset)) else None

    def bounded(*args, **kwargs):
        args = tuple(_sized(arg, kind) for arg in args)
        if check is not None:
            for arg in args:
                check(arg)
        added = sum(map(len, args)) + len(kwargs)
        if name in _SHRINKING:
            charge(len(target) + added)
        elif name in _NEW_OBJECT:
            check_length(len(target) + added, kind)
        else:
            check_growth(len(target), added, kind)
        if name not in _NEW_OBJECT:
            mark_mutated()
        return method(*args, **kwargs)

    return bounded


def _scanning(target, name):
    """A method that walks the whole container (count, sort, copy, remove...)."""
    method = getattr(target, name)

    def bounded(*args, **kwargs):
        if name in ("count", "sort", "remove", "index", "issubset", "issuperset", "isdisjoint"):
            cost = comparison_cost(target)  # compares with the items, however long
            charge(cost * max(len(target).bit_length(), 1) if name == "sort" else cost)
        else:
            charge(len(target))
        charge_key_calls(len(target), kwargs)
        if name not in ("count", "copy", "index", "issubset", "issuperset", "isdisjoint"):
            mark_mutated()
        return method(*args, **kwargs)

    return bounded


def _index(sequence, name):
    """``index`` reports a missing value with its repr: never build a huge one."""

    def index(value, *args):
        charge(comparison_cost(sequence))
        if text_size(value, 1000, "r") <= 1000:
            return sequence.index(value, *args)
        for position in range(len(sequence))[slice(*(list(args) + [None, None])[:2])]:
            if sequence[position] is value or sequence[position] == value:
                return position
        raise ValueError(f"the value is not in the {type(sequence).__name__}")

    return index


def _fromkeys(cls, name):
    def fromkeys(iterable, value=None):
        keys = collect(iterable, "dict.fromkeys()")
        check_keys(keys)
        return cls.fromkeys(keys, value)

    return fromkeys


def _to_bytes(number, name):
    def to_bytes(length=1, *args, **kwargs):
        check_length(length if isinstance(length, int) else 0, "int.to_bytes()")
        return number.to_bytes(length, *args, **kwargs)

    return to_bytes


def _from_bytes(cls, name):
    def from_bytes(data, *args, **kwargs):
        data = collect(data, "int.from_bytes()")
        if len(data) * 8 > MAX_INT_BITS + 8:
            refuse(f"int.from_bytes() would make an integer of more than {MAX_INT_DIGITS:,} digits")
        result = cls.from_bytes(data, *args, **kwargs)
        charge(limbs(result))
        return result

    return from_bytes


def _one(target, name):
    return _growing(target, name, lambda args, kwargs: 1)


def _one_key(target, name):
    """set.add(key), dict.setdefault(key, ...): one more key, checked."""
    grow = _growing(target, name, lambda args, kwargs: 1)

    def bounded(key, *args):
        return grow(check_key(key), *args)

    return bounded


def _looked_up(target, name):
    """dict.get(key), set.discard(key)...: the key is hashed, so charged."""
    method = getattr(target, name)

    def bounded(key, *args):
        return method(check_key(key), *args)

    return bounded


def _strftime(moment, name):
    return lambda fmt: bounded_strftime(moment.strftime, fmt)


_LIST_METHODS = {"append": _one, "insert": _one, "extend": _with_sized_arguments, "index": _index,
                 **dict.fromkeys(("count", "copy", "sort", "reverse", "remove", "pop"), _scanning)}
_DICT_METHODS = {"update": _with_sized_arguments, "setdefault": _one_key, "copy": _scanning, "fromkeys": _fromkeys,
                 "get": _looked_up, "pop": _looked_up}
_SET_METHODS = {"add": _one_key, "copy": _scanning, "remove": _looked_up, "discard": _looked_up, **dict.fromkeys(
    ("update", "union", "intersection", "difference", "symmetric_difference", "intersection_update",
     "difference_update", "symmetric_difference_update"), _with_sized_arguments),
    **dict.fromkeys(("issubset", "issuperset", "isdisjoint"), _scanning)}
_METHODS_BY_TYPE = {
    str: TEXT_METHODS, bytes: TEXT_METHODS, list: _LIST_METHODS, dict: _DICT_METHODS, set: _SET_METHODS,
    frozenset: _SET_METHODS, tuple: {"index": _index, "count": _scanning},
    int: {"to_bytes": _to_bytes, "from_bytes": _from_bytes}, bool: {"to_bytes": _to_bytes, "from_bytes": _from_bytes},
    date: {"strftime": _strftime}, time: {"strftime": _strftime},
}


def bounded_method(obj, name: str):
    """The bounded stand-in for ``obj.name``, or None when that attribute needs none."""
    methods = _METHODS_BY_TYPE.get(type(obj))
    if methods is None:
        for kind in (str, bytes, date):  # subclasses (datetime, Jinja's Markup)
            if isinstance(obj, kind):
                methods = _METHODS_BY_TYPE[kind]
                break
        else:
            if isinstance(obj, type) and obj in _METHODS_BY_TYPE:
                return _unbound(obj, name)
            return None
    guard = methods.get(name)
    return None if guard is None else guard(obj, name)


def _unbound(cls, name: str):
    """``str.ljust(text, 9)``, ``dict.fromkeys(...)``: taken from the class itself."""
    guard = _METHODS_BY_TYPE[cls].get(name)
    if guard is None:
        return None
    if name in ("fromkeys", "from_bytes"):
        return guard(cls, name)
    if name in ("maketrans", "fromhex"):  # results no larger than their arguments
        return getattr(cls, name)

    def method(self, *args, **kwargs):
        if not isinstance(self, cls):
            raise TypeError(f"{cls.__name__}.{name}() needs a {cls.__name__}, not {type(self).__name__}")
        return bounded_method(self, name)(*args, **kwargs)

    return method
