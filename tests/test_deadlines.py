"""Deadlines ahead: ``upcoming`` (order, window, exactness), the iCalendar feed read back
with ``icalendar``, and ``slacalc deadlines`` end to end on examples/tickets.csv."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

import slacalc
from slacalc import Deadline, DurationError, State, Ticket, evaluate, load_policy, upcoming
from slacalc.cli import main
from slacalc.deadlines import to_ics
from slacalc.readers import read_tickets, tickets_of

ROOT = Path(__file__).resolve().parents[1]
TICKETS = ROOT / "examples" / "tickets.csv"
US = timedelta(microseconds=1)
PASSKIT = load_policy("passkit")


def z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# PassKit gold sev1 responds within 1h on the 24/7 clock; at_risk from 75% of it.
A = Ticket(id="A", plan="gold", severity="sev1", opened_at=z("2026-11-20T10:00:00Z"))
B = Ticket(id="B", plan="gold", severity="sev1", opened_at=z("2026-11-20T10:30:00Z"))
LATE = Ticket(id="C", plan="gold", severity="sev1", opened_at=z("2026-11-20T11:00:00Z"))
AT = z("2026-11-20T10:40:00Z")


def test_changes_come_in_time_order_within_the_window_hand_worked():
    got = upcoming(PASSKIT, [B, LATE, A], at=AT, within="1h")
    # A: at_risk 10:45, breached just after 11:00; B: at_risk 11:15, breached after 11:30.
    # C opens after ``at``: not yet there.
    assert [(d.ticket_id, d.metric, d.state, d.next_state, d.at) for d in got] == [
        ("A", "response", State.RUNNING, State.AT_RISK, z("2026-11-20T10:45:00Z")),
        ("A", "response", State.AT_RISK, State.BREACHED, z("2026-11-20T11:00:00Z") + US),
        ("B", "response", State.RUNNING, State.AT_RISK, z("2026-11-20T11:15:00Z")),
        ("B", "response", State.AT_RISK, State.BREACHED, z("2026-11-20T11:30:00Z") + US),
    ]
    # The window is [at, at + within): a change exactly at its end is left out.
    short = upcoming(PASSKIT, [A, B], at=AT, within=timedelta(minutes=35))
    assert [d.at for d in short] == [z("2026-11-20T10:45:00Z"), z("2026-11-20T11:00:00Z") + US]
    edge = upcoming(PASSKIT, [A], at=AT, within="5m")
    assert edge == []
    # Without a window: each metric's next change only.
    assert [(d.ticket_id, d.next_state) for d in upcoming(PASSKIT, [A, B], at=AT)] == [
        ("A", State.AT_RISK),
        ("B", State.AT_RISK),
    ]
    assert PASSKIT.upcoming([A, B], at=AT, within="1h") == upcoming(
        PASSKIT, [A, B], at=AT, within="1h"
    )


def test_each_change_is_exact_and_ignores_events_after_at():
    responded = Ticket(
        id="R",
        plan="gold",
        severity="sev1",
        opened_at=z("2026-11-20T10:00:00Z"),
        events=[{"type": "responded", "at": "2026-11-20T10:50:00Z"}],
    )
    got = upcoming(PASSKIT, [responded], at=AT, within="1h")
    # At 10:40 the response is not known: "if nothing else happens" it breaches.
    assert [d.next_state for d in got] == [State.AT_RISK, State.BREACHED]
    known = responded.model_copy(update={"events": ()})
    for d in got:
        before = evaluate(PASSKIT, known, d.at - US)[d.metric].state
        after = evaluate(PASSKIT, known, d.at)[d.metric].state
        assert (before, after) == (d.state, d.next_state)


def test_business_windows_and_bad_windows_are_refused():
    with pytest.raises(DurationError, match="real time"):
        upcoming(PASSKIT, [A], at=AT, within="2 business days")
    with pytest.raises(DurationError):
        upcoming(PASSKIT, [A], at=AT, within="-1h")


def test_the_ics_feed_reads_back_with_the_right_instants():
    found = upcoming(PASSKIT, [A, B], at=AT, within="1h")
    data = to_ics(found, stamp=AT)
    cal = icalendar.Calendar.from_ical(data)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == 4
    for event, d in zip(events, found, strict=True):
        start = event.decoded("dtstart")
        # iCalendar holds whole seconds: the breach one microsecond after 11:00 shows at 11:00
        assert start == d.at.replace(microsecond=0)
        assert start.utcoffset() == timedelta(0)
        assert str(event["uid"]) == f"passkit/{d.ticket_id}/response/{d.next_state.value}@slacalc"
        summary = str(event["summary"])
        assert d.ticket_id in summary and "response" in summary
        assert d.next_state.value in summary
    assert events[1].decoded("dtstart") == datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
    # Stable: the same deadlines give the same feed.
    assert to_ics(upcoming(PASSKIT, [B, A], at=AT, within="1h"), stamp=AT) == data


def test_rows_become_tickets_with_their_wide_events():
    tables = read_tickets(TICKETS)
    tickets = tickets_of(tables, PASSKIT, TICKETS)
    assert len(tickets) == len(tables.tickets)
    first = tickets[0]
    assert first.id == "PK-10128"
    assert [(str(e.type), e.at) for e in first.events] == [
        ("responded", z("2026-05-02T12:23:54Z")),
        ("resolved", z("2026-05-03T10:56:38Z")),
    ]


def _waiting(at: datetime) -> set[str]:
    """Tickets of the example file, read with csv alone, that wait for a response at ``at``
    on a plan with a response target (bronze has none)."""
    with TICKETS.open(newline="") as f:
        return {
            row["ticket_id"]
            for row in csv.DictReader(f)
            if z(row["opened_at"]) <= at
            and (not row["responded_at"] or z(row["responded_at"]) > at)
            and row["plan"].lower() != "bronze"
        }


def test_the_command_line_lists_deadlines_and_writes_the_feed(tmp_path, capsys):
    out = tmp_path / "out.ics"
    at = "2026-05-05T12:00:00Z"  # a Tuesday; Monday 4 May is a bank holiday in England
    code = main(
        ["deadlines", "passkit", str(TICKETS), "--at", at, "--within", "24h",
         "--ics", str(out), "--format", "json"]
    )  # fmt: skip
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    # PK-10236 silver sev4 (18h) also waits, but turns at_risk only on Wednesday 13:30
    # (13h30 counted from Tuesday 09:00), after the 24 hours.
    assert {r["ticket_id"] for r in rows} == _waiting(z(at)) - {"PK-10236"}
    # Hand-worked on PassKit's business hours (09:00-18:00 GMT, mon-fri):
    # PK-10387 gold sev2 (4 business hours) opened Tue 09:27: at_risk 12:27 (3h), due 13:27;
    # PK-10138 gold sev3 and PK-10313 silver sev2 (9h) opened over the weekend: the clock
    # starts Tue 09:00, at_risk 15:45 (6h45), due 18:00.
    assert [(r["ticket_id"], r["next_state"], r["next_change_at"]) for r in rows] == [
        ("PK-10387", "at_risk", "2026-05-05T12:27:00Z"),
        ("PK-10387", "breached", "2026-05-05T13:27:00.000001Z"),
        ("PK-10138", "at_risk", "2026-05-05T15:45:00Z"),
        ("PK-10313", "at_risk", "2026-05-05T15:45:00Z"),
        ("PK-10138", "breached", "2026-05-05T18:00:00.000001Z"),
        ("PK-10313", "breached", "2026-05-05T18:00:00.000001Z"),
    ]
    events = [c for c in icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")]
    assert [e.decoded("dtstart") for e in events] == [
        z(r["next_change_at"]).replace(microsecond=0) for r in rows
    ]

    assert main(["deadlines", "passkit", str(TICKETS), "--at", at, "--within", "1h",
                 "--format", "csv"]) == 0  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "next_change_at,ticket_id,metric,state,next_state,policy",
        "2026-05-05T12:27:00Z,PK-10387,response,running,at_risk,passkit",
    ]
    assert main(["deadlines", "passkit", str(TICKETS), "--at", at, "--within", "26h",
                 "--format", "json"]) == 0  # fmt: skip
    later = json.loads(capsys.readouterr().out)
    assert {r["ticket_id"] for r in later} == _waiting(z(at))
    assert ("PK-10236", "at_risk", "2026-05-06T13:30:00Z") in [
        (r["ticket_id"], r["next_state"], r["next_change_at"]) for r in later
    ]
    assert main(["deadlines", "passkit", str(TICKETS), "--at", at, "--within", "1m"]) == 0
    assert capsys.readouterr().out.strip() == "no deadlines ahead"


def test_deadline_is_exported_and_serialises_plainly():
    d = upcoming(PASSKIT, [A], at=AT, within="1h")[0]
    assert isinstance(d, slacalc.Deadline) and isinstance(d, Deadline)
    assert d.to_dict() == {
        "ticket_id": "A",
        "metric": "response",
        "state": "running",
        "next_state": "at_risk",
        "next_change_at": "2026-11-20T10:45:00Z",
        "policy": "passkit",
    }
