"""A bundle sent as text by name (the studio, the API) into the shape deploy reads.

Names: ``NAME.bpmn`` and ``NAME.dmn`` are diagrams; forms are ``NAME.schema.json``,
with or without a ``forms/`` prefix (the folder deploy reads them from on disk).
Anything else is refused, named, so a stray file is never silently dropped.
"""
from __future__ import annotations

from workflows.engine.diagram_checks import plain_file_name
from workflows.errors import DiagramError, DiagramProblem

FORMS_PREFIX = "forms/"
FORM_SUFFIX = ".schema.json"


def form_name(name: str) -> str:
    return name[len(FORMS_PREFIX):] if name.startswith(FORMS_PREFIX) else name


def split_files(files: dict) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(diagrams, forms) as ``load_bundle`` takes them, or DiagramError naming each file it cannot take."""
    diagrams, forms, problems = {}, {}, []
    if not isinstance(files, dict) or not files:
        raise DiagramError.single("(bundle)", "send at least one BPMN file")
    for name, text in files.items():
        plain = form_name(str(name))
        if not isinstance(text, str):
            problems.append(DiagramProblem(str(name), None, None, "each file must be sent as text"))
        elif not plain_file_name(plain):
            problems.append(DiagramProblem(str(name)[:200], None, None, "a file name may not hold folders (other than "
                                                                         "forms/), '..', a drive or a colon"))
        elif plain.endswith((".bpmn", ".dmn")) and plain == name:
            diagrams[plain] = text.encode("utf-8", "surrogatepass")
        elif plain.endswith(FORM_SUFFIX):
            forms[plain] = text.encode("utf-8", "surrogatepass")
        else:
            problems.append(DiagramProblem(str(name), None, None, "not a diagram (.bpmn, .dmn) or a form "
                                                                  f"(NAME{FORM_SUFFIX}, optionally in forms/)"))
    if problems:
        raise DiagramError(problems)
    if not any(name.endswith(".bpmn") for name in diagrams):
        raise DiagramError.single("(bundle)", "send at least one BPMN file")
    return diagrams, forms


def stored_files(files: dict[str, str]) -> dict[str, str]:
    """A version's or draft's files with forms under ``forms/``, as a designer sees the folder."""
    return {(name if name.endswith((".bpmn", ".dmn")) else FORMS_PREFIX + name): text for name, text in files.items()}
