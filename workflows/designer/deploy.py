"""The one checked path from files to a version: parse and check, guard, dry run, then deploy.

``checked_bundle`` is what every deploy runs (the CLI, ``init``, the studio, the API):
the loader's checks (hardened XML, the schemas, every expression compiled, forms) and
the conformance guard. ``check`` adds the dry run, which runs the draft's code, so it
runs in the sandbox; the studio and the API deploy only what passes ``check``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workflows.designer.bundle_files import split_files
from workflows.designer.conformance import conformance_problems
from workflows.engine.dry_run import DryRunPath, DryRunReport, _element_of
from workflows.engine.specs import ProcessBundle, load_bundle, parse_xml
from workflows.errors import DiagramError, DiagramProblem, PolicyflowError

DRY_RUN_STAFF = ["staff-member-1", "staff-member-2", "staff-member-3"]


def checked_bundle(diagrams: dict[str, bytes], forms: dict[str, bytes]) -> ProcessBundle:
    """The validated bundle, or DiagramError listing every problem (conformance included)."""
    bundle = load_bundle(diagrams, forms)
    problems = conformance_problems(bundle)
    if problems:
        raise DiagramError(problems)
    return bundle


@dataclass
class CheckReport:
    """What "Check" says about a set of files: problems (which block deploying), routes, warnings."""

    errors: list[DiagramProblem] = field(default_factory=list)
    paths: list[DryRunPath] = field(default_factory=list)
    warnings: list[DiagramProblem] = field(default_factory=list)
    bundle: ProcessBundle | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _locate(files: dict[str, str], element: str | None) -> tuple[str, int | None]:
    for name, text in files.items():
        if element and name.endswith((".bpmn", ".dmn")):
            found = parse_xml(name, text.encode()).xpath("//*[@id=$id]", id=element)
            if found:
                return name, found[0].sourceline
    return next((n for n in files if n.endswith(".bpmn")), "(bundle)"), None


def plain_tasks(files: dict) -> list[DiagramProblem]:
    """Plain tasks, which do nothing when run: a warning, as their to-do says."""
    found = []
    for name, text in sorted(files.items()):
        if isinstance(text, str) and name.endswith(".bpmn"):
            try:
                root = parse_xml(name, text.encode("utf-8", "surrogatepass"))
            except DiagramError:
                continue  # the check reports it
            found += [DiagramProblem(name, node.sourceline, node.get("id"),
                                     f"'{node.get('name') or node.get('id')}' is a plain task, which does nothing "
                                     "when run: make it a user task (someone answers a form) or a script task")
                      for node in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}task")]
    return found


def check(files: dict, sandbox, now: datetime) -> CheckReport:
    """Every problem of ``files`` ({name: text}), then, if there are none, the dry run's routes."""
    report = _checked(files, sandbox, now)
    report.warnings[:0] = plain_tasks(files) if isinstance(files, dict) else []
    return report


def _checked(files: dict, sandbox, now: datetime) -> CheckReport:
    try:
        bundle = checked_bundle(*split_files(files))
    except DiagramError as error:
        return CheckReport(errors=list(error.problems))
    data = {"policy": {"title": "Dry run", "department": "Dry run"}, "staff_members": list(DRY_RUN_STAFF)}
    try:
        report: DryRunReport = sandbox.run("dry_run", bundle.content_hash, lambda: bundle.files, data=data, now=now,
                                           bounds={})
    except PolicyflowError as failure:  # the run broke a limit or could not start: say where, as a problem
        element = _element_of(failure.message)
        file, line = _locate(bundle.files, element)
        return CheckReport(errors=[DiagramProblem(file, line, element, f"dry run: {failure.message}")], bundle=bundle)
    result = CheckReport(paths=report.paths, bundle=bundle)
    if not report.paths:  # a check never passes with nothing explored
        result.errors.append(DiagramProblem(*_locate(bundle.files, None), None, "the dry run found no route to follow"))
    for path in report.paths:
        if path.outcome == "error":
            file, line = _locate(bundle.files, path.element)
            route = " → ".join(path.steps)
            result.errors.append(DiagramProblem(file, line, path.element, f"{path.message} (dry run: {route})"))
    for element in report.unreachable:
        file, line = _locate(bundle.files, element)
        result.warnings.append(DiagramProblem(file, line, element, "no route of the dry run reaches this element"))
    if not report.complete:
        result.warnings.append(DiagramProblem(next(iter(bundle.files)), None, None,
                                              f"the dry run stopped at its bound after {len(report.paths)} routes; "
                                              "routes with several unusual answers were not all tried"))
    return result
