"""All wiring in one place: database, engine, registry and services, built from settings."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from workflows.designer.deploy import checked_bundle
from workflows.designer.drafts import Drafts
from workflows.designer.migration import PolicyMigrations
from workflows.designer.studio import Studio
from workflows.engine.processes import ProcessRegistry
from workflows.engine.specs import read_bundle_directory
from workflows.notifications import MailSettings
from workflows.notifications.notifier import Notifier
from workflows.notifications.reminders import Reminders
from workflows.notifications.sender import MailSender
from workflows.people.accounts import Accounts
from workflows.people.credentials import OwnPasswords
from workflows.people.recording_preferences import RecordingPreferences
from workflows.policies.administration import Administration
from workflows.policies.assignments import Assignments
from workflows.policies.commands import PolicyCommands
from workflows.policies.dashboard import Dashboard
from workflows.policies.guidance import Guidance
from workflows.policies.identities import ProviderSignIn
from workflows.policies.incidents import Incidents
from workflows.policies.invitations import Invitations
from workflows.policies.lifecycle_events import LifecycleEvents
from workflows.policies.queries import PolicyQueries
from workflows.policies.translations import Translations
from workflows.sandbox import Sandbox, StepLimits, shared_sandbox
from workflows.storage.database import Database

DEFAULT_PROCESS_ID = "policy_lifecycle"
DRY_RUN_CPU_SECONDS = 20
BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    database: Database
    accounts: Accounts
    processes: ProcessRegistry
    commands: PolicyCommands
    queries: PolicyQueries
    clock: Callable[[], datetime]
    lifecycle: LifecycleEvents
    incidents: Incidents
    assignments: Assignments
    administration: Administration
    reminders: Reminders
    mail: MailSender
    mail_settings: MailSettings
    dashboard: Dashboard
    sandbox: Sandbox
    studio: Studio
    translations: Translations
    own_passwords: OwnPasswords
    invitations: Invitations
    provider_signin: ProviderSignIn
    recording_preferences: RecordingPreferences
    guidance: Guidance

    def deploy_directory(self, directory: Path = BPMN_DIR, actor: str = "system"):
        """Validate, guard and deploy every diagram in ``directory`` as one bundle."""
        diagrams, forms = read_bundle_directory(directory)
        return self.processes.deploy(checked_bundle(diagrams, forms), actor)


def build_services(database_url: str, clock: Callable[[], datetime] = utc_now,
                   process_id: str = DEFAULT_PROCESS_ID, password_method: str = "scrypt",
                   limits: StepLimits | None = None, mail: MailSettings | None = None) -> Services:
    """Wire the services; ``password_method`` is werkzeug's (tests use a cheaper one);
    ``limits`` bound each step of diagram code (see workflows.sandbox); ``mail`` says
    where mail goes and where its links point."""
    database = Database(database_url)
    mail = mail or MailSettings()
    accounts = Accounts(database, clock, password_method)
    registry = ProcessRegistry(database, clock)
    sandbox = shared_sandbox(limits or StepLimits())
    notifier = Notifier(mail)
    commands = PolicyCommands(database, sandbox, registry, accounts, clock, process_id, notifier)
    queries = PolicyQueries(database, registry, clock)
    reminders = Reminders(database, notifier, clock)
    lifecycle = LifecycleEvents(database, commands)
    assignments = Assignments(database, notifier, reminders, clock)
    administration = Administration(database, accounts, commands, assignments, lifecycle, clock)
    # The dry run explores many routes in one step: it gets a pool of its own with room for that.
    base = limits or StepLimits()
    dry_run_sandbox = shared_sandbox(replace(base, cpu_seconds=max(base.cpu_seconds, DRY_RUN_CPU_SECONDS),
                                             wall_seconds=max(base.wall_seconds, DRY_RUN_CPU_SECONDS + 10), processes=1))
    studio = Studio(registry, Drafts(database, clock), PolicyMigrations(database, sandbox, registry, clock),
                    dry_run_sandbox, clock, process_id)
    return Services(database, accounts, registry, commands, queries, clock, lifecycle,
                    Incidents(database, commands, clock), assignments, administration, reminders,
                    MailSender(database, mail, clock), mail, Dashboard(database, clock), sandbox, studio,
                    Translations(database, clock),
                    own_passwords=OwnPasswords(database, clock, password_method),
                    invitations=Invitations(database, administration, mail, clock, password_method),
                    provider_signin=ProviderSignIn(database, accounts, lifecycle, clock, password_method),
                    recording_preferences=RecordingPreferences(database, clock),
                    guidance=Guidance(database, commands, registry, clock))
