"""Multi-instance activities with a bound on how many instances they may create.

A diagram's ``loopCardinality`` or input collection decides how many task
instances a multi-instance activity makes; 20,000 of them once filled the
database and stalled every inbox. Task parsers passed through ``bounded`` (the
parser in ``parser.py``) build SpiffWorkflow's own multi-instance specs with one
check added: before any instance exists, the count
is compared with the bound the running script engine carries
(``max_instances``), and an activity over it fails with a message naming it.
"""
from __future__ import annotations

from collections.abc import Sized

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser
from SpiffWorkflow.spiff.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask


def _check_count(spec, my_task, count) -> None:
    limit = getattr(my_task.workflow.script_engine, "max_instances", None)
    if limit is not None and isinstance(count, int) and count > limit:
        raise WorkflowTaskException(
            f"the multi-instance activity {spec.bpmn_id} would create {count:,} instances; "
            f"at most {limit:,} are allowed", task=my_task)


def _instance_count(spec, my_task):
    if spec.data_input is not None:
        items = spec.data_input.get(my_task) if spec.data_input.exists(my_task) else None
        return len(items) if isinstance(items, Sized) else None
    return my_task.workflow.script_engine.evaluate(my_task, spec.cardinality)


class BoundedParallelMultiInstance(ParallelMultiInstanceTask):
    def create_children(self, my_task):
        _check_count(self, my_task, _instance_count(self, my_task))
        super().create_children(my_task)


class BoundedSequentialMultiInstance(SequentialMultiInstanceTask):
    def _update_hook(self, my_task):
        _check_count(self, my_task, _instance_count(self, my_task))
        return super()._update_hook(my_task)


def bounded(parser_class):
    """``parser_class`` building bounded multi-instance specs (a task parser), else unchanged."""
    if not issubclass(parser_class, SpiffTaskParser):
        return parser_class
    return type(parser_class.__name__, (parser_class,), {
        "PARALLEL_MI_CLASS": BoundedParallelMultiInstance,
        "SEQUENTIAL_MI_CLASS": BoundedSequentialMultiInstance,
    })

