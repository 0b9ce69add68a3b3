"""What diagram data may hold, and its JSON form for the read side.

Scripts can put anything Python makes into task data: a generator, a set, an
integer of 10,000 digits, NaN. None of those survive being saved (or they come
back as something else), and a failure while saving used to be an HTTP 500 after
the step had already run. Data is checked after each piece of diagram code, so
the refusal names the element that stored it and the variable's path.
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta

#: Python refuses to print integers longer than this; JSON cannot carry them either.
MAX_INT_DIGITS = 4300
_MAX_INT_BITS = int(MAX_INT_DIGITS * math.log2(10))
_PLAIN = (str, bool, type(None))


class UnstorableData(ValueError):
    """A variable holds a value that cannot be saved with the policy."""


def _kind(value) -> str:
    return {"set": "a set (use a list)", "frozenset": "a set (use a list)", "generator": "a generator",
            "function": "a function", "module": "a module", "type": "a class"}.get(
        type(value).__name__, f"a value of type {type(value).__name__}")


def to_json(value, path: str = ""):
    """A copy of ``value`` that JSON can hold (dates as ISO text), or UnstorableData naming the path."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, int):
        if value.bit_length() > _MAX_INT_BITS:
            raise UnstorableData(f"'{path}' holds a number with more than {MAX_INT_DIGITS:,} digits")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnstorableData(f"'{path}' holds {value}, which is not a number that can be stored")
        return value
    if isinstance(value, dict):
        copied = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise UnstorableData(f"'{path}' has the key {key!r}; dictionary keys must be text")
            copied[key] = to_json(item, f"{path}.{key}" if path else key)
        return copied
    if isinstance(value, (list, tuple)):
        return [to_json(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise UnstorableData(f"'{path}' holds {_kind(value)}, which cannot be stored; "
                         "store text, numbers, yes/no, dates, lists and dictionaries")


def json_size(value) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def largest_variable(data: dict) -> tuple[str, int]:
    """(name, size in bytes) of the biggest top-level variable, to say what made data too big."""
    sizes = {name: json_size(value) for name, value in data.items()}
    name = max(sizes, key=sizes.get, default="")
    return name, sizes.get(name, 0)


def size_text(size: int) -> str:
    """Bytes as a person reads them: 30 kB, 1.5 MB."""
    return f"{size / 1e6:.3g} MB" if size >= 1_000_000 else f"{size / 1e3:.3g} kB"
