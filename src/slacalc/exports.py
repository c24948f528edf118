"""Helpdesk exports to tickets and events, through a mapping file (extra ``slacalc[pandas]``).

A mapping (YAML, validated like a policy: a mistake names ``file:line:col`` and the key
path) says where an export keeps each ticket's id, opening time, plan and severity, which
status words pause, resolve or close a ticket, which priority words are which severity,
and how its status history reads. ``read_export(mapping, export, history)`` returns the
same ``readers.Tables`` pair every other reader gives, so the engine's one rule orders and
checks the events.

Paths into JSON records are dotted keys (``fields.priority.name``); ``name[key=value]``
picks the first list item whose ``key`` equals ``value`` (``custom_fields[id=360001].value``);
a number picks a list item. In CSV exports a path is a column name, as written. Nested
history levels (``nested: [changelog.histories, items]``) are flattened, and a path is
looked up from the innermost level outward: the first level that has its first key answers.

Statuses become events by their transitions, in time order per ticket: into a ``paused``
status is ``paused`` and out of it ``resumed``; into a ``resolved`` (or ``closed``) status
from an open one is ``resolved``; out of a resolved or closed status into any other is
``reopened``. A priority change is ``severity_changed``; the opening severity is the first
priority the history records at the opening, else the first change's previous value, else
the ticket's (current) value.

Bundled mappings: ``zendesk`` (tickets export + ticket audits), ``jira`` (issue search with
``expand=changelog``), ``freshdesk`` (tickets with stats + ticket activities).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import PolicyError, SlacalcError, UnknownNameError
from .readers import EVENT_COLUMNS, Tables, file_text, read_table
from .yamldoc import YamlDocument, decode, parse_yaml, read_text

__all__ = [
    "History",
    "Mapping",
    "Responded",
    "Statuses",
    "TicketFields",
    "Times",
    "bundled_mappings",
    "load_mapping",
    "mapping_from_text",
    "mapping_schema",
    "read_export",
]

_PACKAGE = "slacalc.mappings"
_SUFFIXES = (".yaml", ".yml")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Times(_Model):
    """How the export writes instants."""

    format: str | None = Field(
        None,
        description="a strptime pattern such as '%d-%m-%Y %H:%M:%S %z'; empty: ISO 8601",
    )
    timezone: str | None = Field(
        None, description="the IANA zone of times written without an offset"
    )


class TicketFields(_Model):
    """Where each ticket's fields are."""

    records: str = Field("", description="JSON: the path to the list of tickets ('' = top)")
    ticket_id: str
    opened_at: str
    severity: str
    plan: str | None = None
    policy: str | None = Field(None, description="a path holding each ticket's policy")
    events: dict[str, str] = Field(
        default_factory=dict,
        description="event type -> path of its time on the ticket, e.g. responded: "
        "stats.first_responded_at",
    )


class Responded(_Model):
    """Which history items are a first response."""

    match: dict[str, Any] = Field(description="paths and the values they must hold")
    author: str | None = Field(None, description="the path of the item's author")
    not_author: str | None = Field(
        None, description="a ticket path (the requester) the author must differ from"
    )


class History(_Model):
    """How the status history export reads."""

    records: str = Field("", description="the path to the list of history records")
    in_export: bool = Field(
        False, description="the history is inside the export itself (read it from there)"
    )
    nested: list[str] = Field(default_factory=list, description="list paths to flatten, in order")
    ticket_id: str
    at: str
    field: str | None = Field(None, description="the path of the changed field's name")
    value: str | None = Field(None, description="the path of its new value")
    previous: str | None = Field(None, description="the path of its previous value")
    changes: str | None = Field(
        None, description="instead of field/value: a path to an object of field -> new value"
    )
    status_field: str = "status"
    priority_field: str = "priority"
    responded: Responded | None = None
    times: Times | None = Field(None, description="default: the mapping's times")


class Statuses(_Model):
    """Status words (case-insensitive) by meaning; any other status is open."""

    paused: list[str] = Field(default_factory=list)
    resolved: list[str] = Field(default_factory=list)
    closed: list[str] = Field(default_factory=list)

    @field_validator("paused", "resolved", "closed", mode="before")
    @classmethod
    def _words(cls, v: Any) -> Any:
        return [str(x) for x in v] if isinstance(v, list) else v


class Mapping(_Model):
    """A helpdesk export's layout, for ``read_export``."""

    name: str
    policy: str | None = Field(None, description="the policy of every ticket (id or path)")
    tickets: TicketFields
    times: Times = Times()
    history: History | None = None
    statuses: Statuses = Statuses()
    severities: dict[str, str] = Field(
        default_factory=dict, description="export priority -> severity id or name"
    )
    plans: dict[str, str] = Field(default_factory=dict, description="export plan -> plan id")

    @field_validator("severities", "plans", mode="before")
    @classmethod
    def _keys(cls, v: Any) -> Any:
        return {str(k): str(x) for k, x in v.items()} if isinstance(v, dict) else v


# ---- loading ----------------------------------------------------------------------------


def mapping_from_text(text: str, filename: str = "<string>") -> Mapping:
    """A mapping from YAML text; a mistake is a ``PolicyError`` naming file:line:col."""
    doc = parse_yaml(text, filename)
    if not isinstance(doc.data, dict):
        raise PolicyError("a mapping file is a mapping of keys (name, tickets, ...)", file=filename)
    try:
        return Mapping.model_validate(doc.data)
    except ValidationError as e:
        raise _located(e, doc) from None


def _located(e: ValidationError, doc: YamlDocument) -> PolicyError:
    # A misspelt key also makes its intended key missing: name the misspelling first.
    errs = sorted(e.errors(include_url=False), key=lambda x: x["type"] != "extra_forbidden")
    err = errs[0]
    found, rest = doc.resolve(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        message = f"unknown key {err['loc'][-1]!r}"
        return doc.error(message, found, key=True)  # the other errors follow from it
    if kind == "missing":
        message = f"missing key {err['loc'][-1]!r}"
        rest = rest[:-1]
    else:
        message = str(err["msg"])
    more = len(e.errors()) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return doc.error(message, found, extra=rest)


def bundled_mappings() -> list[str]:
    """Ids of the mappings shipped with slacalc, sorted."""
    return sorted(
        p.name.rsplit(".", 1)[0]
        for p in resources.files(_PACKAGE).iterdir()
        if p.is_file() and p.name.endswith(_SUFFIXES)
    )


@cache
def _bundled(name: str) -> Mapping:
    source = resources.files(_PACKAGE) / f"{name}.yaml"
    shown = f"mappings/{name}.yaml"
    return mapping_from_text(decode(source.read_bytes(), shown), shown)


def load_mapping(name_or_path: str | Path) -> Mapping:
    """A bundled mapping by id (``zendesk``, ``jira``, ``freshdesk``) or a file by path."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(_SUFFIXES) or "/" in text:
        return mapping_from_text(read_text(Path(name_or_path), text), text)
    key = text.strip().lower()
    if key not in bundled_mappings():
        raise UnknownNameError("mapping", text, bundled_mappings())
    return _bundled(key)


def mapping_schema() -> str:
    """The JSON Schema of a mapping file, as committed in ``mappings/mapping.schema.json``."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://slacalc.example/mapping.schema.json",
        **Mapping.model_json_schema(),
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


# ---- paths ------------------------------------------------------------------------------


def _steps(path: str) -> list[tuple[str, str | None, str | None]]:
    """``a.b[k=v].c`` -> [(a, None, None), (b, k, v), (c, None, None)]."""
    out: list[tuple[str, str | None, str | None]] = []
    for part in path.split("."):
        if part.endswith("]") and "[" in part:
            name, _, cond = part[:-1].partition("[")
            key, _, want = cond.partition("=")
            out.append((name, key, want))
        else:
            out.append((part, None, None))
    return out


def _get(obj: Any, path: str) -> Any:
    """The value at ``path`` in ``obj`` (None when any step is missing)."""
    for name, key, want in _steps(path):
        if isinstance(obj, dict):
            obj = obj.get(name)
        elif isinstance(obj, list) and name.isdigit():
            obj = obj[int(name)] if int(name) < len(obj) else None
        else:
            return None
        if key is not None:
            if not isinstance(obj, list):
                return None
            obj = next((x for x in obj if isinstance(x, dict) and str(x.get(key)) == want), None)
        if obj is None:
            return None
    return obj


def _lookup(chain: Sequence[Any], path: str) -> Any:
    """``path`` looked up from the innermost level outward (the first that has its key)."""
    first = _steps(path)[0][0]
    for level in reversed(chain):
        if isinstance(level, dict) and first in level:
            return _get(level, path)
    return None


# ---- reading ----------------------------------------------------------------------------


def _records(path: Path, where: str) -> list[Any]:
    """The records of a JSON export at ``where``, or a CSV export's rows as dicts."""
    if path.suffix.lower() == ".csv":
        table = read_table(path)
        return [
            {k: (None if v != v else v) for k, v in row.items()} | {"__line__": line}
            for line, row in zip(table.index, table.to_dict("records"), strict=True)
        ]
    try:
        data = json.loads(file_text(path))
    except json.JSONDecodeError as e:
        raise SlacalcError(f"{path} line {e.lineno}: not JSON ({e.msg})") from None
    except PolicyError as e:
        raise SlacalcError(str(e)) from None
    found = _get(data, where) if where else data
    if isinstance(found, dict):
        lists = [v for v in found.values() if isinstance(v, list)]
        found = lists[0] if len(lists) == 1 else found
    if not isinstance(found, list):
        raise SlacalcError(f"{path}: no list of records at {where or 'the top level'!r}")
    return found


def _flatten(records: Sequence[Any], nested: Sequence[str]) -> Iterator[tuple[int, list[Any]]]:
    """(record number, [record, level1, level2...]) for every innermost item."""

    def walk(chain: list[Any], depth: int) -> Iterator[list[Any]]:
        if depth == len(nested):
            yield chain
            return
        items = _get(chain[-1], nested[depth])
        for item in items if isinstance(items, list) else []:
            yield from walk([*chain, item], depth + 1)

    for n, record in enumerate(records, 1):
        for chain in walk([record], 0):
            yield n, chain


def _instant(value: Any, times: Times, where: str) -> str | None:
    """An export time as ISO 8601 text (naive when the export has no offset)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if times.format:
        try:
            return datetime.strptime(text, times.format).isoformat()
        except ValueError:
            raise SlacalcError(
                f"{where}: time {text!r} does not match the mapping's format {times.format!r}"
            ) from None
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        return text  # the engine names it as unreadable, with its row


def _word(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("name", value.get("value"))
    return str(value).strip().lower()


class _Translate:
    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.severities = {k.lower(): v for k, v in mapping.severities.items()}
        self.plans = {k.lower(): v for k, v in mapping.plans.items()}
        st = mapping.statuses
        self.paused = {s.lower() for s in st.paused}
        self.done = {s.lower() for s in st.resolved} | {s.lower() for s in st.closed}

    def severity(self, value: Any) -> Any:
        word = _word(value)
        return self.severities.get(word, value) if word is not None else None

    def plan(self, value: Any) -> Any:
        word = _word(value)
        return self.plans.get(word, value) if word is not None else None

    def transition(self, before: str | None, after: str) -> list[str]:
        """The events of a status change (statuses lower-cased; None: the opening)."""
        was_paused = before in self.paused
        was_done = before in self.done
        events: list[str] = []
        if after in self.done:
            if not was_done:
                events.append("resolved")
            return events
        if was_done:
            events.append("reopened")
        if after in self.paused and not was_paused:
            events.append("paused")
        elif after not in self.paused and was_paused:
            events.append("resumed")
        return events


def read_export(mapping: Mapping, export: Path, history: Path | None = None) -> Tables:
    """The tickets (and, with ``history``, events) of a helpdesk export, as tables.

    A mapping whose history is ``in_export`` (Jira's changelog) reads it from ``export``.
    """
    tr = _Translate(mapping)
    tf = mapping.tickets
    records = _records(export, tf.records)
    rows: list[dict[str, Any]] = []
    lines: list[Any] = []
    events: list[dict[str, Any]] = []
    event_lines: list[str] = []
    by_id: dict[str, dict[str, Any]] = {}
    for n, rec in enumerate(records, 1):
        line = rec.get("__line__", n) if isinstance(rec, dict) else n
        where = f"{export} {'line' if export.suffix.lower() == '.csv' else 'ticket'} {line}"
        if not isinstance(rec, dict):
            raise SlacalcError(f"{where}: expected an object")
        tid = _get(rec, tf.ticket_id)
        row = {
            "ticket_id": None if tid is None else str(tid),
            "plan": tr.plan(_get(rec, tf.plan)) if tf.plan else None,
            "severity": tr.severity(_get(rec, tf.severity)),
            "opened_at": _instant(_get(rec, tf.opened_at), mapping.times, where),
        }
        if tf.policy:
            row["policy"] = _get(rec, tf.policy)
        elif mapping.policy:
            row["policy"] = mapping.policy
        rows.append(row)
        lines.append(line)
        if row["ticket_id"] is not None:
            by_id[row["ticket_id"]] = rec | {"__row__": row}
        for kind, path in tf.events.items():
            at = _instant(_get(rec, path), mapping.times, where)
            if at is not None:
                events.append(_event(row["ticket_id"], kind, at))
                event_lines.append(where)
    if history is None and mapping.history is not None and mapping.history.in_export:
        history = export
    if history is not None:
        if mapping.history is None:
            raise SlacalcError(f"the mapping {mapping.name!r} has no history section")
        for ev, where in _history_events(mapping, history, tr, by_id):
            events.append(ev)
            event_lines.append(where)
    tickets = pd.DataFrame(rows)
    tickets.index = pd.Index(lines, name="line")
    ev_df = None
    if events:
        ev_df = pd.DataFrame(events, columns=list(EVENT_COLUMNS))
        ev_df.index = pd.Index(event_lines, name="line")
    return Tables(tickets, ev_df)


def _event(tid: Any, kind: str, at: str, severity: Any = None) -> dict[str, Any]:
    return {"ticket_id": tid, "type": kind, "at": at, "severity": severity}


def _history_events(
    mapping: Mapping, path: Path, tr: _Translate, tickets: dict[str, dict[str, Any]]
) -> Iterator[tuple[dict[str, Any], str]]:
    hist = mapping.history
    assert hist is not None
    times = hist.times or mapping.times
    changes: list[tuple[str, str, int, str, str, Any, Any]] = []
    for k, (n, chain) in enumerate(_flatten(_records(path, hist.records), hist.nested)):
        where = f"{path} record {n}"
        tid = _lookup(chain, hist.ticket_id)
        at = _instant(_lookup(chain, hist.at), times, where)
        if tid is None or at is None:
            raise SlacalcError(f"{where}: no {hist.ticket_id if tid is None else hist.at}")
        tid = str(tid)
        if hist.changes:
            found = _lookup(chain, hist.changes)
            items = list(found.items()) if isinstance(found, dict) else []
            pairs: list[tuple[Any, Any, Any]] = [(f, v, None) for f, v in items]
        else:
            name = _lookup(chain, hist.field) if hist.field else None
            value = _lookup(chain, hist.value) if hist.value else None
            before = _lookup(chain, hist.previous) if hist.previous else None
            pairs = [(name, value, before)] if name is not None else []
        for name, value, before in pairs:
            changes.append((tid, at, k, where, str(name), value, before))
        if hist.responded is not None and _responds(hist.responded, chain, tickets.get(tid)):
            yield _event(tid, "responded", at), where
    changes.sort(key=lambda c: (c[0], _sort_key(c[1]), c[2]))
    status: dict[str, str | None] = {}
    first_priority: set[str] = set()
    for tid, at, _, where, name, value, before in changes:
        if name == hist.status_field:
            after = _word(value)
            if after is None:
                continue
            prev = _word(before) if before is not None else status.get(tid)
            status[tid] = after
            for kind in tr.transition(prev, after):
                yield _event(tid, kind, at), where
        elif name == hist.priority_field:
            ticket = tickets.get(tid)
            opened = ticket["__row__"]["opened_at"] if ticket else None
            if tid not in first_priority:
                first_priority.add(tid)
                if ticket is not None and opened is not None and _sort_key(at) <= _sort_key(opened):
                    ticket["__row__"]["severity"] = tr.severity(value)
                    continue
                if ticket is not None and before is not None:
                    ticket["__row__"]["severity"] = tr.severity(before)
            yield _event(tid, "severity_changed", at, tr.severity(value)), where


def _sort_key(iso: str) -> Any:
    """Time order of export instants (a wall time without offset is ordered as UTC)."""
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return (1, iso)
    return (0, (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp())


def _responds(rule: Responded, chain: list[Any], ticket: dict[str, Any] | None) -> bool:
    for path, want in rule.match.items():
        got = _lookup(chain, path)
        if got != want and str(got).lower() != str(want).lower():
            return False
    if rule.author and rule.not_author and ticket is not None:
        author = _lookup(chain, rule.author)
        if author is not None and str(author) == str(_get(ticket, rule.not_author)):
            return False
    return True
