"""Upper bounds of the size of a result, computed before the result is built.

Nothing here allocates in proportion to what it measures: text sizes are found by
walking containers (stopping as soon as the bound is passed), format templates by
reading their conversions.
"""
from __future__ import annotations

import re
from collections.abc import ItemsView, KeysView, ValuesView

from .budget import MAX_SEQUENCE_LENGTH, refuse

_VIEWS = (KeysView, ValuesView, ItemsView)


def limbs(number: int) -> int:
    """The number of 30-bit digits CPython stores an int in (the unit of big-int work)."""
    return number.bit_length() // 30 + 1


def _quoted_size(text: str, ascii_only: bool) -> int:
    """Upper bound of len(repr(text)) (or of ascii(text))."""
    if text.isascii() or not ascii_only and text.isprintable():
        size = len(text) + 2 + text.count("\\") + text.count("'")
        return size if text.isprintable() else 4 * len(text) + 2
    return 10 * len(text) + 2


def _namespace_attrs(item):
    """The attributes a Jinja namespace shows in its repr (its only way to hold data)."""
    return getattr(item, "_Namespace__attrs", None)


def int_work(number: int) -> int:
    """Units charged for writing out an int: CPython's conversion is quadratic in its size."""
    return limbs(number) ** 2 if number.bit_length() > 300 else 0


def text_size(value, limit: int, conversion: str = "s") -> int:
    """An upper bound of len(str(value)) ("s"), len(repr(value)) ("r") or len(ascii(value)) ("a").

    Returns ``limit + 1`` as soon as the bound passes ``limit``, so the walk costs at
    most about ``limit`` steps however large or self-referencing ``value`` is.
    """
    return text_cost(value, limit, conversion)[0]


def text_cost(value, limit: int, conversion: str = "s") -> tuple[int, int]:
    """(:func:`text_size`, units of work to write out the large ints it contains)."""
    if conversion == "s" and isinstance(value, str):
        return len(value), 0
    ascii_only = conversion == "a"
    total, work, stack, seen = 0, 0, [value], {}
    while stack:
        item = stack.pop()
        children = None
        if isinstance(item, str):
            if len(item) > 64:  # a long string referenced many times is measured once
                size = seen.get(id(item))
                if size is None:
                    size = seen[id(item)] = _quoted_size(item, ascii_only)
            else:
                size = _quoted_size(item, ascii_only)
        elif isinstance(item, bool) or item is None:
            size = 5
        elif isinstance(item, int):
            size = item.bit_length() // 3 + 3
            work += int_work(item)
        elif isinstance(item, float):
            size = 24
        elif isinstance(item, (list, tuple)):
            size, children = 2 + 2 * len(item), item
        elif isinstance(item, (set, frozenset)):
            size, children = 12 + 2 * len(item), item
        elif isinstance(item, dict):
            size, children = 2 + 4 * len(item), [*item.keys(), *item.values()] if len(item) <= limit else ()
        elif isinstance(item, _VIEWS):
            size, children = 16 + 4 * len(item), item if len(item) <= limit else ()
        elif isinstance(item, (bytes, bytearray)):
            size = 4 * len(item) + 14
        elif isinstance(item, range):
            size, children = 20, (item.start, item.stop, item.step)
        elif isinstance(item, BaseException):
            size, children = 60, item.args
        elif _namespace_attrs(item) is not None:
            size, children = 14, (_namespace_attrs(item),)
        else:  # dates, durations, functions, iterators: short fixed representations
            size = 200
        total += size
        if total > limit:
            return limit + 1, work
        if children:
            stack.extend(children)
    return total, work


# ------------------------------------------------------------------ % formatting

_PERCENT_SPEC = re.compile(r"([-+ #0]*)(\*|\d*)(?:\.(\*|\d*))?[hlL]?(.?)", re.S)
_PARENS = re.compile(r"[()]")


def _written_number(digits: str, what: str) -> int:
    if digits == "*":
        refuse(f"{what} in % formatting must be written out, not given with *")
    if len(digits) > 6 or digits and int(digits) > MAX_SEQUENCE_LENGTH:
        refuse(f"% formatting {what} above {MAX_SEQUENCE_LENGTH:,} are not allowed")
    return int(digits) if digits else 0


def percent_conversions(template: str):
    """Yield (mapping key or None, width, precision or None, conversion) for each
    conversion of a %-template, refusing ``*`` and oversized widths and precisions."""
    position = template.find("%")
    while position >= 0:
        position += 1
        key = None
        if template.startswith("(", position):  # a mapping key; Python allows nested parentheses
            depth, start = 0, position
            for paren in _PARENS.finditer(template, position):
                depth += 1 if paren.group() == "(" else -1
                if depth == 0:
                    key, position = template[start + 1:paren.start()], paren.end()
                    break
            else:
                return  # Python refuses the unclosed key itself
        spec = _PERCENT_SPEC.match(template, position)
        flags, width, precision, conversion = spec.groups()
        width = _written_number(width, "widths")
        precision = None if precision is None else _written_number(precision, "precisions")
        yield key, width, precision, conversion
        position = template.find("%", spec.end())


def _converted_cost(value, conversion: str, precision, limit: int) -> tuple[int, int]:
    if conversion in "sra":
        size, work = text_cost(value, limit, conversion)
        return (size if precision is None else min(size, precision)), work
    if conversion == "c":
        return 1, 0
    if isinstance(value, int):
        return value.bit_length() // 3 + 3 + (precision or 0), int_work(value)
    return 330 + (precision or 6), 0  # a float written out in full, then its decimals


def percent_cost(template, args, limit: int = MAX_SEQUENCE_LENGTH) -> tuple[int, int]:
    """(upper bound of len(template % args) or limit + 1, units of work for large ints)."""
    text = template.decode("latin-1") if isinstance(template, (bytes, bytearray)) else template
    values = args if isinstance(args, tuple) else (args,)
    total, work, index = len(text), 0, 0
    for key, width, precision, conversion in percent_conversions(text):
        if conversion == "%":
            continue
        if key is not None:
            if not isinstance(args, dict) or key not in args:
                break  # Python raises before formatting this conversion
            value = args[key]
        elif index < len(values):
            value, index = values[index], index + 1
        else:
            break
        size, value_work = _converted_cost(value, conversion, precision, limit)
        total, work = total + max(width, size), work + value_work
        if total > limit:
            return limit + 1, work
    return total, work


# ------------------------------------------------------------------ format specs

_FORMAT_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(\d*)[,_]?(?:\.(\d+))?[a-zA-Z%]?$", re.S)


def format_spec_widths(spec: str) -> tuple[int, int]:
    """(width, precision) written in a format spec such as ``>10.2f``; (0, 0) when the
    spec is not a standard one (dates take strftime codes)."""
    match = _FORMAT_SPEC.match(spec)
    if not match:
        return 0, 0
    width, precision = match.groups()
    if len(width) > 6 or len(precision or "") > 6:
        return MAX_SEQUENCE_LENGTH + 1, 0
    return int(width or 0), int(precision or 0)


def formatted_cost(value, conversion: str, spec: str, limit: int = MAX_SEQUENCE_LENGTH) -> tuple[int, int]:
    """(upper bound of len(format(converted value, spec)), work) for an f-string field."""
    width, precision = format_spec_widths(spec)
    size, work = text_cost(value, limit, conversion)
    if spec and isinstance(value, (int, float)) and not isinstance(value, bool):
        size = size * 4 // 3 + 330  # digit grouping, floats written out in full
    # A date's spec is a strftime format: each code can stand for a long name.
    return max(width, size + precision + 16 * len(spec)), work
