"""Readers, routing by a policy column, as-of selection and marked rows (tables, readers, CLI)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from slacalc import load_policy
from slacalc.cli import main
from slacalc.errors import SlacalcError
from slacalc.frame import FrameError
from slacalc.readers import read_table, read_tickets
from slacalc.report import compliance
from slacalc.tables import evaluate_tables

AT = datetime(2026, 11, 25, tzinfo=UTC)
MIXED = (
    "ticket_id,policy,plan,severity,opened_at,responded_at,team\n"
    "a1,passkit,Gold,Major,2026-11-20T16:30:00Z,2026-11-23T10:30:00Z,red\n"
    "a2,PassKit,gold,sev2,2026-11-20T16:30:00Z,,blue\n"
    "b1,smartix,{sp},{ss},2026-11-20T16:30:00Z,2026-11-20T17:00:00Z,red\n"
    "c1,nosuch,gold,sev2,2026-11-20T16:30:00Z,,red\n"
    "a3,passkit,gold,sev2,2026-12-20T16:30:00Z,,red\n"
)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def mixed(tmp_path):
    smartix = load_policy("smartix")
    plan = next(iter(smartix.plans))
    sev = next(iter(smartix.severities))
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED.format(sp=plan, ss=sev))
    return path


def test_rows_route_to_their_policy_and_equal_each_policy_alone(mixed):
    tickets = read_table(mixed)
    out = evaluate_tables(tickets, at=AT, errors="mark")
    assert out.index.tolist() == [2, 3, 4, 5]  # line 6 opened after AT: left out
    assert out.attrs["left_out"]["opened after at"] == 1
    assert out["policy"].tolist() == ["passkit", "passkit", "smartix", "nosuch"]
    assert out.loc[5, "problem"].startswith("unknown policy 'nosuch'")
    assert out.loc[5, "response_state"] == "invalid"
    for pid, lines in (("passkit", [2, 3]), ("smartix", [4])):
        alone = load_policy(pid).evaluate_frame(tickets.loc[lines], at=AT)
        for m in load_policy(pid).metrics:
            assert out.loc[lines, f"{m}_state"].astype(str).tolist() == (
                alone[f"{m}_state"].astype(str).tolist()
            )
    # Output columns: the union of the policies' metrics.
    metrics = set(load_policy("passkit").metrics) | set(load_policy("smartix").metrics)
    assert {f"{m}_state" for m in metrics} <= set(out.columns)


def test_unknown_policy_raises_with_its_line(mixed):
    with pytest.raises(FrameError) as e:
        evaluate_tables(read_table(mixed), at=AT)
    assert e.value.problems[0][0] == 5


def test_since_until_select_by_opening(mixed):
    tickets = read_table(mixed)
    out = evaluate_tables(
        tickets, at=AT, errors="mark", since="2026-11-20T16:30:00Z", until="2026-11-20T16:30:01Z"
    )
    assert len(out) == 4
    out = evaluate_tables(tickets, at=AT, errors="mark", since="2026-11-21T00:00:00Z")
    assert len(out) == 0 and out.attrs["left_out"]["opened before since"] == 4


def test_naive_openings_are_placed_by_tz():
    tickets = pd.DataFrame(
        {
            "plan": ["gold"] * 2,
            "severity": ["sev2"] * 2,
            "opened_at": ["2026-11-24T23:30:00", "2026-11-25T00:30:00"],
        }
    )
    # In New York both are before 2026-11-25T06:00Z; in UTC only the first is.
    at = "2026-11-25T06:00:00Z"
    assert len(evaluate_tables(tickets, policy="passkit", at=at, tz="America/New_York")) == 2
    assert len(evaluate_tables(tickets, policy="passkit", at="2026-11-25T00:00:00Z", tz="UTC")) == 1


def test_report_groups_by_canonical_ids_and_any_column(mixed):
    out = evaluate_tables(read_table(mixed), at=AT, errors="mark")
    by = compliance(out, by=["policy", "plan"], metrics=["response"])
    assert ("passkit", "gold") in by.index  # 'PassKit'/'passkit', 'Gold'/'gold' are one group
    assert by.loc[("passkit", "gold"), "tickets"] == 2
    assert by.loc[("nosuch", "gold"), "invalid"] == 1
    teams = compliance(out, by="team", metrics=["response"])
    assert set(teams.index) == {"red", "blue"}
    with pytest.raises(SlacalcError, match="cannot group by 'colour'; group by any of"):
        compliance(out, by="colour")


def test_cli_report_without_policy_marks_and_summarises(mixed, capsys):
    code, out, err = run(
        capsys, "report", mixed, "--at", "2026-11-25T00:00:00Z", "--errors", "mark"
    )
    assert code == 0
    assert "by policy, plan" in out and "as of 2026-11-25T00:00:00+00:00" in out
    assert "(1 tickets opened after at are left out)" in out
    assert "(1 tickets could not be evaluated: marked invalid, not counted)" in out
    for name in ("missed (stopped late)", "breached (open, overdue)", "median share of target"):
        assert name in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("slacalc: 1 of 4 tickets could not be")
    assert f"{mixed} line 5: unknown policy 'nosuch'" in lines[0]


def test_cli_report_csv_and_json_keep_grouping_columns(mixed, capsys):
    at = ["--at", "2026-11-25T00:00:00Z", "--errors", "mark", "--by", "policy,plan"]
    code, out, _ = run(capsys, "report", mixed, *at, "--format", "json")
    rows = json.loads(out)
    assert rows[-1]["policy"] == "all" and rows[-1]["plan"] == ""
    assert {"policy", "plan", "tickets", "median_elapsed_seconds"} <= set(rows[0])
    assert code == 0
    code, out, _ = run(capsys, "report", mixed, *at, "--format", "csv")
    assert code == 0
    assert out.splitlines()[0].startswith("policy,plan,tickets,met")
    assert out.splitlines()[-1].startswith("all,,")


def test_cli_evaluate_durations_in_seconds_and_iso_instants(mixed, capsys):
    _, out, _ = run(
        capsys,
        "evaluate",
        mixed,
        "--at",
        "2026-11-25T00:00:00Z",
        "--errors",
        "mark",
        "--format",
        "jsonl",
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0]["response_due_at"].endswith("Z")
    assert isinstance(rows[0]["response_elapsed_seconds"], float)
    assert "response_elapsed" not in rows[0]
    assert rows[0]["line"] == 2


def test_csv_line_numbers_after_blank_lines_and_multiline_fields(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text(
        'plan,severity,opened_at,note\n\ngold,sev2,2026-11-20T16:30:00Z,"two\nlines"\n'
        "diamond,sev2,2026-11-20T16:30:00Z,x\n"
    )
    assert read_table(path).index.tolist() == [3, 5]
    code, _, err = run(capsys, "evaluate", "passkit", path, "--at", "2026-11-25T00:00:00Z")
    assert code == 1 and f"{path} line 5: unknown plan 'diamond'" in err


def test_csv_extra_fields_semicolons_and_header_spaces(tmp_path):
    extra = tmp_path / "extra.csv"
    extra.write_text("plan,severity,opened_at\ngold,sev2,2026-11-20T16:30:00Z,oops\n")
    with pytest.raises(SlacalcError, match="line 2: 4 fields where the header names 3"):
        read_table(extra)
    semi = tmp_path / "semi.csv"
    semi.write_text("plan ; severity ;opened_at\ngold;sev2;2026-11-20T16:30:00Z\n")
    table = read_table(semi)
    assert list(table.columns) == ["plan", "severity", "opened_at"]
    assert table.iloc[0].tolist() == ["gold", "sev2", "2026-11-20T16:30:00Z"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"plan,severity\n\xff\xfe,sev2\n", "line 2: not UTF-8 text"),
        (b"\x00\x01\x02", "not a text file"),
        (b"", "the file is empty"),
    ],
)
def test_hostile_files_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(SlacalcError, match=message):
        read_table(path)


def test_json_types_are_checked(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps([{"plan": ["gold"], "severity": "sev2", "opened_at": "x"}]))
    with pytest.raises(SlacalcError, match="item 1: plan must be text, not a list"):
        read_tickets(path)


def test_json_events_become_the_events_table(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(
        json.dumps(
            {
                "ticket_id": "x",
                "plan": "gold",
                "severity": "sev2",
                "opened_at": "2026-11-20T16:30:00Z",
                "events": [
                    {"type": "resolved", "at": "2026-11-24T10:00:00Z"},
                    {"type": "responded", "at": "2026-11-23T10:00:00Z"},
                ],
            }
        )
        + "\n"
    )
    tables = read_tickets(path)
    assert "responded_at" not in tables.tickets.columns  # no history built by the reader
    assert tables.events[["ticket_id", "type"]].values.tolist() == [
        ["x", "resolved"],
        ["x", "responded"],
    ]


def test_broken_pipe_is_quiet(mixed):
    cmd = (
        f"{sys.executable} -m slacalc evaluate {mixed} --errors mark "
        "--at 2026-11-25T00:00:00Z --format csv | head -1"
    )
    done = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("line,")
    assert "Broken pipe" not in done.stderr and "Traceback" not in done.stderr


def test_missing_plot_extra_is_one_line(mixed, capsys, monkeypatch):
    # Without the extra, importing slacalc.plot fails (it imports matplotlib at the top).
    monkeypatch.setitem(sys.modules, "slacalc.plot", None)
    code, _, err = run(
        capsys,
        "report",
        mixed,
        "--at",
        "2026-11-25T00:00:00Z",
        "--errors",
        "mark",
        "--plot",
        Path("x.png"),
    )
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "slacalc: error: --plot needs matplotlib: pip install 'slacalc[plot]'"
    )
