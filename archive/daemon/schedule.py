"""Cron schedules: from the config's five-field expressions to APScheduler triggers.

Two things differ from a plain ``CronTrigger.from_crontab``:

* Weekday numbers follow cron (0 or 7 is Sunday, 1 is Monday). APScheduler 3.x counts 0 as
  Monday, so ``0 6 * * 1`` would silently run on Tuesdays; numbers are translated to names.
* For tests and the soak benchmark only, ``HEALTHWIRE_SCHEDULE_UNIT=second`` makes the clock
  run sixty times faster: the fields are read as second, minute, hour, day, month (the weekday
  field is ignored), so ``*/5 * * * *`` fires every five seconds. Production configs keep the
  five-field, minute-resolution contract; the variable is never needed there.

Catch-up after downtime is decided here from the archive, not from a job store: a source is
*overdue* when a scheduled time has passed since its last recorded run started (or it has
never run). An overdue source runs once at start, whatever the number of slots it missed.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

from archive.errors import ArchiveError

SCHEDULE_UNIT_ENV = "HEALTHWIRE_SCHEDULE_UNIT"
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def schedule_unit() -> str:
    """``minute`` (cron's own resolution, the default) or ``second`` (tests and soak only)."""
    unit = os.environ.get(SCHEDULE_UNIT_ENV, "minute").strip().lower() or "minute"
    if unit not in ("minute", "second"):
        raise ArchiveError(
            f"{SCHEDULE_UNIT_ENV}={unit!r} is not a schedule unit",
            hint="leave it unset (minute), or set it to 'second' for tests",
        )
    return unit


def _day_number(token: str) -> int:
    token = token.strip().lower()
    if token[:3] in _DAY_NAMES and not token.isdigit():
        return _DAY_NAMES.index(token[:3])
    number = int(token)
    if not 0 <= number <= 7:
        raise ValueError(f"weekday {number} is out of range (0-7)")
    return number % 7


def cron_weekdays(field: str) -> str:
    """Translate a cron weekday field (0/7 = Sunday) into APScheduler's weekday names."""
    if field.strip() == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            low, high = base.split("-", 1)
            first, last = _day_number(low), _day_number(high)
            if high.strip() == "7":
                last = 7
        else:
            first = last = _day_number(base)
            if step_text:
                last = 6
        if last < first:  # e.g. fri-mon wraps over the week's end
            last += 7
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_DAY_NAMES[day] for day in sorted(days))


def make_trigger(expression: str, timezone: tzinfo | str) -> CronTrigger:
    """The APScheduler trigger for a five-field cron ``expression`` in ``timezone``."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"{expression!r} needs five fields (minute hour day month weekday)")
    if schedule_unit() == "second":
        second, minute, hour, day, month = fields
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           timezone=timezone)
    minute, hour, day, month, weekday = fields
    return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                       day_of_week=cron_weekdays(weekday), timezone=timezone)


def next_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The first scheduled time at or after ``now``."""
    return trigger.get_next_fire_time(None, now)


def is_overdue(trigger: CronTrigger, last_started: datetime | None, now: datetime) -> bool:
    """Whether a scheduled time has passed since the last run started (or there was none)."""
    if last_started is None:
        return True
    after = trigger.get_next_fire_time(None, last_started + timedelta(microseconds=1))
    return after is not None and after <= now
