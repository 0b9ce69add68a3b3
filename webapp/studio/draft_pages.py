"""A draft's page: the modeler, its to-do list, "Check" with the dry run, and deploy with a note.

The modeler (JavaScript) saves the draft's files here as the designer edits and asks
for checks as JSON; without JavaScript the page still lists the files, the to-dos
(with their fixes), checks and deploys, and files can be uploaded.
"""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for

from webapp.context import services
from webapp.plumbing.diagram_problems import check_json
from webapp.signin.auth import actor
from webapp.studio.blueprint import bp
from webapp.studio.common import designer_required, uploaded_files
from workflows.designer.importing import todo_list
from workflows.engine.diagram_checks import LANE_ROLES, LIFECYCLE_STEPS
from workflows.errors import DiagramError, FieldError, InvalidInput

#: Each fix's button, and the label of its choice.
FIX_LABELS = {"executable": ("Make it the one that runs", "Process that runs"),
              "show_diagram": ("Show it first", "Diagram"), "lane": ("Map the lane", "Role"),
              "task_lane": ("Put it in the lane", "Role"), "form": ("Give it this form", "Form file"),
              "task_type": ("Change the task", "Task type"), "replace": ("Replace it", "Gateway"),
              "decision": ("Call it", "Decision"), "remove_data": ("Remove it", ""),
              "condition": ("Use the translation", "Condition"), "timer": ("Use this timer", "Timer"),
              "encoding": ("Convert to UTF-8", ""), "remove_settings": ("Remove the settings", "")}


def _page(draft_id: int, report=None, deploy_errors=None, note: str = "", note_error: str | None = None,
          status: int = 200):
    draft = services().studio.drafts.get(draft_id)
    forms = sorted(name for name in draft.files if name.endswith(".json"))
    diagrams = sorted(name for name in draft.files if name.endswith((".bpmn", ".dmn")))
    return render_template("designer/draft.html", draft=draft, forms=forms, diagrams=diagrams,
                           todos=todo_list(draft.files), report=report, deploy_errors=deploy_errors, note=note,
                           note_error=note_error,
                           roles=LANE_ROLES, steps=LIFECYCLE_STEPS, fix_labels=FIX_LABELS), status


@bp.route("/drafts/<id:draft_id>")
@designer_required
def draft(draft_id: int):
    return _page(draft_id)


@bp.route("/drafts/<id:draft_id>/files.json", methods=["GET", "POST"])
@designer_required
def draft_files(draft_id: int):
    """The modeler reads the draft's files here, and saves them as the designer works."""
    drafts = services().studio.drafts
    if request.method == "POST":
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("files"), dict):
            raise InvalidInput([FieldError("files", "Send {\"files\": {name: text}, \"revision\": n}.")])
        revision = body.get("revision") if isinstance(body.get("revision"), int) else None
        return jsonify({"revision": drafts.save(draft_id, actor().username, body["files"], revision)})
    found = drafts.get(draft_id)
    return jsonify({"files": found.files, "revision": found.revision, "roles": list(LANE_ROLES),
                    "steps": list(LIFECYCLE_STEPS)})


@bp.route("/drafts/<id:draft_id>/check", methods=["POST"])
@designer_required
def check(draft_id: int):
    report = services().studio.check(actor(), services().studio.drafts.get(draft_id).files)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(check_json(report))
    return _page(draft_id, report=report)


@bp.route("/drafts/<id:draft_id>/deploy", methods=["POST"])
@designer_required
def deploy(draft_id: int):
    note = request.form.get("note", "")
    try:
        version = services().studio.deploy_draft(actor(), draft_id, note)
    except DiagramError as error:
        return _page(draft_id, deploy_errors=error.problems, note=note, status=422)
    except InvalidInput as error:
        return _page(draft_id, note=note, note_error=error.errors[0].message, status=422)
    flash(f"Version {version.version} deployed: new policies start on it.", "success")
    return redirect(url_for("designer.version", process_id=version.process_id, number=version.version))


@bp.route("/drafts/<id:draft_id>/title", methods=["POST"])
@designer_required
def retitle(draft_id: int):
    """The designer's own title, saying what the draft changes (it is kept when the draft is deployed)."""
    title = request.form.get("title", "").strip()
    if not title:
        raise InvalidInput([FieldError("title", "Give the draft a title that says what it changes.")])
    drafts = services().studio.drafts
    found = drafts.get(draft_id)
    drafts.save(draft_id, actor().username, found.files, found.revision, title=title)
    flash("The draft's title was saved.", "success")
    return redirect(url_for("designer.draft", draft_id=draft_id))


@bp.route("/drafts/<id:draft_id>/delete", methods=["POST"])
@designer_required
def delete(draft_id: int):
    services().studio.drafts.delete(draft_id)
    flash("The draft was deleted.", "info")
    return redirect(url_for("designer.index"))


@bp.route("/drafts/<id:draft_id>/upload", methods=["POST"])
@designer_required
def upload(draft_id: int):
    drafts = services().studio.drafts
    found = drafts.get(draft_id)
    added = uploaded_files(request.files.getlist("files"))
    if not added:
        raise InvalidInput([FieldError("files", "Choose one or more files to upload.")])
    drafts.save(draft_id, actor().username, {**found.files, **added}, found.revision)
    flash(f"Uploaded {', '.join(sorted(added))}.", "success")
    return redirect(url_for("designer.draft", draft_id=draft_id))


@bp.route("/drafts/<id:draft_id>/fix", methods=["POST"])
@designer_required
def fix(draft_id: int):
    """Apply one to-do's fix, with the choice the designer made (the same service as the API's)."""
    choice = request.form.get("choice", "").strip() or None
    services().studio.apply_todo(actor(), draft_id, request.form.get("element", ""), request.form.get("fix", ""),
                                 choice)
    flash("Done: the draft was updated.", "success")
    return redirect(url_for("designer.draft", draft_id=draft_id) + "#todos")
