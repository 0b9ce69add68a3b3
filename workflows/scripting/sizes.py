"""Upper bounds of the size of a value written out, or of the work of comparing it.

Nothing here allocates in proportion to what it measures: sizes are found by walking
containers (stopping as soon as the bound is passed), at C speed where a list holds
plain values of one kind, measuring a list or long text referenced many times once.
"""
from __future__ import annotations

from collections.abc import ItemsView, KeysView, ValuesView
from itertools import chain, repeat

from workflows.scripting.budget import MAX_SEQUENCE_LENGTH

_VIEWS = (KeysView, ValuesView, ItemsView)


def limbs(number: int) -> int:
    """The number of 30-bit digits CPython stores an int in (the unit of big-int work)."""
    return number.bit_length() // 30 + 1


def _quoted_size(text: str, ascii_only: bool) -> int:
    """Upper bound of len(repr(text)) (or of ascii(text))."""
    if text.isprintable() and (text.isascii() or not ascii_only):
        return len(text) + 2 + text.count("\\") + text.count("'")
    return (4 if text.isascii() else 10) * len(text) + 2


def _namespace_attrs(item):
    """The attributes a Jinja namespace shows in its repr (its only way to hold data)."""
    return getattr(item, "_Namespace__attrs", None)


def int_work(number: int) -> int:
    """Units charged for writing out an int: CPython's conversion is quadratic in its size."""
    return limbs(number) ** 2 if number.bit_length() > 300 else 0


def text_size(value, limit: int, conversion: str = "s") -> int:
    """An upper bound of len(str(value)) ("s"), len(repr(value)) ("r") or len(ascii(value)) ("a").

    Returns ``limit + 1`` as soon as the bound passes ``limit``, so the walk stays short
    however large, shared or self-referencing ``value`` is.
    """
    return text_cost(value, limit, conversion)[0]


def saved_size(value, limit: int, max_values: int, max_depth: int) -> int:
    """About the length of ``value`` written out as data (quotes and escapes aside), or
    ``limit + 1`` when larger, holding more than ``max_values`` values, or nested deeper
    than ``max_depth``: what decides whether task data can be saved."""
    if type(value) is str:
        return len(value) + 2
    return _Walk(limit, "r", exact=False, max_values=max_values, max_depth=max_depth).run(value)[0]


_CHEAP_TO_COMPARE = {int, float, bool, type(None)}


def compare_cost(value, limit: int) -> int:
    """Units for comparing, hashing or scanning ``value`` once: comparing long texts runs
    at memory speed, about eight characters a unit (``limit + 1`` once above ``limit``)."""
    kind = type(value)
    if kind in _CHEAP_TO_COMPARE:
        return 1
    if kind is str or kind is bytes:
        return len(value) // 8 + 1
    size = _Walk(8 * limit, "r", exact=False, max_values=limit).run(value)[0]
    return min(size // 8 + 1, limit + 1)


def text_cost(value, limit: int, conversion: str = "s") -> tuple[int, int]:
    """(:func:`text_size`, units of work to write out the large ints it contains)."""
    if conversion == "s" and isinstance(value, str):
        return len(value), 0
    return _Walk(limit, conversion).run(value)


_FIXED = {float: 24, bool: 5, type(None): 4}
_PLAIN = {int, bool, str, float, type(None)}
_LEVEL_UP = object()  # marks, on the walk's stack, the end of a container's contents


class _Walk:
    """One measurement: a depth-first walk with an explicit stack, stopping at the limit.

    Lists of plain values are measured in one go (at C speed when all of one kind) and
    remembered, so a list referenced many times costs one look; lists of lists are
    measured as one flat list of their contents."""

    def __init__(self, limit: int, conversion: str, exact: bool = True, max_values=None, max_depth=None):
        self.limit, self.exact, self.ascii_only = limit, exact, conversion == "a"
        self.values_left = limit if max_values is None else max_values
        self.depth_left = limit if max_depth is None else max_depth

    def quoted(self, text: str) -> int:
        return _quoted_size(text, self.ascii_only) if self.exact else len(text) + 2

    def run(self, value) -> tuple[int, int]:
        limit, total, work, stack, seen = self.limit, 0, 0, [value], {}
        while stack:
            item = stack.pop()
            kind = type(item)
            if item is _LEVEL_UP:
                self.depth_left += 1
                continue
            if kind is str:
                self.values_left -= 1
                if len(item) <= 64:
                    total += self.quoted(item)
                else:  # a long text referenced many times is measured once
                    size = seen.get(id(item))
                    total += size if size is not None else seen.setdefault(id(item), self.quoted(item))
            elif kind is list or kind is tuple:
                known = seen.get(id(item))
                if known is None:
                    known = self.plain(item)
                    if len(item) > 8 and known is not None:
                        seen[id(item)] = known
                if known is not None:
                    total, work, self.values_left = total + known[0], work + known[1], self.values_left - 1
                else:
                    total += self.nested(item, stack)
            elif kind is dict:
                total += 2 + 2 * len(item)
                self.values_left -= len(item)
                if len(item) <= limit:
                    self.descend(stack, (list(item.keys()), list(item.values())))
            elif kind in _FIXED:
                self.values_left -= 1
                total += _FIXED[kind]
            elif kind is int:
                self.values_left -= 1
                total += item.bit_length() // 3 + 3
                work += int_work(item)
            else:
                self.values_left -= 1
                size, children = _other_size(item, self.ascii_only, limit)
                total += size
                if children is not None and total <= limit:
                    self.descend(stack, children)
            if total > limit or self.values_left < 0 or self.depth_left < 0:
                return limit + 1, work
        return total, work

    def descend(self, stack: list, children) -> None:
        self.depth_left -= 1
        stack.append(_LEVEL_UP)
        stack.extend(children)

    def nested(self, item, stack: list) -> int:
        """A list or tuple holding containers: its own size; its contents go on the stack."""
        self.values_left -= len(item) + 1
        if len(item) > 8 and set(map(type, item)) <= {list, tuple}:  # records: rows, pairs
            inner = sum(map(len, item))
            if inner <= min(self.values_left, MAX_SEQUENCE_LENGTH):
                self.descend(stack, (list(chain.from_iterable(item)),))
                return 2 + 4 * len(item) + 2 * inner
        if self.values_left >= 0:
            self.descend(stack, item)
        return 2 + 2 * len(item)

    def plain(self, items):
        """(size, work) of a list or tuple holding only plain values, None otherwise."""
        size, work = 2 + 2 * len(items), 0
        if len(items) > 8:
            kinds = set(map(type, items))
            if not kinds <= _PLAIN:
                return None
            if kinds <= {int, bool}:
                if max(map(int.bit_length, items), default=0) > 300:
                    work = sum(map(int_work, items))
                return size + sum(map(int.bit_length, items)) // 3 + 3 * len(items), work
            if kinds == {str}:
                size += sum(map(len, items)) + 2 * len(items)
                if not self.exact or size > self.limit:  # the same long text may be in it many times
                    return size, 0
                if all(map(str.isprintable, items)) and (not self.ascii_only or all(map(str.isascii, items))):
                    return size + sum(map(str.count, items, repeat("'"))) + sum(map(str.count, items, repeat("\\"))), 0
                size -= sum(map(len, items)) + 2 * len(items)
        exact, ascii_only = self.exact, self.ascii_only
        for item in items:
            kind = type(item)
            if kind is str:
                size += _quoted_size(item, ascii_only) if exact else len(item) + 2
            elif kind is int:
                size += item.bit_length() // 3 + 3
                work += int_work(item)
            elif kind in _FIXED:
                size += _FIXED[kind]
            else:
                return None
            if size > self.limit:
                break
        return size, work


def _other_size(item, ascii_only: bool, limit: int):
    """(own size, what it contains or None) for values other than lists, tuples and plain values."""
    if isinstance(item, str):  # subclasses
        return _quoted_size(item, ascii_only), None
    if isinstance(item, int):
        return item.bit_length() // 3 + 3, None
    if isinstance(item, (list, tuple, set, frozenset, *_VIEWS)):
        return (14, [list(item)]) if len(item) <= limit else (limit + 1, None)
    if isinstance(item, dict):  # keys and values as two lists, so plain ones are measured fast
        return (2, [list(item.keys()), list(item.values())]) if len(item) <= limit else (limit + 1, None)
    if isinstance(item, (bytes, bytearray)):
        return 4 * len(item) + 14, None
    if isinstance(item, range):
        return 20 + sum(abs(end).bit_length() // 3 + 3 for end in (item.start, item.stop, item.step)), None
    if isinstance(item, BaseException):
        return 60, [list(item.args)]
    if _namespace_attrs(item) is not None:
        return 14, [_namespace_attrs(item)]
    return 200, None  # dates, durations, functions, iterators: short fixed representations
