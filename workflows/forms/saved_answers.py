"""“Save and continue later”: partial answers kept beside a task, never run through the workflow.

Saved answers are not validated (they are unfinished), but they must be fields of
the task's form, fit in a bounded size and be text every database can store. Only
someone who may complete the task may save them or see them; completing the task
clears them.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime

from workflows.errors import FieldError, InvalidInput
from workflows.forms.meaning import props

MAX_BYTES = 200_000


@dataclass(frozen=True)
class SavedAnswers:
    data: dict
    saved_at: datetime
    saved_by: str


def cleaned(form: dict, data: object) -> dict:
    """A copy of ``data`` fit to be kept, or InvalidInput saying what is wrong with it."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError(None, "Saved answers must be a JSON object of field names and values.")])
    unknown = sorted(name for name in data if name not in props(form))
    if unknown:
        raise InvalidInput([FieldError(name, f"{name} is not a field of this form.") for name in unknown])
    try:
        size = len(json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidInput([FieldError(_field_with_surrogate(data), "This answer contains a character that is not "
                                       "valid text (a lone surrogate) and cannot be saved.")]) from None
    except (TypeError, ValueError):
        raise InvalidInput([FieldError(None, "Saved answers must be plain JSON values.")]) from None
    if size > MAX_BYTES:
        raise InvalidInput([FieldError(None, f"Saved answers may be at most {MAX_BYTES // 1000} kB; "
                                             f"these are {size // 1000} kB.")])
    return copy.deepcopy(data)


def _field_with_surrogate(data: dict) -> str | None:
    for name, value in data.items():
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return name
    return None
