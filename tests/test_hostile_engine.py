"""Hostile ticket histories and pause rules: bounded work, the same answers.

Each long-history case of issue 13 runs under a limit of work (a count of clock
questions) or of memory (``tracemalloc``), never a wall-clock assertion: the counts grow
linearly with the history, so a quadratic walk fails them. Recurring pause windows walked
from a period near the ticket are compared with the same rule walked naively from
``dtstart`` by dateutil itself.
"""

from __future__ import annotations

import itertools
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from dateutil.rrule import rrulestr
from evaluation_helpers import HERE, make_policy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from slacalc import Event, Policy, evaluate
from slacalc.pausing import expand
from slacalc.terms import PauseWindowSpec
from slacalc.tickets import Ticket
from slacalc.timeline import HORIZON_US, Timeline

HELPDESK = make_policy("helpdesk")
OPENED = datetime(2026, 1, 5, 9, tzinfo=UTC)
US = timedelta(microseconds=1)


def ticket(evs: list[Event], severity: str = "sev2", **extra: Any) -> Ticket:
    return Ticket(id="t", plan="standard", severity=severity, opened_at=OPENED, events=evs, **extra)


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """A counter of the clock questions (``elapsed`` and ``add``) evaluation asks."""
    count = [0]
    for name in ("elapsed", "add"):
        real = getattr(Timeline, name)

        def counted(self: Timeline, *a: Any, _real: Any = real, **k: Any) -> Any:
            count[0] += 1
            return _real(self, *a, **k)

        monkeypatch.setattr(Timeline, name, counted)
    yield count


# ---- recurring windows near the ticket equal the rule walked from dtstart ----------------------
def naive(spec: PauseWindowSpec, lo: int, limit: int) -> list[tuple[int, int]]:
    """The windows of ``spec`` ending after ``lo`` and starting within the horizon after it:
    dateutil walks the rule from dtstart."""
    assert spec.rrule is not None and spec.dtstart is not None and spec.duration is not None
    rule = rrulestr(spec.rrule, dtstart=spec.dtstart)
    length = spec.duration.to_timedelta() // US
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    out = []
    for occ in rule:
        s = (occ - epoch) // US
        if s > lo + HORIZON_US:
            break
        if s + length > lo:
            out.append((s, s + length))
            if len(out) == limit:
                break
    return out


FREQS = {
    "YEARLY": 366,
    "MONTHLY": 31,
    "WEEKLY": 7,
    "DAILY": 1,
    "HOURLY": 1 / 24,
    "MINUTELY": 1 / 1440,
    "SECONDLY": 1 / 86400,
}
ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia"]


@st.composite
def rules(draw: st.DrawFn) -> tuple[PauseWindowSpec, int]:
    freq = draw(st.sampled_from(list(FREQS)))
    interval = draw(st.integers(1, 5)) if freq != "SECONDLY" else draw(st.integers(1, 90))
    parts = [f"FREQ={freq}", f"INTERVAL={interval}"]
    optional = {
        "BYMONTH": st.lists(st.integers(1, 12), min_size=1, max_size=4, unique=True),
        "BYMONTHDAY": st.lists(
            st.integers(1, 28) | st.integers(-31, -1), min_size=1, max_size=3, unique=True
        ),
        "BYHOUR": st.lists(st.integers(0, 23), min_size=1, max_size=4, unique=True),
        "BYMINUTE": st.lists(st.integers(0, 59), min_size=1, max_size=3, unique=True),
        "BYSECOND": st.lists(st.integers(0, 59), min_size=1, max_size=3, unique=True),
        "BYSETPOS": st.lists(st.integers(1, 3) | st.integers(-3, -1), min_size=1, max_size=2),
    }
    if freq == "SECONDLY":  # dateutil steps second by second through an hour it filters out
        del optional["BYHOUR"], optional["BYMINUTE"], optional["BYMONTH"]
    for key, values in optional.items():
        if draw(st.booleans()) and draw(st.booleans()):
            parts.append(f"{key}={','.join(map(str, draw(values)))}")
    if freq != "SECONDLY" and draw(st.booleans()):
        days = draw(
            st.lists(
                st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        nth = freq in ("MONTHLY", "YEARLY") and draw(st.booleans())
        parts.append(
            "BYDAY="
            + ",".join((f"{draw(st.sampled_from([1, 2, -1]))}" if nth else "") + d for d in days)
        )
    if draw(st.booleans()):
        parts.append("WKST=" + draw(st.sampled_from(["MO", "SU", "WE"])))
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    dtstart = datetime(2019, 1, 1, tzinfo=zone) + timedelta(
        seconds=draw(st.integers(0, 3 * 365 * 86400))
    )
    length = draw(st.sampled_from(["1s", "30s", "5m", "2h"]))
    try:
        spec = PauseWindowSpec.model_validate(
            {"rrule": ";".join(parts), "dtstart": dtstart, "duration": length}
        )
    except ValueError:
        assume(False)
        raise
    # a span a naive walk from dtstart still covers in a test: a few hundred periods on
    periods = draw(st.integers(0, 400)) * interval
    span = timedelta(days=FREQS[freq] * periods) + timedelta(seconds=draw(st.integers(0, 86400)))
    lo = (dtstart + span - datetime(1970, 1, 1, tzinfo=UTC)) // US
    return spec, lo


@pytest.mark.slow  # dateutil's own walk from dtstart, the reference, takes about a second each
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(rules())
def test_windows_near_the_ticket_are_the_rule_walked_from_dtstart(case: tuple[Any, int]) -> None:
    spec, lo = case
    want = naive(spec, lo, 40)
    got = list(itertools.islice(expand(spec, lo), 40))
    assert got == want


def test_high_frequency_rule_from_long_ago_costs_the_ticket_span_only(work: list[int]) -> None:
    pw = {
        "rrule": "FREQ=SECONDLY;INTERVAL=30",
        "dtstart": "2020-01-01T00:00:00Z",
        "duration": "10s",
    }
    spec = PauseWindowSpec.model_validate(pw)
    lo = (OPENED - datetime(1970, 1, 1, tzinfo=UTC)) // US
    it = expand(spec, lo)
    # walked from 2020 this takes millions of occurrences; from near lo, a few thousand
    first = next(it)
    assert first == (lo, lo + 10 * 10**6)
    # the whole evaluation: the due time moves past the windows of some days, no more
    r = evaluate(HELPDESK, ticket([], pause_windows=[pw]), OPENED + timedelta(hours=2))
    assert r["resolution"].due_at is not None


# ---- long histories: work grows with the events, not with their square --------------------
def alternating(n: int, kinds: tuple[str, ...], severity: tuple[str, ...] = ()) -> list[Event]:
    """``n`` rounds of ``kinds`` a minute apart (severity_changed alternates ``severity``)."""
    out, t = [], OPENED
    for i in range(n):
        for kind in kinds:
            t += timedelta(minutes=1)
            sev = severity[i % len(severity)] if kind == "severity_changed" else None
            out.append(Event(type=kind, at=t, severity=sev))
    return out


def pausable_cadence() -> Policy:
    data = yaml.safe_load((HERE / "policies" / "helpdesk.yaml").read_text())
    data["metrics"]["update"]["pausable"] = True
    return Policy.model_validate(data)


@pytest.mark.parametrize(
    ("policy", "kinds", "severity", "n", "per_event"),
    [
        pytest.param(HELPDESK, ("resolved", "reopened"), "sev2", 20_000, 12, id="reopened"),
        pytest.param(
            HELPDESK,
            ("paused", "resumed", "severity_changed"),
            "sev2",
            3_000,
            12,
            id="severity+pauses",
        ),
        pytest.param(
            pausable_cadence(),
            ("paused", "resumed", "updated"),
            "sev1",
            3_000,
            12,
            id="cadence+pauses",
        ),
    ],
)
def test_long_history_work_is_linear(
    work: list[int],
    policy: Policy,
    kinds: tuple[str, ...],
    severity: str,
    n: int,
    per_event: int,
) -> None:
    evs = alternating(n, kinds, ("sev1", "sev2"))
    tk = ticket(evs, severity=severity)
    at = evs[-1].at + timedelta(minutes=1)
    r = evaluate(policy, tk, at)
    assert all(m.state for m in r.results.values())
    assert work[0] <= per_event * len(evs), work[0]
    # the explanation summarises the runs: a screenful, not one line per event
    assert sum(len(str(m.explain())) for m in r.results.values()) < 40_000


@pytest.mark.slow  # building 200,000 validated events takes a few seconds
def test_a_hundred_thousand_reopens_cost_linear_work_and_memory(work: list[int]) -> None:
    evs = alternating(100_000, ("resolved", "reopened"))  # the size issue 13 names
    tk = ticket(evs)
    tracemalloc.start()
    try:
        r = evaluate(HELPDESK, tk, evs[-1].at + timedelta(minutes=1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r["resolution"].state == "breached"
    # one clock question a resolved -> reopened gap, the history held as flat lists:
    # about 0.55 questions an event and 25 MB measured
    assert work[0] <= len(evs), work[0]
    assert peak < 40 * 10**6, peak


def test_many_responses_bounded_memory_and_explanation() -> None:
    n = 100_000  # issue 13 used 10**6; the same linear path, a tenth of the size
    evs = [Event(type="responded", at=OPENED + timedelta(seconds=i + 1)) for i in range(n)]
    tk = ticket(evs)
    tracemalloc.start()
    try:
        r = evaluate(HELPDESK, tk, OPENED + timedelta(days=30))
        text = "\n".join(str(m.explain()) for m in r.results.values())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(text) < 40_000
    assert peak < 150 * 10**6, peak


def test_table_cadence_with_pauses_holds_each_window_once() -> None:
    """``evaluate_frame`` walks every cycle of a ticket at once; each cycle reads the
    ticket's windows where they are, from the first that can still matter, never a copy of
    all of them per cycle (3,000 cycles x 3,000 pauses once took 9 million copies)."""
    import pandas as pd

    from slacalc.facade import Policy as Facade

    data = yaml.safe_load((HERE / "policies" / "helpdesk.yaml").read_text())
    data["metrics"]["update"]["pausable"] = True
    policy = Facade.model_validate(data)
    evs = alternating(3_000, ("paused", "resumed", "updated"))
    events = pd.DataFrame(
        {"ticket_id": "t", "type": [str(e.type) for e in evs], "at": [e.at for e in evs]}
    )
    tickets = pd.DataFrame(
        [{"ticket_id": "t", "plan": "standard", "severity": "sev1", "opened_at": OPENED}]
    )
    at = evs[-1].at + timedelta(minutes=1)
    tracemalloc.start()
    try:
        row = policy.evaluate_frame(tickets, events=events, at=at).iloc[0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    one = policy.evaluate(ticket(evs, severity="sev1"), at)["update"]
    assert (row["update_state"], row["update_due_at"]) == (one.state.value, one.due_at)
    assert peak < 40 * 10**6, peak
