"""What one run of diagram code may spend, and how a refusal is raised.

Every evaluation or script run gets a fresh :class:`Budget`: loop iterations, and
"units" for the work no loop counter sees: one per character or item created (a few
per item that comes into being as a new object), about one per eight characters
compared or hashed, one per 30-bit digit operation on very large integers, and a
hundred per call of a sort key. Each object is also bounded on its own
(``MAX_SEQUENCE_LENGTH``). Guards charge *before* they build, so a refused operation
never allocated anything. A refusal is remembered on the budget: code that catches
the ``UnsafeCode`` and carries on is refused again when the run ends.
"""
from __future__ import annotations

from contextvars import ContextVar
from itertools import islice
from types import GeneratorType

MAX_ITERATIONS = 100_000
MAX_SEQUENCE_LENGTH = 100_000
MAX_ALLOCATION = 10_000_000
# Python's own limit for int <-> str conversion; larger ints cannot be shown or stored.
MAX_INT_DIGITS = 4_300
MAX_INT_BITS = 14_284  # 2**14284 < 10**4300


class UnsafeCode(ValueError):
    """An expression or script uses something the restricted environment refuses."""


class Budget:
    """The allowance of one run; guards draw on it and record the first refusal."""

    __slots__ = ("iterations", "units", "refusal", "mutated", "measured", "hashed")

    def __init__(self):
        self.iterations = MAX_ITERATIONS
        self.units = MAX_ALLOCATION
        self.refusal: str | None = None
        self.mutated = False  # whether the code changed a container in place
        self.measured: dict = {}  # id -> (container, cost to compare it), until a change
        self.hashed: dict = {}  # id -> (long tuple, cost to hash it); tuples do not change


_current: ContextVar[Budget | None] = ContextVar("diagram_code_budget", default=None)


def start() -> tuple[Budget, object]:
    """Give the calling run a fresh budget; pass the token to :func:`finish`."""
    budget = Budget()
    return budget, _current.set(budget)


def finish(token) -> None:
    _current.reset(token)


def current() -> Budget:
    """The running budget (code run outside :func:`start` gets one of its own)."""
    budget = _current.get()
    if budget is None:
        budget = Budget()
        _current.set(budget)
    return budget


def refuse(message: str):
    """Raise UnsafeCode, and remember it (during a run) so that catching it does not help."""
    budget = _current.get()
    if budget is not None and budget.refusal is None:
        budget.refusal = message
    raise UnsafeCode(message)


def too_big(kind: str):
    refuse(f"{kind} would be larger than {MAX_SEQUENCE_LENGTH:,} items")


def check_length(length: int, kind: str) -> None:
    """Refuse a new object longer than the per-object bound, then charge its length."""
    if length > MAX_SEQUENCE_LENGTH:
        too_big(kind)
    charge(length)


def check_growth(length: int, added: int, kind: str) -> None:
    """Refuse growing a container to more than the per-object bound; charge what is added."""
    if length + added > MAX_SEQUENCE_LENGTH:
        too_big(kind)
    charge(added)


def charge(units: int) -> None:
    """Draw ``units`` from the allocation budget, refusing once it is spent."""
    budget = current()
    budget.units -= units
    if budget.units < 0:
        refuse(f"diagram code may create or go through at most {MAX_ALLOCATION:,} characters or items in one step")


def mark_mutated() -> None:
    budget = current()
    budget.mutated = True
    budget.measured.clear()


def bounded_iter(iterable):
    """Iterate like ``iter``, drawing on one budget shared by all loops of a run."""
    budget = current()
    for item in iterable:
        budget.iterations -= 1
        if budget.iterations < 0:
            refuse(f"loops ran more than {MAX_ITERATIONS:,} times in one step")
        yield item


_SIZED = (list, tuple, str, bytes, bytearray, set, frozenset, dict, range)


# Items that come into being as new objects (the ints of a range, the tuples of zip or
# enumerate) weigh a few pointers each; a call back into guarded code (a sort key) costs
# far more than copying an item.
NEW_ITEM_UNITS = 4
KEY_CALL_UNITS = 100


def collect(iterable, kind: str):
    """The items of ``iterable`` as a sized collection (the object itself when it already
    is one), refused beyond the per-object bound and charged to the allocation budget."""
    if isinstance(iterable, _SIZED):
        check_length(len(iterable), kind)
        if type(iterable) is range:
            charge(len(iterable) * (NEW_ITEM_UNITS - 1))
        return iterable
    items = list(islice(iterable, MAX_SEQUENCE_LENGTH + 1))
    check_length(len(items), kind)
    if not isinstance(iterable, GeneratorType):
        charge(len(items) * (NEW_ITEM_UNITS - 1))
    return items


def units_left() -> int:
    return max(current().units, 0)


def charge_key_calls(count: int, kwargs: dict) -> None:
    """Sorting or picking with ``key=`` calls the key once per item."""
    if kwargs.get("key") is not None:
        charge(count * KEY_CALL_UNITS)


def scanned(iterable):
    """``iterable`` with the work of scanning it charged: its length when sized, one unit
    per item otherwise (generators of the diagram's own code already count as loops)."""
    if isinstance(iterable, _SIZED):
        charge(len(iterable))
        return iterable
    if isinstance(iterable, GeneratorType):
        return iterable
    return _charging(iterable)


def _charging(iterable):
    budget = current()
    for item in iterable:
        budget.units -= 1
        if budget.units < 0:
            charge(0)
        yield item
