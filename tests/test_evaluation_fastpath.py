"""The fast paths give the answers of the slow ones.

``Policy.due``/``target`` memoise name resolution; evaluation builds results without
re-validating them and writes explanations only when asked for. These tests pin that
nothing a caller can observe differs from the plain, validated construction.
"""

from __future__ import annotations

import pickle

import pytest
from evaluation_helpers import bundled, events, make_policy, z

from slacalc import MetricResult, TargetKind, Ticket, evaluate
from slacalc.errors import UnknownNameError

FIELDS = list(MetricResult.model_fields)


def tickets():
    yield bundled("passkit"), Ticket(
        plan="gold", severity="sev2", opened_at=z("2026-11-20T16:30"),
        events=events(("responded", "2026-11-23T11:00")),
    ), z("2026-11-25T12:00")
    yield bundled("passkit"), Ticket(
        plan="Gold", severity="Minor", opened_at=z("2026-11-20T16:30"),
        events=events(
            ("paused", "2026-11-20T17:00"), ("resumed", "2026-11-23T09:30"),
            ("severity_changed", "2026-11-23T10:00", "sev2"), ("responded", "2026-11-23T14:00"),
            ("resolved", "2026-11-24T10:00"), ("reopened", "2026-11-24T12:00"),
        ),
    ), z("2026-11-26T12:00")
    helpdesk = make_policy("helpdesk")
    plan, sev = next(iter(helpdesk.plans)), next(iter(helpdesk.severities))
    yield helpdesk, Ticket(
        plan=plan, severity=sev, opened_at=z("2026-11-16T09:00"),
        events=events(("responded", "2026-11-16T10:00"), ("updated", "2026-11-18T10:00")),
    ), z("2026-11-25T12:00")


@pytest.mark.parametrize("case", list(tickets()), ids=["simple", "busy", "cadence"])
def test_results_equal_validated_ones(case):
    policy, ticket, at = case
    for r in evaluate(policy, ticket, at).values():
        assert list(r.__dict__) == FIELDS  # field order: repr and dumps
        validated = MetricResult(
            **{k: getattr(r, k) for k in r.model_fields_set}, steps=r.steps
        )
        assert validated == r and r == validated
        assert repr(validated) == repr(r)
        assert validated.model_dump() == r.model_dump()
        assert validated.model_fields_set == r.model_fields_set
        again = evaluate(policy, ticket, at)[r.metric]
        assert again == r  # one side's steps written out, the other's not yet
        assert pickle.loads(pickle.dumps(again)) == r


def test_steps_are_written_on_demand_and_kept():
    policy, ticket, at = next(tickets())
    r = evaluate(policy, ticket, at)["response"]
    assert r.steps is r.steps
    assert [s.kind for s in r.steps][:3] == ["target", "clock", "start"]
    assert r.explain().startswith("1. Target: 4 business hours (= 4h of clock time) for gold sev2")


def test_memoised_targets_answer_like_resolved_names():
    passkit = bundled("passkit")
    for _ in range(2):  # the second round is served by the memo
        assert passkit.target("Gold", "Severity 2") is passkit.target("gold", "sev2")
        assert passkit.target("gold", "sev2", "Initial Response Time").kind is TargetKind.DURATION
        assert passkit.due(z("2026-11-20T16:30"), "gold", "sev2") == z("2026-11-23T11:30")
        with pytest.raises(UnknownNameError, match="valid plans"):
            passkit.due(z("2026-11-20T16:30"), "golden", "sev2")
        with pytest.raises(UnknownNameError, match="valid severities"):
            passkit.target("gold", "sev9")


def test_the_memo_is_bounded():
    from slacalc.policy import _MEMO_LIMIT, _resolved

    passkit = bundled("passkit")
    for i in range(_MEMO_LIMIT + 10):
        passkit.target("gold", "sev2" if i % 2 else "Sev 2", "response")
        passkit.target(" gold" + " " * (i % 50), "sev2")
    assert len(_resolved(passkit)) <= _MEMO_LIMIT
