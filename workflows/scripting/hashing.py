"""Dict keys and set members that would all land in the same hash slot are refused.

Python hashes an int ``n`` to ``n mod (2**61 - 1)``: the ints ``0, P, 2P, 3P...``
(``P = 2**61 - 1``) all share one hash, and a dict or set of a hundred thousand of
them takes minutes to build, one collision chain at a time. Strings are hashed with
a per-process secret, small ints with themselves, so only ints at or beyond ``P``
in size (and tuples holding them) are refused as keys. No diagram needs them.
"""
from __future__ import annotations

from workflows.scripting.budget import refuse

_UNIQUE_HASHES = 2**61 - 1
_HARMLESS = {str, bool, float, type(None)}


def _colliding(key, depth: int = 0) -> bool:
    kind = type(key)
    if kind is int:
        return not -_UNIQUE_HASHES < key < _UNIQUE_HASHES
    if kind is tuple or kind is frozenset:
        return depth > 8 or any(_colliding(item, depth + 1) for item in key)
    return False


def _refuse():
    refuse("integers of 2**61 - 1 or more (or as negative) cannot be dict keys or set members "
           "in diagrams: they all hash alike")


def check_key(key):
    """One key about to be stored; returned, so it can wrap an expression."""
    if type(key) is not str and _colliding(key):
        _refuse()
    return key


def check_keys(items) -> None:
    """Keys about to be stored; ``items`` is a sized collection or a range."""
    if isinstance(items, range):
        if items and max(abs(items[0]), abs(items[-1])) >= _UNIQUE_HASHES:
            _refuse()
        return
    if isinstance(items, (set, frozenset, dict)):
        return  # already stored somewhere, so already checked
    kinds = set(map(type, items))
    if kinds <= _HARMLESS:
        return
    if kinds <= {int, bool}:
        if max(items) >= _UNIQUE_HASHES or min(items) <= -_UNIQUE_HASHES:
            _refuse()
        return
    if any(map(_colliding, items)):
        _refuse()


def check_pairs(pairs) -> None:
    """The keys of (key, value) pairs about to become a dict."""
    if isinstance(pairs, dict):
        return
    try:
        keys = [pair[0] for pair in pairs]
    except (TypeError, IndexError, KeyError):
        return  # dict() refuses these itself, with its own message
    check_keys(keys)
