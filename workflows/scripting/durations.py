"""Calendar arithmetic for diagram code: a date moved by an ISO 8601 duration.

A review date is "12 months after the effective date" and a review opens "three
months before it" (the publication's ``reviewLeadTime``). Months and years are
calendar months: the day is kept, or becomes the month's last day when the month
is shorter (31 January + 1 month is 28 or 29 February). Dates are ISO texts, as
forms store them; the result is midnight UTC, the form timers read.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone

from workflows.scripting.budget import refuse

_DURATION = re.compile(r"^P(?!$)(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$")


def is_calendar_duration(text) -> bool:
    """Whether ``text`` is a duration these functions take: years, months, weeks or days (P3M, P1Y6M, P14D)."""
    return isinstance(text, str) and bool(_DURATION.match(text))


def _parts(duration) -> tuple[int, int]:
    """(months, days) of a date-only ISO 8601 duration such as P3M, P1Y6M or P14D."""
    if not is_calendar_duration(duration):
        refuse(f"'{duration}' is not a duration in years, months, weeks or days such as P3M or P1Y")
    years, months, weeks, days = (int(part or 0) for part in _DURATION.match(duration).groups())
    return years * 12 + months, weeks * 7 + days


def _day(value) -> date:
    try:
        return datetime.fromisoformat(value).date() if isinstance(value, str) and len(value) > 10 \
            else date.fromisoformat(value)
    except (TypeError, ValueError):
        refuse(f"'{value}' is not an ISO date such as 2027-03-31")


def _moved(value, duration, sign: int) -> str:
    months, days = _parts(duration)
    start = _day(value)
    index = start.year * 12 + start.month - 1 + sign * months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        refuse(f"moving {value} by {duration} leaves the calendar")
    last = calendar.monthrange(year, month + 1)[1]
    moved = date(year, month + 1, min(start.day, last)) + timedelta(days=sign * days)
    return datetime(moved.year, moved.month, moved.day, tzinfo=timezone.utc).isoformat()


def add_duration(value, duration) -> str:
    """``value`` (an ISO date or date-time) plus ``duration``, as midnight UTC: ``add_duration("2027-01-31", "P1M")``."""
    return _moved(value, duration, 1)


def subtract_duration(value, duration) -> str:
    """``value`` minus ``duration``, as midnight UTC: ``subtract_duration(review_due_at, "P3M")``."""
    return _moved(value, duration, -1)
