"""The events table: every row of evaluate_frame equals policy.evaluate of the same ticket.

Random full histories (pauses, severity changes, resolve/reopen, updates, responses, ties)
in four zones, on the synthetic policy (with and without its own pause windows) and on the
bundled policies; plus hand-worked cases and the bad rows of an events table.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

pytest.importorskip("pandas")
from frame_support import synthetic_policy, synthetic_policy_with_pauses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacalc import Event, Policy, SlacalcError, Ticket, UnknownNameError, load_policy
from slacalc.frame import FrameError

BASE = datetime(2026, 10, 20, tzinfo=UTC)  # spans US and UK DST end, Thanksgiving
ZONES = [UTC, ZoneInfo("America/Chicago"), ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata")]
STEPS = [0, 0, 1, 30, 59, 60, 119, 240, 481, 540, 1440, 2880, 5000]
SYN = synthetic_policy()
SYN_PAUSED = synthetic_policy_with_pauses()
PASSKIT = load_policy("passkit")
INTEGRATO = load_policy("integrato")


@st.composite
def history(draw, policy: Policy, zone):
    sevs = list(policy.severities)
    opened = BASE + timedelta(minutes=draw(st.integers(0, 40 * 24 * 60)))
    opened = opened.astimezone(zone)
    t = opened
    paused = resolved = False
    events = []
    for _ in range(draw(st.integers(0, 9))):
        t = t + timedelta(minutes=draw(st.sampled_from(STEPS)))
        choices = ["responded", "updated", "severity_changed"]
        choices.append("resumed" if paused else "paused")
        choices.append("reopened" if resolved else "resolved")
        kind = draw(st.sampled_from(choices))
        if kind == "severity_changed":
            events.append(Event(type=kind, at=t, severity=draw(st.sampled_from(sevs))))
            continue
        paused = (not paused) if kind in ("paused", "resumed") else paused
        resolved = (not resolved) if kind in ("resolved", "reopened") else resolved
        events.append(Event(type=kind, at=t))
    plan = draw(st.sampled_from(list(policy.plans)))
    return Ticket(plan=plan, severity=draw(st.sampled_from(sevs)), opened_at=opened, events=events)


@st.composite
def tables(draw, policy: Policy):
    zone = draw(st.sampled_from(ZONES))
    tickets = draw(st.lists(history(policy, zone), min_size=1, max_size=12))
    latest = max([t.opened_at for t in tickets] + [e.at for t in tickets for e in t.events])
    earliest = max(t.opened_at for t in tickets)
    span = int((latest - earliest).total_seconds() // 60) + 3000
    at = earliest + timedelta(minutes=draw(st.integers(0, span)))
    shuffle = draw(st.randoms(use_true_random=False))
    return tickets, at, shuffle


def as_tables(tickets: list[Ticket], shuffle=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [
        {"ticket_id": f"T{i}", "plan": t.plan, "severity": t.severity, "opened_at": t.opened_at}
        for i, t in enumerate(tickets)
    ]
    events = [
        {"ticket_id": f"T{i}", "type": str(e.type), "at": e.at, "severity": e.severity}
        for i, t in enumerate(tickets)
        for e in t.events
    ]
    if shuffle is not None:  # any listing order; events at one instant keep theirs
        order = list(range(len(events)))
        shuffle.shuffle(order)
        groups: dict[tuple[str, datetime], list[int]] = {}
        for pos, k in enumerate(order):
            groups.setdefault((events[k]["ticket_id"], events[k]["at"]), []).append(pos)
        for positions in groups.values():
            for pos, k in zip(positions, sorted(order[p] for p in positions), strict=True):
                order[pos] = k
        events = [events[k] for k in order]
    tdf = pd.DataFrame(rows)
    tdf["opened_at"] = pd.to_datetime(tdf["opened_at"], utc=True)
    edf = pd.DataFrame(events, columns=["ticket_id", "type", "at", "severity"])
    edf["at"] = pd.to_datetime(edf["at"], utc=True)
    return tdf, edf


def differences(
    policy: Policy, tickets: list[Ticket], at: datetime, out: pd.DataFrame
) -> list[str]:
    bad = []
    for i, ticket in enumerate(tickets):
        row = out.iloc[i]
        try:
            ev = policy.evaluate(ticket, at=at)
        except SlacalcError as e:
            if row.get("problem") is None or pd.isna(row.get("problem")):
                bad.append(f"ticket {i}: scalar refuses ({e}) but the table evaluates it")
            continue
        for m, r in ev.items():
            got = {
                "state": row[f"{m}_state"],
                "due_at": None if pd.isna(row[f"{m}_due_at"]) else row[f"{m}_due_at"],
                "elapsed": None if pd.isna(row[f"{m}_elapsed"]) else row[f"{m}_elapsed"],
                "breached": bool(row[f"{m}_breached"]),
                "escalate": bool(row[f"{m}_escalate"]),
            }
            want = {
                "state": r.state.value,
                "due_at": None if r.due_at is None else pd.Timestamp(r.due_at),
                "elapsed": None if r.elapsed is None else pd.Timedelta(r.elapsed),
                "breached": r.breached,
                "escalate": r.escalate,
            }
            for k in got:
                if got[k] != want[k]:
                    bad.append(f"ticket {i} {m}.{k}: table {got[k]!r} != scalar {want[k]!r}")
    return bad


def check(policy: Policy, data) -> None:
    tickets, at, shuffle = data
    tdf, edf = as_tables(tickets, shuffle)
    out = policy.evaluate_frame(tdf, events=edf, at=at, errors="mark")
    assert differences(policy, tickets, at, out) == []


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=tables(SYN))
def test_synthetic_histories_match_scalar(data):
    check(SYN, data)


@SETTINGS
@given(data=tables(SYN_PAUSED))
def test_histories_with_policy_pause_windows_match_scalar(data):
    check(SYN_PAUSED, data)


@pytest.mark.parametrize("policy", [PASSKIT, INTEGRATO], ids=["passkit", "integrato"])
def test_bundled_histories_match_scalar(policy):
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=tables(policy))
    def run(data):
        check(policy, data)

    run()


# ---- hand-worked ---------------------------------------------------------------------------


def z(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def one(events, **ticket):
    base = {
        "ticket_id": [1],
        "plan": ["gold"],
        "severity": ["sev2"],
        "opened_at": ["2026-11-20T16:30Z"],
    }
    base.update({k: [v] for k, v in ticket.items()})
    return pd.DataFrame(base), pd.DataFrame(events, columns=["ticket_id", "type", "at", "severity"])


def test_pause_moves_the_resolution_due_time():
    # Integrato standard p2: 5 business days (Mon-Fri 09:00-18:00 UTC) from Mon 09:00;
    # paused Tue 10:00 -> Wed 12:00 holds 11 business hours: due Tue 2026-12-01 11:00.
    t, e = one(
        [
            (1, "responded", "2026-11-23T10:00Z", None),
            (1, "paused", "2026-11-24T10:00Z", None),
            (1, "resumed", "2026-11-25T12:00Z", None),
        ],
        plan="standard",
        severity="p2",
        opened_at="2026-11-23T09:00Z",
    )
    row = INTEGRATO.evaluate_frame(t, events=e, at="2026-11-26T12:00Z").iloc[0]
    assert row["resolution_due_at"] == pd.Timestamp("2026-12-01T11:00Z")
    assert row["resolution_state"] == "running"
    assert row["resolution_elapsed"] == pd.Timedelta(hours=19)


def test_still_paused_at_at_is_paused():
    t, e = one(
        [(1, "paused", "2026-11-23T10:00Z", None)],
        plan="standard",
        severity="p2",
        opened_at="2026-11-23T09:00Z",
    )
    row = INTEGRATO.evaluate_frame(t, events=e, at="2026-11-24T12:00Z").iloc[0]
    assert row["resolution_state"] == "paused"
    assert row["resolution_elapsed"] == pd.Timedelta(hours=1)


def test_severity_change_retargets_from_opening():
    # PassKit gold: sev3 then sev2 (4 business hours from Friday 16:30 GMT): Monday 11:30.
    t, e = one([(1, "severity_changed", "2026-11-23T09:10Z", "sev2")], severity="sev3")
    row = PASSKIT.evaluate_frame(t, events=e, at="2026-11-23T10:00Z").iloc[0]
    assert row["response_due_at"] == pd.Timestamp("2026-11-23T11:30Z")


def test_resolution_answers_the_response():
    # resolved with no response: the response clock stops at the resolution
    t, e = one([(1, "resolved", "2026-11-23T11:00Z", None)])
    row = PASSKIT.evaluate_frame(t, events=e, at="2027-05-01T00:00Z").iloc[0]
    assert row["response_state"] == "met"
    assert row["response_elapsed"] == pd.Timedelta(hours=3, minutes=30)
    t, e = one([(1, "resolved", "2026-11-23T12:00Z", None)])
    assert (
        PASSKIT.evaluate_frame(t, events=e, at="2027-05-01T00:00Z").iloc[0]["response_state"]
        == "missed"
    )


def test_earliest_response_counts_whatever_the_listing_order():
    t, e = one(
        [(1, "responded", "2026-11-23T12:00Z", None), (1, "responded", "2026-11-23T11:00Z", None)]
    )
    assert (
        PASSKIT.evaluate_frame(t, events=e, at="2026-11-24T00:00Z").iloc[0]["response_state"]
        == "met"
    )


def test_wide_columns_and_events_table_together():
    t, e = one([(1, "paused", "2026-11-23T10:00Z", None)], responded_at="2026-11-23T11:00Z")
    row = PASSKIT.evaluate_frame(t, events=e, at="2026-11-24T00:00Z").iloc[0]
    assert row["response_state"] == "met"


def test_bad_event_rows_are_named_by_their_row():
    tickets = pd.DataFrame(
        {
            "ticket_id": [1, 2, 3, 4],
            "plan": ["gold"] * 4,
            "severity": ["sev2"] * 4,
            "opened_at": ["2026-11-20T16:30Z"] * 4,
        }
    )
    events = pd.DataFrame(
        {
            "ticket_id": [1, 2, 9, 3, 4, 4],
            "type": [
                "resumed",
                "escalated",
                "responded",
                "responded",
                "severity_changed",
                "paused",
            ],
            "at": [
                "2026-11-21T00:00Z",
                "2026-11-21T00:00Z",
                "2026-11-21T00:00Z",
                "2026-11-21T00:00",
                "2026-11-21T00:00Z",
                "2026-11-19T00:00Z",
            ],
            "severity": [None, None, None, None, "sev7", None],
        }
    )
    with pytest.raises(FrameError) as info:
        PASSKIT.evaluate_frame(tickets, events=events, at="2026-11-25T00:00Z")
    found = dict(info.value.event_problems)
    assert "resumed without a paused event" in found[0]
    assert "unknown event type 'escalated'" in found[1] and "'reopened'" in found[1]
    assert "ticket_id 9 is not in the tickets table" in found[2]
    assert "has no time zone" in found[3]
    assert "unknown severity 'sev7'" in found[4]
    assert "paused is before opened_at" in found[5]
    out = PASSKIT.evaluate_frame(tickets, events=events, at="2026-11-25T00:00Z", errors="mark")
    assert list(out["response_state"]) == ["invalid"] * 4
    assert out["problem"].iloc[0].startswith("events row 0: resumed")
    assert [p for p, _ in out.attrs["event_problems"]] == [0, 1, 2, 3, 4, 5]


def test_events_table_needs_ticket_ids():
    t, e = one([(1, "responded", "2026-11-23T11:00Z", None)])
    with pytest.raises(SlacalcError, match="ticket_id"):
        PASSKIT.evaluate_frame(t.drop(columns="ticket_id"), events=e, at="2026-11-24T00:00Z")
    with pytest.raises(SlacalcError, match="'type'"):
        PASSKIT.evaluate_frame(t, events=e.drop(columns="type"), at="2026-11-24T00:00Z")


def test_repeated_ticket_ids_are_bad_rows():
    t = pd.DataFrame(
        {
            "ticket_id": [1, 1],
            "plan": ["gold"] * 2,
            "severity": ["sev2"] * 2,
            "opened_at": ["2026-11-20T16:30Z"] * 2,
        }
    )
    e = pd.DataFrame({"ticket_id": [1], "type": ["responded"], "at": ["2026-11-23T11:00Z"]})
    out = PASSKIT.evaluate_frame(t, events=e, at="2026-11-24T00:00Z", errors="mark")
    assert "more than one row" in out["problem"].iloc[0]


def test_declared_event_types_work_as_events_and_columns():
    import yaml
    from frame_support import SYNTHETIC

    data = yaml.safe_load(SYNTHETIC)
    data["events"] = ["workaround_provided"]
    data["metrics"]["workaround"] = {
        "stop_event": "workaround_provided",
        "clock": "always",
        "targets": {"high": "4h", "low": "8h"},
    }
    policy = Policy.model_validate(data)
    t = pd.DataFrame(
        {
            "ticket_id": [1, 2],
            "plan": ["pro"] * 2,
            "severity": ["high"] * 2,
            "opened_at": ["2026-11-02T15:00Z"] * 2,
            "workaround_provided_at": [None, "2026-11-02T20:00Z"],
        }
    )
    e = pd.DataFrame(
        {"ticket_id": [1], "type": ["workaround_provided"], "at": ["2026-11-02T16:00Z"]}
    )
    out = policy.evaluate_frame(t, events=e, at="2026-11-03T00:00Z")
    assert list(out["workaround_state"]) == ["met", "missed"]
    ticket = Ticket(
        plan="pro",
        severity="high",
        opened_at=z("2026-11-02T15:00"),
        events=[Event(type="workaround_provided", at=z("2026-11-02T16:00"))],
    )
    assert policy.evaluate(ticket, at=z("2026-11-03T00:00"))["workaround"].state == "met"
    with pytest.raises(UnknownNameError, match="workaround_provided"):
        SYN.evaluate(ticket, at=z("2026-11-03T00:00"))


def test_one_row_out_of_range_marks_that_row_only():
    t = pd.DataFrame(
        {
            "plan": ["gold", "gold"],
            "severity": ["sev2"] * 2,
            "opened_at": ["1820-01-03T00:00Z", "2026-11-20T16:30Z"],
        }
    )
    out = PASSKIT.evaluate_frame(t, at="2026-12-04T00:00Z", errors="mark")
    assert list(out["response_state"]) == ["invalid", "breached"]
    assert "200 years" in out["problem"].iloc[0]
    with pytest.raises(FrameError, match="row 0"):
        PASSKIT.evaluate_frame(t, at="2026-12-04T00:00Z")


def test_naive_at_in_a_fold_takes_the_first_occurrence():
    t = pd.DataFrame({"plan": ["gold"], "severity": ["sev2"], "opened_at": ["2026-11-01T06:00Z"]})
    out = PASSKIT.evaluate_frame(t, at="2026-11-01T01:30", tz="America/Chicago")
    assert out.iloc[0]["response_state"] in {"running", "at_risk", "breached"}
    # 01:30 CDT (the first occurrence) is 06:30Z: 30 minutes after opening, nothing counted
    # on a Sunday, so the clock is running
    assert out.iloc[0]["response_elapsed"] == pd.Timedelta(0)


def test_empty_tables():
    t, e = one([(1, "responded", "2026-11-23T11:00Z", None)])
    out = PASSKIT.evaluate_frame(t.iloc[:0], events=e, at="2026-11-24T00:00Z", errors="mark")
    assert len(out) == 0 and [p for p, _ in out.attrs["event_problems"]] == [0]
    out = PASSKIT.evaluate_frame(t, events=e.iloc[:0], at="2026-11-24T00:00Z")
    assert list(out["response_state"]) == ["breached"]
