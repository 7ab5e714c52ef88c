"""The office calendar: working days, holidays, and each station's closing moment (P6).

Working days are Monday to Friday, less the `holidays` setting, plus the
`extra_workdays` setting (the weekends worked in exchange for a holiday, 调休).
A station closes at its own `closing_time`, else at the `closing_time` setting,
in the office's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from custody import settings

if TYPE_CHECKING:
    from custody.store.core import Store

LOOKBACK_DAYS = 40  # the longest run of days off a last closing is searched across


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    default_closing: time
    holidays: frozenset[date]
    extra_workdays: frozenset[date]
    grace: timedelta

    @classmethod
    def load(cls, store: Store) -> Calendar:
        return cls(
            tz=ZoneInfo(settings.get(store, "timezone")),
            default_closing=parse_hhmm(settings.get(store, "closing_time")),
            holidays=frozenset(date.fromisoformat(d) for d in settings.get(store, "holidays")),
            extra_workdays=frozenset(date.fromisoformat(d) for d in settings.get(store, "extra_workdays")),
            grace=timedelta(minutes=settings.get(store, "closing_grace_minutes")),
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def day_start(self, day: date) -> datetime:
        """Local midnight starting `day`, in UTC."""
        return datetime.combine(day, time(0, 0), tzinfo=self.tz).astimezone(UTC)

    def closing_time(self, station_closing: str | None) -> time:
        return parse_hhmm(station_closing) if station_closing else self.default_closing

    def closing_at(self, station_closing: str | None, day: date) -> datetime:
        """The moment a station closes on `day`, in UTC."""
        return datetime.combine(day, self.closing_time(station_closing), tzinfo=self.tz).astimezone(UTC)

    def last_closing(self, station_closing: str | None, at: datetime) -> datetime | None:
        """The latest closing moment of a working day at or before `at`."""
        day = self.local_day(at)
        for back in range(LOOKBACK_DAYS):
            d = day - timedelta(days=back)
            if self.is_working_day(d):
                moment = self.closing_at(station_closing, d)
                if moment <= at:
                    return moment
        return None
