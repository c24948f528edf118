"""The conventions of docs/concepts.md ("Conventions"), one kind of thing at a time.

Instants, durations, states, breach flags, escalation, argument order, look-up misses,
errors and the JSON shape of results: each has one rule, and these tests hold every public
entry point to it. ``test_every_entry_point_fails_only_with_our_errors`` feeds each entry
point extreme and wrong-typed values and accepts only ``SlacalcError`` s.
"""

from __future__ import annotations

import inspect
import json
import math
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

import slacalc
from slacalc import (
    AvailabilitySummary,
    Calendar,
    Duration,
    Evaluation,
    Event,
    InstantError,
    MetricResult,
    NaiveDatetimeError,
    Outage,
    PauseWindowSpec,
    Policy,
    SlacalcError,
    State,
    Ticket,
    UnknownNameError,
    availability_report,
    evaluate,
    load_policy,
)

ROOT = Path(__file__).resolve().parents[1]
PASSKIT = load_policy("passkit")
SMARTIX = load_policy("smartix")
BUSINESS = PASSKIT.calendars["business"]
T = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
TEXT = "2026-11-20T16:30:00Z"
H = timedelta(hours=1)


# ---- instants: an aware datetime or ISO text with an offset, at every entry point ---------
def _ticket(opened: Any) -> Ticket:
    return Ticket(plan="gold", severity="sev2", opened_at=opened)


# Each entry point that takes an instant, as a call of that one instant.
INSTANT_ENTRY_POINTS: dict[str, Callable[[Any], Any]] = {
    "Calendar.add": lambda t: BUSINESS.add(t, H),
    "Calendar.elapsed(start)": lambda t: BUSINESS.elapsed(t, T + 80 * H),
    "Calendar.elapsed(end)": lambda t: BUSINESS.elapsed(T - 80 * H, t),
    "Calendar.is_open": lambda t: BUSINESS.is_open(t),
    "Calendar.next_open": lambda t: BUSINESS.next_open(t),
    "Calendar.next_close": lambda t: BUSINESS.next_close(t),
    "Calendar.open_intervals": lambda t: list(BUSINESS.open_intervals(t, T + 80 * H)),
    "Policy.due": lambda t: PASSKIT.due(t, "gold", "sev2", "response"),
    "Policy.evaluate(at)": lambda t: PASSKIT.evaluate(_ticket(T), at=t)["response"].state,
    "evaluate(at)": lambda t: evaluate(PASSKIT, _ticket(T), t)["response"].state,
    "Ticket.opened_at": lambda t: _ticket(t).opened_at,
    "Event.at": lambda t: Event(type="responded", at=t).at,
    "Outage.start": lambda t: Outage(start=t, end=T + H, cause="internal").start,
    "PauseWindowSpec.start": lambda t: PauseWindowSpec(start=t, end=T + H).start,
}


@pytest.mark.parametrize("name", INSTANT_ENTRY_POINTS)
def test_iso_text_with_an_offset_is_the_same_instant(name: str) -> None:
    call = INSTANT_ENTRY_POINTS[name]
    assert call(TEXT) == call(T)
    assert call("2026-11-20T10:30:00-06:00") == call(T)


@pytest.mark.parametrize("name", INSTANT_ENTRY_POINTS)
@pytest.mark.parametrize(
    "value, error",
    [
        (1700000000, InstantError),  # never a Unix timestamp
        ("1700000000", InstantError),
        (1.7e12, InstantError),
        (date(2026, 11, 20), InstantError),
        ("next tuesday", InstantError),
        ("2026-11-20T16:30:00", NaiveDatetimeError),
        (datetime(2026, 11, 20, 16, 30), NaiveDatetimeError),
    ],
)
def test_other_values_are_refused_the_same_way(name: str, value: Any, error: type) -> None:
    if name.startswith("PauseWindowSpec"):  # a policy model: pydantic's error, ours inside
        with pytest.raises(ValidationError) as v:
            INSTANT_ENTRY_POINTS[name](value)
        assert isinstance((v.value.errors()[0].get("ctx") or {}).get("error"), error)
        return
    with pytest.raises(error):
        INSTANT_ENTRY_POINTS[name](value)


def test_numbers_are_refused_by_the_table_path_too() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"plan": ["gold"], "severity": ["sev2"], "opened_at": [1700000000]})
    with pytest.raises(SlacalcError):
        PASSKIT.evaluate_frame(df, at=T)


# ---- durations: timedelta in Python, ISO 8601 in JSON -------------------------------------
def test_results_hold_timedeltas_and_dump_iso_8601() -> None:
    ev = PASSKIT.evaluate(_ticket(T), at="2026-11-23T12:00Z")
    r = ev["response"]
    assert isinstance(r.elapsed, timedelta) and isinstance(r.remaining, timedelta)
    data = ev.model_dump(mode="json")["results"]["response"]
    for key in ("target", "elapsed", "remaining", "paused"):
        assert data[key].lstrip("-").startswith("P"), (key, data[key])
        assert TypeAdapter(timedelta).validate_python(data[key]) == getattr(r, key)
    assert data["remaining"] == "-PT30M"  # due 11:30, evaluated at 12:00


# ---- one JSON shape, one offset style, a published schema -------------------------------
def test_evaluation_and_metric_result_dump_one_shape() -> None:
    ev = PASSKIT.evaluate(
        Ticket(id=7, plan="gold", severity="sev2", opened_at="2026-11-20T10:30:00-06:00"),
        at=TEXT.replace("16:30", "18:00"),
    )
    data = json.loads(ev.model_dump_json())
    assert data == ev.model_dump(mode="json") == ev.to_dict()
    assert data["ticket_id"] == 7 and data["policy_id"] == "passkit"
    for metric, result in ev.items():
        assert data["results"][metric] == result.model_dump(mode="json")
    # offset zero is written Z, others +HH:MM / -HH:MM, never +00:00
    assert data["at"] == "2026-11-20T18:00:00Z"
    assert data["results"]["response"]["started_at"] == "2026-11-20T10:30:00-06:00"
    assert "+00:00" not in json.dumps(data)


def test_the_published_schema_is_in_sync_and_describes_the_dump() -> None:
    schema = Evaluation.model_json_schema(mode="serialization")
    committed = json.loads((ROOT / "docs" / "evaluation.schema.json").read_text("utf-8"))
    assert committed == schema, (
        "regenerate docs/evaluation.schema.json from "
        "Evaluation.model_json_schema(mode='serialization')"
    )
    jsonschema = pytest.importorskip("jsonschema")
    ev = PASSKIT.evaluate(_ticket(T), at="2026-11-23T12:00Z")
    jsonschema.validate(ev.model_dump(mode="json"), schema)


# ---- states and the breach flag ---------------------------------------------------------
@pytest.mark.parametrize("at_hour", [12, 40, 70, 200])
def test_breached_means_breached_or_missed_everywhere(at_hour: int) -> None:
    ticket = Ticket(
        plan="gold", severity="sev2", opened_at=T,
        events=[Event(type="responded", at=T + 60 * H)],
    )
    ev = PASSKIT.evaluate(ticket, at=T + at_hour * H)
    for r in ev.values():
        assert isinstance(r.state, State)
        assert r.breached == (r.state in (State.BREACHED, State.MISSED))
    assert ev.breached == any(r.breached for r in ev.values())
    pd = pytest.importorskip("pandas")
    row = pd.DataFrame({
        "plan": ["gold"], "severity": ["sev2"], "opened_at": [T],
        "responded_at": [T + 60 * H], "ticket_id": ["x"],
    })
    out = PASSKIT.evaluate_frame(row, at=T + at_hour * H)
    assert bool(out["response_breached"].iloc[0]) == ev["response"].breached


def test_breached_docstring_says_missed_counts() -> None:
    text = MetricResult.model_fields["breached"].description or ""
    assert "missed" in text and "breached" in text


# ---- escalation: one type ---------------------------------------------------------------
def test_escalate_is_a_bool_on_results_and_evaluations() -> None:
    ev = PASSKIT.evaluate(_ticket(T), at=T + 200 * H)
    assert all(type(r.escalate) is bool for r in ev.values())
    assert type(ev.escalate) is bool
    assert ev.escalations == [m for m, r in ev.items() if r.escalate]
    assert ev.escalate == bool(ev.escalations)


# ---- argument order: plan, severity, metric ---------------------------------------------
def _public_callables() -> list[tuple[str, Callable[..., Any]]]:
    out = []
    for name in slacalc.__all__:
        obj = getattr(slacalc, name)
        if inspect.isfunction(obj):
            out.append((name, obj))
        elif inspect.isclass(obj):
            for attr in dir(obj):
                func = getattr(inspect.getattr_static(obj, attr), "__func__", None)
                func = func or inspect.getattr_static(obj, attr)
                if inspect.isfunction(func) and not attr.startswith("_"):
                    out.append((f"{name}.{attr}", func))
    return out


def test_plan_severity_metric_come_in_that_order_everywhere() -> None:
    checked = 0
    for qualname, func in _public_callables():
        names = inspect.signature(func).parameters
        params = [p for p in names if p in ("plan", "severity", "metric")]
        if len(params) >= 2:
            checked += 1
            order = ["plan", "severity", "metric"]
            assert params == [p for p in order if p in params], f"{qualname}{params}"
    assert checked >= 3  # target, due, escalation_eligible at least
    assert PASSKIT.escalation_eligible("gold", "sev1", "response") in (True, False)


# ---- look-up misses: UnknownNameError listing the valid names ------------------------------
def test_every_lookup_miss_lists_the_valid_names() -> None:
    summary = SMARTIX.availability_report(["2026-10", "2026-11"])
    ev = PASSKIT.evaluate(_ticket(T), at=T + H)
    misses: list[Callable[[], Any]] = [
        lambda: summary["2026-12"],
        lambda: ev["uptime"],
        lambda: PASSKIT.plan_id("diamond"),
        lambda: PASSKIT.severity_id("sev9"),
        lambda: PASSKIT.metric("uptime"),
        lambda: PASSKIT.clock("weekend"),
        lambda: load_policy("no_such_vendor"),
        lambda: SMARTIX.availability("2026-11", [{"start": T, "end": T + H, "cause": "aliens"}]),
    ]
    for miss in misses:
        with pytest.raises(UnknownNameError) as e:
            miss()
        assert isinstance(e.value, KeyError) and e.value.valid, str(e.value)
    assert summary["2026-11"] is summary.months[1]
    assert summary[date(2026, 10, 5)] is summary.months[0]


def test_an_availability_summary_iterates_over_its_months() -> None:
    summary = availability_report(SMARTIX, 2026)
    assert isinstance(summary, AvailabilitySummary)
    assert list(summary) == list(summary.months) and len(summary) == 12


# ---- nested models keep their locations ---------------------------------------------------
class _Request(BaseModel):
    ticket: Ticket


def test_a_nested_ticket_reports_each_problem_where_it_is() -> None:
    good = {"type": "responded", "at": "2026-11-23T11:00:00Z"}
    data = {"ticket": {
        "plan": "gold",
        "opened_at": 1700000000,
        "events": [good, good, {"type": "resumed", "at": "2026-11-23T12:00:00"},
                   {"type": "escalated!", "at": "2026-11-23T12:00:00Z"}],
    }}
    with pytest.raises(ValidationError) as e:
        _Request.model_validate(data)
    found = {tuple(p["loc"]): p for p in e.value.errors()}
    assert set(found) == {
        ("ticket", "severity"), ("ticket", "opened_at"),
        ("ticket", "events", 2, "at"), ("ticket", "events", 3, "type"),
    }
    reasons = {loc: (p.get("ctx") or {}).get("error") for loc, p in found.items()}
    assert isinstance(reasons[("ticket", "opened_at")], InstantError)
    assert isinstance(reasons[("ticket", "events", 2, "at")], NaiveDatetimeError)
    assert isinstance(reasons[("ticket", "events", 3, "type")], UnknownNameError)
    with pytest.raises(ValidationError):
        Ticket.model_validate_json(json.dumps(data["ticket"]))


def test_direct_construction_raises_our_errors() -> None:
    with pytest.raises(InstantError, match="never read as Unix timestamps"):
        Ticket(plan="gold", severity="sev2", opened_at=1700000000)
    with pytest.raises(slacalc.TicketError, match="severity: Field required"):
        Ticket.from_dict({"plan": "gold", "opened_at": TEXT, "subject": 3})


# ---- errors: every failure is a SlacalcError --------------------------------------------
def test_the_reported_escapes_are_our_errors() -> None:
    cases: list[Callable[[], Any]] = [
        lambda: Duration.parse("1" * 5000 + "h"),
        lambda: Calendar.always().add(T, timedelta(days=365 * 8000)),
        lambda: BUSINESS.add(T, timedelta.min),
        lambda: BUSINESS.add(T, timedelta.max),
        lambda: BUSINESS.is_open(datetime.max.replace(tzinfo=UTC)),
        lambda: BUSINESS.next_open(datetime.max.replace(tzinfo=UTC)),
        lambda: BUSINESS.elapsed(datetime.min.replace(tzinfo=UTC), T),
        lambda: SMARTIX.availability("0000-01"),
        lambda: SMARTIX.availability_report(0),
        lambda: BUSINESS.day_hours("2026-13-01"),
        lambda: BUSINESS.day_hours(T),
        lambda: PASSKIT.within(PASSKIT.target("bronze", "sev2", "response")),
        lambda: Calendar.always().next_close(T),
    ]
    for case in cases:
        with pytest.raises(SlacalcError):
            case()
    assert BUSINESS.day_hours("2026-11-20") == BUSINESS.day_hours(date(2026, 11, 20))


EXTREMES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from([
        "1" * 5000 + "h", "0000-01", "9999-12", "P99999999D", "-PT1S", "2026-11-20T16:30",
        "2026-11-20T16:30Z", "gold", "sev2", "response", "", "\x00", "24:00-09:00",
    ]),
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(),  # naive
    st.sampled_from([datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC),
                     datetime.max.replace(tzinfo=timezone(timedelta(hours=-14)))]),
    st.dates(),
    st.timedeltas(),
    st.sampled_from([timedelta.max, timedelta.min]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)

# Every public entry point, each as a function of one or two arbitrary values.
ENTRY_POINTS: dict[str, Callable[[Any, Any], Any]] = {
    "Calendar.add": lambda a, b: BUSINESS.add(a, b),
    "Calendar.add(always)": lambda a, b: Calendar.always().add(a, b),
    "Calendar.add(t)": lambda a, b: BUSINESS.add(T, a),
    "Calendar.elapsed": lambda a, b: BUSINESS.elapsed(a, b),
    "Calendar.is_open": lambda a, b: BUSINESS.is_open(a),
    "Calendar.next_open": lambda a, b: BUSINESS.next_open(a),
    "Calendar.next_close": lambda a, b: BUSINESS.next_close(a),
    "Calendar.open_intervals": lambda a, b: list(BUSINESS.open_intervals(a, b))[:3],
    "Calendar.day_hours": lambda a, b: BUSINESS.day_hours(a),
    "Calendar.is_business_day": lambda a, b: BUSINESS.is_business_day(a),
    "Calendar.business_days": lambda a, b: BUSINESS.business_days(a, b),
    "Calendar.holidays_in": lambda a, b: BUSINESS.holidays_in(a),
    "Calendar.to_timedelta": lambda a, b: BUSINESS.to_timedelta(a),
    "Calendar.from_dict": lambda a, b: Calendar.from_dict({"hours": {"mon": [a]}, "timezone": b}),
    "Calendar.from_yaml": lambda a, b: Calendar.from_yaml(a),
    "Duration.parse": lambda a, b: Duration.parse(a),
    "parse_duration": lambda a, b: slacalc.parse_duration(a),
    "Policy.due": lambda a, b: PASSKIT.due(a, "gold", "sev2", b),
    "Policy.due(plan)": lambda a, b: PASSKIT.due(T, a, b),
    "Policy.target": lambda a, b: PASSKIT.target(a, b),
    "Policy.escalation_eligible": lambda a, b: PASSKIT.escalation_eligible("gold", a, b),
    "Policy.evaluate(at)": lambda a, b: PASSKIT.evaluate(_ticket(T), at=a),
    "Policy.evaluate(ticket)": lambda a, b: PASSKIT.evaluate(a, at=T),
    "Policy.availability": lambda a, b: SMARTIX.availability(a),
    "Policy.availability(outages)": lambda a, b: SMARTIX.availability(
        "2026-11", [{"start": a, "end": b, "cause": "internal"}]
    ),
    "Policy.availability_report": lambda a, b: SMARTIX.availability_report(a),
    "AvailabilitySummary[]": lambda a, b: SMARTIX.availability_report(2026)[a],
    "Evaluation[]": lambda a, b: PASSKIT.evaluate(_ticket(T), at=T)[a],
    "Ticket": lambda a, b: Ticket(plan=a, severity="sev2", opened_at=b),
    "Ticket.from_dict": lambda a, b: Ticket.from_dict(a),
    "Event": lambda a, b: Event(type=a, at=b),
    "Outage": lambda a, b: Outage(start=a, end=b, cause="internal"),
    "load_policy": lambda a, b: load_policy(a),
    "load_yaml_text": lambda a, b: slacalc.load_yaml_text(a, "x.yaml"),
}


@pytest.mark.parametrize("name", ENTRY_POINTS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=EXTREMES, b=EXTREMES)
def test_every_entry_point_fails_only_with_our_errors(name: str, a: Any, b: Any) -> None:
    try:
        ENTRY_POINTS[name](a, b)
    except SlacalcError:
        pass
    except (FileNotFoundError, IsADirectoryError, PermissionError, NotADirectoryError):
        assert name == "load_policy"  # a path that is not there: the OS's own words
    except Exception as e:
        raise AssertionError(f"{name}({a!r}, {b!r}) raised {type(e).__name__}: {e}") from e


def test_floats_that_are_not_numbers_are_refused() -> None:
    for value in (math.nan, math.inf):
        with pytest.raises(SlacalcError):
            Duration.parse(value)


# ---- exports and installs ---------------------------------------------------------------
def test_the_install_is_visible_to_type_checkers() -> None:
    """Not an import hook: an editable install is a path entry mypy and pyright follow."""
    hooks = [f for f in sys.meta_path if "editable" in type(f).__module__.lower()
             or "editable" in getattr(f, "__name__", "").lower()]
    assert not hooks, hooks
    assert (Path(slacalc.__file__).parent / "py.typed").is_file()
    assert "passkit" in slacalc.bundled_policies()


def test_policy_type_is_exported() -> None:
    assert isinstance(PASSKIT, Policy)
