"""The methods of str and bytes, as diagram code and templates get them.

Each pays for scanning its text and for what it returns. Those whose result can be far
longer than the text (``ljust``, ``center``, ``zfill``, ``expandtabs``, ``replace``,
``translate``, ``join``) work out that length first and refuse past the per-object
bound; ``encode``/``decode`` are limited to codecs that at most quadruple a text;
``format``/``format_map`` are refused (they can walk attributes and compute widths).
"""
from __future__ import annotations

from workflows.scripting.budget import (
    MAX_INT_BITS,
    MAX_INT_DIGITS,
    MAX_SEQUENCE_LENGTH,
    charge,
    check_length,
    collect,
    refuse,
    too_big,
)
from workflows.scripting.sizes import int_work

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
    charge(len(pieces))  # the table is read through to find its longest replacement
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


TEXT_METHODS = {name: _text_method for name in dir(str) + dir(bytes) if not name.startswith("_")}
TEXT_METHODS.update({"join": _join, "format": _refuse_format, "format_map": _refuse_format})


def bounded_strftime(method, fmt, *args):
    """strftime writes each %-code out in full: refuse formats whose result could be huge."""
    if isinstance(fmt, str) and 16 * len(fmt) > MAX_SEQUENCE_LENGTH:
        too_big("strftime()")
    result = method(fmt, *args)
    charge(len(result))
    return result


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

