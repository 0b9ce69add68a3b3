"""The policyflow web app: HTML pages and the JSON API over the same services.

Pages are grouped by who uses them: ``public`` (no sign-in), ``work`` (people at
work), ``admin``, ``studio`` (process designers), and ``api`` for other tools;
none of them imports another. ``signin``, ``plumbing`` and ``context`` are what
they share. ``create_app`` wires them; ``cli`` and ``server`` are the
``policyflow`` command.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from webapp import config
from webapp.context import csrf
from webapp.plumbing.converters import CONVERTERS
from webapp.signin import oidc_config
from workflows.wiring import Services, build_services


class IsoJSONProvider(DefaultJSONProvider):
    """Dates in ISO 8601, which every API client parses (Flask's default is an HTTP date)."""

    @staticmethod
    def default(value):
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        return DefaultJSONProvider.default(value)


def create_app(test_config: dict | None = None, services: Services | None = None) -> Flask:
    """Build the app; ``services`` lets tests hand in services with their own clock."""
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"), instance_relative_config=True)
    app.json = IsoJSONProvider(app)
    app.config.from_mapping(config.settings(Path(app.instance_path)))
    app.config.from_mapping(oidc_config.settings())
    if test_config:
        app.config.update(test_config)
    app.extensions["policyflow"] = services or build_services(app.config["DATABASE_URL"],
                                                             process_id=app.config["PROCESS_ID"],
                                                             limits=config.step_limits(),
                                                             mail=config.mail_settings())
    app.url_map.converters.update(CONVERTERS)  # before any route is added: they are compiled then
    csrf.init_app(app)
    _pages(app)
    _operations(app)
    return app


def _pages(app) -> None:
    """Every page and the API, with what they share. Imported here, when an app is built, and not
    when the package is: ``policyflow serve`` sets up the metrics folder first, and prometheus-client
    reads it once, when the metrics module loads it (see ``server.metrics_folder``)."""
    from webapp import admin, api, public, studio
    from webapp.plumbing import errors, headers, submissions, templating, vendor
    from webapp.signin import auth, invitations, oidc, oidc_provider, own_password
    from webapp.work import dashboard, inbox, incidents, policies, policy_actions, settings, tasks

    for module in (auth, inbox, policies, policy_actions, incidents, tasks, public, vendor, settings, dashboard,
                   studio, own_password, invitations, oidc, admin, api):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    auth.init_app(app)
    oidc_provider.init_app(app)
    errors.init_app(app)
    submissions.init_app(app)
    templating.init_app(app)
    headers.init_app(app)


def _operations(app) -> None:
    """What operators rely on: probes, metrics, the request log, the site icon (imported as the
    pages are, for the same reason)."""
    from webapp.operations import database_errors, favicon, health, idempotency, metrics, request_log

    for module in (health, metrics, favicon):
        app.register_blueprint(module.bp)
    request_log.init_app(app)
    metrics.init_app(app)
    idempotency.init_app(app)
    database_errors.init_app(app)  # last: it wraps every view registered before it
