"""next_change_at / next_state: the state holds until next_change_at and changes there."""

from __future__ import annotations

from datetime import timedelta

from evaluation_helpers import events, make_policy, z
from frame_support import synthetic_policy_with_pauses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacalc import Event, Ticket, load_policy

US = timedelta(microseconds=1)
POLICIES = [make_policy("helpdesk"), synthetic_policy_with_pauses(), load_policy("passkit")]
BASE = z("2026-10-26T00:00")


def test_running_turns_at_risk_then_breached():
    passkit = load_policy("passkit")
    t = Ticket(plan="gold", severity="sev2", opened_at=z("2026-11-20T16:30"))
    r = passkit.evaluate(t, at=z("2026-11-23T09:00"))["response"]
    # 4 business hours from Friday 16:30 (Mon-Fri 09:00-18:00): 75% is 3h, reached Monday 10:30
    assert (r.state, r.next_change_at, r.next_state) == (
        "running",
        z("2026-11-23T10:30"),
        "at_risk",
    )
    r = passkit.evaluate(t, at=z("2026-11-23T10:30"))["response"]
    assert (r.state, r.next_change_at, r.next_state) == (
        "at_risk",
        z("2026-11-23T11:30") + US,
        "breached",
    )
    r = passkit.evaluate(t, at=z("2026-11-24T00:00"))["response"]
    assert r.state == "breached" and r.next_change_at is None and r.next_state is None


def test_an_open_pause_holds_until_an_event():
    helpdesk = make_policy("helpdesk")
    t = Ticket(
        plan="standard",
        severity="sev2",
        opened_at=z("2026-11-23T09:00"),
        events=events(("paused", "2026-11-23T10:00")),
    )
    r = helpdesk.evaluate(t, at=z("2026-11-24T10:00"))["resolution"]
    assert r.state == "paused" and r.next_change_at is None


@st.composite
def cases(draw):
    policy = draw(st.sampled_from(POLICIES))
    opened = BASE + timedelta(minutes=draw(st.integers(0, 30 * 24 * 60)))
    evs = []
    if draw(st.booleans()):
        start = opened + timedelta(minutes=draw(st.integers(0, 3000)))
        evs.append(Event(type="paused", at=start))
        evs.append(Event(type="resumed", at=start + timedelta(minutes=draw(st.integers(1, 3000)))))
    ticket = Ticket(
        plan=draw(st.sampled_from(list(policy.plans))),
        severity=draw(st.sampled_from(list(policy.severities))),
        opened_at=opened,
        events=evs,
    )
    at = opened + timedelta(minutes=draw(st.integers(0, 6000)), seconds=draw(st.integers(0, 59)))
    return policy, ticket, at


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_state_holds_until_next_change_and_changes_there(case):
    policy, ticket, at = case
    cut = ticket.model_copy(update={"events": tuple(e for e in ticket.events if e.at <= at)})
    for m, r in policy.evaluate(ticket, at=at).items():
        if r.state in ("running", "at_risk"):  # the due time always comes
            assert r.next_change_at is not None, m
        if r.next_change_at is None:
            continue
        assert r.next_change_at > at
        before = policy.evaluate(cut, at=r.next_change_at - US)[m].state
        after = policy.evaluate(cut, at=r.next_change_at)[m].state
        assert (before, after) == (r.state, r.next_state), m


def test_long_runs_of_like_steps_are_summarised():
    from slacalc.results import RUN_KEPT

    helpdesk = make_policy("helpdesk")
    base = z("2026-11-23T09:00")
    evs = []
    for i in range(400):
        evs.append(Event(type="paused", at=base + timedelta(minutes=10 * i + 1)))
        evs.append(Event(type="resumed", at=base + timedelta(minutes=10 * i + 6)))
    t = Ticket(plan="standard", severity="sev2", opened_at=base, events=evs)
    r = helpdesk.evaluate(t, at=base + timedelta(days=3))["resolution"]
    recorded = r._steps.count("pause")  # before rendering
    assert recorded > 100
    pauses = [s for s in r.steps if s.kind == "pause"]
    assert len(pauses) == 2 * RUN_KEPT + 1
    assert "more pause steps like these" in pauses[RUN_KEPT].text
    left = int(pauses[RUN_KEPT].text.split()[1])
    assert left + 2 * RUN_KEPT == recorded  # every pause that moved the due time counted
