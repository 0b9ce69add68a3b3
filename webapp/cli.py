"""The ``policyflow`` command: set up, serve, manage people and tokens, deploy, run timers."""
from __future__ import annotations

import ipaddress
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from workflows.errors import DiagramError, PolicyflowError
from workflows.specs import load_bundle, read_bundle_files

from .demo import add_demo_data


def _app():
    from . import create_app

    return create_app()


def _services():
    return _app().extensions["policyflow"]


@click.group(help="policyflow: recording-policy lifecycle, from risk assessment to publication.")
def main() -> None:
    pass


@main.command(help="Create or upgrade the database and deploy the diagrams in bpmn/.")
@click.option("--demo", is_flag=True, help="Also add a demo department, staff and one user per role.")
def init(demo: bool) -> None:
    services = _services()
    services.database.create_schema()
    version, new = services.deploy_directory()
    click.echo(f"Process {version.process_id} version {version.version} {'deployed' if new else 'is current'}.")
    if demo:
        for line in add_demo_data(services):
            click.echo(line)


@main.command(help="Serve the app with waitress (a production WSGI server).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    from waitress import serve as waitress_serve

    if "POLICYFLOW_SECURE_COOKIES" not in os.environ and not _is_loopback(host):
        os.environ["POLICYFLOW_SECURE_COOKIES"] = "1"  # off loopback, cookies only travel over HTTPS
    click.echo(f"policyflow on http://{host}:{port}")
    waitress_serve(_app(), host=host, port=port, threads=threads)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@main.group(help="Manage people.")
def user() -> None:
    pass


@user.command("add", help="Add a person with one or more roles.")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True)
@click.option("--department", default=None)
@click.option("--password", required=True)
@click.option("--email", default=None)
def user_add(name, roles, department, password, email) -> None:
    _run(lambda: _services().accounts.add_user(name, password, list(roles), department=department, email=email))
    click.echo(f"Added {name} ({', '.join(roles)}).")


@main.group(help="Manage API tokens.")
def token() -> None:
    pass


@token.command("create", help="Create an API token for NAME and print it (it is not shown again).")
@click.argument("name")
def token_create(name: str) -> None:
    click.echo(_run(lambda: _services().accounts.create_token(name)))


@main.command(help="Deploy BPMN/DMN files (with the forms they name) as the latest process version.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def deploy(files: tuple[Path, ...]) -> None:
    try:
        diagrams, forms = read_bundle_files(list(files))
        version, new = _services().processes.deploy(load_bundle(diagrams, forms), actor="cli")
    except DiagramError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    click.echo(f"Process {version.process_id} version {version.version} {'deployed' if new else 'unchanged'}.")


@main.group(help="Timers.")
def timers() -> None:
    pass


class Moment(click.ParamType):
    """An ISO 8601 date-time (UTC unless it has an offset) or a date (midnight UTC)."""

    name = "WHEN"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value.strip())
            return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        except (ValueError, OverflowError):  # not ISO 8601, or out of range once in UTC
            self.fail(f"{value!r} is not a date or date-time; write it as 2026-12-01 (midnight UTC), "
                      "2026-12-01T09:30 (UTC) or 2026-12-01T09:30+01:00.", param, ctx)


@timers.command("run", help="Fire every timer that is due now, or at WHEN with --as-of (run it from cron, e.g. hourly).")
@click.option("--as-of", "as_of", type=Moment(), default=None,
              help="Fire what is due at this moment instead of now: 2026-12-01 (midnight UTC), "
                   "2026-12-01T09:30 (UTC) or 2026-12-01T09:30+01:00.")
def timers_run(as_of: datetime | None) -> None:
    fired = _services().commands.fire_due_timers(now=as_of)
    for policy_id, elements in fired:
        click.echo(f"policy {policy_id}: {', '.join(elements)}")
    click.echo(f"{len(fired)} polic{'y' if len(fired) == 1 else 'ies'} advanced.")


def _run(action):
    try:
        return action()
    except PolicyflowError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(1)
