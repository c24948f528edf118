"""Loading policy files: every problem is one PolicyError naming file:line:column: key.path."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from slacalc import PolicyError, UnknownNameError, bundled_policies, load_policies, load_policy
from slacalc.loading import policy_from_text
from slacalc.yamldoc import load_yaml_text, parse_yaml

ROOT = Path(__file__).resolve().parents[1]
PASSKIT = (ROOT / "policies" / "passkit.yaml").read_text(encoding="utf-8")
NAME = "policies/passkit.yaml"

MINIMAL = """\
id: tiny
name: Tiny
source: {document: tiny.txt}
calendars:
  office: {timezone: UTC, hours: {mon-fri: ["09:00-17:00"]}, business_day: 8h}
plans:
  basic: {name: Basic}
  pro: {name: Pro}
severities:
  high: {name: High, aliases: [P1]}
  low: {name: Low}
metrics:
  response:
    clock: office
    targets:
      high: {basic: 8h, pro: 4h}
      low: 2 business days
"""


def error_of(text: str, name: str = NAME) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        policy_from_text(text, name)
    return info.value


def line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_minimal_policy_loads() -> None:
    policy = policy_from_text(MINIMAL, "tiny.yaml")
    assert policy.id == "tiny"
    assert str(policy.target("pro", "high").within) == "4h"


def test_bad_duration_names_file_line_column_and_key_path() -> None:
    text = PASSKIT.replace("gold: 4 business hours", "gold: 4 hourz")
    err = error_of(text)
    line = line_of(text, "4 hourz")
    col = text.splitlines()[line - 1].index("4 hourz") + 1
    assert str(err).startswith(
        f"{NAME}:{line}:{col}: metrics.response.targets.sev2.gold: '4 hourz' is not a duration"
    )
    assert (err.file, err.line, err.column) == (NAME, line, col)
    assert err.path == "metrics.response.targets.sev2.gold"


def test_duplicate_key_is_refused() -> None:
    text = PASSKIT.replace(
        "  silver: {name: Silver", "  gold: {name: Gold twice}\n  silver: {name: Silver"
    )
    err = error_of(text)
    assert "duplicate key 'gold'" in str(err)
    assert f"first at line {line_of(text, 'Gold twice')}" in str(err)
    assert err.line == line_of(text, "  gold: {name: Gold,") and err.path == "plans.gold"


def test_duplicate_key_in_nested_flow_mapping() -> None:
    err = error_of(MINIMAL.replace("{basic: 8h, pro: 4h}", "{basic: 8h, pro: 4h, basic: 1h}"))
    assert "duplicate key 'basic'" in str(err) and err.path == "metrics.response.targets.high.basic"


def test_unknown_key_suggests_the_right_one() -> None:
    text = PASSKIT.replace("title: Initial Response Time", "titel: Initial Response Time")
    err = error_of(text)
    assert err.path == "metrics.response.titel"
    assert "unknown key 'titel'; did you mean 'title'?" in str(err)
    assert err.line == line_of(text, "titel:")


def test_missing_key() -> None:
    err = error_of(MINIMAL.replace("  pro: {name: Pro}", "  pro: {aliases: [x]}"))
    assert err.path == "plans.pro" and "missing required key 'name'" in str(err)


@pytest.mark.parametrize(
    ("old", "new", "path", "words"),
    [
        (
            "{basic: 8h, pro: 4h}",
            "{basic: 8h, gold: 4h}",
            "metrics.response.targets.high.gold",
            "unknown plan 'gold'",
        ),
        (
            "      low: 2 business days",
            "      urgent: 2h",
            "metrics.response.targets.urgent",
            "unknown severity 'urgent'",
        ),
        (
            "    clock: office",
            "    clock: ofice",
            "metrics.response.clock",
            "unknown clock 'ofice'",
        ),
        (
            "{basic: 8h, pro: 4h}",
            "{basic: 8h, pro: {within: 4h, start: {next_open: night}}}",
            "metrics.response.targets.high.pro.start.next_open",
            "unknown calendar 'night'",
        ),
        (
            "{basic: 8h, pro: 4h}",
            "{basic: 8h, pro: 0h}",
            "metrics.response.targets.high.pro",
            "positive",
        ),
        (
            "{basic: 8h, pro: 4h}",
            "{basic: 8h, pro: -5}",
            "metrics.response.targets.high.pro",
            "with a unit",
        ),
        (
            "{basic: 8h, pro: 4h}",
            "{basic: 8h, 'basic, pro': 4h}",
            "metrics.response.targets.high.basic, pro",
            "given twice",
        ),
        (
            "  low: {name: Low}",
            "  low: {name: Low, aliases: [P1]}",
            "severities.low",
            "used by both",
        ),
        (
            "    clock: office",
            "    clock: always",
            "metrics.response.targets.low",
            "business days but runs on 'always'",
        ),
        (
            "{basic: 8h, pro: 4h}",
            "{basic: 8h, pro: {within: 4h, commitment: soon}}",
            "metrics.response.targets.high.pro",
            "either 'within'",
        ),
        (
            "timezone: UTC",
            "timezone: Mars/Olympus",
            "calendars.office.timezone",
            "unknown time zone",
        ),
    ],
)
def test_cross_checks_and_validation_are_located(old: str, new: str, path: str, words: str) -> None:
    assert old in MINIMAL
    text = MINIMAL.replace(old, new)
    err = error_of(text, "tiny.yaml")
    assert err.path == path, str(err)
    assert words in str(err)
    assert err.line is not None and err.column is not None
    assert str(err).startswith(f"tiny.yaml:{err.line}:{err.column}: {path}: ")


def test_calendar_extends_unknown() -> None:
    err = error_of(PASSKIT.replace("extends: business", "extends: busines"))
    assert err.path == "calendars.business_platinum.extends" and "'busines'" in str(err)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("# only a comment\n", "empty"),
        ("- a\n- b\n", "not a list"),
        ("just text\n", "not the text"),
        ("id: [unclosed\n", "YAML syntax error"),
        ("a: b: c\n", "YAML syntax error"),
        ("id: x\n---\nid: y\n", "one YAML document"),
        ("id: !!python/object:os.system x\n", "tag '!!python/object:os.system' is not allowed"),
        ("id: !custom x\n", "tag '!custom' is not allowed"),
        ("id: !!binary aGVsbG8=\n", "not allowed"),
        ("? [a, b]\n: c\n", "a key must be a plain value"),
        ("a: &a [*a]\n", "recursive alias"),
        ("id: x\x00\n", "not allowed in YAML"),
        ("a: " + "[" * 200 + "]" * 200 + "\n", "nested more than"),
        ("id: !!int abc\n", "not a valid int"),
    ],
)
def test_yaml_problems(text: str, words: str) -> None:
    err = error_of(text, "bad.yaml")
    assert str(err).startswith("bad.yaml"), str(err)
    assert words in str(err)


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    err = error_of("\n".join(lines) + "\n", "bomb.yaml")
    assert "alias bomb" in str(err)


def test_small_aliases_and_merge_keys_are_fine() -> None:
    data = load_yaml_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n")
    assert data == {"base": {"x": 1, "y": 2}, "other": {"x": 1, "y": 3}}


def test_positions_are_recorded() -> None:
    doc = parse_yaml("a:\n  b: [1, 2]\n  c: x\n", "f.yaml")
    assert doc.values[("a", "b", 1)] == (2, 10)
    assert doc.keys[("a", "c")] == (3, 3)


def test_non_utf8_file(tmp_path: Path) -> None:
    f = tmp_path / "latin.yaml"
    f.write_bytes("id: x\nname: caf\xe9\n".encode("latin-1"))
    with pytest.raises(PolicyError, match=r"latin\.yaml:2:10: not UTF-8"):
        load_policy(f)
    f.write_bytes(b"\xef\xbb\xbf" + "id: x\nname: caf\xe9\n".encode("latin-1"))  # a BOM first
    with pytest.raises(PolicyError, match=r"latin\.yaml:2:10: not UTF-8 text \(byte 0xe9\)"):
        load_policy(f)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such file"):
        load_policy(tmp_path / "nope.yaml")
    with pytest.raises(PolicyError, match="is a folder"):
        load_policy(tmp_path)


def test_unknown_bundled_id_lists_the_bundled_ones() -> None:
    with pytest.raises(UnknownNameError) as info:
        load_policy("passkitt")
    assert info.value.valid == bundled_policies()
    assert isinstance(info.value, KeyError)


def test_bundled_ids_case_insensitive_and_cached() -> None:
    assert load_policy("PassKit") is load_policy("passkit")


def test_bundled_policies_listed() -> None:
    assert bundled_policies() == ["api_provider", "esim_go", "integrato", "passkit", "smartix"]


def test_bundled_errors_name_the_repo_path() -> None:
    # bundled files are shown as policies/<id>.yaml whatever the working directory
    from slacalc.loading import bundled_path

    assert bundled_path("passkit").name == "passkit.yaml"


def test_load_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "b.yml").write_text(MINIMAL.replace("id: tiny", "id: other"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a policy", encoding="utf-8")
    policies = load_policies(tmp_path)
    assert sorted(policies) == ["other", "tiny"]
    (tmp_path / "c.yaml").write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(PolicyError, match="also defined in"):
        load_policies(tmp_path)
    with pytest.raises(PolicyError, match="not a folder"):
        load_policies(tmp_path / "a.yaml")


def test_load_by_path_string(tmp_path: Path) -> None:
    f = tmp_path / "tiny.yaml"
    f.write_text(MINIMAL, encoding="utf-8")
    assert load_policy(str(f)).id == "tiny"


def test_bundled_policies_load_from_any_working_directory(tmp_path: Path) -> None:
    code = "import slacalc as s; print([p for p in s.bundled_policies() if s.load_policy(p)])"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert "passkit" in out.stdout


def test_calendar_from_yaml_uses_the_safe_loader() -> None:
    from slacalc import Calendar

    cal = Calendar.from_yaml("timezone: UTC\nhours: {mon-fri: ['09:00-17:00']}\n")
    assert cal.timezone == "UTC"
    with pytest.raises(PolicyError, match="duplicate key"):
        Calendar.from_yaml("timezone: UTC\ntimezone: GMT\n")


def test_error_message_is_one_line() -> None:
    err = error_of(PASSKIT.replace("gold: 4 business hours", "gold: 4 hourz"))
    assert "\n" not in str(err)
    assert re.match(r"^policies/passkit\.yaml:\d+:\d+: ", str(err))
