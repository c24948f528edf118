"""Ticket evaluation on small histories whose answers were worked out by hand.

The policy below is written for these cases: one office calendar in Chicago, Monday-Friday
09:00-17:00 local time, closed on Thanksgiving (Thursday 2026-11-26). Chicago's clocks go back
on Sunday 2026-11-01 (02:00 CDT -> 01:00 CST) and forward on Sunday 2026-03-08, so 17:00 on
Friday 2026-10-30 is 22:00Z but 09:00 on Monday 2026-11-02 is 15:00Z. Every instant below is
written in UTC with its local time beside it; each comment shows the arithmetic. Each answer
is asserted for the minute-stepping reference (``reference.evaluate_metric``) first, then for
``policy.evaluate``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from reference import Cell, MetricRules, evaluate_metric, plain_calendar

from slacalc import Event, Ticket, load_policy

H, M = timedelta(hours=1), timedelta(minutes=1)

POLICY = """
id: handworked
name: Hand-worked cases
source: {document: tests/test_evaluation_handworked.py}
warning_fraction: 0.75
calendars:
  office:
    timezone: America/Chicago
    hours: {mon-fri: ["09:00-17:00"]}
    holidays: {dates: ["2026-11-26"]}
    business_day: 8h
plans:
  std: {name: Standard}
  premium: {name: Premium}
severities:
  s1: {name: Critical}
  s2: {name: High}
  s3: {name: Low}
metrics:
  response:
    clock: office
    targets:
      s1: {std: 1h, premium: {within: 3h, clock: always}}
      s2: 4h
      s3: 8h
  resolution:
    clock: office
    pausable: true
    targets:
      s1: 8h
      s2: 16h
      s3: 40h
  update:
    clock: office
    cadence: true
    targets:
      s1: 2h
      s2: 4h
      s3: n/a
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    path = tmp_path_factory.mktemp("handworked") / "handworked.yaml"
    path.write_text(POLICY)
    return load_policy(path)


def z(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def ticket(severity: str, opened: str, *evs: tuple[str, ...], plan: str = "std") -> Ticket:
    events = [Event(type=e[0], at=z(e[1]), severity=e[2] if len(e) > 2 else None) for e in evs]
    return Ticket(plan=plan, severity=severity, opened_at=z(opened), events=events)


OFFICE = plain_calendar("America/Chicago", {"mon-fri": ["09:00-17:00"]}, ("2026-11-26",))
CLOCKS = {"office": OFFICE}


def office(*minutes: int | None) -> dict[str, Cell | None]:
    sevs = ("s1", "s2", "s3")
    return {s: None if m is None else Cell(m, "office") for s, m in zip(sevs, minutes, strict=True)}


# The same policy, as the reference reads it: (metric, plan) -> rules
RULES = {
    ("response", "std"): MetricRules(office(60, 240, 480), CLOCKS, stops=("responded", "resolved")),
    ("response", "premium"): MetricRules(
        {**office(60, 240, 480), "s1": Cell(180, "always")}, CLOCKS, stops=("responded", "resolved")
    ),
    **{
        ("resolution", plan): MetricRules(
            office(480, 960, 2400), CLOCKS, stops=("resolved",), pausable=True
        )
        for plan in ("std", "premium")
    },
    **{
        ("update", plan): MetricRules(
            office(120, 240, None), CLOCKS, stops=("updated",), cadence=True
        )
        for plan in ("std", "premium")
    },
}


class Both:
    """One ticket at one instant, evaluated by slacalc and by the reference."""

    def __init__(self, policy, t: Ticket, at: datetime) -> None:
        self.ev = policy.evaluate(t, at=at)
        self.t, self.at = t, at

    def __getitem__(self, metric: str):
        t = self.t
        events = [(e.type.value, e.at, e.severity) for e in t.events]
        want = evaluate_metric(RULES[metric, t.plan], t.severity, t.opened_at, events, self.at)
        return self.ev[metric], want


def check(pair, state, due, elapsed, remaining, severity=None):
    """The hand-worked answer is the reference's, and slacalc's."""
    result, ref = pair
    expected = (state, due, elapsed, remaining)
    assert (ref.state, ref.due_at, ref.elapsed, ref.remaining) == expected, ref
    got = (result.state, result.due_at, result.elapsed, result.remaining)
    assert got == expected, result.explain()
    assert result.breached == ref.breached == (state in ("breached", "missed"))
    if severity is not None:
        assert result.severity == ref.severity == severity


def test_pause_across_the_weekend_the_clocks_go_back(policy):
    # s2, opened Fri 2026-10-30 15:00 CDT (20:00Z); paused Fri 16:00 CDT (21:00Z), resumed
    # Mon 2026-11-02 10:00 CST (16:00Z); evaluated Mon 11:00 CST (17:00Z).
    t = ticket(
        "s2", "2026-10-30T20:00", ("paused", "2026-10-30T21:00"), ("resumed", "2026-11-02T16:00")
    )
    ev = Both(policy, t, z("2026-11-02T17:00"))
    # resolution (16h, pausable): Fri 15-16 counts 1h; the pause holds Fri 16-17 and Mon 9-10.
    # 15h to go from Mon 10:00: Mon 10-17 (7h, 8h in all), Tue 09-17 (8h, 16h in all)
    # -> due Tue 2026-11-03 17:00 CST = 23:00Z. Counted by 11:00: Fri 1h + Mon 10-11 1h = 2h.
    check(ev["resolution"], "running", z("2026-11-03T23:00"), 2 * H, 14 * H)
    # response (4h, not pausable): Fri 15-17 (2h) + Mon 09-11 CST (2h) -> due Mon 11:00 CST =
    # 17:00Z, which is `at` itself: not yet breached; 4h counted >= 0.75 * 4h -> at_risk.
    check(ev["response"], "at_risk", z("2026-11-02T17:00"), 4 * H, 0 * H)


def test_still_paused_at_at_over_the_clock_change(policy):
    # The same ticket, never resumed, evaluated Mon 2026-11-02 12:00 CST (18:00Z): the pause
    # runs to `at`, holding Fri 16-17 and Mon 09-12 (4h). Counted: Fri 15-16 = 1h. Due: 15h
    # more after `at`: Mon 12-17 (5h, 6h in all), Tue 09-17 (14h), Wed 09-11 (16h)
    # -> Wed 2026-11-04 11:00 CST = 17:00Z.
    t = ticket("s2", "2026-10-30T20:00", ("paused", "2026-10-30T21:00"))
    ev = Both(policy, t, z("2026-11-02T18:00"))
    check(ev["resolution"], "paused", z("2026-11-04T17:00"), 1 * H, 15 * H)
    # response ignores the pause: due Mon 11:00 CST (17:00Z), 5h counted by 12:00 -> breached
    check(ev["response"], "breached", z("2026-11-02T17:00"), 5 * H, -1 * H)


def test_severity_upgrade_after_part_of_the_time(policy):
    # s3, opened Mon 2026-11-02 09:00 CST (15:00Z), raised to s2 at 11:00 CST (17:00Z),
    # evaluated 11:30 CST (17:30Z), 2h30 counted. Every target is measured again from opening:
    # response s2 4h -> 13:00 CST (19:00Z), 1h30 left, 2.5/4 < 0.75 -> running;
    # resolution s2 16h -> Mon 8h + Tue 8h -> Tue 17:00 CST (23:00Z);
    # update (s3 has none) s2 4h from opening -> 13:00 CST (19:00Z).
    t = ticket("s3", "2026-11-02T15:00", ("severity_changed", "2026-11-02T17:00", "s2"))
    ev = Both(policy, t, z("2026-11-02T17:30"))
    check(ev["response"], "running", z("2026-11-02T19:00"), 150 * M, 90 * M, "s2")
    check(ev["resolution"], "running", z("2026-11-03T23:00"), 150 * M, 16 * H - 150 * M, "s2")
    check(ev["update"], "running", z("2026-11-02T19:00"), 150 * M, 90 * M, "s2")


def test_severity_upgrade_whose_target_already_passed(policy):
    # s3 raised to s1 at 11:00 CST: s1's response target (1h from opening) was 10:00 CST
    # (16:00Z), before the change; the ticket is breached as soon as it is re-targeted.
    # At 11:30 CST (17:30Z): 2h30 counted, 1h30 over.
    t = ticket("s3", "2026-11-02T15:00", ("severity_changed", "2026-11-02T17:00", "s1"))
    ev = Both(policy, t, z("2026-11-02T17:30"))
    check(ev["response"], "breached", z("2026-11-02T16:00"), 150 * M, -90 * M, "s1")


def test_downgrade_after_a_breach_keeps_the_breach(policy):
    # s1, opened Mon 2026-11-02 09:00 CST (15:00Z); response due 10:00 CST (16:00Z); lowered
    # to s3 at 10:30 CST (16:30Z), after that due time: the response stays breached against
    # s1. Evaluated 12:00 CST (18:00Z): 3h counted, 2h over.
    t = ticket("s1", "2026-11-02T15:00", ("severity_changed", "2026-11-02T16:30", "s3"))
    ev = Both(policy, t, z("2026-11-02T18:00"))
    check(ev["response"], "breached", z("2026-11-02T16:00"), 3 * H, -2 * H, "s1")
    # resolution (s1 8h, due 17:00 CST) was not breached at 10:30: re-targeted to s3, 40h
    # from opening = Mon..Fri 8h each -> Fri 2026-11-06 17:00 CST (23:00Z).
    check(ev["resolution"], "running", z("2026-11-06T23:00"), 3 * H, 37 * H, "s3")
    # update: s1's 2h from opening, due 11:00 CST, had not passed at 10:30 either: re-targeted
    # to s3, which has no cadence.
    check(ev["update"], "not_applicable", None, None, None, "s3")


def test_reopen_does_not_count_the_time_in_between(policy):
    # s2, opened Mon 2026-11-02 09:00 CST (15:00Z), responded 10:00 CST, resolved 13:00 CST
    # (19:00Z), reopened Tue 11:00 CST (17:00Z).
    t = ticket(
        "s2",
        "2026-11-02T15:00",
        ("responded", "2026-11-02T16:00"),
        ("resolved", "2026-11-02T19:00"),
        ("reopened", "2026-11-03T17:00"),
    )
    # Between the two: met. Due then: 16h from opening -> Tue 17:00 CST (23:00Z); 4h counted.
    between = Both(policy, t, z("2026-11-02T20:00"))["resolution"]
    check(between, "met", z("2026-11-03T23:00"), 4 * H, 12 * H)
    # After the reopen, at Tue 12:00 CST (18:00Z): Mon 13-17 and Tue 09-11 are not counted.
    # Counted: Mon 09-13 (4h) + Tue 11-12 (1h) = 5h. Due: Mon 4h, Tue 11-17 (10h),
    # Wed 09-15 (16h) -> Wed 2026-11-04 15:00 CST (21:00Z).
    again = Both(policy, t, z("2026-11-03T18:00"))["resolution"]
    check(again, "running", z("2026-11-04T21:00"), 5 * H, 11 * H)
    # The response (at 10:00 CST, due 13:00 CST) is met whatever happens later.
    check(
        Both(policy, t, z("2026-11-03T18:00"))["response"],
        "met",
        z("2026-11-02T19:00"),
        1 * H,
        3 * H,
    )


def test_cadence_with_a_late_update(policy):
    # s1 (an update every 2h of office time), opened Mon 2026-11-02 09:00 CST (15:00Z).
    # responded 09:30 CST: on time for the first cycle (due 11:00) and starts the next, due
    # 11:30 CST; updated 12:00 CST (18:00Z): late, missed for good; updated 13:30 CST
    # (19:30Z): on time (due 14:00). Evaluated 14:00 CST (20:00Z): the current cycle runs
    # from 13:30 and is due 15:30 CST (21:30Z); 30m counted, 1h30 left; still `missed`.
    t = ticket(
        "s1",
        "2026-11-02T15:00",
        ("responded", "2026-11-02T15:30"),
        ("updated", "2026-11-02T18:00"),
        ("updated", "2026-11-02T19:30"),
    )
    check(
        Both(policy, t, z("2026-11-02T20:00"))["update"],
        "missed",
        z("2026-11-02T21:30"),
        30 * M,
        90 * M,
    )
    # Before the late update came, at 11:45 CST (17:45Z): the cycle from 09:30 was due 11:30
    # (17:30Z): breached, 2h15 counted.
    check(
        Both(policy, t, z("2026-11-02T17:45"))["update"],
        "breached",
        z("2026-11-02T17:30"),
        135 * M,
        -15 * M,
    )


def test_cadence_on_time_over_a_holiday(policy):
    # s2 (every 4h), opened Wed 2026-11-25 13:00 CST (19:00Z), responded 15:00 CST (21:00Z).
    # Next update due: Wed 15-17 (2h), Thanksgiving closed, Fri 09-11 (4h) -> Fri 2026-11-27
    # 11:00 CST (17:00Z). At Fri 10:00 CST (16:00Z): 3h counted >= 0.75 * 4h -> at_risk.
    t = ticket("s2", "2026-11-25T19:00", ("responded", "2026-11-25T21:00"))
    check(
        Both(policy, t, z("2026-11-27T16:00"))["update"],
        "at_risk",
        z("2026-11-27T17:00"),
        3 * H,
        1 * H,
    )
    # An update at Fri 10:30 CST (16:30Z) is on time and starts a cycle due 14:30 CST
    # (20:30Z); resolving at 11:00 CST (17:00Z), 30m into it, ends the cadence: met.
    done = ticket(
        "s2",
        "2026-11-25T19:00",
        ("responded", "2026-11-25T21:00"),
        ("updated", "2026-11-27T16:30"),
        ("resolved", "2026-11-27T17:00"),
    )
    check(
        Both(policy, done, z("2026-11-30T16:00"))["update"],
        "met",
        z("2026-11-27T20:30"),
        30 * M,
        210 * M,
    )


def test_an_always_clock_over_the_spring_gap(policy):
    # premium s1: 3h of real time. Opened Sun 2026-03-08 00:30 CST (06:30Z); the local clock
    # jumps from 02:00 to 03:00, so 3h later is 04:30 CDT on the wall (09:30Z).
    t = ticket("s1", "2026-03-08T06:30", plan="premium")
    check(
        Both(policy, t, z("2026-03-08T09:00"))["response"],
        "at_risk",
        z("2026-03-08T09:30"),
        150 * M,
        30 * M,
    )


def test_a_resolution_answers_the_response(policy):
    # s2, opened Mon 2026-11-02 09:00 CST (15:00Z), response due 13:00 CST (19:00Z), no
    # `responded` event. Resolved at 12:00 CST (18:00Z): the response clock stops there, met
    # with 3h counted, and stays met two days later.
    t = ticket("s2", "2026-11-02T15:00", ("resolved", "2026-11-02T18:00"))
    check(
        Both(policy, t, z("2026-11-04T15:00"))["response"],
        "met",
        z("2026-11-02T19:00"),
        3 * H,
        1 * H,
    )
    # Resolved at 15:00 CST (21:00Z) instead: the answer came 2h after the due time: missed.
    late = ticket("s2", "2026-11-02T15:00", ("resolved", "2026-11-02T21:00"))
    check(
        Both(policy, late, z("2026-11-04T15:00"))["response"],
        "missed",
        z("2026-11-02T19:00"),
        6 * H,
        -2 * H,
    )


def test_a_response_after_the_answering_resolution_changes_nothing(policy):
    # Resolved at 12:00 CST without a response (met, as above), reopened Tue 10:00 CST
    # (16:00Z), responded Tue 11:00 CST (17:00Z): the response was answered at 12:00 Monday.
    t = ticket(
        "s2",
        "2026-11-02T15:00",
        ("resolved", "2026-11-02T18:00"),
        ("reopened", "2026-11-03T16:00"),
        ("responded", "2026-11-03T17:00"),
    )
    check(
        Both(policy, t, z("2026-11-04T15:00"))["response"],
        "met",
        z("2026-11-02T19:00"),
        3 * H,
        1 * H,
    )


def test_a_severity_change_on_the_due_time_still_retargets(policy):
    # s1, opened Mon 2026-11-02 09:00 CST (15:00Z): response due 10:00 CST (16:00Z). Lowered
    # to s3 at exactly 10:00 CST: at its due time a metric is not yet breached, so it is
    # re-targeted: s3's 8h from opening -> 17:00 CST (23:00Z). At 12:00 CST (18:00Z): 3h of
    # 8h (0.375) -> running.
    t = ticket("s1", "2026-11-02T15:00", ("severity_changed", "2026-11-02T16:00", "s3"))
    check(
        Both(policy, t, z("2026-11-02T18:00"))["response"],
        "running",
        z("2026-11-02T23:00"),
        3 * H,
        5 * H,
        "s3",
    )
    # A minute later (10:01 CST) the s1 target had passed: the breach stays, against s1.
    t = ticket("s1", "2026-11-02T15:00", ("severity_changed", "2026-11-02T16:01", "s3"))
    check(
        Both(policy, t, z("2026-11-02T18:00"))["response"],
        "breached",
        z("2026-11-02T16:00"),
        3 * H,
        -2 * H,
        "s1",
    )


def test_answers_on_the_due_time_are_on_time(policy):
    # s1, opened Mon 2026-11-02 09:00 CST (15:00Z). Responded at 10:00 CST (16:00Z), the
    # response's due time: met, 1h counted, nothing left. The response also opens the next
    # update cycle (the first, due 11:00, is on time): due 12:00 CST (18:00Z); an update at
    # exactly 12:00 is on time and starts a cycle due 14:00 CST (20:00Z). At 13:00 CST
    # (19:00Z): 1h of 2h (0.5) -> running.
    t = ticket(
        "s1", "2026-11-02T15:00", ("responded", "2026-11-02T16:00"), ("updated", "2026-11-02T18:00")
    )
    ev = Both(policy, t, z("2026-11-02T19:00"))
    check(ev["response"], "met", z("2026-11-02T16:00"), 1 * H, 0 * H)
    check(ev["update"], "running", z("2026-11-02T20:00"), 1 * H, 1 * H)
    # The update a minute late (12:01 CST) is missed for good; the next cycle then runs from
    # 12:01 to 14:01 CST (20:01Z), 59m counted by 13:00.
    t = ticket(
        "s1", "2026-11-02T15:00", ("responded", "2026-11-02T16:00"), ("updated", "2026-11-02T18:01")
    )
    check(
        Both(policy, t, z("2026-11-02T19:00"))["update"],
        "missed",
        z("2026-11-02T20:01"),
        59 * M,
        61 * M,
    )
