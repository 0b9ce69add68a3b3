"""How long a formatted text will be, read from its template before formatting.

``%``-templates and format specs (f-string fields) name their widths and precisions;
a width given with ``*`` or computed at run time cannot be checked in advance, so it
is refused. The length of each converted value comes from ``sizes.text_cost``.
"""
from __future__ import annotations

import re
from functools import lru_cache

from workflows.scripting.budget import MAX_SEQUENCE_LENGTH, refuse
from workflows.scripting.sizes import int_work, text_cost

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
    if conversion in "srab":  # %b is bytes' %s
        size, work = text_cost(value, limit, "s" if conversion == "b" else conversion)
        return (size if precision is None else min(size, precision)), work
    if conversion == "c":
        return 1, 0
    if isinstance(value, int):
        return value.bit_length() // 3 + 3 + (precision or 0), int_work(value)
    return 330 + (precision or 6), 0  # a float written out in full, then its decimals


@lru_cache(maxsize=1024)
def _known_conversions(template: str) -> tuple:
    return tuple(percent_conversions(template))


def percent_cost(template, args, limit: int = MAX_SEQUENCE_LENGTH) -> tuple[int, int]:
    """(upper bound of len(template % args) or limit + 1, units of work for large ints)."""
    text = template.decode("latin-1") if isinstance(template, (bytes, bytearray)) else template
    values = args if isinstance(args, tuple) else (args,)
    total, work, index = len(text), 0, 0
    # Templates are mostly written out in the diagram: short ones are parsed once.
    conversions = _known_conversions(text) if len(text) <= 200 else percent_conversions(text)
    for key, width, precision, conversion in conversions:
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
