"""Diagrams made in other modelers (Camunda 7 and 8, Signavio, Bizagi, ARIS, …) become drafts with a to-do list.

A diagram drawn elsewhere is rarely runnable here as it is: no process or several are
marked executable, its lanes are named after the organisation's jobs ("Approver"),
its tasks have no forms or no lane, its conditions are written in JUEL or FEEL, and it
may use elements SpiffWorkflow cannot run. Each becomes a to-do naming the file, line
and element; where the studio can put it right, the to-do names its ``fix`` and the
``choices`` it takes (``quick_fixes.apply``). The list is complete: once every fix is
applied, the loader's checks pass, and only the conformance guard may still object.

``import_files`` turns what was uploaded into a draft's files: Camunda Forms become
JSON Schema forms, a file in another encoding that declares it is read as text, and
everything that cannot be read is refused, located.
"""
from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field

from workflows.designer import camunda_forms
from workflows.designer.bundle_files import FORM_SUFFIX, FORMS_PREFIX, split_files
from workflows.designer.import_rules import diagram_todos
from workflows.engine.specs import load_bundle, parse_xml
from workflows.errors import DiagramError, DiagramProblem

DECLARATION = re.compile(r"""^(\ufeff?<\?xml[^>]*?\sencoding\s*=\s*["'])([^"']*)(["'])""")
_BYTES_DECLARATION = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']""")


@dataclass(frozen=True)
class Todo:
    """One thing to do before a diagram can run: ``fix`` names the fix that does it (None: edit the diagram)."""

    kind: str
    element: str | None
    message: str
    line: int | None = None
    file: str | None = None
    fix: str | None = None
    choices: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {"element": self.element, "file": self.file, "line": self.line, "message": self.message,
                "fix": self.fix, "choices": list(self.choices)}


def declared_encoding(text: str) -> str | None:
    """The encoding an XML text declares, when it is not UTF-8."""
    found = DECLARATION.match(text)
    if found and found.group(2).lower().replace("-", "").replace("_", "") != "utf8":
        return found.group(2)
    return None


def as_utf8(text: str) -> str:
    """The text with its XML declaration saying UTF-8 (the text itself is already characters)."""
    return DECLARATION.sub(lambda m: f"{m.group(1)}UTF-8{m.group(3)}", text, count=1)


def parsed(name: str, text: str):
    """A stored diagram parsed safely, read as UTF-8 whatever its declaration says (the to-do says that)."""
    return parse_xml(name, as_utf8(text).encode("utf-8", "surrogatepass"))


def todo_list(files: dict[str, str]) -> list[Todo]:
    """What a draft still needs before it can run here, file by file and element by element."""
    trees, todos = {}, []
    for name, text in sorted(files.items()):
        if not name.endswith((".bpmn", ".dmn")):
            continue
        encoding = declared_encoding(text)
        if encoding:
            todos.append(Todo("encoding", name, f"{name} declares encoding=\"{encoding}\"; convert it to UTF-8, the "
                                                "only encoding deploy reads.", 1, name, "encoding", ("UTF-8",)))
        try:
            trees[name] = parsed(name, text)
        except DiagramError as error:
            todos += [Todo("broken", problem.element, f"{name}: {problem.message}", problem.line, name)
                      for problem in error.problems]
    forms = {name.removeprefix(FORMS_PREFIX): text for name, text in files.items() if name.endswith(FORM_SUFFIX)}
    todos += [Todo(**found) for found in diagram_todos(trees, forms)]
    if trees and not any(todo.fix for todo in todos):
        todos += _left_to_the_loader(files)
    return todos


def _left_to_the_loader(files: dict[str, str]) -> list[Todo]:
    """What the loader still refuses once no fix is left, listed, so the list never says "nothing" while it does."""
    try:
        load_bundle(*split_files(files))
    except DiagramError as error:
        return [Todo("check", problem.element, problem.message, problem.line, problem.file)
                for problem in error.problems]
    return []


def _utf16(data: bytes) -> str | None:
    """UTF-16 as XML recognises it (its declaration cannot be read as bytes): by the byte order mark,
    or by '<?' written in two bytes a character."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return {b"<\0?\0": "utf-16-le", b"\0<\0?": "utf-16-be"}.get(data[:4])


def decoded(name: str, data: bytes) -> str:
    """An uploaded file's text: UTF-8, UTF-16, or the encoding its XML declaration names; otherwise refused,
    located."""
    try:
        return data.decode(_utf16(data) or "utf-8")
    except UnicodeDecodeError as error:
        declared = _BYTES_DECLARATION.match(data)
        if declared:
            try:
                return data.decode(declared.group(1).decode("ascii", "replace"))
            except (LookupError, UnicodeDecodeError):
                pass
        line = data.count(b"\n", 0, error.start) + 1
        raise DiagramError.single(name, f"the file is not UTF-8 text (byte 0x{data[error.start]:02x} cannot be read) "
                                        "and declares no encoding it is in; save it as UTF-8", line=line) from None


def _form_file_name(name: str, text: str) -> str:
    stem = camunda_forms.form_id(text) or name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return FORMS_PREFIX + re.sub(r"[^A-Za-z0-9_.-]", "_", stem)[:150] + FORM_SUFFIX


def _converted(name: str, text: str, embedded_as: str | None = None) -> tuple[str, str]:
    """The form as a JSON Schema form, saying where it came from: a task names an uploaded form by its
    id, and a form embedded in a diagram (``zeebe:userTaskForm``) by the id of the element holding it."""
    schema = camunda_forms.json_schema(name, text)
    schema["x-importedFrom"] = {"file": name, "id": camunda_forms.form_id(text) or embedded_as or name}
    if embedded_as:
        schema["x-importedFrom"]["embeddedAs"] = embedded_as
    return _form_file_name(name, text), json.dumps(schema, indent=2, ensure_ascii=False)


def import_files(files: dict[str, str]) -> dict[str, str]:
    """The draft's files for an import, or DiagramError listing every file that cannot be read, located."""
    result, problems = {}, []
    for name, text in sorted(files.items()):
        plain = name.replace("\\", "/").rsplit("/", 1)[-1]
        try:
            if plain.endswith((".bpmn", ".dmn")):
                root = parsed(plain, text)
                result[plain] = text
                for embedded in root.iter("{http://camunda.org/schema/zeebe/1.0}userTaskForm"):
                    form_name, schema = _converted(f"{plain} (form {embedded.get('id')})", embedded.text or "",
                                                   embedded.get("id"))
                    result[form_name] = schema
            elif camunda_forms.is_form_js(plain, text):
                form_name, schema = _converted(plain, text)
                result[form_name] = schema
            elif plain.endswith(".json"):
                result[FORMS_PREFIX + (plain if plain.endswith(FORM_SUFFIX) else plain[:-5] + FORM_SUFFIX)] = text
            else:
                problems.append(DiagramProblem(plain, None, None, "not a diagram (.bpmn, .dmn), a Camunda Form (.form) "
                                                                  "or a JSON Schema form (.json)"))
        except DiagramError as error:
            problems += error.problems
    if not problems and not any(name.endswith(".bpmn") for name in result):
        problems.append(DiagramProblem("(upload)", None, None, "send at least one BPMN file (.bpmn); its decision "
                                                               "tables (.dmn) and forms may come with it"))
    for name, text in result.items():
        if name.endswith(".bpmn") and not problems:
            root = parsed(name, text)
            if next(root.iter("{*}process"), None) is None:
                problems.append(DiagramProblem(name, root.sourceline, root.get("id"),
                                               "the file has no <process>: there is nothing in it that could run"))
    if problems:
        raise DiagramError(problems)
    return result


def first_process_id(files: dict[str, str]) -> str:
    for name in sorted(files):
        if name.endswith(".bpmn"):
            for process in parsed(name, files[name]).iter("{*}process"):
                if process.get("id"):
                    return process.get("id")
    return "imported_process"
