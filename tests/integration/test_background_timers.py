"""Timers fire by themselves: ``serve`` fires due timers in the background, each exactly once.

Two ``policyflow serve`` processes (two gunicorn workers each) share one PostgreSQL
database holding 50 policies whose consultation deadline has passed; every worker
fires timers in the background. Each policy's deadline must fire once and be
audited once. A claim held by another process keeps a policy's timers from
firing until it runs out.
"""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import add_people, make_services
from tests.lifecycle import complete, policy_row
from tests.served import ServedApp
from workflows.policies import timer_claims
from workflows.storage.schema import AuditEvent, Policy

POLICIES = 50


def consulting(services, people) -> int:
    """A policy waiting for its staff consultation (whose deadline is a timer, 14 days on)."""
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    return policy_id


def fired_audit(services) -> dict[int, int]:
    with services.database.reading() as session:
        return dict(session.execute(select(AuditEvent.policy_id, func.count()).where(
            AuditEvent.action == "timer_fired").group_by(AuditEvent.policy_id)).all())


def wait_for(condition, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_two_servers_fire_each_due_timer_once(postgres_url, clock, tmp_path):
    clock.advance(days=-15)  # the consultations opened 15 days ago: their 14-day deadlines have passed
    services = make_services(postgres_url, clock)
    try:
        people = add_people(services)
        policies = [consulting(services, people) for _ in range(POLICIES)]
        servers = [ServedApp(postgres_url, tmp_path, workers=2,
                             environment={"POLICYFLOW_TIMER_INTERVAL_SECONDS": "0.2"}) for _ in range(2)]
        try:
            for server in servers:
                server.start()
            wait_for(lambda: len(fired_audit(services)) == POLICIES)
            # Every worker has gone round again since (a round lists what is due at its start).
            with services.database.reading() as session:
                assert session.scalar(select(func.count()).select_from(Policy).where(
                    Policy.next_timer_at <= clock.now + timedelta(days=15))) == 0
        finally:
            for server in servers:
                server.stop()
        assert fired_audit(services) == {policy_id: 1 for policy_id in policies}
        for policy_id in policies:
            assert policy_row(services, policy_id).timer_claimed_until is None
    finally:
        services.database.dispose()


def test_a_claimed_policy_waits_until_the_claim_runs_out(services, people, clock):
    policy_id = consulting(services, people)
    clock.advance(days=15)
    assert timer_claims.claim(services.database, policy_id, clock.now, clock.now) is not None
    assert services.commands.fire_due_timers() == []  # another process holds it
    assert timer_claims.claim(services.database, policy_id, clock.now, clock.now) is None

    clock.advance(seconds=timer_claims.LEASE.total_seconds() + 1)  # that process stopped: its claim ran out
    assert services.commands.fire_due_timers() == [(policy_id, ["consultation_deadline"] * 3)]  # one per staff member
    assert services.commands.fire_due_timers() == []
    assert fired_audit(services) == {policy_id: 1}
