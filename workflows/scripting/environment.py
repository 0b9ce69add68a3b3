"""Where diagram code runs: the guarded globals, and SpiffWorkflow's environment around them.

Each ``evaluate``/``execute`` gets a fresh budget. When the code ends, three things
are checked before anything leaves: a refusal the code caught and ignored is raised
again; an exception's arguments too large to show are replaced (its message would be
built from their repr); and the value or data it leaves must be writable as text
within the allocation budget (a list holding one long string a million times is
small in memory but not once the task data is saved).
"""
from __future__ import annotations

import datetime as _dt

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from . import budget, operators
from .builtin_functions import ALLOWED, real_type
from .methods import bounded_method, bounded_strftime
from .policy import compile_expression, compile_script
from .sizes import text_size

_MESSAGE_LIMIT = 10_000
_PLAIN_RESULTS = (bool, int, float, type(None))


def guarded_getattr(obj, name, default=None):
    """RestrictedPython's ``_getattr_``: safer_getattr, with building methods bounded."""
    if type(name) is str and not name.startswith("_"):
        method = bounded_method(real_type(obj), name)
        if method is not None:
            return method
    return safer_getattr(real_type(obj), name, default)


class _TimeForStrftime:
    """What ``import time`` yields in a diagram: only strftime, which datetime.strftime
    imports behind the scenes. Nothing else of the time module (no sleep)."""

    def __init__(self):
        import time

        self._strftime = time.strftime

    def strftime(self, fmt, *args):
        return bounded_strftime(self._strftime, fmt, *args)


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if name == "time" and level == 0:
        return _TimeForStrftime()
    raise ImportError(f"import of '{name}' is not allowed in diagrams")


GUARDS = {
    "__builtins__": {**ALLOWED, "__import__": _import},
    "_getattr_": guarded_getattr,
    "_getitem_": operators.getitem,
    "_getiter_": budget.bounded_iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": operators.write,
    "_inplacevar_": operators.inplacevar,
    "_apply_": operators.apply,
    "_mul_": operators.mul,
    "_pow_": operators.pow_,
    "_lshift_": operators.lshift,
    "_add_": operators.add,
    "_sub_": operators.sub,
    "_mod_": operators.mod,
    "_floordiv_": operators.floordiv,
    "_or_": operators.or_,
    "_xor_": operators.xor,
    "_and_": operators.and_,
    "_contained_in_": operators.contained_in,
    "_fvalue_": operators.fvalue,
    "_fstring_": operators.fstring,
    "_display_": operators.display,
    "_dict_display_": operators.dict_display,
    "datetime": _dt.datetime,
    "date": _dt.date,
    "timedelta": _dt.timedelta,
}


def _check_left_behind(value, what: str) -> None:
    if type(value) not in _PLAIN_RESULTS and text_size(value, budget.MAX_ALLOCATION, "r") > budget.MAX_ALLOCATION:
        budget.refuse(f"{what} would be larger than {budget.MAX_ALLOCATION:,} characters once saved")


def _contained(error: Exception, run: budget.Budget) -> Exception:
    """The exception to raise for ``error``: a swallowed refusal wins; huge arguments go."""
    if run.refusal is not None:
        return budget.UnsafeCode(run.refusal)
    if any(text_size(arg, _MESSAGE_LIMIT, "r") > _MESSAGE_LIMIT for arg in error.args):
        error.args = (f"({type(error).__name__} with a value too large to show)",)
    return error


class RestrictedEnvironment(TaskDataEnvironment):
    """SpiffWorkflow's task-data environment with every eval/exec made restricted."""

    def __init__(self):
        super().__init__(environment_globals={})

    def evaluate(self, expression, context, external_context=None):
        scope = {**(external_context or {}), **context, **GUARDS}
        run, token = budget.start()
        try:
            result = eval(compile_expression(expression), scope)
            _check_left_behind(result, "the expression's value")
            if run.mutated:
                _check_left_behind(context, "the task data")
        except Exception as error:
            raise _contained(error, run) from None
        finally:
            budget.finish(token)
        if run.refusal is not None:
            raise budget.UnsafeCode(run.refusal)
        return result

    def execute(self, script, context, external_context=None):
        scope = {**(external_context or {}), **context, **GUARDS}
        run, token = budget.start()
        try:
            exec(compile_script(script), scope)
            # Names RestrictedPython lets a script create never start with "_", so what is
            # left after removing our guards and callables is the script's data.
            kept = {key: value for key, value in scope.items()
                    if key not in GUARDS and not key.startswith("_") and not callable(value)
                    and not isinstance(value, _TimeForStrftime) and key not in (external_context or {})}
            _check_left_behind(kept, "the task data")
        except Exception as error:
            raise _contained(error, run) from None
        finally:
            budget.finish(token)
        if run.refusal is not None:
            raise budget.UnsafeCode(run.refusal)
        for key in set(context) - set(kept):
            del context[key]
        context.update(kept)
        return True


def restricted_script_engine() -> PythonScriptEngine:
    """The only script engine a policy workflow may run with."""
    return PythonScriptEngine(environment=RestrictedEnvironment())
