"""Importing diagrams made in other modelers: they become a draft with a to-do list (the API's service)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from webapp.context import services
from webapp.plumbing.uploads import uploaded_texts
from webapp.signin.auth import actor
from webapp.studio.blueprint import bp
from webapp.studio.common import designer_required
from workflows.errors import DiagramError


@bp.route("/import", methods=["GET", "POST"])
@designer_required
def import_diagram():
    problems = []
    if request.method == "POST":
        try:
            draft_id, _ = services().studio.import_draft(actor(), uploaded_texts(request.files.getlist("files")),
                                                         request.form.get("title"))
        except DiagramError as error:
            problems = [f"{p.file}{f', line {p.line}' if p.line else ''}{f', {p.element}' if p.element else ''}: "
                        f"{p.message}" for p in error.problems]
        else:
            flash("Imported as a draft: work through its to-do list, then check and deploy it.", "success")
            return redirect(url_for("designer.draft", draft_id=draft_id) + "#todos")
    return render_template("designer/import.html", problems=problems), (422 if problems else 200)
