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
from workflows.engine.dry_run import DryRunPath, DryRunReport
from workflows.engine.specs import ProcessBundle, load_bundle, parse_xml
from workflows.errors import DiagramError, DiagramProblem, PolicyflowError

#: Two: every instance of a multi-instance task gets the same answer, so two show how their answers combine
DRY_RUN_STAFF = ["staff-member-1", "staff-member-2"]


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


class _Locator:
    """Where each element of a checked bundle is (file and line, by id), read once for all its problems."""

    def __init__(self, bundle: ProcessBundle):
        self.bundle = bundle
        self._places: dict[str, tuple[str, int]] | None = None

    def problem(self, element: str | None, message: str) -> DiagramProblem:
        """A problem at ``element``, or, when no element is to blame (a bound of the whole run), at
        the process that runs: the studio marks its pool, and the page names its line."""
        element = element or self.bundle.process_id
        if self._places is None:
            self._places = {}
            for name, text in self.bundle.files.items():
                if name.endswith((".bpmn", ".dmn")):
                    for node in parse_xml(name, text.encode()).iter():
                        if isinstance(node.tag, str) and node.get("id"):
                            self._places.setdefault(node.get("id"), (name, node.sourceline))
        first = next((n for n in self.bundle.files if n.endswith(".bpmn")), "(bundle)")
        file, line = self._places.get(element, (first, None))
        return DiagramProblem(file, line, element, message)


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
    where = _Locator(bundle)
    try:
        report: DryRunReport = sandbox.run("dry_run", bundle.content_hash, lambda: bundle.files, data=data, now=now,
                                           bounds={})
    except PolicyflowError as failure:  # the run broke a limit or could not start: say where, as a problem
        problem = where.problem(getattr(failure, "element", None), f"dry run: {failure.message}")
        return CheckReport(errors=[problem], bundle=bundle)
    result = CheckReport(paths=report.paths, bundle=bundle)
    if not report.paths:  # a check never passes with nothing explored
        result.errors.append(where.problem(None, "the dry run found no route to follow"))
    for path in report.paths:
        if path.outcome == "error":
            route = " → ".join(path.steps)
            result.errors.append(where.problem(path.element, f"{path.message} (dry run: {route})"))
    for element in report.unreachable:
        result.warnings.append(where.problem(element, "no route of the dry run reaches this element"))
    if not report.complete:
        result.warnings.append(where.problem(None, f"the dry run stopped at its bound after {len(report.paths)} "
                                                   "routes; routes with several unusual answers were not all tried"))
    return result
