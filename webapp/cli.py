"""The ``policyflow`` command: set up, serve, manage people and tokens, deploy, run timers."""
from __future__ import annotations

import ipaddress
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from webapp import create_app
from webapp.config import ConfigurationError
from webapp.demo.data import add_demo_data
from webapp.server import metrics_folder
from webapp.server import serve as run_server
from workflows.designer.deploy import checked_bundle
from workflows.engine.specs import read_bundle_files
from workflows.errors import DiagramError, InvalidInput, PolicyflowError
from workflows.people.api_tokens import DEFAULT_DAYS, MAX_DAYS, stamp
from workflows.people.password_rules import MIN_LENGTH

RULES = f"at least {MIN_LENGTH} characters, not easy to guess"


def _app():
    try:
        return create_app()
    except ConfigurationError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)


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


@main.command(help="Serve the app with gunicorn: several worker processes on one database.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=os.cpu_count() or 1, show_default="the number of cores",
              type=click.IntRange(1, 64), help="Worker processes (each serves on one core).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker process (for slow clients).")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    metrics_folder()  # before the app loads prometheus-client: the workers' counts are added up
    if "POLICYFLOW_SECURE_COOKIES" not in os.environ and not _is_loopback(host):
        os.environ["POLICYFLOW_SECURE_COOKIES"] = "1"  # off loopback, cookies only travel over HTTPS
    app = _app()  # check the settings and create the secret key once, before the workers start
    if not app.extensions["policyflow"].mail_settings.smtp_url:
        click.echo("POLICYFLOW_SMTP_URL is not set: mail waits in the outbox until it is.", err=True)
    click.echo(f"policyflow on http://{host}:{port} ({workers} worker process{'es' if workers > 1 else ''})")
    run_server(host, port, workers, threads)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@main.group(help="Manage people.")
def user() -> None:
    pass


@user.command("add", help="Add a person with one or more roles and a password (for scripts; "
                          "invite people with `user invite`, so they choose their own). The password must pass "
                          f"the rules people's own do: {RULES}.")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True)
@click.option("--department", default=None)
@click.option("--password", required=True)
@click.option("--email", default=None)
def user_add(name, roles, department, password, email) -> None:
    # Through administration, so a member of staff is asked to acknowledge the department's published policies.
    _run(lambda: _services().administration.add_person("cli", name, password, list(roles), department, email))
    click.echo(f"Added {name} ({', '.join(roles)}).")


@user.command("invite", help="Invite a person: they get mail with a one-time link, valid for 48 hours, to choose "
                             "their own password. Mail goes out from `serve` or `mail send`.")
@click.argument("name")
@click.option("--email", required=True, help="Where the link goes.")
@click.option("--role", "roles", multiple=True, required=True, help="A role; repeat for several.")
@click.option("--department", default=None)
def user_invite(name, email, roles, department) -> None:
    services = _services()
    _run(lambda: services.invitations.invite("cli", name, email, list(roles), department))
    click.echo(f"Invited {name} ({', '.join(roles)}): a link to choose a password is in the outbox for {email}.")
    if not services.mail_settings.smtp_url:
        click.echo("POLICYFLOW_SMTP_URL is not set: the mail waits in the outbox until it is.", err=True)


@user.command("password", help=f"Give NAME a new password, which must pass the rules people's own do ({RULES}); "
                               "every session NAME had signed in ends.")
@click.argument("name")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True,
              help="The new password (asked for, unechoed, when left out).")
def user_password(name: str, password: str) -> None:
    _run(lambda: _services().accounts.set_password(name, password))
    click.echo(f"Changed the password of {name}; their sessions have ended.")


@main.group(help="Manage API tokens.")
def token() -> None:
    pass


@token.command("create", help="Create an API token for NAME. The token alone is printed on standard output "
                              "(it is not shown again); its id and expiry go to standard error.")
@click.argument("name")
@click.option("--expires-in", "days", default=DEFAULT_DAYS, show_default=True, metavar="DAYS",
              type=click.IntRange(1, MAX_DAYS), help="Days until the token stops working.")
def token_create(name: str, days: int) -> None:
    issued = _run(lambda: _services().accounts.issue_token(name, days))
    click.echo(issued.token)
    click.echo(f"API token {issued.id} for {name}, expires {stamp(issued.expires_at)}.", err=True)


@token.command("list", help="List NAME's API tokens: id, created, expiry, last use and status (never the tokens).")
@click.argument("name")
def token_list(name: str) -> None:
    tokens = _run(lambda: _services().accounts.tokens_of(name))
    if not tokens:
        click.echo(f"{name} has no API tokens.")
        return
    row = "{:>5}  {:<20}  {:<20}  {:<20}  {}"
    click.echo(row.format("id", "created", "expires", "last used", "status"))
    for info in tokens:
        click.echo(row.format(info.id, stamp(info.created_at), stamp(info.expires_at),
                              stamp(info.last_used_at) if info.last_used_at else "never",
                              f"revoked {stamp(info.revoked_at)}" if info.revoked_at else info.status))


@token.command("revoke", help="Revoke API token ID (see `token list`): it stops working at once.")
@click.argument("token_id", metavar="ID", type=int)
def token_revoke(token_id: int) -> None:
    info = _run(lambda: _services().accounts.revoke_token(token_id))
    click.echo(f"Revoked API token {info.id} of {info.username}.")


@main.command(help="Deploy BPMN/DMN files (with the forms they name) as the latest process version.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def deploy(files: tuple[Path, ...]) -> None:
    try:
        diagrams, forms = read_bundle_files(list(files))
        version, new = _services().processes.deploy(checked_bundle(diagrams, forms), actor="cli")
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


@timers.command("run", help="Fire every timer that is due now, or at WHEN with --as-of, and queue due reminders "
                           "(run it from cron, e.g. hourly).")
@click.option("--as-of", "as_of", type=Moment(), default=None,
              help="Fire what is due at this moment instead of now: 2026-12-01 (midnight UTC), "
                   "2026-12-01T09:30 (UTC) or 2026-12-01T09:30+01:00.")
def timers_run(as_of: datetime | None) -> None:
    services = _services()
    fired = services.commands.fire_due_timers(now=as_of)
    for policy_id, elements in fired:
        click.echo(f"policy {policy_id}: {', '.join(elements)}")
    click.echo(f"{len(fired)} polic{'y' if len(fired) == 1 else 'ies'} advanced.")
    reminded = services.reminders.queue_due(now=as_of)
    click.echo(f"{reminded} reminder{'' if reminded == 1 else 's'} queued.")


@main.group(help="The professional guidance the policies implement.")
def guidance() -> None:
    pass


@guidance.command("set", help="Record a new version of the guidance (TITLE, issued on --date). Every published "
                              "policy implementing an older version comes up for an early review, audited.")
@click.argument("title")
@click.option("--date", "issued_on", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The date the guidance was issued, YYYY-MM-DD.")
def guidance_set(title: str, issued_on: datetime) -> None:
    services = _services()
    recorded = _run(lambda: services.guidance.record(title, issued_on.date(), actor="cli"))
    click.echo(f"Guidance recorded: “{recorded.title}” of {recorded.issued_on.isoformat()}.")
    for policy_id in recorded.early_reviews:
        click.echo(f"policy {policy_id}: early review opened")
    for policy_id in recorded.under_review:
        click.echo(f"policy {policy_id}: already under review; the review weighs the new guidance")
    click.echo(f"{len(recorded.early_reviews)} early review{'' if len(recorded.early_reviews) == 1 else 's'} opened.")


@main.group(help="Mail.")
def mail() -> None:
    pass


@mail.command("send", help="Try every pending message now (waiting retries included; digests wait for their "
                           "time). For cron and operators; `serve` also sends in the background.")
def mail_send() -> None:
    services = _services()
    report = _run(lambda: services.mail.send_due(retry_now=True))
    for error in report.errors:
        click.echo(f"  {error}", err=True)
    click.echo(f"Mail: {report}.")
    if report.failed or report.retrying:
        sys.exit(1)


@main.command(help="Copy the database to FILE while the app serves: SQLite's online backup, or pg_dump "
                   "(custom format) on PostgreSQL.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    from workflows.operations import backup as backups

    database = _database()
    try:
        click.echo(_run(lambda: backups.backup(database, file)))
    finally:
        database.dispose()


@main.command(help="Restore a backup made by `policyflow backup` into the database; a database that already "
                   "has tables is refused unless --force is given.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace what the database holds.")
def restore(file: Path, force: bool) -> None:
    from workflows.operations import backup as backups

    database = _database()
    try:
        click.echo(_run(lambda: backups.restore(database, file, force)))
    finally:
        database.dispose()


def _database():
    """The configured database alone: a restore target may be empty, so no services are built on it."""
    from webapp.config import settings
    from workflows.storage.database import Database

    return Database(settings(Path.cwd() / "instance")["DATABASE_URL"])


def _run(action):
    """``action``, or exit 1 saying what was wrong: each problem with what was given on a line of its
    own, named (``error: password: …``), never a traceback."""
    try:
        return action()
    except InvalidInput as error:
        for problem in error.errors:
            click.echo(f"error: {problem.field}: {problem.message}" if problem.field else f"error: {problem.message}",
                       err=True)
        sys.exit(1)
    except PolicyflowError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
