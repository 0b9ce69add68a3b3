"""Hashing dict keys and set members is charged, and keys that cannot hash well are refused.

Python hashes a tuple afresh, all the way down, every time it is used as a key: a
tuple nested 64 levels deep that holds itself twice at each level (``t = (t, t)``)
is small in memory but takes 2**64 steps to hash, and a dict comprehension keyed by
a 100,000-item tuple hashes it once per item. So each key stored or looked up is
charged one unit per item of its tuples, counted over the shared structure without
walking it out (a tuple met twice in one key is measured once), before Python
hashes it. Strings cache their hash; ints, floats and dates hash in a few steps.

Two kinds of key are refused outright. Python hashes an int ``n`` to
``n mod (2**61 - 1)``: the ints ``0, P, 2P...`` (``P = 2**61 - 1``) all share one
hash, and a dict of a hundred thousand of them takes minutes to build, one collision
chain at a time, so ints at or beyond ``P`` in size cannot be keys (no diagram needs
them). And a key nested more than ``MAX_KEY_DEPTH`` levels deep is refused: hashing
recurses once per level, in C.
"""
from __future__ import annotations

from workflows.scripting.budget import MAX_ALLOCATION, current, refuse, units_left

_UNIQUE_HASHES = 2**61 - 1
_HARMLESS = {str, bool, float, type(None)}
_PLAIN = _HARMLESS | {int}
MAX_KEY_DEPTH = 32
_REMEMBERED_LENGTH = 8  # tuples longer than this keep their cost for the rest of the run
# Measuring a tuple of tuples goes through each inner tuple at Python's speed (several
# microseconds): each is charged like a call back into diagram code (budget.KEY_CALL_UNITS).
NODE_UNITS = 100


def _refuse_colliding():
    refuse("integers of 2**61 - 1 or more (or as negative) cannot be dict keys or set members "
           "in diagrams: they all hash alike")


def _refuse_costly():
    refuse(f"hashing dict keys and set members would go through more than {MAX_ALLOCATION:,} items in one step "
           "(a tuple is hashed again, with everything in it, each time it is used as a key)")


class _KeyWalk:
    """One measurement of a key: the items of its tuples, each tuple it shares once.

    Iterative (a key may nest deeper than Python recurses), bottom-up: a tuple's cost
    and height are known once its tuples' are."""

    __slots__ = ("limit", "remembered", "costs")

    def __init__(self, limit: int, remembered: dict):
        self.limit, self.remembered = limit, remembered
        self.costs: dict[int, tuple[int, int]] = {}  # id -> (cost, height), for this walk

    def run(self, key) -> int:
        if type(key) is not tuple:
            return self.other(key)
        if self.short_plain(key):  # most keys: a few plain values
            return self.plain_cost(key)[0]
        if len(key) <= _REMEMBERED_LENGTH and all(type(item) is not tuple or self.short_plain(item) for item in key):
            return self.measure(key, 1)[0]  # a few pairs: no walk needed
        stack, visits = [(key, 0)], self.limit // NODE_UNITS + 1
        while stack:
            node, depth = stack.pop()
            if depth > self.max_depth:  # deeper than allowed from the top: no need to reach the bottom
                self.too_deep()
            if id(node) in self.costs:
                continue
            remembered = self.remembered.get(id(node))
            if remembered is not None and remembered[0] is node:
                self.costs[id(node)] = remembered[1]
                continue
            visits -= 1
            if visits < 0:  # walking it would cost more than is left to spend
                return self.limit + 1
            kinds = set(map(type, node))
            if tuple not in kinds:
                known = self.plain_cost(node)
            else:
                pending = [item for item in node if type(item) is tuple and id(item) not in self.costs
                           and not self.short_plain(item)]
                if pending:  # measured first, then this one again
                    stack.append((node, depth))
                    stack.extend((item, depth + 1) for item in pending)
                    visits += 1
                    continue
                known = self.measure(node)
            self.costs[id(node)] = known
            if len(node) > _REMEMBERED_LENGTH:
                self.remembered[id(node)] = (node, known)  # holding it keeps its id from being reused
        return self.costs[id(key)][0]

    @staticmethod
    def short_plain(node: tuple) -> bool:
        return len(node) <= _REMEMBERED_LENGTH and set(map(type, node)) <= _PLAIN

    def plain_cost(self, node: tuple) -> tuple[int, int]:
        """(cost, height) of a tuple of plain values."""
        return min(len(node) + 1 + self.plain(node), self.limit + 1), 1

    def measure(self, node: tuple, node_units: int = NODE_UNITS) -> tuple[int, int]:
        """(cost, height) of a tuple holding tuples, each already measured or short and plain."""
        total, height, others = len(node) + node_units, 0, []
        for item in node:
            if type(item) is tuple:
                cost, below = self.costs.get(id(item)) or self.plain_cost(item)
                total, height = total + cost - 1, max(height, below)
            else:
                others.append(item)
        if height + 1 > self.max_depth:
            self.too_deep()
        return min(total + self.plain(others), self.limit + 1), height + 1

    max_depth = MAX_KEY_DEPTH

    def plain(self, items) -> int:
        """What items other than tuples add to hashing them beyond one unit each."""
        kinds = set(map(type, items))
        if kinds <= _HARMLESS:
            return 0
        if kinds <= {int, bool}:
            if max(items) >= _UNIQUE_HASHES or min(items) <= -_UNIQUE_HASHES:
                _refuse_colliding()
            return 0
        return sum(self.other(item) - 1 for item in items)

    def other(self, key) -> int:
        if type(key) is int and not -_UNIQUE_HASHES < key < _UNIQUE_HASHES:
            _refuse_colliding()
        return 1  # str and frozenset keep their hash; ints, floats, dates hash in a few steps

    def too_deep(self):
        refuse(f"dict keys and set members may be nested at most {MAX_KEY_DEPTH} levels deep in diagrams")


class _CompareWalk(_KeyWalk):
    """The same walk for comparing a tuple of tuples and plain values with another: texts
    cost their length (about eight characters a unit); nothing is refused."""

    __slots__ = ()
    max_depth = float("inf")  # comparing recurses in C, and Python stops that itself

    def plain(self, items) -> int:
        return sum(self.other(item) - 1 for item in items)

    def other(self, key) -> int:
        kind = type(key)
        if kind is str or kind is bytes:
            return len(key) // 8 + 1
        if kind in _PLAIN:
            return 1
        raise _NotATree  # lists, dicts: measured by sizes.compare_cost


class _NotATree(Exception):
    pass


def tuple_compare_cost(value: tuple, limit: int) -> int | None:
    """Units to compare a tuple of tuples and plain values once (``limit + 1`` once above it),
    counting a tuple shared many times quickly; None when it holds other containers."""
    try:
        return _CompareWalk(limit, {}).run(value)
    except _NotATree:
        return None


def hash_cost(key) -> int:
    """Units to hash ``key`` once (more than what is left of the budget once above it);
    UnsafeCode for a key that would collide or is nested too deep."""
    return _KeyWalk(units_left(), current().hashed).run(key)


def charge_hashing(units: int) -> None:
    budget = current()
    budget.units -= units
    if budget.units < 0:
        _refuse_costly()


def _usual(key: tuple) -> bool:
    """A short tuple of texts and ints that hash apart (the usual compound key)."""
    kinds = set(map(type, key))
    if kinds <= _HARMLESS:
        return True
    if kinds <= _PLAIN:
        return all(-_UNIQUE_HASHES < item < _UNIQUE_HASHES for item in key if type(item) is int)
    return False


def check_key(key):
    """One key about to be stored or looked up, charged; returned, so it can wrap an expression."""
    kind = type(key)
    if kind is str or kind is float:
        charge_hashing(1)
    elif kind is tuple and len(key) <= _REMEMBERED_LENGTH and _usual(key):
        charge_hashing(len(key) + 1)  # the usual compound key, measured without a walk
    else:
        charge_hashing(hash_cost(key))
    return key


def check_keys(items) -> None:
    """Keys about to be stored; ``items`` is a sized collection or a range."""
    if isinstance(items, range):
        if items and max(abs(items[0]), abs(items[-1])) >= _UNIQUE_HASHES:
            _refuse_colliding()
        charge_hashing(len(items))
        return
    if isinstance(items, (set, frozenset, dict)):
        return  # already stored somewhere: their hashes are kept with them
    kinds = set(map(type, items))
    if kinds <= _HARMLESS:
        charge_hashing(len(items))
        return
    if kinds <= {int, bool}:
        if max(items) >= _UNIQUE_HASHES or min(items) <= -_UNIQUE_HASHES:
            _refuse_colliding()
        charge_hashing(len(items))
        return
    for item in items:
        check_key(item)


def check_pairs(pairs) -> None:
    """The keys of (key, value) pairs about to become a dict."""
    if isinstance(pairs, dict):
        return
    try:
        keys = [pair[0] for pair in pairs]
    except (TypeError, IndexError, KeyError):
        return  # dict() refuses these itself, with its own message
    check_keys(keys)
