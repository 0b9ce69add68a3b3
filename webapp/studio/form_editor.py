"""The form editor: a task's form as a list of fields (or raw JSON), with a preview rendered by
the task page's own renderer, so what the designer sees is what the person will get."""
from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for

from webapp.context import services
from webapp.signin.auth import actor
from webapp.studio.blueprint import bp
from webapp.studio.common import designer_required
from workflows.designer.bundle_files import FORM_SUFFIX, FORMS_PREFIX
from workflows.designer.form_editing import KINDS, FieldSpec, checked_form, fields_of, form_from_fields, parse_choices
from workflows.engine.diagram_checks import plain_file_name
from workflows.errors import FieldError, InvalidInput

MAX_FIELDS = 100


def _posted_fields() -> list[FieldSpec]:
    specs = []
    for index in range(MAX_FIELDS):
        prefix = f"field-{index}-"
        if prefix + "name" not in request.form:
            break
        name = request.form.get(prefix + "name", "").strip()
        if not name or request.form.get(prefix + "remove"):
            continue
        specs.append(FieldSpec(name, request.form.get(prefix + "title", "").strip(),
                               request.form.get(prefix + "help", "").strip(), request.form.get(prefix + "kind", "text"),
                               bool(request.form.get(prefix + "required")),
                               parse_choices(request.form.get(prefix + "choices", ""))))
    return specs


def _stored_form(draft, path: str) -> tuple[dict, str | None]:
    """The draft's form, or an empty one and why the stored text is not a form (an uploaded file may not be)."""
    try:
        form = json.loads(draft.files[path])
    except ValueError as error:
        return {"type": "object", "properties": {}}, f"The stored file is not valid JSON ({error}); fix it below."
    if not isinstance(form, dict) or not isinstance(form.get("properties", {}), dict):
        return {"type": "object", "properties": {}}, "The stored file is not a form (a JSON object with properties)."
    return form, None


def _form_file(draft, name: str) -> str:
    path = FORMS_PREFIX + name
    if path not in draft.files:
        abort(404, f"The draft has no form {name}.")
    return path


@bp.route("/drafts/<id:draft_id>/forms/<name>", methods=["GET", "POST"])
@designer_required
def edit_form(draft_id: int, name: str):
    drafts = services().studio.drafts
    draft = drafts.get(draft_id)
    path = _form_file(draft, name)
    form, broken = _stored_form(draft, path)
    errors, raw, status = ({"raw": broken}, draft.files[path], 200) if broken else ({}, None, 200)
    if request.method == "POST":
        action = request.form.get("action", "preview")
        try:
            if action == "save-raw":
                raw = request.form.get("raw", "")
                form = checked_form(name, raw)
            else:
                form = form_from_fields(form, _posted_fields())
                checked_form(name, json.dumps(form))
            if action in ("save", "save-raw"):
                drafts.save(draft_id, actor().username, {**draft.files, path: json.dumps(form, indent=2) + "\n"},
                            draft.revision)
                flash(f"Form {name} saved in the draft.", "success")
                return redirect(url_for("designer.edit_form", draft_id=draft_id, name=name))
        except InvalidInput as error:
            errors = {e.field or "raw": e.message for e in error.errors}
            status = 422
    return render_template("designer/form_editor.html", draft=draft, name=name, form=form, fields=fields_of(form),
                           kinds=KINDS, errors=errors, raw=raw if raw is not None else json.dumps(form, indent=2),
                           preview_values={}), status


@bp.route("/drafts/<id:draft_id>/forms/<name>/preview", methods=["POST"])
@designer_required
def preview_form(draft_id: int, name: str):
    """The preview alone (HTML), for the editor's live preview as fields change."""
    draft = services().studio.drafts.get(draft_id)
    form, _broken = _stored_form(draft, _form_file(draft, name))
    try:
        form = form_from_fields(form, _posted_fields())
    except InvalidInput as error:
        return render_template("designer/_preview.html", form=form, problems=[e.message for e in error.errors]), 422
    return render_template("designer/_preview.html", form=form, problems=[])


@bp.route("/drafts/<id:draft_id>/forms", methods=["POST"])
@designer_required
def new_form(draft_id: int):
    drafts = services().studio.drafts
    draft = drafts.get(draft_id)
    name = request.form.get("name", "").strip()
    if not name.endswith(FORM_SUFFIX):
        name += FORM_SUFFIX
    if not plain_file_name(name) or not name[:-len(FORM_SUFFIX)].replace("_", "").isalnum():
        raise InvalidInput([FieldError("name", "A form's name is letters, digits and _ (for example "
                                               "radiation_protection_review).")])
    if FORMS_PREFIX + name in draft.files:
        raise InvalidInput([FieldError("name", f"The draft already has a form {name}.")])
    title = name[:-len(FORM_SUFFIX)].replace("_", " ").capitalize()
    form = {"title": title, "type": "object", "properties": {}, "required": []}
    drafts.save(draft_id, actor().username, {**draft.files, FORMS_PREFIX + name: json.dumps(form, indent=2) + "\n"},
                draft.revision)
    return redirect(url_for("designer.edit_form", draft_id=draft_id, name=name))
