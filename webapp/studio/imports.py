"""Importing a diagram made in another modeler: any well-formed BPMN becomes a draft with a to-do list."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from webapp.context import services
from webapp.signin.auth import actor
from webapp.studio.blueprint import bp
from webapp.studio.common import designer_required, uploaded_files
from workflows.designer.bundle_files import FORMS_PREFIX
from workflows.engine.specs import parse_xml
from workflows.errors import DiagramError


@bp.route("/import", methods=["GET", "POST"])
@designer_required
def import_diagram():
    problems = []
    if request.method == "POST":
        files = uploaded_files(request.files.getlist("files"))
        diagrams = [name for name in files if name.endswith(".bpmn")]
        if not diagrams:
            problems = ["Choose a BPMN file (.bpmn) to import; its decision tables (.dmn) and forms may come with it."]
        for name in diagrams:
            try:
                root = parse_xml(name, files[name].encode("utf-8", "surrogatepass"))
            except DiagramError as error:
                problems += [f"{p.file}, line {p.line or '?'}: {p.message}" for p in error.problems]
                continue
            process = next(root.iter("{*}process"), None)
            process_id = process.get("id") if process is not None and process.get("id") else "imported_process"
        if not problems:
            unread = [n for n in files if n.startswith(FORMS_PREFIX) and not n.endswith(".schema.json")]
            for name in unread:
                files.pop(name)
            title = request.form.get("title", "").strip() or f"Imported {diagrams[0]}"
            draft_id = services().studio.drafts.create(actor().username, process_id, title, files, None)
            flash("Imported as a draft: work through its to-do list, then check and deploy it.", "success")
            return redirect(url_for("designer.draft", draft_id=draft_id) + "#todos")
    return render_template("designer/import.html", problems=problems), (422 if problems else 200)
