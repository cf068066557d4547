"""Cron translation and the overdue rule (offline, no clock mocking: times are given)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from archive.daemon.schedule import (
    SCHEDULE_UNIT_ENV,
    cron_weekdays,
    is_overdue,
    make_trigger,
    next_fire_time,
)
from archive.errors import ArchiveError

THURSDAY = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("field", "names"), [
    ("*", "*"), ("0", "sun"), ("7", "sun"), ("1", "mon"), ("1-5", "mon,tue,wed,thu,fri"),
    ("5-7", "sun,fri,sat"), ("fri-mon", "sun,mon,fri,sat"), ("*/2", "sun,tue,thu,sat"),
    ("mon,wed", "mon,wed"), ("SAT", "sat"),
])
def test_cron_weekday_numbers_mean_what_cron_means(field: str, names: str) -> None:
    assert cron_weekdays(field) == names


def test_monday_means_monday() -> None:
    # APScheduler 3.x alone would read weekday 1 as Tuesday.
    fire = next_fire_time(make_trigger("0 6 * * 1", "UTC"), THURSDAY)
    assert fire is not None and fire.strftime("%A %H:%M") == "Monday 06:00"


def test_timezone_is_the_configs() -> None:
    fire = next_fire_time(make_trigger("0 9 * * *", "America/New_York"), THURSDAY)
    assert fire is not None and fire.astimezone(UTC).hour == 14  # 09:00 EST


def test_overdue_once_whatever_the_number_of_missed_slots() -> None:
    hourly = make_trigger("0 * * * *", "UTC")
    assert is_overdue(hourly, None, THURSDAY)  # never ran
    assert is_overdue(hourly, THURSDAY - timedelta(days=3), THURSDAY)  # many slots missed
    assert is_overdue(hourly, THURSDAY - timedelta(minutes=61), THURSDAY)  # one slot missed
    # Last run at 11:30, now 11:59: the 12:00 slot has not come yet.
    assert not is_overdue(hourly, THURSDAY - timedelta(minutes=30), THURSDAY - timedelta(minutes=1))
    # A run that started right on its slot has served that slot.
    assert not is_overdue(hourly, THURSDAY, THURSDAY + timedelta(minutes=30))


def test_second_unit_is_for_tests_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SCHEDULE_UNIT_ENV, "second")
    trigger = make_trigger("*/5 * * * *", "UTC")
    first = next_fire_time(trigger, THURSDAY + timedelta(seconds=1))
    assert first == THURSDAY + timedelta(seconds=5)
    monkeypatch.setenv(SCHEDULE_UNIT_ENV, "fortnight")
    with pytest.raises(ArchiveError, match="not a schedule unit"):
        make_trigger("*/5 * * * *", "UTC")
