"""The studio's home (processes, versions, drafts), a version's page and files, and comparing versions."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for

from webapp.context import services
from webapp.signin.auth import actor
from webapp.studio.blueprint import bp
from webapp.studio.common import designer_required
from workflows.designer.bundle_files import stored_files
from workflows.errors import FieldError, InvalidInput


@bp.route("/")
@designer_required
def index():
    studio = services().studio
    processes = [(process, studio.versions(process.process_id)) for process in studio.processes()]
    return render_template("designer/index.html", processes=processes, drafts=studio.drafts.listed())


@bp.route("/processes/<process_id:process_id>/versions/<id:number>")
@designer_required
def version(process_id: str, number: int):
    studio = services().studio
    found = studio.version(process_id, number)
    summary = next(v for v in studio.versions(process_id) if v.version == number)
    files = sorted(stored_files(found.files))
    return render_template("designer/version.html", version=found, summary=summary, files=files,
                           diagram=next(name for name in files if name.endswith(".bpmn")))


@bp.route("/processes/<process_id:process_id>/versions/<id:number>/files/<path:name>")
@designer_required
def version_file(process_id: str, number: int, name: str):
    files = stored_files(services().studio.version(process_id, number).files)
    if name not in files:
        abort(404, f"Version {number} has no file {name}.")
    kind = "application/xml" if name.endswith((".bpmn", ".dmn")) else "application/json"
    return Response(files[name], mimetype=kind)


@bp.route("/processes/<process_id:process_id>/versions/<id:number>/draft", methods=["POST"])
@designer_required
def new_draft(process_id: str, number: int):
    """Start a draft from a version: its files become the draft's, to edit freely."""
    studio = services().studio
    found = studio.version(process_id, number)
    draft_id = studio.drafts.create(actor().username, process_id, f"{found.name}: changes to version {number}",
                                    stored_files(found.files), number)
    flash(f"A new draft from version {number} is ready; it is saved as you edit.", "success")
    return redirect(url_for("designer.draft", draft_id=draft_id))


def _number(name: str) -> int:
    value = request.args.get(name, "")
    if not value.isdigit() or not 1 <= int(value) <= 2**31 - 1:
        raise InvalidInput([FieldError(name, f"Choose the version to compare ({name}).")])
    return int(value)


@bp.route("/processes/<process_id:process_id>/compare")
@designer_required
def compare(process_id: str):
    old, new = _number("from"), _number("to")
    studio = services().studio
    diff = studio.diff(process_id, old, new)
    urls = {}
    for key, number in (("old_url", old), ("new_url", new)):
        diagram = next(n for n in sorted(studio.version(process_id, number).files) if n.endswith(".bpmn"))
        urls[key] = url_for("designer.version_file", process_id=process_id, number=number, name=diagram)
    return render_template("designer/compare.html", process_id=process_id, old=old, new=new, diff=diff,
                           versions=studio.versions(process_id), **urls)
