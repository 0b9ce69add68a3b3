"""People: list, add, edit roles, department and address, deactivate (their tasks are handed on
or closed), and their API tokens."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from webapp.admin.blueprint import bp
from webapp.context import services
from webapp.signin.auth import actor
from workflows.errors import FieldError, InvalidInput
from workflows.people.accounts import ROLES
from workflows.people.api_tokens import DEFAULT_DAYS, MAX_DAYS

ROLE_LABELS = {"manager": "Manager", "staff": "Staff", "patient_liaison": "Patient liaison",
               "employer": "Employer (risk management)", "insurer": "Insurer", "equality_lead": "Equality lead",
               "information_governance": "Information governance", "committee": "Ratifying committee",
               "process_designer": "Process designer", "admin": "Admin"}


def _form_values(form) -> dict:
    return {"username": form.get("username", "").strip(), "email": form.get("email", "").strip(),
            "roles": form.getlist("roles"), "department": form.get("department") or None,
            "mail_digest": form.get("mail") == "digest"}


def _errors(error: InvalidInput) -> dict:
    return {("roles" if e.field == "role" else e.field): e.message for e in error.errors}


def _user_form(template: str, values: dict, errors: dict, **extra):
    return render_template(template, values=values, errors=errors, roles=ROLES, role_labels=ROLE_LABELS,
                           departments=services().accounts.departments(), **extra), (422 if errors else 200)


@bp.get("/users")
def users():
    return render_template("admin/users.html", people=services().accounts.people(),
                           invited=services().invitations.pending(), role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    values, errors = {"username": "", "email": "", "roles": [], "department": None, "mail_digest": False}, {}
    if request.method == "POST":
        values = _form_values(request.form)
        try:
            services().invitations.invite(actor().username, values["username"], values["email"], values["roles"],
                                          values["department"], values["mail_digest"])
        except InvalidInput as error:
            errors = _errors(error)
        else:
            flash(f"{values['username']} is invited: an e-mail with a link to choose a password is on its way to "
                  f"{values['email']}.", "success")
            return redirect(url_for("admin.user", username=values["username"]))
    return _user_form("admin/user_new.html", values, errors)


@bp.route("/users/<username>", methods=["GET", "POST"])
def user(username: str):
    person = services().accounts.person(username)
    values = {"email": person.email or "", "roles": list(person.roles), "department": person.department,
              "mail_digest": person.mail_digest}
    errors = {}
    if request.method == "POST":
        values = _form_values(request.form)
        try:
            services().administration.update_person(actor().username, username, roles=values["roles"],
                                                    department=values["department"], email=values["email"],
                                                    mail_digest=values["mail_digest"])
        except InvalidInput as error:
            errors = _errors(error)
        else:
            flash(f"{username}'s details are saved.", "success")
            return redirect(url_for("admin.user", username=username))
    return _user_form("admin/user.html", values, errors, person=person,
                      invitation=services().invitations.pending(username).get(username),
                      tokens=services().accounts.tokens_of(username),
                      open_tasks=services().administration.open_tasks(username),
                      default_days=DEFAULT_DAYS, max_days=MAX_DAYS)


@bp.route("/users/<username>/deactivate", methods=["GET", "POST"])
def deactivate(username: str):
    person = services().accounts.person(username)
    tasks = services().administration.open_tasks(username)
    colleagues = sorted({name for lane in {t.lane for t in tasks if not t.claimed} for name in _colleagues(person, lane)})
    errors = {}
    if request.method == "POST":
        hand_to = request.form.get("hand_to") or None
        try:
            done = services().administration.deactivate(actor().username, username, hand_to)
        except InvalidInput as error:
            errors = {("hand_to" if e.field == "username" else e.field): e.message for e in error.errors}
        else:
            parts = [f"{username} is deactivated"]
            if done["reassigned"]:
                parts.append(f"{len(done['reassigned'])} task(s) given to {hand_to}")
            if done["closed"]:
                parts.append(f"{len(done['closed'])} task(s) closed as not answered")
            if done["released"]:
                parts.append(f"{len(done['released'])} claimed task(s) released")
            flash("; ".join(parts) + ".", "success")
            return redirect(url_for("admin.user", username=username))
    return render_template("admin/deactivate.html", person=person, tasks=tasks, colleagues=colleagues,
                           errors=errors), (422 if errors else 200)


def _colleagues(person, lane) -> list[str]:
    return [p.username for p in services().accounts.people()
            if p.active and p.username != person.username and lane in p.roles and p.department == person.department]


@bp.post("/users/<username>/reactivate")
def reactivate(username: str):
    services().accounts.reactivate(username, actor=actor().username)
    flash(f"{username} can sign in again.", "success")
    return redirect(url_for("admin.user", username=username))


@bp.post("/users/<username>/tokens")
def create_token(username: str):
    raw = request.form.get("expires_in", str(DEFAULT_DAYS)).strip()
    if not raw.isdigit():
        raise InvalidInput([FieldError("expires_in", f"Days until expiry must be a whole number from 1 to {MAX_DAYS}.")])
    issued = services().accounts.issue_token(username, int(raw), actor=actor().username)
    # The secret is on this page alone: no browser or proxy may keep a copy.
    return render_template("admin/token_created.html", issued=issued), 200, {"Cache-Control": "no-store"}


@bp.post("/tokens/<id:token_id>/revoke")
def revoke_token(token_id: int):
    info = services().accounts.revoke_token(token_id, actor=actor().username)
    flash(f"API token {info.id} of {info.username} is revoked; it stopped working at once.", "success")
    return redirect(url_for("admin.user", username=info.username))
