"""The Policy model: names, targets, defaults, comma keys, entitlements, intake, schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slacalc import Policy, PolicyError, TargetKind, UnknownNameError, load_policy
from slacalc.cli import schema_text
from slacalc.loading import policy_from_text
from slacalc.targets import NextOpen

ROOT = Path(__file__).resolve().parents[1]
H = timedelta(hours=1)


def z(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("pid", "name", "kind", "expected"),
    [
        ("passkit", "Gold", "plan", "gold"),
        ("passkit", "GOLD", "plan", "gold"),
        ("passkit", "Major", "severity", "sev2"),
        ("passkit", "Severity 2", "severity", "sev2"),
        ("passkit", "severity_2", "severity", "sev2"),
        ("integrato", "P2", "severity", "p2"),
        ("integrato", "super-premium", "plan", "super_premium"),
        ("api_provider", "Break-Fix", "plan", "break_fix"),
        ("smartix", "pay-as-you-go", "plan", "payg"),
        ("esim_go", "URGENT", "severity", "urgent"),
    ],
)
def test_names_resolve(pid: str, name: str, kind: str, expected: str) -> None:
    policy = load_policy(pid)
    assert (policy.plan_id if kind == "plan" else policy.severity_id)(name) == expected


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownNameError) as info:
        load_policy("passkit").target("Diamond", "sev1")
    assert isinstance(info.value, KeyError)
    assert info.value.valid == ["bronze", "gold", "platinum", "silver"]
    assert "'gold'" in str(info.value)
    with pytest.raises(UnknownNameError, match="valid metrics"):
        load_policy("passkit").target("gold", "sev1", "uptime")


def test_target_fields() -> None:
    t = load_policy("passkit").target("Platinum", "Major")
    assert (t.kind, str(t.within), t.clock, t.start) == (
        TargetKind.DURATION,
        "1 business hour",
        "business_platinum",
        "opened",
    )
    assert t.clause and "Severity 2: Major" in t.clause
    assert str(t) == "1 business hour on business_platinum"
    none = load_policy("passkit").target("bronze", "sev1")
    assert none.kind is TargetKind.NONE and none.within is None


def test_start_of_and_within() -> None:
    policy = load_policy("integrato")
    t = policy.target("standard", "p1")
    assert isinstance(t.start, NextOpen) and t.start.next_open == "business"
    assert policy.start_of(t, z("2026-11-21T22:00")) == z("2026-11-23T09:00")
    assert policy.within(policy.target("standard", "p4")) == 27 * H
    assert policy.clock("always").is_always


def test_due_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        load_policy("passkit").due(datetime(2026, 11, 20, 10), plan="gold", severity="sev2")
    with pytest.raises(ValueError):  # also for targets with no due time
        load_policy("passkit").due(datetime(2026, 11, 20, 10), plan="bronze", severity="sev2")


def test_due_keeps_the_callers_zone() -> None:
    from zoneinfo import ZoneInfo

    chicago = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("America/Chicago"))
    due = load_policy("api_provider").due(chicago, plan="break_fix", severity="sev1")
    assert due == z("2026-11-25T22:00")


def test_metric_spec_and_stop_events() -> None:
    policy = load_policy("esim_go")
    assert policy.metric("update").cadence
    assert policy.metric("resolution").pausable and not policy.metric("response").pausable
    assert policy.stop_event("response") == "responded"
    assert policy.stop_event("resolution") == "resolved"
    assert policy.warning_fraction == 0.75
    assert policy.pause_windows == ()


def test_entitlements_and_intake() -> None:
    passkit = load_policy("passkit")
    tam = [e for e in passkit.entitlements("gold") if e.id == "technical_account_manager"]
    assert tam and tam[0].note == "When Required"
    assert passkit.check_intake({}).complete  # no intake list: nothing missing
    esim = load_policy("esim_go")
    report = esim.check_intake(["iccid", "device_type"])
    assert report.complete and {i.id for i in report.missing_recommended} == {
        "location",
        "troubleshooting",
        "screenshots",
        "api_call",
    }
    with pytest.raises(UnknownNameError):
        esim.check_intake(["imei"])


def test_policies_are_frozen() -> None:
    policy = load_policy("passkit")
    with pytest.raises(ValueError):
        policy.name = "x"  # type: ignore[misc]


def test_calendars_are_calendars() -> None:
    from slacalc import Calendar

    cal = load_policy("passkit").calendars["business"]
    assert isinstance(cal, Calendar)
    assert cal.add(z("2026-11-20T17:00"), 2 * H) == z("2026-11-23T10:00")


TABLE = """\
id: t
name: T
source: {document: t.txt}
calendars:
  office: {timezone: UTC, hours: {mon-fri: ["09:00-17:00"]}, business_day: 8h}
plans: {a: {name: A}, b: {name: B}, c: {name: C}}
severities: {s1: {name: One}, s2: {name: Two}, s3: {name: Three}}
metrics:
  response:
    clock: office
    clause: metric clause
    by_plan:
      c: {clock: always}
    by_severity:
      s3: {clause: row clause}
    targets:
      s1: {a: n/a, "b, c": 4h}
      s2, s3: 1h
  resolution:
    targets:
      s1: {commitment: soon}
"""


def test_defaults_and_comma_keys() -> None:
    policy = policy_from_text(TABLE, "t.yaml")
    assert policy.target("a", "s1").kind is TargetKind.NONE
    b, c = policy.target("b", "s1"), policy.target("c", "s1")
    assert (str(b.within), b.clock, b.clause) == ("4h", "office", "metric clause")
    assert (str(c.within), c.clock) == ("4h", "always")
    assert policy.target("a", "s3").clause == "row clause"
    assert str(policy.target("a", "s2").within) == "1h"
    assert policy.target("a", "s1", "resolution").kind is TargetKind.COMMITMENT
    assert policy.target("a", "s2", "resolution").kind is TargetKind.NONE  # not written
    assert policy.due(z("2026-11-20T16:30"), plan="b", severity="s1") == z("2026-11-23T12:30")
    assert policy.due(z("2026-11-20T16:30"), plan="a", severity="s1", metric="resolution") is None
    assert len(policy.targets()) == 2 * 3 * 3


def test_model_validate_directly_raises_validation_errors() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Policy.model_validate({"id": "x"})


def test_reserved_calendar_name() -> None:
    text = TABLE.replace("  office:", "  always:").replace("clock: office", "clock: always")
    with pytest.raises(PolicyError, match="built in"):
        policy_from_text(text, "t.yaml")


def test_schema_file_in_sync() -> None:
    committed = (ROOT / "policies" / "policy.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "run: slacalc schema > policies/policy.schema.json"
    schema = json.loads(committed)
    assert "availability" in schema["properties"]  # by alias
    assert schema["additionalProperties"] is False


def test_bundled_policies_validate_against_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads((ROOT / "policies" / "policy.schema.json").read_text(encoding="utf-8"))
    for f in sorted((ROOT / "policies").glob("*.yaml")):
        data = json.loads(json.dumps(yaml.safe_load(f.read_text(encoding="utf-8")), default=str))
        jsonschema.validate(data, schema)
