"""The restricted environment every diagram expression and script runs in.

Diagrams are uploaded by people, so gateway conditions, DMN cells, timer
expressions and scripts are untrusted code. They are compiled with RestrictedPython
under a stricter policy (``policy.py``: no ``while``, ``def``, ``lambda``, ``class``,
``yield``; every size-changing operator routed through a guard) and run with a small
set of bounded builtins (``builtin_functions.py``) and bounded methods
(``methods.py``). Each run draws on one budget (``budget.py``): loop iterations,
characters and items created, big-integer work, and the hashing of dict keys and set
members (``hashing.py``); each object is bounded too.
So a diagram can neither reach the OS nor hang or exhaust the server on its own —
the operating-system limits around the worker are a second, separate wall.

May use: nothing else in ``workflows``; the engine and the designer's checks build on it.
"""
from workflows.scripting.budget import MAX_ALLOCATION, MAX_INT_DIGITS, MAX_ITERATIONS, MAX_SEQUENCE_LENGTH, UnsafeCode
from workflows.scripting.environment import RestrictedEnvironment, RestrictedScriptEngine, restricted_script_engine
from workflows.scripting.policy import compile_expression, compile_script

__all__ = [
    "MAX_ALLOCATION", "MAX_INT_DIGITS", "MAX_ITERATIONS", "MAX_SEQUENCE_LENGTH", "RestrictedEnvironment",
    "RestrictedScriptEngine", "UnsafeCode", "compile_expression", "compile_script", "restricted_script_engine",
]
