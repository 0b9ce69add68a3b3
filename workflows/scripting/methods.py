"""Attribute access from diagram code: methods that build or grow objects are bounded.

RestrictedPython's ``safer_getattr`` keeps diagrams away from dunders; on top of it,
the methods of str, bytes, list, dict, set and int that can build a large result
(``ljust``, ``replace``, ``translate``, ``join``, ``extend``, ``update``, ``to_bytes``...)
come back wrapped: the wrapper works out the result's size first, refuses or charges
the budget, then calls the real method. Every str/bytes method also pays for scanning
its text, so linear work repeated in a loop stays bounded. Jinja templates
(``instructions.py``) use the same wrappers through :func:`bounded_method`.
"""
from __future__ import annotations

from datetime import date, time

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
    too_big,
)
from .sizes import int_work, limbs, text_size

_TEXT = (str, bytes, bytearray)
_ENCODINGS = {"utf-8", "utf8", "ascii", "us-ascii", "latin-1", "latin1", "iso-8859-1", "utf-16", "utf-32"}
_ERROR_HANDLERS = {"strict", "ignore", "replace"}


def _result_units(result) -> int:
    if isinstance(result, _TEXT):
        return len(result)
    if isinstance(result, (list, tuple)):  # split(), partition(): new pieces of text
        return len(result) + sum(len(piece) for piece in result if isinstance(piece, _TEXT))
    if isinstance(result, dict):
        return len(result)
    return 0


def _width(args, kwargs, keyword="width") -> int:
    width = args[0] if args else kwargs.get(keyword, 0)
    return width if isinstance(width, int) else 0


def _translated_length(text, table) -> int:
    if isinstance(text, (bytes, bytearray)) or table is None or isinstance(table, str):
        return len(text)
    if isinstance(table, dict):
        pieces = table.values()
    elif isinstance(table, (list, tuple)):
        pieces = table
    else:
        refuse("str.translate() in diagrams takes a dict, list or str as its table")
    longest = max((len(piece) for piece in pieces if isinstance(piece, str)), default=1)
    return len(text) * max(longest, 1)


def _joined_length(separator, items) -> int:
    return sum(len(item) for item in items if isinstance(item, _TEXT)) + len(separator) * max(len(items) - 1, 0)


def _replaced_length(text, args, kwargs) -> int:
    old, new = (list(args) + [None, None])[:2]
    if not isinstance(old, _TEXT) or not isinstance(new, _TEXT):
        return len(text)
    count = args[2] if len(args) > 2 else kwargs.get("count", -1)
    matches = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        matches = min(matches, count)
    return len(text) + matches * max(len(new) - len(old), 0)


def _check_codec(args, kwargs, method: str) -> None:
    encoding = str(args[0] if args else kwargs.get("encoding", "utf-8")).lower().replace("_", "-")
    errors = args[1] if len(args) > 1 else kwargs.get("errors", "strict")
    if encoding not in _ENCODINGS or errors not in _ERROR_HANDLERS:
        refuse(f"{method}() in diagrams supports the encodings {', '.join(sorted(_ENCODINGS))} "
               f"and the error handlers {', '.join(sorted(_ERROR_HANDLERS))}")


# Methods whose result can be far larger than the text: its length, worked out first.
_GROWTH = {
    "ljust": lambda text, a, k: max(len(text), _width(a, k)),
    "rjust": lambda text, a, k: max(len(text), _width(a, k)),
    "center": lambda text, a, k: max(len(text), _width(a, k)),
    "zfill": lambda text, a, k: max(len(text), _width(a, k)),
    "expandtabs": lambda text, a, k: len(text) + text.count("\t" if isinstance(text, str) else b"\t")
    * max(_width(a, k, "tabsize") if a or k else 8, 0),
    "replace": _replaced_length,
    "translate": lambda text, a, k: _translated_length(text, a[0] if a else k.get("table")),
}


def _text_method(text, name: str):
    """A str/bytes method that pays for its scan and its result, and is bounded first."""
    method = getattr(text, name)
    growth = _GROWTH.get(name)

    def bounded(*args, **kwargs):
        charge(len(text))
        if growth is not None and growth(text, args, kwargs) > MAX_SEQUENCE_LENGTH:
            too_big(f"{type(text).__name__}.{name}()")
        if name in ("encode", "decode"):
            _check_codec(args, kwargs, name)
        result = method(*args, **kwargs)
        units = _result_units(result)
        if isinstance(result, _TEXT) and units > MAX_SEQUENCE_LENGTH:  # case changes, codecs: at most 4x
            too_big(f"{type(text).__name__}.{name}()")
        charge(units)
        return result

    return bounded


def _join(separator, name):
    def join(iterable):
        items = collect(iterable, f"{type(separator).__name__}.join()")
        check_length(_joined_length(separator, items), f"{type(separator).__name__}.join()")
        return separator.join(items)

    return join


def _refuse_format(text, name):
    refuse(f"str.{name}() is not allowed in diagrams; use % formatting or an f-string")


# ------------------------------------------------------------------ containers

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

    def bounded(*args, **kwargs):
        args = tuple(_sized(arg, kind) for arg in args)
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
        charge(len(target))
        if name not in ("count", "copy", "index", "issubset", "issuperset", "isdisjoint"):
            mark_mutated()
        return method(*args, **kwargs)

    return bounded


def _index(sequence, name):
    """``index`` reports a missing value with its repr: never build a huge one."""

    def index(value, *args):
        charge(len(sequence))
        if text_size(value, 1000, "r") <= 1000:
            return sequence.index(value, *args)
        for position in range(len(sequence))[slice(*args)]:
            if sequence[position] is value or sequence[position] == value:
                return position
        raise ValueError(f"the value is not in the {type(sequence).__name__}")

    return index


def _fromkeys(cls, name):
    def fromkeys(iterable, value=None):
        return cls.fromkeys(collect(iterable, "dict.fromkeys()"), value)

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


def bounded_strftime(method, fmt, *args):
    """strftime writes each %-code out in full: refuse formats whose result could be huge."""
    if isinstance(fmt, str) and 16 * len(fmt) > MAX_SEQUENCE_LENGTH:
        too_big("strftime()")
    result = method(fmt, *args)
    charge(len(result))
    return result


def _strftime(moment, name):
    return lambda fmt: bounded_strftime(moment.strftime, fmt)


def _one(target, name):
    return _growing(target, name, lambda args, kwargs: 1)


_TEXT_METHODS = {name: _text_method for name in dir(str) + dir(bytes) if not name.startswith("_")}
_TEXT_METHODS.update({"join": _join, "format": _refuse_format, "format_map": _refuse_format})
_LIST_METHODS = {"append": _one, "insert": _one, "extend": _with_sized_arguments, "index": _index,
                 **dict.fromkeys(("count", "copy", "sort", "reverse", "remove", "pop"), _scanning)}
_DICT_METHODS = {"update": _with_sized_arguments, "setdefault": _one, "copy": _scanning, "fromkeys": _fromkeys}
_SET_METHODS = {"add": _one, "copy": _scanning, **dict.fromkeys(
    ("update", "union", "intersection", "difference", "symmetric_difference", "intersection_update",
     "difference_update", "symmetric_difference_update"), _with_sized_arguments),
    **dict.fromkeys(("issubset", "issuperset", "isdisjoint"), _scanning)}
_METHODS_BY_TYPE = {
    str: _TEXT_METHODS, bytes: _TEXT_METHODS, list: _LIST_METHODS, dict: _DICT_METHODS, set: _SET_METHODS,
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


def int_from_text(text, kind: str) -> None:
    """Refuse converting a text of more digits than an int may have (before converting)."""
    if isinstance(text, _TEXT) and len(text) > MAX_INT_DIGITS:
        digits = len(text.strip()) - text.count("_" if isinstance(text, str) else b"_")
        if digits > MAX_INT_DIGITS + 1:
            refuse(f"{kind} of more than {MAX_INT_DIGITS:,} digits is not allowed in diagrams")


def checked_int(result: int, kind: str) -> int:
    if result.bit_length() > MAX_INT_BITS:
        refuse(f"{kind} would have more than {MAX_INT_DIGITS:,} digits")
    charge(int_work(result))
    return result

