"""Where diagram code runs: the guarded globals, and SpiffWorkflow's environment around them.

Each ``evaluate``/``execute`` gets a fresh budget. When the code ends, three things
are checked before anything leaves: a refusal the code caught and ignored is raised
again; an exception's arguments too large to show are replaced (its message would be
built from their repr); and the value or data it leaves must be savable: at most
``MAX_ALLOCATION`` characters, ``MAX_SAVED_VALUES`` values and ``MAX_SAVED_DEPTH``
levels written out (a list holding one long string a million times is small in
memory, but not once the task data is saved or copied). The script engine handed to
workflows reports a refused condition, timer or DMN cell with the refusal's reason.
"""
from __future__ import annotations

import datetime as _dt
import re

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from workflows.scripting import budget, constructs, operators, timer_limits
from workflows.scripting.builtin_functions import ALLOWED, real_type
from workflows.scripting.hashing import check_key
from workflows.scripting.methods import bounded_method
from workflows.scripting.policy import compile_expression, compile_script
from workflows.scripting.sizes import saved_size, text_size
from workflows.scripting.text_methods import bounded_strftime

_MESSAGE_LIMIT = 10_000
# What a run may leave in the task data, written out: ample for any form's answers, and
# few enough values that measuring them stays quick.
MAX_SAVED_VALUES = 300_000
MAX_SAVED_DEPTH = 64  # copying and saving task data recurses once per level
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
    "_getitem_": constructs.getitem,
    "_getiter_": budget.bounded_iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": constructs.write,
    "_inplacevar_": operators.inplacevar,
    "_apply_": constructs.apply,
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
    "_contained_in_": constructs.contained_in,
    "_compared_": constructs.compared,
    "_fvalue_": constructs.fvalue,
    "_fstring_": constructs.fstring,
    "_display_": constructs.display,
    "_dict_display_": constructs.dict_display,
    "_key_": check_key,
    "datetime": _dt.datetime,
    "date": _dt.date,
    "timedelta": _dt.timedelta,
}


def _check_left_behind(value, what: str) -> None:
    limit = budget.MAX_ALLOCATION
    if type(value) in _PLAIN_RESULTS:
        return
    if saved_size(value, limit, MAX_SAVED_VALUES, MAX_SAVED_DEPTH) > limit:
        budget.refuse(f"{what} would be too large to save (more than {limit:,} characters, "
                      f"{MAX_SAVED_VALUES:,} values or {MAX_SAVED_DEPTH} levels of nesting)")


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
            # Unless the script changed a container in place, only what it (re)bound is new.
            changed = kept if run.mutated else {key: value for key, value in kept.items()
                                                 if key not in context or context[key] is not value}
            _check_left_behind(changed, "the task data")
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


# SpiffWorkflow counts a timer's duration out month by month: it runs unbounded on a large
# enough value, and dates end in 9999 (see timer_limits). (Multi-instance counts are bounded by
# the engine's parser, workflows/engine/multi_instance.py.)


def _value_refusal(task, expression: str, value) -> str | None:
    """Why the value of a timer expression cannot be used, if it cannot."""
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition) and definition.expression == expression:
        for part in re.split("/|--", value) if isinstance(value, str) else ():
            if part.strip().upper().startswith("P"):
                try:
                    duration = TimerEventDefinition.parse_iso_duration(part.strip())
                except (ValueError, TypeError, ArithmeticError):
                    continue  # SpiffWorkflow reports a malformed duration itself
                if timer_limits.too_long(duration):
                    return timer_limits.REFUSAL
    return None


class RestrictedScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine, saying why an expression was refused.

    The library wraps any error of a condition, timer or DMN cell as "Error evaluating
    expression '...'", which is all a person would see; a refusal's reason goes first.
    Timer values are bounded here, where the task is known."""

    def evaluate(self, task, expression, external_context=None):
        try:
            value = super().evaluate(task, expression, external_context)
        except WorkflowTaskException as error:
            if not isinstance(error.__context__, budget.UnsafeCode):
                raise
            raise _explained(task, expression, error.__context__) from error.__context__
        reason = _value_refusal(task, expression, value)
        if reason is not None:
            raise _explained(task, expression, budget.UnsafeCode(reason))
        return value


def _explained(task, expression: str, refusal: budget.UnsafeCode) -> WorkflowTaskException:
    explained = WorkflowTaskException(str(refusal), task=task, exception=refusal)
    explained.add_note(f"Error evaluating expression '{expression}'")
    return explained


def restricted_script_engine() -> PythonScriptEngine:
    """The only script engine a policy workflow may run with."""
    return RestrictedScriptEngine(environment=RestrictedEnvironment())
