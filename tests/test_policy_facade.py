"""The policy model and its facade; typed stop events; a resolution answers the response."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from evaluation_helpers import H, M, events, make_policy, z

import slacalc
from slacalc import Event, PolicyError, Ticket, UnknownNameError, load_policy
from slacalc import policy as model
from slacalc.facade import policy_from_text

HELPDESK = (Path(__file__).parent / "policies" / "helpdesk.yaml").read_text()


def with_metrics(extra: str, top: str = "") -> str:
    """helpdesk.yaml with more metrics (indented under metrics:) and top-level keys."""
    text = HELPDESK.replace("metrics:\n", "metrics:\n" + extra, 1)
    return text + top


def test_load_policy_gives_the_facade_and_the_model_answers_no_tickets():
    passkit = load_policy("passkit")
    assert type(passkit) is slacalc.Policy
    assert isinstance(passkit, model.Policy)
    assert not hasattr(model.Policy, "evaluate") and not hasattr(model.Policy, "availability")
    assert hasattr(slacalc.Policy, "evaluate_frame")
    # a model built directly is answered by the engine functions
    data = yaml.safe_load(HELPDESK)
    bare = model.Policy.model_validate(data)
    ticket = Ticket(plan="standard", severity="sev2", opened_at=z("2026-11-23T09:00"))
    assert slacalc.evaluate(bare, ticket, at=z("2026-11-23T10:00"))["response"].state == "running"


def test_a_stop_event_no_ticket_can_carry_is_a_located_error():
    text = with_metrics("  workaround:\n    clock: office\n    targets:\n      sev1: 4h\n")
    with pytest.raises(PolicyError) as e:
        policy_from_text(text, "helpdesk.yaml")
    message = str(e.value)
    assert "helpdesk.yaml:" in message and "metrics.workaround" in message
    assert "workaround_met" in message and "events:" in message


def test_declared_events_make_a_stop_event_valid():
    text = with_metrics(
        "  workaround:\n    stop_event: workaround_provided\n    clock: always\n"
        "    targets:\n      sev1: 4h\n",
        "events: [workaround_provided]\n",
    )
    policy = policy_from_text(text, "helpdesk.yaml")
    # a resolution answers a response only: a workaround keeps waiting for its own event
    assert policy.stop_events("workaround") == ("workaround_provided",)
    assert policy.event_type("Workaround Provided") == "workaround_provided"
    with pytest.raises(UnknownNameError, match="workaround_provided"):
        policy.event_type("escalated")


@pytest.mark.parametrize(
    ("events_key", "words"),
    [("[responded]", "built in"), ("[x, x]", "declared twice"), ("['Not Valid']", "identifier")],
)
def test_declared_events_are_checked(events_key, words):
    with pytest.raises(PolicyError, match=words) as e:
        policy_from_text(HELPDESK + f"events: {events_key}\n", "helpdesk.yaml")
    assert "events" in str(e.value)


def test_stop_event_and_stop_on_together_are_refused():
    text = HELPDESK.replace(
        '  response:\n    clause: "2.1 Response"\n',
        '  response:\n    clause: "2.1 Response"\n    stop_event: responded\n'
        "    stop_on: [responded]\n",
    )
    with pytest.raises(PolicyError, match="not both"):
        policy_from_text(text, "helpdesk.yaml")


def test_a_resolution_answers_the_response():
    policy = make_policy("helpdesk")
    ticket = Ticket(
        plan="standard",
        severity="sev2",
        opened_at=z("2026-11-23T09:00"),
        events=events(("resolved", "2026-11-23T11:00")),
    )
    r = policy.evaluate(ticket, at=z("2027-06-01T00:00"))["response"]
    # 4 business hours from Monday 09:00; resolved at 11:00 after 2 hours counted
    assert (r.state, r.stopped_at, r.elapsed) == ("met", z("2026-11-23T11:00"), 2 * H)
    assert "resolved at" in r.explain()
    late = Ticket(
        plan="standard",
        severity="sev2",
        opened_at=z("2026-11-23T09:00"),
        events=events(("resolved", "2026-11-23T13:30")),
    )
    r = policy.evaluate(late, at=z("2027-06-01T00:00"))["response"]
    assert (r.state, r.elapsed) == ("missed", 4 * H + 30 * M)


def test_a_reopen_does_not_restart_a_response_the_resolution_answered():
    policy = make_policy("helpdesk")
    ticket = Ticket(
        plan="standard",
        severity="sev2",
        opened_at=z("2026-11-23T09:00"),
        events=events(("resolved", "2026-11-23T11:00"), ("reopened", "2026-11-23T12:00")),
    )
    ev = policy.evaluate(ticket, at=z("2026-11-24T12:00"))
    assert ev["response"].state == "met"
    assert ev["resolution"].stopped_at is None  # the resolution clock runs again


def test_stop_on_lists_the_stop_events_exactly():
    data = yaml.safe_load(HELPDESK)
    data["metrics"]["response"]["stop_on"] = ["responded"]
    policy = make_policy("helpdesk", metrics=data["metrics"])
    assert policy.stop_events("response") == ("responded",)
    ticket = Ticket(
        plan="standard",
        severity="sev2",
        opened_at=z("2026-11-23T09:00"),
        events=[Event(type="resolved", at=z("2026-11-23T11:00"))],
    )
    assert policy.evaluate(ticket, at=z("2026-11-24T12:00"))["response"].state == "breached"
    table = pd.DataFrame(
        {
            "ticket_id": [1],
            "plan": ["standard"],
            "severity": ["sev2"],
            "opened_at": ["2026-11-23T09:00Z"],
            "resolved_at": ["2026-11-23T11:00Z"],
        }
    )
    from slacalc.frame import evaluate_frame  # the same rule in the table path

    got = evaluate_frame(policy, table, at="2026-11-24T12:00Z")
    assert got.iloc[0]["response_state"] == "breached"


def test_evaluate_takes_an_iso_string_at():
    policy = load_policy("passkit")
    ticket = Ticket(plan="gold", severity="sev2", opened_at=z("2026-11-20T16:30"))
    assert policy.evaluate(ticket, at="2026-11-23T11:45:00Z")["response"].state == "breached"
