"""How long a timer (or a task's ``dueIn``) may be: at most 1,000 years, whatever units it is written in.

SpiffWorkflow adds years and months to a date month by month (a billion years would
never finish), and Python's dates end in the year 9999 (``P999999999D`` overflows).
A duration is measured here first, in floating point, so no value is too large to
measure, and refused with the limit named.
"""
from __future__ import annotations

MAX_TIMER_YEARS = 1_000
MAX_TIMER_MONTHS = MAX_TIMER_YEARS * 12
_DAYS_PER = {"years": 365.25, "months": 30.44, "weeks": 7, "days": 1, "hours": 1 / 24, "minutes": 1 / 1440,
             "seconds": 1 / 86400}
REFUSAL = f"timer durations longer than {MAX_TIMER_YEARS:,} years are not allowed"


def too_long(duration: dict) -> bool:
    """Whether a parsed ISO 8601 duration (SpiffWorkflow's ``parse_iso_duration``) passes the limit."""
    months = float(duration.get("years", 0)) * 12 + float(duration.get("months", 0))
    days = sum(float(duration.get(unit, 0)) * per for unit, per in _DAYS_PER.items())
    return months > MAX_TIMER_MONTHS or days > MAX_TIMER_YEARS * 366
