"""The BPMN parser every version is read with: SpiffWorkflow's, with two of its specs replaced.

Multi-instance activities respect the bound on their instances (``multi_instance.py``), and
parallel and inclusive joins keep what each branch changed (``joins.py``).
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from workflows.engine.joins import BranchMergingInclusiveGateway, BranchMergingParallelGateway
from workflows.engine.multi_instance import bounded


def _joins() -> dict:
    tags = {"parallelGateway": BranchMergingParallelGateway, "inclusiveGateway": BranchMergingInclusiveGateway}
    return {full_tag(tag): (SpiffBpmnParser.PARSER_CLASSES[full_tag(tag)][0], spec) for tag, spec in tags.items()}


class BoundedParser(SpiffBpmnParser):
    """SpiffWorkflow's parser whose multi-instance activities respect the instance bound, and whose
    joins keep each branch's changes."""

    OVERRIDE_PARSER_CLASSES = {**{tag: (bounded(parser), spec)
                                  for tag, (parser, spec) in SpiffBpmnParser.OVERRIDE_PARSER_CLASSES.items()},
                               **_joins()}
