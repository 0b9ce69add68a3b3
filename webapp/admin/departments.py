"""Departments: add and rename."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from webapp.admin.blueprint import bp
from webapp.context import services
from webapp.signin.auth import actor
from workflows.errors import InvalidInput


@bp.route("/departments", methods=["GET", "POST"])
def departments():
    errors, name = {}, ""
    if request.method == "POST":
        name = request.form.get("name", "")
        try:
            added = services().accounts.add_department(name, actor=actor().username)
        except InvalidInput as error:
            errors = {e.field: e.message for e in error.errors}
        else:
            flash(f"Department “{added}” added.", "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/departments.html", departments=services().accounts.departments(),
                           errors=errors, name=name), (422 if errors else 200)


@bp.route("/departments/rename", methods=["GET", "POST"])
def rename_department():
    old = request.values.get("department", "")
    errors, new = {}, request.form.get("name", old)
    if request.method == "POST":
        try:
            renamed = services().accounts.rename_department(old, new, actor=actor().username)
        except InvalidInput as error:
            errors = {e.field: e.message for e in error.errors}
        else:
            flash(f"“{old}” is now called “{renamed}”.", "success")
            return redirect(url_for("admin.departments"))
    if old not in services().accounts.departments():
        flash(f"There is no department called “{old}”.", "error")
        return redirect(url_for("admin.departments"))
    return render_template("admin/rename_department.html", old=old, new=new, errors=errors), (422 if errors else 200)
