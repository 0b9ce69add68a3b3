"""Load and validate a diagram bundle (BPMN, DMN and the JSON Schema forms they name).

Uploaded diagrams are untrusted. Every file is parsed by us first with DTDs and
entities refused, then validated against the BPMN/DMN schemas, then every
condition, script, timer expression and DMN cell is compiled in the restricted
environment, so a diagram that would fail at run time is refused at deploy time.
Every problem is reported as ``file:line: element: message``.

Every file must be UTF-8 text: a Latin-1 or UTF-16 file is refused rather than
guessed at, so the text stored for a version is exactly the text validated. Forms
are read only from inside the diagram's own folder, under plain file names.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from workflows.engine.diagram_checks import FORM_PROPERTY, call_problems, check_diagram, plain_file_name, properties
from workflows.engine.parser import BoundedParser
from workflows.errors import DiagramError, DiagramProblem
from workflows.forms.deploy_checks import form_problems, schema_problem
from workflows.forms.validation import json_depth

MAX_FILE_BYTES = 1024 * 1024
MAX_BUNDLE_BYTES = 5 * 1024 * 1024
MAX_FILES = 50
MAX_FORM_DEPTH = 32  # forms are flat fields; conditional rules add a few levels
_DECLARED_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']""")

_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                            huge_tree=False, remove_comments=True)


@dataclass
class ProcessBundle:
    """A validated, runnable process: the parsed spec plus the files it came from."""

    process_id: str
    name: str
    spec: object
    subprocess_specs: dict
    files: dict[str, str]
    forms: dict[str, dict] = field(default_factory=dict)

    @cached_property
    def content_hash(self) -> str:
        return content_hash(self.files)


def content_hash(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()


def utf8_text(name: str, data: bytes) -> str:
    """The file's text, if it is UTF-8; otherwise a located problem (never a guess at its encoding)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DiagramError.single(name, f"the file is not UTF-8 text (byte 0x{data[error.start]:02x} cannot be "
                                        "read); save it as UTF-8", line=line) from None
    if "\x00" in text:
        raise DiagramError.single(name, "the file is not UTF-8 text (it holds NUL bytes, as UTF-16 does); "
                                        "save it as UTF-8", line=text.count("\n", 0, text.index("\x00")) + 1)
    return text


def parse_xml(name: str, data: bytes) -> etree._Element:
    """Parse untrusted XML: UTF-8 only, no DOCTYPE at all (so no entities, local or external)."""
    if len(data) > MAX_FILE_BYTES:
        raise DiagramError.single(name, f"the file is larger than {MAX_FILE_BYTES // 1024} KiB")
    utf8_text(name, data)
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared.group(1).lower().replace(b"-", b"") != b"utf8":
        encoding = declared.group(1).decode("ascii", "replace")
        raise DiagramError.single(name, f"the XML declaration says encoding=\"{encoding}\"; save the file as UTF-8 "
                                        "and declare encoding=\"UTF-8\"", line=1)
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise DiagramError.single(name, "DOCTYPE and ENTITY declarations are not allowed in diagrams", line=1)
    try:
        return etree.fromstring(data, _SAFE_XML)
    except etree.XMLSyntaxError as error:
        raise DiagramError.single(name, f"not well-formed XML: {error.msg}", line=error.lineno) from None


def _parse_form(name: str, data: bytes) -> dict:
    """A form as JSON Schema, refused (located) if it is not UTF-8 JSON, nests too deeply,
    is not a valid schema of an object, or uses what forms may not (see ``form_checks``)."""
    text = utf8_text(name, data)
    try:
        form = json.loads(text)
    except RecursionError:
        raise _too_deep(name) from None
    except json.JSONDecodeError as error:
        raise DiagramError.single(name, f"not valid JSON: {error.msg}", line=error.lineno) from None
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        raise DiagramError.single(name, f"not valid JSON: {error}") from None
    if json_depth(form, MAX_FORM_DEPTH) > MAX_FORM_DEPTH:
        raise _too_deep(name)
    invalid = schema_problem(name, text, form)
    if invalid is not None:
        raise DiagramError([invalid])
    if form.get("type") != "object" or not isinstance(form.get("properties"), dict):
        raise DiagramError.single(name, 'a form must be a JSON Schema with "type": "object" and "properties"')
    problems = form_problems(name, text, form)
    if problems:
        raise DiagramError(problems)
    return form


def _too_deep(name: str) -> DiagramError:
    return DiagramError.single(name, f"the form nests objects and arrays more than {MAX_FORM_DEPTH} levels deep")


def _check_sizes(files: dict[str, bytes]) -> None:
    if len(files) > MAX_FILES:
        raise DiagramError.single("(bundle)", f"a bundle may hold at most {MAX_FILES} files")
    if sum(len(data) for data in files.values()) > MAX_BUNDLE_BYTES:
        raise DiagramError.single("(bundle)", f"a bundle may be at most {MAX_BUNDLE_BYTES // 1024 // 1024} MiB")


def _locate(trees: dict[str, etree._Element], file: str | None, element_id: str | None) -> tuple[str, int | None]:
    """Find the file and line of an element id, for engine errors that lack them."""
    for name, root in trees.items():
        if file and name != file:
            continue
        if element_id:
            found = root.xpath("//*[@id=$id]", id=element_id)
            if found:
                return name, found[0].sourceline
    return file or next(iter(trees), "(bundle)"), None


def _element_at(root, line: int) -> str | None:
    """The id of the element written at ``line`` (the last one to start there or before it), or of the
    nearest element around it that has one: the schema's errors name a line, not an element."""
    found = None
    for node in root.iter():
        if not isinstance(node.tag, str) or node.sourceline is None:
            continue
        if node.sourceline > line:
            break
        found = node
    while found is not None and not found.get("id"):
        found = found.getparent()
    return found.get("id") if found is not None else None


# SpiffWorkflow's messages that end where the element's type should be named.
_TYPELESS = re.compile(r"(tasks of type|this task type)\.$")


def _engine_problem(trees, error: Exception) -> DiagramProblem:
    element = getattr(error, "id", None) or None
    file, line = _locate(trees, getattr(error, "file_name", None) or None, element)
    line = getattr(error, "line_number", None) or line
    if element is None and line and file in trees:
        element = _element_at(trees[file], int(line))
    # The whole message: every line of it, and the element's type where SpiffWorkflow leaves it out ("Multiple
    # outgoing flows are not supported for tasks of type.", "no support implemented for this task type.").
    message = " ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__
    message = re.sub(r"\.+$", ".", message)
    tag = getattr(error, "tag", "") or ""
    if tag and _TYPELESS.search(message):
        message = _TYPELESS.sub(lambda found: f"{found.group(1)} {tag}.", message)
    return DiagramProblem(file, int(line) if line else None, element, message)


def load_bundle(diagrams: dict[str, bytes], forms: dict[str, bytes]) -> ProcessBundle:
    """Validate and parse a bundle; raise DiagramError listing every problem found."""
    _check_sizes({**diagrams, **forms})
    texts = {name: utf8_text(name, data) for name, data in {**diagrams, **forms}.items()}
    trees = {name: parse_xml(name, data) for name, data in diagrams.items()}
    parsed_forms = {name: _parse_form(name, data) for name, data in forms.items()}
    problems = [p for name, root in trees.items() for p in check_diagram(name, root, parsed_forms)]
    problems += call_problems(trees)
    if problems:
        raise DiagramError(problems)

    parser = BoundedParser(validator=VALIDATOR)
    try:
        for name, root in trees.items():
            if name.endswith(".dmn"):
                parser.add_dmn_xml(root, filename=name)
            else:
                parser.add_bpmn_xml(root, filename=name)
        process_id = _main_process_id(parser, trees)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except DiagramError:
        raise
    except (ValidationException, SpiffWorkflowException, TypeError, KeyError, ValueError) as error:
        raise DiagramError([_engine_problem(trees, error)]) from None

    for process in (spec, *subprocess_specs.values()):
        _connect_loops(process)
    return ProcessBundle(process_id, spec.description or process_id, spec, subprocess_specs, texts, parsed_forms)


def _connect_loops(process_spec) -> None:
    """Wire each loop or multi-instance activity to its instances' completion.

    SpiffWorkflow does this when it creates the first instance or restores a
    serialized spec, but not when it parses one; a spec parsed afresh (another
    worker, a restart) would never hear that an instance finished.
    """
    for task_spec in process_spec.task_specs.values():
        if isinstance(task_spec, LoopTask):
            child = process_spec.task_specs.get(task_spec.task_spec)
            if child is not None and not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)


def _main_process_id(parser: SpiffBpmnParser, trees) -> str:
    """The executable process no call activity calls: the one a policy starts."""
    called = {node.get("calledElement") for root in trees.values()
              for node in root.iter("{*}callActivity")}
    candidates = [pid for pid in parser.get_process_ids() if pid not in called]
    if len(candidates) != 1:
        found = f"{len(candidates)} are marked executable ({', '.join(candidates)})" if candidates else \
            "none is marked executable (isExecutable=\"true\")"
        problems = [DiagramProblem(name, process.sourceline, process.get("id"),
                                   f"exactly one top-level process must be executable and {found}: this process "
                                   f"'{process.get('name') or process.get('id')}' "
                                   + ("is one of them" if process.get("id") in candidates else "is not"))
                    for name, root in trees.items() for process in root.iter("{*}process")
                    if process.get("id") not in called]
        raise DiagramError(problems or [DiagramProblem(next(iter(trees)), 1, None, "the diagrams hold no <process>")])
    return candidates[0]


def read_bundle_files(paths: list[Path]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Read diagram files from disk with the forms they name, found in forms/ beside them.

    A form name that is not a plain file name is not read at all (``check_diagram``
    reports it, located); a form that resolves outside the diagram's folder (through
    a link) is refused here.
    """
    diagrams, forms, problems = {}, {}, []
    for path in paths:
        diagrams[path.name] = _read(path, path.name)
    for path in paths:
        if path.suffix != ".bpmn":
            continue
        folder = path.parent.resolve()
        for task in parse_xml(path.name, diagrams[path.name]).iter("{*}userTask"):
            form = properties(task).get(FORM_PROPERTY)
            if not form or not plain_file_name(form) or form in forms:
                continue
            found = next((c for c in (path.parent / "forms" / form, path.parent / form) if c.is_file()), None)
            if found is None:
                continue  # check_diagram reports the missing form, located
            if not found.resolve().is_relative_to(folder):
                problems.append(DiagramProblem(path.name, task.sourceline, task.get("id"),
                                               f"form file '{form}' leads outside the diagram's folder (a link?); "
                                               "put the file itself in forms/"))
                continue
            forms[form] = _read(found.resolve(), form)
    if problems:
        raise DiagramError(problems)
    return diagrams, forms


def _read(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise DiagramError.single(name, f"the file cannot be read: {error.strerror or error}") from None


def read_bundle_directory(directory: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    return read_bundle_files(sorted([*directory.glob("*.bpmn"), *directory.glob("*.dmn")]))


def bundle_from_files(files: dict[str, str]) -> ProcessBundle:
    """Parse a stored version's files (diagrams and forms by name) back into a bundle."""
    diagrams = {n: t.encode() for n, t in files.items() if n.endswith((".bpmn", ".dmn"))}
    forms = {n: t.encode() for n, t in files.items() if n not in diagrams}
    return load_bundle(diagrams, forms)


def process_elements(files: dict[str, str], process_id: str):
    """The ``<process>`` elements of ``process_id`` in a bundle's BPMN files, parsed as untrusted XML."""
    for name, text in files.items():
        if name.endswith(".bpmn"):
            yield from (process for process in parse_xml(name, text.encode()).iter("{*}process")
                        if process.get("id") == process_id)
