"""Compaction of a workflow's finished history (being written; for now it keeps everything)."""
from __future__ import annotations


def compact(workflow) -> None:
    """Remove finished parts of the task tree that can never matter again (not yet: keeps all)."""
