"""Uploaded files (multipart) as text by name, for the import page and the import API alike.

A file in UTF-8 is read as such, one in UTF-16 by its byte order mark; an XML file in
another encoding is read in the encoding its declaration names (its to-do then offers to convert it); anything
else, or a file too large for a diagram, is refused, named and located.
"""
from __future__ import annotations

from collections.abc import Iterator

from workflows.designer.importing import decoded
from workflows.engine.specs import MAX_FILE_BYTES
from workflows.errors import DiagramError, DiagramProblem


def named_uploads(storage) -> Iterator[tuple[str, bytes | None]]:
    """Each uploaded file as (its name, without folders; its bytes), the bytes None when the
    file is larger than a diagram file may be (read no further than that)."""
    for upload in storage:
        if not upload or not upload.filename:
            continue
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
        data = upload.read(MAX_FILE_BYTES + 1)
        yield name, (data if len(data) <= MAX_FILE_BYTES else None)


def uploaded_texts(storage) -> dict[str, str]:
    files, problems = {}, []
    for name, data in named_uploads(storage):
        if data is None:
            problems.append(DiagramProblem(name, None, None, f"the file is larger than {MAX_FILE_BYTES // 1024} KiB"))
            continue
        try:
            files[name] = decoded(name, data)
        except DiagramError as error:
            problems += error.problems
    if problems:
        raise DiagramError(problems)
    return files
