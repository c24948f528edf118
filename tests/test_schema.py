"""The JSON Schema catches what the loader catches: every bundled policy validates, and a
policy with a wrong duration, interval, zone, percentage or state does not. Its patterns
agree with the parsers they stand for."""

from __future__ import annotations

import json
import re
import zoneinfo
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc import DurationError, parse_duration
from slacalc.calendar import ZONE_PATTERN
from slacalc.cli import SCHEMA_ID
from slacalc.durations import DURATION_PATTERN
from slacalc.errors import CalendarError
from slacalc.hours import DAY_KEY_PATTERN, INTERVAL_PATTERN, parse_day_key, parse_interval
from slacalc.terms import PERCENT_PATTERN, parse_percent

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "policies" / "policy.schema.json").read_text(encoding="utf-8"))
BUNDLED = sorted((ROOT / "policies").glob("*.yaml"))
SMARTIX = (ROOT / "policies" / "smartix.yaml").read_text(encoding="utf-8")


def as_json(text: str) -> object:
    """The YAML as JSON sees it (dates as ISO text), which is what an editor validates."""
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


def schema_errors(text: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [e.message for e in validator.iter_errors(as_json(text))]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_policy_validates(path: Path) -> None:
    assert schema_errors(path.read_text(encoding="utf-8")) == []


BROKEN = [
    ("wrong duration", "within: 2 business days", "within: 2 business dayz"),
    ("bare duration", "within: 2 business days", "within: 15"),
    ("bad cell", re.search(r"general: \{within: 2 business days.*\}", SMARTIX)[0],  # type: ignore[index]
     "general: 4 hourz"),
    ("bad business day", "business_day: 8h", "business_day: 8 hrz"),
    ("bad interval", '"09:00-17:00"', '"9am-5pm"'),
    ("bad day key", "mon-fri:", "mon-fry:"),
    ("bad zone", "timezone: Europe/London\n    hours", "timezone: Europe London\n    hours"),
    ("bad availability zone", "timezone: Europe/London\n  clause", "timezone: london\n  clause"),
    ("fraction percentage", "target: 99.9%", "target: 0.999"),
    ("percentage over 100", "target: 99.9%", "target: 199%"),
    ("comma percentage", "target: 99.9%", "target: 99,9%"),
    ("bad credit kind", "kind: discretionary", "kind: generous"),
    ("bad clock", "clock: business,", "clock: ' business',"),
]


@pytest.mark.parametrize(("old", "new"), [pytest.param(o, n, id=i) for i, o, n in BROKEN])
def test_broken_policies_fail_the_schema(old: str, new: str) -> None:
    assert old in SMARTIX
    assert schema_errors(SMARTIX.replace(old, new, 1)) != []


def test_a_bad_state_or_event_type_fails_the_schema() -> None:
    example = (
        "\nexamples:\n  - {opened: '2026-11-20T10:00:00Z', plan: free, severity: general,"
        " events: [{type: %s, at: '2026-11-20T11:00:00Z'}], state: %s}\n"
    )
    base = SMARTIX.split("\nexamples:")[0]
    assert schema_errors(base + example % ("responded", "met")) == []
    assert schema_errors(base + example % ("responded", "ok")) != []
    assert schema_errors(base + example % ("'answered!'", "met")) != []  # not a type name


def test_id_docs_and_editor_comments_agree() -> None:
    assert SCHEMA["$id"] == SCHEMA_ID
    assert SCHEMA_ID.endswith("/policies/policy.schema.json")
    docs = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert f"# yaml-language-server: $schema={SCHEMA_ID}" in docs
    for path in BUNDLED:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert m, path
        # A relative path beside the file, or the published address: the same schema.
        target = m[1]
        assert target == SCHEMA_ID or (path.parent / target).resolve() == (
            ROOT / "policies" / "policy.schema.json"
        ), (path, target)


# ---- the patterns agree with the parsers -------------------------------------------------

DURATION_TEXTS = [
    "4h", "30m", "1h30m", "90s", "2d", "1w", "1.5h", "4 hours", "1 hour 30 minutes",
    "1 hour, 30 minutes", "1 hour and 30 minutes", "1 business day", "3 business days",
    "4 business hours", "PT4H", "P1D", "P1DT2H", "pt30m", "2 Business Days", " 4h ",
    "4 hourz", "15", "1:30", "P", "PT", "P1DT", "h", "4 parsecs", "1 business week", "",
    "four hours", "4h-", "4 h 30 m",
]


@pytest.mark.parametrize("text", DURATION_TEXTS)
def test_duration_pattern_agrees_with_the_parser(text: str) -> None:
    try:
        parse_duration(text)
        parsed = True
    except DurationError:
        parsed = False
    if "business week" in text:
        parsed = True  # well-formed, refused for its meaning, not its form
    assert bool(re.search(DURATION_PATTERN, text)) == parsed, text


@settings(max_examples=300, derandomize=True)
@given(st.text(alphabet="0123456789.: hmsdwPTbusinehoryac,+-", max_size=12))
def test_duration_pattern_never_accepts_what_the_parser_refuses_for_its_form(text: str) -> None:
    if re.search(DURATION_PATTERN, text):
        try:
            parse_duration(text)
        except DurationError as e:
            assert "empty" in str(e) or "business week" in str(e) or "too long" in str(e), text


@pytest.mark.parametrize(
    "text", ["09:00-17:00", "9:00-17:30", "22:00-06:00", "00:00-24:00", " 08:00 - 18:00 ",
             "9am-5pm", "09:00", "09:00-17:60", "25:00-26:00", "0900-1700"],
)
def test_interval_pattern_agrees_with_the_parser(text: str) -> None:
    try:
        parse_interval(text)
        parsed = True
    except CalendarError:
        parsed = False
    assert bool(re.search(INTERVAL_PATTERN, text)) == parsed, text


@pytest.mark.parametrize(
    "text", ["mon", "Mon", "monday", "mon-fri", "fri-mon", "daily", "weekdays", "Weekends",
             "sat - sun", "mon-fry", "workdays", "mon,tue", "", "tuesday-thursday"],
)
def test_day_key_pattern_agrees_with_the_parser(text: str) -> None:
    try:
        parse_day_key(text)
        parsed = True
    except CalendarError:
        parsed = False
    assert bool(re.search(DAY_KEY_PATTERN, text)) == parsed, text


@pytest.mark.parametrize(
    "text", ["99.9%", "100%", "0%", " 99.95 % ", "10%", "199%", "99,9%", "0.999", "99.9",
             "abc%", "100.0%", "100.5%"],
)
def test_percent_pattern_agrees_with_the_parser(text: str) -> None:
    try:
        parse_percent(text)
        parsed = True
    except ValueError:
        parsed = False
    assert bool(re.search(PERCENT_PATTERN, text)) == parsed, text


def test_zone_pattern_accepts_every_zone_name() -> None:
    names = {z for z in zoneinfo.available_timezones() if z != "localtime"}
    assert names
    assert [z for z in names if not re.search(ZONE_PATTERN, z)] == []
    for bad in ["Europe London", "europe/london", "+01:00", "UTC ", ""]:
        assert not re.search(ZONE_PATTERN, bad), bad
