"""Ticket files to tables: one tickets table and one long events table (extra ``slacalc[pandas]``).

Every reader returns a ``Tables`` pair that ``evaluate_frame`` takes as it is: ``tickets``
(``plan``, ``severity``, ``opened_at``, optional ``ticket_id``, ``policy`` and wide
``{event}_at`` columns) and ``events`` (``ticket_id``, ``type``, ``at``, ``severity``).
Readers only move values into those columns; which events count, in which order and which
are refused is the engine's rule (``slacalc.frame``), so a file and the same tickets in
Python give the same answers.

The index of each table holds the file's line numbers (CSV: the line a record starts on,
after blank lines and multi-line quoted fields; JSON lines: the line; a JSON array: the
item's position from 1), so errors can name them. Problems with the file itself (not UTF-8,
binary, a row with extra fields, a header the reader cannot use) raise ``SlacalcError``
naming the file and line.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import SlacalcError, TicketError
from .limits import MAX_TABLE_BYTES, Fail, read_capped

if TYPE_CHECKING:
    from .policy import Policy
    from .tickets import Ticket

__all__ = [
    "EVENT_COLUMNS",
    "Tables",
    "file_text",
    "read_events",
    "read_records",
    "read_table",
    "read_tickets",
    "tickets_from_records",
    "tickets_of",
]

EVENT_COLUMNS = ("ticket_id", "type", "at", "severity")
"""The columns of every events table, in order."""

_DELIMITERS = (",", ";", "\t", "|")
_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
_TEXT_FIELDS = ("ticket_id", "plan", "severity", "opened_at", "policy")


@dataclass
class Tables:
    """A tickets table and the long events table of the same tickets."""

    tickets: pd.DataFrame
    events: pd.DataFrame | None = None


# ---- raw files --------------------------------------------------------------------------


def _failing(path: Path) -> Fail:
    """How a reading limit fails for ``path``: one located ``SlacalcError``."""

    def fail(message: str, *, line: int | None = None, column: int | None = None) -> SlacalcError:
        where = f" line {line}" if line is not None else ""
        return SlacalcError(f"{path}{where}: {message}")

    return fail


def file_text(path: Path) -> str:
    """A data file's text: a regular file within the size cap, UTF-8, no NUL bytes."""
    raw = read_capped(path, MAX_TABLE_BYTES, _failing(path))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SlacalcError(f"{path}: UTF-16 text; save the file as UTF-8")
    if b"\x00" in raw[:8192]:
        raise SlacalcError(f"{path}: not a text file (it holds NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise SlacalcError(
            f"{path} line {line}: not UTF-8 text (byte 0x{raw[e.start]:02x}); "
            "save the file as UTF-8"
        ) from None


def _delimiter(header: str, path: Path) -> str:
    """The separator of a CSV header line: the one of ``, ; TAB |`` that occurs most."""
    counts = {d: len(next(csv.reader([header], delimiter=d), [])) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 1 else ","


def read_table(path: Path) -> pd.DataFrame:
    """A CSV file as text columns, indexed by the line each record starts on.

    The separator (comma, semicolon, tab or bar) is read from the header; spaces around
    header names are dropped; empty cells are missing values.
    """
    text = file_text(path)
    if not text.strip():
        raise SlacalcError(f"{path}: the file is empty; expected a header line")
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise SlacalcError(f"{path} line 1: empty; a table starts with its header line")
    sep = _delimiter(first_line, path)
    header = next(csv.reader(io.StringIO(text), delimiter=sep))
    names = [h.strip() for h in header]
    dupes = sorted({n for n in names if names.count(n) > 1 and n})
    if dupes:
        raise SlacalcError(f"{path} line 1: the header names {dupes[0]!r} twice")
    simple = '"' not in text and "\n\n" not in text and "\r\n\r\n" not in text
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                dtype=str,
                header=0,
                names=names,
                index_col=False,
                keep_default_na=False,
                na_values=[""],
                on_bad_lines="error",
            )
    except pd.errors.EmptyDataError:
        raise SlacalcError(f"{path}: no columns; a table starts with its header line") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning):
        _raise_bad_record(text, sep, len(names), path)
        raise  # pragma: no cover - _raise_bad_record always raises here
    lines = list(range(2, len(df) + 2)) if simple else _record_lines(text, sep)
    if len(lines) != len(df):  # pragma: no cover - csv and pandas disagree on records
        lines = list(range(2, len(df) + 2))
    df.index = pd.Index(lines, name="line")
    table: pd.DataFrame = df
    return table


def _records(text: str, sep: str) -> Iterable[tuple[int, list[str]]]:
    """(start line, fields) of each non-blank record after the header."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    next(reader, None)
    start = reader.line_num + 1
    for row in reader:
        if row:
            yield start, row
        start = reader.line_num + 1


def _record_lines(text: str, sep: str) -> list[int]:
    return [line for line, _ in _records(text, sep)]


def _raise_bad_record(text: str, sep: str, width: int, path: Path) -> None:
    try:
        for line, row in _records(text, sep):
            if len(row) > width:
                raise SlacalcError(
                    f"{path} line {line}: {len(row)} fields where the header names {width}; "
                    "quote a value that contains the separator"
                    + (f" ({sep!r})" if sep != "," else "")
                )
    except csv.Error as e:
        raise SlacalcError(f"{path}: not CSV ({e})") from None
    raise SlacalcError(f"{path}: not CSV (a record pandas cannot read)")


def read_records(path: Path) -> tuple[list[Any], list[int]]:
    """JSON (an array, or an object holding one) or JSON lines: items and their numbers."""
    text = file_text(path)
    stripped = text.lstrip()
    lines_suffix = path.suffix.lower() in (".jsonl", ".ndjson")
    if stripped.startswith(("[", "{")) and not lines_suffix and not _is_json_lines(stripped):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise SlacalcError(f"{path} line {e.lineno}: not JSON ({e.msg})") from None
        except RecursionError:
            raise SlacalcError(
                f"{path}: JSON nested too deeply; a ticket is an object of plain values"
            ) from None
        if isinstance(data, dict):
            lists = [v for v in data.values() if isinstance(v, list)]
            if len(lists) != 1:
                raise SlacalcError(f"{path}: expected a JSON array of tickets")
            data = lists[0]
        if not isinstance(data, list):
            raise SlacalcError(f"{path}: expected a JSON array of tickets")
        return data, list(range(1, len(data) + 1))
    items: list[Any] = []
    numbers: list[int] = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SlacalcError(f"{path} line {n}: not JSON ({e.msg})") from None
            except RecursionError:
                raise SlacalcError(f"{path} line {n}: JSON nested too deeply") from None
            numbers.append(n)
    return items, numbers


def _is_json_lines(text: str) -> bool:
    first, _, rest = text.partition("\n")
    if not rest.strip():
        return False
    try:
        json.loads(first)
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


# ---- tickets and events ----------------------------------------------------------------


def read_tickets(path: Path, events: Path | None = None) -> Tables:
    """Tickets from CSV, JSON or JSON lines, and their events (nested, or in ``events``)."""
    if path.suffix.lower() in _JSON_SUFFIXES:
        items, numbers = read_records(path)
        tables = tickets_from_records(items, numbers, str(path))
    else:
        tables = Tables(read_table(path))
    if events is not None:
        extra = read_events(events)
        tables.events = extra if tables.events is None else _concat(tables.events, extra)
    if tables.events is not None and "ticket_id" not in tables.tickets.columns:
        raise SlacalcError(f"{path}: tickets with events need a ticket_id column")
    return tables


def read_events(path: Path) -> pd.DataFrame:
    """A long events table (``ticket_id``, ``type``, ``at``, ``severity``) from CSV or JSON."""
    if path.suffix.lower() in _JSON_SUFFIXES:
        items, numbers = read_records(path)
        rows = []
        for item, n in zip(items, numbers, strict=True):
            if not isinstance(item, dict):
                raise SlacalcError(f"{path} item {n}: expected an object with ticket_id, type, at")
            rows.append({c: _cell(item.get(c), c, path, n) for c in EVENT_COLUMNS})
        df = pd.DataFrame(rows, columns=list(EVENT_COLUMNS), dtype="str")
        df.index = pd.Index(numbers, name="line")
    else:
        df = read_table(path)
    missing = [c for c in ("ticket_id", "type", "at") if c not in df.columns]
    if missing:
        raise SlacalcError(
            f"{path}: an events table needs columns ticket_id, type, at (and severity for "
            f"severity_changed); it lacks {', '.join(missing)}"
        )
    if "severity" not in df.columns:
        df["severity"] = None
    out: pd.DataFrame = df[list(EVENT_COLUMNS)]
    return out


def tickets_from_records(items: Sequence[Any], numbers: Sequence[int], shown: str) -> Tables:
    """Tickets (JSON objects) to tables; each ticket's ``events`` list goes to the events table.

    A ticket without ``ticket_id`` (or ``id``) gets its line number as id.
    """
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    event_lines: list[int] = []
    for item, n in zip(items, numbers, strict=True):
        if not isinstance(item, dict):
            raise SlacalcError(
                f"{shown} ticket {n}: expected an object with plan, severity, opened_at"
            )
        row = dict(item)
        nested = row.pop("events", None)
        if "ticket_id" not in row:
            row["ticket_id"] = row.pop("id", n)
        for key in list(row):
            row[key] = _cell(row[key], key, shown, n)
        rows.append(row)
        if nested is None:
            continue
        if not isinstance(nested, list):
            raise SlacalcError(f"{shown} ticket {n}: events must be a list of objects")
        for k, ev in enumerate(nested, 1):
            if not isinstance(ev, dict):
                raise SlacalcError(f"{shown} ticket {n}: event {k} is not an object")
            events.append(
                {
                    "ticket_id": row["ticket_id"],
                    **{c: _cell(ev.get(c), c, shown, n) for c in EVENT_COLUMNS[1:]},
                }
            )
            event_lines.append(n)
    df = pd.DataFrame(rows)
    for col in ("plan", "severity", "opened_at"):
        if col not in df.columns:
            df[col] = None
    df.index = pd.Index(list(numbers), name="line")
    ev_df = None
    if events:
        ev_df = pd.DataFrame(events, columns=list(EVENT_COLUMNS))
        ev_df.index = pd.Index(event_lines, name="line")
    return Tables(df, ev_df)


def _cell(value: Any, key: str, shown: object, n: int) -> Any:
    """A JSON value as a table cell: text, a number as text, or None; nothing nested."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | dict | list):
        if key in _TEXT_FIELDS or key.endswith("_at") or key in EVENT_COLUMNS:
            kind = "a list" if isinstance(value, list) else type(value).__name__
            raise SlacalcError(f"{shown} item {n}: {key} must be text, not {kind}")
        return json.dumps(value) if not isinstance(value, bool) else value
    if isinstance(value, int | float):
        return str(value)
    return str(value)


def _concat(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    out: pd.DataFrame = pd.concat([a, b])
    return out


def tickets_of(tables: Tables, policy: Policy, shown: object = "tickets") -> list[Ticket]:
    """The rows of ``tables`` as ``Ticket`` objects, in row order, for the scalar engine.

    Columns ``plan``, ``severity``, ``opened_at`` and ``ticket_id`` fill the ticket; each
    ``{type}_at`` column the table path reads (``tickets.WIDE_EVENT_TYPES`` and the
    event types ``policy`` declares) with a value is one event of that type; the
    events table's rows join the ticket of their ``ticket_id``. Other columns go to
    ``data``. A row the ``Ticket`` model refuses is a ``TicketError`` naming its line.
    """
    from .tickets import WIDE_EVENT_TYPES, Ticket

    df = tables.tickets
    types = [t.value for t in WIDE_EVENT_TYPES] + list(policy.events)
    wide = [t for t in types if f"{t}_at" in df.columns]
    taken = {"ticket_id", "plan", "severity", "opened_at", *(f"{t}_at" for t in wide)}
    nested: dict[str, list[dict[str, Any]]] = {}
    if tables.events is not None:
        for row in tables.events.to_dict("records"):
            event = {str(k): v for k, v in row.items() if k != "ticket_id" and _present(v)}
            nested.setdefault(str(row["ticket_id"]), []).append(event)
    out: list[Ticket] = []
    for line, row in zip(df.index, df.to_dict("records"), strict=True):
        tid = row.get("ticket_id")
        events = [{"type": t, "at": row[f"{t}_at"]} for t in wide if _present(row[f"{t}_at"])]
        if _present(tid):
            events += nested.get(str(tid), [])
        data = {k: v for k, v in row.items() if k not in taken and _present(v)}
        fields = {
            "plan": row.get("plan"),
            "severity": row.get("severity"),
            "opened_at": row.get("opened_at"),
            "id": tid if _present(tid) else None,
            "events": events,
        }
        if data:
            fields["data"] = data
        try:
            out.append(Ticket.from_dict(fields))
        except SlacalcError as e:
            raise TicketError(f"{shown} line {line}: {e}") from None
    return out


def _present(value: Any) -> bool:
    """A cell with a value (not None, NaN or NA)."""
    nan = isinstance(value, float) and value != value
    return value is not None and not nan and value is not pd.NA
