"""Evaluation rules beyond the vendor tables: input, bad input, pause windows, cadence, output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from evaluation_helpers import H, M, bundled, events, make_policy, z
from pydantic import ValidationError

from slacalc import (
    Event,
    NaiveDatetimeError,
    SlacalcError,
    State,
    TargetKind,
    Ticket,
    TicketError,
    UnknownNameError,
    evaluate,
)
from slacalc.states import state_for

HELPDESK = make_policy("helpdesk")


def ticket(plan="standard", severity="sev2", opened="2026-11-23T09:00", evs=(), **kw):
    return Ticket(plan=plan, severity=severity, opened_at=z(opened), events=list(evs), **kw)


# ---- input ---------------------------------------------------------------------------
def test_json_shaped_dict_with_iso_strings_and_carried_fields():
    data = {
        "id": "T-1",
        "subject": "Login fails",
        "customer": "ACME",
        "data": {"queue": "L2"},
        "plan": "gold",
        "severity": "Major",
        "opened_at": "2026-11-20T10:30-06:00",
        "events": [{"type": "responded", "at": "2026-11-23T11:00:00Z"}],
    }
    ev = bundled("passkit").evaluate(data, at=z("2026-11-23T12:00"))
    assert (
        ev.ticket.id == "T-1"
        and ev.ticket.customer == "ACME"
        and ev.ticket.subject == "Login fails"
    )
    assert ev.ticket.data == {"queue": "L2"}
    r = ev["response"]
    assert r.state == "met"
    # 16:30Z opened -> due Monday 11:30Z, expressed in the ticket's own zone
    assert r.due_at == z("2026-11-23T11:30") and r.due_at.utcoffset() == timedelta(hours=-6)
    assert ev.to_dict()["ticket_id"] == "T-1" and ev.to_dict() == ev.model_dump(mode="json")


def test_events_out_of_order_are_sorted_equal_times_keep_order():
    evs = events(("resumed", "2026-11-24T12:00"), ("paused", "2026-11-24T10:00"))
    a = evaluate(HELPDESK, ticket(evs=evs), z("2026-11-25T10:00"))["resolution"]
    b = evaluate(HELPDESK, ticket(evs=evs[::-1]), z("2026-11-25T10:00"))["resolution"]
    assert a == b and a.paused == 2 * H
    same = events(("paused", "2026-11-24T10:00"), ("resumed", "2026-11-24T10:00"))
    assert evaluate(HELPDESK, ticket(evs=same), z("2026-11-25T10:00"))[
        "resolution"
    ].paused == timedelta(0)
    with pytest.raises(TicketError, match="resumed"):
        evaluate(HELPDESK, ticket(evs=same[::-1]), z("2026-11-25T10:00"))


def test_default_at_is_now():
    ev = HELPDESK.evaluate(ticket(opened="2020-01-06T09:00"))
    assert abs(ev.at - datetime.now(UTC)) < timedelta(minutes=1)
    assert ev["response"].state == "breached"


def test_later_events_are_ignored_but_must_be_valid():
    evs = events(("responded", "2026-11-23T10:00"), ("resumed", "2026-11-23T11:00"))
    with pytest.raises(TicketError):
        evaluate(HELPDESK, ticket(evs=evs), z("2026-11-23T09:30"))


# ---- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "evs,at,error,match",
    [
        (
            events(("responded", "2026-11-23T08:00")),
            "2026-11-23T10:00",
            TicketError,
            "before the ticket was opened",
        ),
        (
            events(("resumed", "2026-11-23T10:00")),
            "2026-11-23T11:00",
            TicketError,
            "without a paused",
        ),
        (
            events(("paused", "2026-11-23T10:00"), ("paused", "2026-11-23T10:30")),
            "2026-11-23T11:00",
            TicketError,
            "already paused",
        ),
        (events(("reopened", "2026-11-23T10:00")), "2026-11-23T11:00", TicketError, "not resolved"),
        (
            events(("resolved", "2026-11-23T10:00"), ("resolved", "2026-11-23T10:30")),
            "2026-11-23T11:00",
            TicketError,
            "already resolved",
        ),
        (
            events(("severity_changed", "2026-11-23T10:00", "sev9")),
            "2026-11-23T11:00",
            UnknownNameError,
            "sev1",
        ),
        ([], "2026-11-23T08:59", TicketError, "before the ticket was opened"),
    ],
)
def test_bad_history(evs, at, error, match):
    with pytest.raises(error, match=match):
        evaluate(HELPDESK, ticket(evs=evs), z(at))


def test_unknown_event_type_lists_valid_types():
    with pytest.raises(UnknownNameError) as e:
        Event(type="not an identifier!", at=z("2026-11-23T10:00"))
    assert "responded" in str(e.value) and "severity_changed" in str(e.value)
    # another identifier is a type a policy may declare; a policy that does not refuses it
    ticket = Ticket.model_validate(
        {
            "plan": "standard",
            "severity": "p1",
            "opened_at": "2026-11-23T09:00Z",
            "events": [{"type": "bogus", "at": "2026-11-23T10:00Z"}],
        }
    )
    assert ticket.events[0].type == "bogus"
    with pytest.raises(UnknownNameError) as e:
        bundled("integrato").evaluate(ticket, at=z("2026-11-23T11:00"))
    assert "'bogus'" in str(e.value) and "reopened" in str(e.value)


def test_unknown_plan_and_severity_list_valid_names():
    with pytest.raises(UnknownNameError, match="premium"):
        evaluate(HELPDESK, ticket(plan="diamond"), z("2026-11-23T10:00"))
    with pytest.raises(UnknownNameError, match="sev3"):
        evaluate(HELPDESK, ticket(severity="sev7"), z("2026-11-23T10:00"))


def test_naive_datetimes_are_refused():
    with pytest.raises(NaiveDatetimeError):
        Ticket(plan="standard", severity="sev1", opened_at=datetime(2026, 11, 23, 9))
    with pytest.raises(NaiveDatetimeError):
        Event(type="responded", at=datetime(2026, 11, 23, 9))
    with pytest.raises(NaiveDatetimeError):
        Ticket.from_dict({"plan": "standard", "severity": "sev1", "opened_at": "2026-11-23T09:00"})
    with pytest.raises(ValidationError) as v:
        Ticket.model_validate(
            {"plan": "standard", "severity": "sev1", "opened_at": "2026-11-23T09:00"}
        )
    assert isinstance(v.value.errors()[0]["ctx"]["error"], NaiveDatetimeError)
    with pytest.raises(NaiveDatetimeError):
        evaluate(HELPDESK, ticket(), datetime(2026, 11, 24))


def test_severity_changed_needs_a_severity_and_errors_are_ours():
    with pytest.raises(TicketError, match="needs the new severity"):
        Event(type="severity_changed", at=z("2026-11-23T10:00"))
    with pytest.raises(TicketError, match="severity: Field required; opened_at: Field required"):
        Ticket.from_dict({"plan": "standard"})
    with pytest.raises(SlacalcError):
        Ticket(plan="standard")  # type: ignore[call-arg]


# ---- pause windows ---------------------------------------------------------------------------
def test_explicit_ticket_window_counts_in_business_time():
    # Resolution sev2 standard: 5 business days = 45h of office from Mon 09:00 -> Fri 18:00.
    # A window Tue 17:00 -> Wed 10:00 holds 1h (Tue) + 1h (Wed) of office time.
    t = ticket(pause_windows=[{"start": "2026-11-24T17:00Z", "end": "2026-11-25T10:00Z"}])
    r = evaluate(HELPDESK, t, z("2026-11-24T12:00"))["resolution"]
    assert r.due_at == z("2026-11-30T11:00")
    assert "Not counted (paused) 2026-11-24 17:00 UTC -> 2026-11-25 10:00 UTC: 2h" in r.explain()


def test_window_at_at_means_paused():
    t = ticket(pause_windows=[{"start": "2026-11-24T17:00Z", "end": "2026-11-25T10:00Z"}])
    assert evaluate(HELPDESK, t, z("2026-11-24T17:30"))["resolution"].state == "paused"
    assert evaluate(HELPDESK, t, z("2026-11-24T17:30"))["response"].state == "breached"


def test_rrule_windows_and_policy_windows():
    # Every weekday 12:00-13:00 lunch is paused (policy-wide): 5 days x 1h -> due 5h later.
    lunch = {
        "rrule": "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
        "dtstart": "2026-11-02T12:00:00Z",
        "duration": "1h",
    }
    pol = make_policy("helpdesk", pause_windows=[lunch])
    r = evaluate(pol, ticket(), z("2026-11-23T12:30"))["resolution"]
    assert r.due_at == z("2026-11-30T15:00")  # 40h Mon-Fri, then Mon 09-12 and 13-15
    assert r.state == "paused"
    same = evaluate(HELPDESK, ticket(pause_windows=[lunch]), z("2026-11-23T12:30"))["resolution"]
    assert same.due_at == r.due_at
    # the response metric is not pausable: unchanged
    assert evaluate(pol, ticket(), z("2026-11-23T10:00"))["response"].due_at == z(
        "2026-11-23T13:00"
    )


def test_rrule_in_local_time_follows_summer_time():
    sunday = {
        "rrule": "FREQ=WEEKLY;BYDAY=SU",
        "dtstart": "2026-03-01T02:00:00+00:00",
        "duration": "1h",
    }
    from slacalc.pausing import expand
    from slacalc.terms import PauseWindowSpec

    spec = PauseWindowSpec.model_validate(sunday)
    it = expand(spec, 0)
    first = next(it)
    assert first[1] - first[0] == 3_600_000_000


def test_pause_window_rule_that_never_ends_is_an_error():
    always = {"rrule": "FREQ=HOURLY", "dtstart": "2026-11-01T00:00:00Z", "duration": "2h"}
    with pytest.raises(TicketError, match="never end"):
        evaluate(HELPDESK, ticket(pause_windows=[always]), z("2026-11-23T10:00"))


# ---- severity, escalation, cadence ------------------------------------------------------------
def test_severity_change_keeps_pauses():
    evs = events(
        ("paused", "2026-11-23T10:00"),
        ("resumed", "2026-11-23T12:00"),
        ("severity_changed", "2026-11-23T13:00", "sev1"),
    )
    r = evaluate(HELPDESK, ticket(evs=evs), z("2026-11-23T13:00"))["resolution"]
    # sev1 standard: 2 business days = 18h of office from Mon 09:00, plus 2h paused
    assert r.due_at == z("2026-11-25T11:00")
    assert r.severity == "sev1"
    text = r.explain()
    assert text.index("Not counted") < text.index("Severity changed") < text.index("Due:")


def test_deferred_start_in_explain():
    r = evaluate(
        HELPDESK, ticket(severity="sev1", opened="2026-11-21T22:00"), z("2026-11-23T09:10")
    )["response"]
    assert r.started_at == z("2026-11-23T09:00") and r.due_at == z("2026-11-23T10:00")
    assert "next opening of office" in r.explain()


def test_escalation_exception():
    late = z("2026-12-10T09:00")
    assert evaluate(HELPDESK, ticket(severity="sev3"), late)["response"].escalate is False
    assert evaluate(HELPDESK, ticket(severity="sev2"), late)["response"].escalate is True
    # update is not an escalation metric
    assert evaluate(HELPDESK, ticket(severity="sev2"), late)["update"].escalate is False


def test_update_cadence_cycles():
    # sev2: an update every 4h of office time, counted from the last update (or response).
    evs = events(("responded", "2026-11-23T10:00"), ("updated", "2026-11-23T13:30"))
    u = evaluate(HELPDESK, ticket(evs=evs), z("2026-11-23T16:00"))["update"]
    assert u.due_at == z("2026-11-23T17:30") and u.state == "running"  # 2h30m of 4h
    assert u.remaining == 90 * M
    assert evaluate(HELPDESK, ticket(evs=evs), z("2026-11-23T16:30"))["update"].state == "at_risk"
    late = evaluate(HELPDESK, ticket(evs=evs), z("2026-11-23T17:31"))["update"]
    assert late.state == "breached"
    evs2 = [*evs, *events(("updated", "2026-11-23T18:00"))]
    after = evaluate(HELPDESK, ticket(evs=evs2), z("2026-11-24T09:00"))["update"]
    assert after.state == "missed" and after.breached  # a late update stays on the record
    done = [*evs, *events(("resolved", "2026-11-23T15:00"))]
    met = evaluate(HELPDESK, ticket(evs=done), z("2026-11-30T09:00"))["update"]
    assert met.state == "met"
    none_yet = evaluate(HELPDESK, ticket(), z("2026-11-23T10:00"))["update"]
    assert none_yet.due_at == z("2026-11-23T13:00")  # before any response: from opening


def test_sev3_update_not_applicable():
    assert (
        evaluate(HELPDESK, ticket(severity="sev3"), z("2026-11-23T10:00"))["update"].state
        == "not_applicable"
    )


# ---- output ------------------------------------------------------------------------------------
def test_explain_is_an_ordered_audit_trail():
    evs = events(
        ("responded", "2026-11-24T10:00"),
        ("paused", "2026-11-24T10:00"),
        ("resumed", "2026-11-25T12:00"),
    )
    r = bundled("integrato").evaluate(
        Ticket(plan="standard", severity="p2", opened_at=z("2026-11-23T09:00"), events=evs),
        at=z("2026-11-26T12:00"),
    )["resolution"]
    kinds = [s.kind for s in r.steps]
    assert kinds == ["target", "clock", "start", "pause", "due", "state"]
    text = r.explain()
    assert text.startswith("1. Target: 5 business days")
    assert "Targeted Fix Date" in text  # the clause
    assert "time zone UTC" in text
    assert "11h of business time" in text
    assert "Due: 2026-12-01 11:00 UTC" in text
    assert "State: running" in text


def test_rendering():
    ev = evaluate(HELPDESK, ticket(id=42), z("2026-11-23T14:00"))
    html = ev._repr_html_()
    assert "<table>" in html and "breached" in html
    assert ev["response"]._repr_html_().startswith("<div>")
    text = str(ev)
    assert text.startswith("ticket 42 - helpdesk: standard sev2")
    assert "response: breached" in text
    assert "Due:" in str(ev["response"])
    assert "response=breached" in repr(ev)
    assert set(ev) == {"response", "resolution", "update"} and len(ev) == 3
    assert ev.escalations == ["response"] and ev.escalate and ev.breached
    with pytest.raises(UnknownNameError):
        ev["nope"]


def test_other_time_zones_in_and_out():
    tz = timezone(timedelta(hours=5, minutes=30))
    t = Ticket(plan="gold", severity="sev2", opened_at=z("2026-11-20T16:30").astimezone(tz))
    r = bundled("passkit").evaluate(t, at=z("2026-11-23T10:00"))["response"]
    assert r.due_at == z("2026-11-23T11:30") and r.due_at.utcoffset() == timedelta(
        hours=5, minutes=30
    )


# ---- the state helper ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw,state",
    [
        ({"kind": TargetKind.NONE}, "not_applicable"),
        ({"kind": "commitment"}, "no_deadline"),
        ({"stop_us": 10}, "met"),
        ({"stop_us": 100}, "met"),
        ({"stop_us": 101}, "missed"),
        ({"at_us": 101}, "breached"),
        ({"paused": True}, "paused"),
        ({"elapsed_us": 75}, "at_risk"),
        ({"elapsed_us": 74}, "running"),
        ({"elapsed_us": 50, "warning_fraction": 0.5}, "at_risk"),
    ],
)
def test_state_for(kw, state):
    args = {
        "kind": "duration",
        "target_us": 100,
        "elapsed_us": 10,
        "due_us": 100,
        "stop_us": None,
        "at_us": 50,
        "paused": False,
    }
    args.update(kw)
    assert state_for(**args) == state  # type: ignore[arg-type]
    assert State(state).is_breach is (state in ("missed", "breached"))
