"""Which holiday dates close a calendar (``observed: substitutes | actual | both``).

The dates are worked out by hand from the calendar: in England, Christmas 2026 is a Friday
and Boxing Day a Saturday (substitute: Monday 28); in 2027 Christmas is a Saturday and
Boxing Day a Sunday (substitutes: Monday 27 and Tuesday 28). In the US, New Year's Day 2022
is a Saturday, observed on Friday 31 December 2021.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from slacalc import Calendar, PolicyError, load_policy
from slacalc.calendar import HolidayRules
from slacalc.loading import policy_from_text

DEC = {d: date(2027, 12, d) for d in range(24, 30)}


def december(rules: HolidayRules, year: int) -> set[date]:
    return {d for d in rules.holidays_for(year) if d.month == 12 and d.day >= 24}


def test_the_three_readings_of_christmas_2027_in_england() -> None:
    def rules(observed: str) -> HolidayRules:
        return HolidayRules(country="GB", subdivision="ENG", observed=observed)

    assert december(rules("actual"), 2027) == {DEC[25], DEC[26]}
    assert december(rules("substitutes"), 2027) == {DEC[27], DEC[28]}
    assert december(rules("both"), 2027) == {DEC[25], DEC[26], DEC[27], DEC[28]}
    assert december(HolidayRules(country="GB", subdivision="ENG"), 2027) == december(
        rules("both"), 2027
    )
    # 2026: Christmas on a Friday is not moved; Boxing Day (Saturday) moves to Monday 28
    assert december(rules("substitutes"), 2026) == {date(2026, 12, 25), date(2026, 12, 28)}
    assert december(rules("actual"), 2026) == {date(2026, 12, 25), date(2026, 12, 26)}


def test_a_date_that_is_a_substitute_and_moves_its_own_holiday() -> None:
    # Scotland, 2006: 1 Jan (New Year's Day) is a Sunday, 2 Jan (New Year Holiday) a Monday.
    # New Year's Day moves to Monday 2; the New Year Holiday to Tuesday 3.
    def january(observed: str) -> set[int]:
        rules = HolidayRules(country="GB", subdivision="SCT", observed=observed)
        return {d.day for d in rules.holidays_for(2006) if d.month == 1 and d.day <= 7}

    assert january("actual") == {1, 2}
    assert january("both") == {1, 2, 3}
    assert january("substitutes") == {2, 3}


def test_a_substitute_in_the_year_before() -> None:
    us = HolidayRules(country="US", observed="substitutes")
    assert date(2021, 12, 31) in us.holidays_for(2021)
    assert date(2022, 1, 1) not in us.holidays_for(2022)
    assert date(2022, 1, 1) in HolidayRules(country="US", observed="actual").holidays_for(2022)
    assert date(2021, 12, 31) not in HolidayRules(country="US", observed="actual").holidays_for(
        2021
    )


def noon(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)  # the PassKit calendars are on GMT


# (date, open on business (Mon-Fri), open on business_platinum (daily))
CHRISTMAS = [
    (date(2026, 12, 24), True, True),  # Thu
    (date(2026, 12, 25), False, False),  # Fri: Christmas Day
    (date(2026, 12, 26), False, True),  # Sat: Boxing Day, not the bank holiday
    (date(2026, 12, 27), False, True),  # Sun
    (date(2026, 12, 28), False, False),  # Mon: Boxing Day (substitute)
    (date(2026, 12, 29), True, True),  # Tue
    (date(2027, 12, 24), True, True),  # Fri
    (date(2027, 12, 25), False, True),  # Sat: Christmas Day, not the bank holiday
    (date(2027, 12, 26), False, True),  # Sun: Boxing Day, not the bank holiday
    (date(2027, 12, 27), False, False),  # Mon: Christmas Day (substitute)
    (date(2027, 12, 28), False, False),  # Tue: Boxing Day (substitute)
    (date(2027, 12, 29), True, True),  # Wed
]


@pytest.mark.parametrize(("day", "weekdays", "daily"), CHRISTMAS)
def test_passkit_calendars_at_christmas(day: date, weekdays: bool, daily: bool) -> None:
    passkit = load_policy("passkit")
    t = noon(day.year, day.month, day.day)
    assert passkit.clock("business").is_open(t) is weekdays
    assert passkit.clock("business_platinum").is_open(t) is daily


def test_passkit_platinum_due_times_over_christmas() -> None:
    passkit = load_policy("passkit")
    # Fri 25 Dec 2026 17:30, 1 business hour: closed all Friday, open Saturday 09:00
    assert passkit.due(datetime(2026, 12, 25, 17, 30, tzinfo=UTC), "platinum", "sev2") == datetime(
        2026, 12, 26, 10, tzinfo=UTC
    )
    # Fri 24 Dec 2027 17:30, 4 business hours: 30m on Friday, then 09:00-12:30 on Saturday
    assert passkit.due(datetime(2027, 12, 24, 17, 30, tzinfo=UTC), "platinum", "sev3") == datetime(
        2027, 12, 25, 12, 30, tzinfo=UTC
    )
    # Gold (Mon-Fri), same ticket, 1 business day = 9h: 30m Fri 24, then Wed 29 09:00-17:30
    assert passkit.due(datetime(2027, 12, 24, 17, 30, tzinfo=UTC), "gold", "sev3") == datetime(
        2027, 12, 29, 17, 30, tzinfo=UTC
    )
    business = passkit.clock("business_platinum")
    assert business.elapsed(noon(2027, 12, 24), noon(2027, 12, 29)) == timedelta(
        hours=6 + 9 + 9 + 3
    )


def test_observed_on_a_calendar_and_its_errors() -> None:
    seven_days = {
        "timezone": "Europe/London",
        "hours": {"daily": ["09:00-17:00"]},
        "holidays": {"country": "GB", "subdivision": "ENG", "observed": "actual"},
    }
    cal = Calendar.from_dict(seven_days)
    assert cal.holidays.observed == "actual"
    assert not cal.is_open(noon(2027, 12, 25)) and cal.is_open(noon(2027, 12, 27))
    text = (
        "id: x\nname: X\nsource: {document: d}\nplans: {a: {name: A}}\n"
        "severities: {s: {name: S}}\nmetrics: {response: {}}\n"
        "calendars:\n  c:\n    hours: {mon-fri: ['09:00-17:00']}\n"
        "    holidays: {country: GB, observed: substitute}\n"
    )
    with pytest.raises(PolicyError, match=r"calendars\.c\.holidays\.observed") as e:
        policy_from_text(text, "x.yaml")
    assert "substitutes" in str(e.value)


@pytest.mark.parametrize(("country", "subdivision"), [("GB", "ENG"), ("GB", "SCT"), ("US", None)])
def test_the_readings_agree_on_weekdays_and_nest(country: str, subdivision: str | None) -> None:
    years = range(1995, 2041)

    def closed(observed: str) -> set[date]:
        rules = HolidayRules(country=country, subdivision=subdivision, observed=observed)
        return set(rules.holidays_for(*years))

    both, actual, subs = closed("both"), closed("actual"), closed("substitutes")
    assert actual <= both and subs <= both and both == actual | subs
    # the dates substitutes leave open are weekend days whose holiday moved
    assert all(d.weekday() >= 5 for d in both - subs)
    # so a Monday-Friday calendar closes the same days either way
    assert {d for d in both if d.weekday() < 5} == {d for d in subs if d.weekday() < 5}


@pytest.mark.parametrize("country", ["DE", "FR", "IT"])
def test_a_country_that_moves_no_holiday_has_one_list_in_every_mode(country: str) -> None:
    import holidays

    official = holidays.country_holidays(country, years=[2026, 2027], observed=False)
    for observed in ("substitutes", "actual", "both"):
        cal = Calendar.from_dict(
            {
                "timezone": "Europe/Berlin",
                "hours": {"mon-fri": ["09:00-17:00"]},
                "holidays": {"country": country, "observed": observed},
            }
        )
        got = set(cal.holidays_in(2026)) | set(cal.holidays_in(2027))
        assert got == set(official), observed
