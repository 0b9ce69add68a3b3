"""Each warning sign justified on its own, and what a justification form asks for.

The diagram works out the warning signs (each ``{"sign", "text"}``). A form that
justifies them has one field per sign it knows, marked ``"x-justifies": "<sign>"``,
and may have a general field (``"x-role": "justification"``). The form page shows
only the fields of the signs found and asks for each; the API accepts today's
single text too, which then stands for every sign without its own. Reviewers see
each sign with its own justification.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from workflows.engine.diagram_map import DiagramMap
from workflows.errors import FieldError, InvalidInput
from workflows.forms import meaning as form_meaning

MARK = "x-justifies"


@dataclass(frozen=True)
class WarningSign:
    sign: str
    text: str
    justification: str | None = None


def found(dmap: DiagramMap, data: dict) -> list[dict]:
    """The warning signs the diagram worked out, as ``{"sign", "text"}`` dicts."""
    signs = data.get(dmap.warning_key) if dmap.warning_key else None
    return [s for s in signs if isinstance(s, dict) and s.get("sign")] if isinstance(signs, list) else []


def fields(form: dict) -> dict[str, str]:
    """{sign id: field} of a form's per-sign justification fields."""
    return {prop[MARK]: name for name, prop in form_meaning.props(form).items() if isinstance(prop.get(MARK), str)}


def for_signs(form: dict, signs: list[dict]) -> dict:
    """The form as the page shows it: only the fields of the signs found, each required."""
    per_sign = fields(form)
    if not per_sign:
        return form
    shown = {per_sign[s["sign"]] for s in signs if s["sign"] in per_sign}
    narrowed = copy.deepcopy(form)
    narrowed["properties"] = {name: prop for name, prop in form_meaning.props(form).items()
                              if not isinstance(prop.get(MARK), str) or name in shown}
    narrowed["required"] = [*form.get("required", []), *[name for name in narrowed["properties"] if name in shown]]
    return narrowed


def check(form: dict, answers: dict, signs: list[dict], each_on_its_own: bool) -> None:
    """Refuse answers that leave a sign unjustified: each sign needs its own text (on the page,
    ``each_on_its_own``), or, through the API, at least the general one."""
    per_sign = fields(form)
    if not per_sign:
        return
    general = _text(answers, form_meaning.first_with_role(form, "justification"))
    missing = [s for s in signs if s["sign"] in per_sign and not _text(answers, per_sign[s["sign"]])
               and (each_on_its_own or not general)]
    if missing:
        raise InvalidInput([FieldError(per_sign[s["sign"]], f"Justify this warning sign: {s.get('text') or s['sign']}")
                            for s in missing])


def justified(form: dict, answers: dict | None, signs: list[dict]) -> list[WarningSign]:
    """Each sign with its justification: its own text, else the general one."""
    answers = answers if isinstance(answers, dict) else {}
    per_sign = fields(form)
    general = _text(answers, form_meaning.first_with_role(form, "justification"))
    return [WarningSign(s["sign"], str(s.get("text") or s["sign"]),
                        _text(answers, per_sign.get(s["sign"])) or general) for s in signs]


def _text(answers: dict, name: str | None) -> str | None:
    value = answers.get(name) if name else None
    return value.strip() if isinstance(value, str) and value.strip() else None
