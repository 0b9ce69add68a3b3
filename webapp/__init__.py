"""The policyflow web app: HTML pages and the JSON API over the same services."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Flask, current_app
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFProtect

from workflows.wiring import Services, build_services

from . import config
from .converters import CONVERTERS

csrf = CSRFProtect()


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
    if test_config:
        app.config.update(test_config)
    app.extensions["policyflow"] = services or build_services(app.config["DATABASE_URL"],
                                                             process_id=app.config["PROCESS_ID"],
                                                             limits=config.step_limits(),
                                                             mail=config.mail_settings())
    app.url_map.converters.update(CONVERTERS)  # before any route is added: they are compiled then
    csrf.init_app(app)

    from . import (
        admin,
        api,
        auth,
        dashboard,
        designer,
        errors,
        headers,
        inbox,
        incidents,
        policies,
        policy_actions,
        public,
        settings,
        submissions,
        tasks,
        templating,
        vendor,
    )

    for module in (auth, inbox, policies, policy_actions, incidents, tasks, public, vendor, settings, dashboard,
                   designer):
        app.register_blueprint(module.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    auth.init_app(app)
    errors.init_app(app)
    submissions.init_app(app)
    templating.init_app(app)
    headers.init_app(app)
    _operations(app)
    return app


def _operations(app) -> None:
    """What operators rely on: probes, metrics, the request log, the site icon."""
    from . import database_errors, favicon, health, idempotency, metrics, request_log

    for module in (health, metrics, favicon):
        app.register_blueprint(module.bp)
    request_log.init_app(app)
    metrics.init_app(app)
    idempotency.init_app(app)
    database_errors.init_app(app)  # last: it wraps every view registered before it


def services() -> Services:
    return current_app.extensions["policyflow"]
