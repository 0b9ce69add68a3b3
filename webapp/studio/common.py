"""What the studio's pages share: the role check and reading a draft's files."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import login_required

from webapp.plumbing.uploads import named_uploads
from webapp.signin.auth import actor
from workflows.designer.studio import DESIGNER_ROLE
from workflows.engine.specs import MAX_FILE_BYTES
from workflows.errors import FieldError, InvalidInput


def designer_required(view):
    """Refuse (403) anyone without the process designer role, with a message that says so."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if DESIGNER_ROLE not in actor().roles:
            abort(403, "The studio is for process designers.")
        return view(*args, **kwargs)
    return wrapped


def uploaded_files(storage) -> dict[str, str]:
    """Uploaded files by name as text: diagrams keep their name, JSON forms go under forms/.

    Like ``policyflow deploy``, a file that is not UTF-8 is refused (named), never guessed at,
    and so is one larger than a diagram file may be."""
    files, problems = {}, []
    for name, data in named_uploads(storage):
        if data is None:
            problems.append(FieldError("files", f"{name} is larger than {MAX_FILE_BYTES // 1024} KiB."))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(FieldError("files", f"{name} is not UTF-8 text; save it as UTF-8 and upload it again."))
            continue
        files[name if name.endswith((".bpmn", ".dmn")) else f"forms/{name}"] = text
    if problems:
        raise InvalidInput(problems)
    return files
