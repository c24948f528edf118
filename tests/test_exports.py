"""Helpdesk exports through the shipped mappings: the same evaluation as hand-written tickets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tables_support import answers, tickets_of

from slacalc import Event, Ticket, load_policy
from slacalc.errors import PolicyError, UnknownNameError
from slacalc.exports import (
    bundled_mappings,
    load_mapping,
    mapping_from_text,
    mapping_schema,
    read_export,
)

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "examples" / "exports"


def t(day: int, hh: int, mm: int) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=UTC)


def ev(kind: str, at: datetime, severity: str | None = None) -> Event:
    return Event(type=kind, at=at, severity=severity)


# The scenarios of the shared export notes, written by hand as slacalc tickets.
ZENDESK = {
    "5101": Ticket(
        plan="gold",
        severity="sev1",
        opened_at=t(16, 8, 5),
        events=(
            ev("responded", t(16, 8, 40)),
            ev("paused", t(16, 9, 10)),
            ev("resumed", t(16, 13, 0)),
            ev("resolved", t(16, 15, 30)),
        ),
    ),
    "5102": Ticket(
        plan="silver",
        severity="sev2",
        opened_at=t(16, 10, 0),
        events=(
            ev("responded", t(16, 11, 30)),
            ev("paused", t(16, 12, 0)),
            ev("resumed", t(17, 9, 0)),
            ev("resolved", t(17, 11, 0)),
            ev("reopened", t(18, 8, 0)),
            ev("resolved", t(18, 10, 15)),
        ),
    ),
    "5103": Ticket(
        plan="bronze",
        severity="sev3",
        opened_at=t(17, 13, 20),
        events=(ev("responded", t(17, 13, 50)), ev("severity_changed", t(17, 14, 0), "sev2")),
    ),
}
JIRA = {
    "HELP-101": Ticket(
        plan="gold",
        severity="sev2",
        opened_at=t(16, 9, 5),
        events=(
            ev("responded", t(16, 9, 40)),
            ev("paused", t(16, 10, 10)),
            ev("resumed", t(16, 14, 0)),
            ev("resolved", t(16, 16, 30)),
        ),
    ),
    "HELP-102": Ticket(
        plan="silver",
        severity="sev1",
        opened_at=t(16, 10, 0),
        events=(
            ev("responded", t(16, 11, 30)),
            ev("resolved", t(17, 11, 0)),
            ev("reopened", t(18, 8, 0)),
            ev("resolved", t(18, 10, 15)),
        ),
    ),
    "HELP-103": Ticket(
        plan="bronze",
        severity="sev3",
        opened_at=t(17, 13, 20),
        events=(ev("responded", t(17, 13, 50)), ev("severity_changed", t(17, 14, 0), "sev2")),
    ),
}
FRESHDESK = {
    "301": Ticket(
        plan="gold",
        severity="sev1",
        opened_at=t(16, 8, 5),
        events=(
            ev("responded", t(16, 8, 40)),
            ev("paused", t(16, 9, 10)),
            ev("resumed", t(16, 13, 0)),
            ev("resolved", t(16, 15, 30)),
        ),
    ),
    "302": Ticket(
        plan="silver",
        severity="sev2",
        opened_at=t(16, 10, 0),
        events=(
            ev("responded", t(16, 11, 30)),
            ev("resolved", t(17, 11, 0)),
            ev("reopened", t(18, 8, 0)),
            ev("resolved", t(18, 10, 15)),
        ),
    ),
    "303": Ticket(
        plan="bronze",
        severity="sev3",
        opened_at=t(17, 13, 20),
        events=(ev("responded", t(17, 13, 50)), ev("severity_changed", t(17, 14, 0), "sev2")),
    ),
}
CASES = {
    "zendesk": ("zendesk/tickets.json", "zendesk/audits.json", ZENDESK),
    "jira": ("jira/issues.json", None, JIRA),
    "freshdesk": ("freshdesk/tickets.json", "freshdesk/activities.json", FRESHDESK),
}
INSTANTS = [t(16, 12, 0), t(17, 10, 0), t(17, 13, 55), t(18, 9, 0), t(25, 0, 0)]


def test_three_mappings_ship():
    assert bundled_mappings() == ["freshdesk", "jira", "zendesk"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_gives_the_hand_written_evaluation(name):
    export, history, expected = CASES[name]
    policy = load_policy("passkit")
    tables = read_export(load_mapping(name), EXPORTS / export, history and EXPORTS / history)
    got = tickets_of(tables.tickets, tables.events)
    assert sorted(got) == sorted(expected)
    for tid, ticket in expected.items():
        for at in [i for i in INSTANTS if i >= ticket.opened_at]:
            assert answers(policy, got[tid], at) == answers(policy, ticket, at), (tid, at)


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_end_to_end_on_the_command_line(name, capsys):
    """Needs evaluate_frame(events=...): the engine's events table."""
    from slacalc.cli import main

    export, history, expected = CASES[name]
    events = ["--events", str(EXPORTS / history)] if history else []
    code = main(
        [
            "evaluate",
            "passkit",
            str(EXPORTS / export),
            "--mapping",
            name,
            *events,
            "--at",
            "2026-11-25T00:00:00Z",
            "--format",
            "json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = {str(r["ticket_id"]): r for r in json.loads(out)}
    policy = load_policy("passkit")
    for tid, ticket in expected.items():
        want = policy.evaluate(ticket, at=t(25, 0, 0))
        for m in policy.metrics:
            assert rows[tid][f"{m}_state"] == want[m].state


def test_mapping_errors_are_located():
    text = "name: x\ntickets:\n  ticket_id: id\n  opened_at: created_at\n  severty: priority\n"
    with pytest.raises(PolicyError) as e:
        mapping_from_text(text, "m.yaml")
    assert str(e.value).startswith("m.yaml:5:3: tickets.severty: unknown key 'severty'")
    with pytest.raises(PolicyError) as e:
        mapping_from_text("name: x\ntickets:\n  ticket_id: id\n  opened_at: c\n", "m.yaml")
    assert "m.yaml:3:3: tickets" in str(e.value) and "missing key 'severity'" in str(e.value)
    with pytest.raises(PolicyError, match=r"m.yaml:2:20: statuses.paused"):
        mapping_from_text(
            "name: x\nstatuses: {paused: 3}\ntickets: {ticket_id: a, opened_at: b, severity: c}",
            "m.yaml",
        )
    with pytest.raises(UnknownNameError, match="valid mappings: 'freshdesk', 'jira', 'zendesk'"):
        load_mapping("servicenow")


def test_committed_schema_is_current():
    assert (ROOT / "mappings" / "mapping.schema.json").read_text() == mapping_schema()


def test_every_shipped_mapping_validates_against_its_schema():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads(mapping_schema())
    for name in bundled_mappings():
        data = yaml.safe_load((ROOT / "mappings" / f"{name}.yaml").read_text())
        jsonschema.validate(data, schema)


def test_csv_export_with_status_words(tmp_path):
    """A CSV export (Freshdesk's ticket list) read through a user mapping with a format."""
    export = tmp_path / "tickets.csv"
    export.write_text(
        "Ticket ID,Status,Priority,Created time,Initial response time,Plan\n"
        "301,Closed,Urgent,2026-11-16 08:05:00,2026-11-16 08:40:00,Gold\n"
    )
    mapping = mapping_from_text(
        "name: csv\n"
        "tickets:\n  ticket_id: Ticket ID\n  opened_at: Created time\n  severity: Priority\n"
        "  plan: Plan\n  events: {responded: Initial response time}\n"
        "times: {format: '%Y-%m-%d %H:%M:%S', timezone: UTC}\n"
        "severities: {Urgent: sev1}\nplans: {Gold: gold}\n",
        "m.yaml",
    )
    tables = read_export(mapping, export)
    assert tables.tickets.index.tolist() == [2]
    got = tickets_of(tables.tickets, tables.events)["301"]
    assert got.plan == "gold" and got.severity == "sev1"
    assert got.opened_at == t(16, 8, 5)
