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

A CSV file can also be read in parts (``read_table_parts``, ``read_ticket_parts``), for work
that needs one part at a time: the same tables, errors and line numbers, in memory of one
part.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import importlib.util
import io
import itertools
import json
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

import pandas as pd

from .errors import SlacalcError, TicketError
from .limits import MAX_TABLE_BYTES, Fail, decode_utf8, not_utf8, open_regular, read_capped

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
    "read_table_parts",
    "read_ticket_parts",
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
    _check_start(raw, path)
    return decode_utf8(raw, _failing(path))


def _check_start(head: bytes, path: Path) -> None:
    """Refuse UTF-16 text and binary files by their first bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SlacalcError(f"{path}: UTF-16 text; save the file as UTF-8")
    if b"\x00" in head[:8192]:
        raise SlacalcError(f"{path}: not a text file (it holds NUL bytes)")


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
    _, parts = read_table_parts(path)
    (table,) = parts
    return table


def read_table_parts(path: Path, rows: int | None = None) -> tuple[int, Iterator[pd.DataFrame]]:
    """A CSV file as ``read_table`` reads it, in parts of about ``rows`` records.

    The file is checked first (size, UTF-8, header) in one pass over its bytes, so those
    errors raise here; a record with more fields than the header names raises while the
    parts are read. Returns the number of records at most (the line breaks after the
    header) and the parts, in file order: at least one (empty for a file of only a
    header). Memory is one part's, not the file's.
    """
    layout = _Layout.scan(path)
    return layout.records, layout.parts(rows)


_BLOCK = 1 << 20


_TEXT: dict[str, Any] = {"dtype": str, "keep_default_na": False, "na_values": [""]}
"""How every reader reads cells: as text, empty cells missing, nothing else missing."""

_PROBE = (
    ("007", "1.50", "2026-11-20T16:30:00Z", "1e3", "true", None),
    (None, "-0", "2026-11-20 16:30:00", "NA", "nan", None),
)


@functools.cache
def _arrow_engine() -> bool:
    """Whether pandas reads with pyarrow's parser keeping every cell's text as written.

    Checked once on a sample of text pyarrow would otherwise take for numbers, times or
    booleans (some pandas versions read such cells as numbers and write them back as text).
    """
    if importlib.util.find_spec("pyarrow") is None:
        return False
    sample = "\n".join(",".join(v or "" for v in row) for row in _PROBE).encode()
    names = [f"c{k}" for k in range(len(_PROBE[0]))]
    try:
        df = pd.read_csv(io.BytesIO(sample), engine="pyarrow", header=None, names=names, **_TEXT)
    except (ImportError, ValueError):  # pragma: no cover - depends on the environment
        return False
    got = [tuple(None if v != v else v for v in row) for row in df.itertuples(index=False)]
    return got == list(_PROBE) and all(pd.api.types.is_string_dtype(t) for t in df.dtypes)


@dataclass(frozen=True)
class _Layout:
    """What one pass over a CSV file's bytes learns: separator, header, record lines."""

    path: Path
    sep: str
    names: list[str]
    simple: bool  # no quotes and no blank lines: every record is one line
    lines: bool  # simple, and lines end in LF or CRLF only, no NUL: blocks of lines are records
    records: int  # line breaks after the header: the records at most
    size: int  # bytes

    @classmethod
    def scan(cls, path: Path) -> _Layout:
        """Check the file as ``file_text`` does and read its header, in blocks."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        breaks = size = 0
        tail = last = b""
        first: list[str] = []  # the text up to the first line break
        blank = simple = plain = True
        with open_regular(path, MAX_TABLE_BYTES, _failing(path)) as f:
            block = _read(f, path)
            _check_start(block, path)
            bom = block.startswith(codecs.BOM_UTF8)
            while block:
                pending = decoder.getstate()[0]
                reading = blank or not first or "\n" not in first[-1]
                if pending or reading or not block.isascii():  # ASCII is UTF-8 as it is
                    try:
                        text = decoder.decode(block)
                    except UnicodeDecodeError as e:
                        raise not_utf8(pending + block, e.start, _failing(path), breaks) from None
                    if bom:
                        text, bom = text[1:], False
                    if not first or "\n" not in first[-1]:
                        first.append(text)
                    blank = blank and not text.strip()
                # quotes and line breaks are single bytes in UTF-8: looked for in the bytes
                edge = tail + block[:3]
                simple = simple and b'"' not in block and b"\n\n" not in block
                simple = simple and (b"\r" not in block or b"\r\n\r\n" not in block)
                simple = simple and b"\n\n" not in edge and b"\r\n\r\n" not in edge
                plain = plain and b"\x00" not in block
                plain = plain and (b"\r" not in block or _crlf_only(tail + block))
                tail = block[-3:]
                breaks += block.count(b"\n")
                size += len(block)
                last = block[-1:]
                block = _read(f, path)
            pending = decoder.getstate()[0]
            if pending:
                raise not_utf8(pending, 0, _failing(path), breaks)
        if blank:
            raise SlacalcError(f"{path}: the file is empty; expected a header line")
        first_line = "".join(first).split("\n", 1)[0]
        if not first_line.strip():
            raise SlacalcError(f"{path} line 1: empty; a table starts with its header line")
        try:
            sep = _delimiter(first_line, path)
            with _text(path) as lines:
                header = next(csv.reader(lines, delimiter=sep))
        except csv.Error as e:
            raise SlacalcError(f"{path} line 1: not CSV ({e})") from None
        names = [h.strip() for h in header]
        dupes = sorted({n for n in names if names.count(n) > 1 and n})
        if dupes:
            raise SlacalcError(f"{path} line 1: the header names {dupes[0]!r} twice")
        if names.count("") > 1:
            raise SlacalcError(
                f"{path} line 1: the header leaves {names.count('')} columns unnamed; "
                "name each column"
            )
        records = max(breaks - 1 + (last != b"\n"), 0)
        return cls(path, sep, names, simple, simple and plain, records, size)

    def parts(self, rows: int | None) -> Iterator[pd.DataFrame]:
        """The records, about ``rows`` at a time (all at once for ``None``), in order."""
        done = 0
        read = self._blocks if self.lines and _arrow_engine() else self._chunks
        for df in read(rows):
            done += 1
            yield df
        if not done:
            yield pd.DataFrame(
                {n: pd.Series(dtype=str) for n in self.names},
                index=pd.Index([], name="line", dtype="int64"),
            )

    def _chunks(self, rows: int | None) -> Iterator[pd.DataFrame]:
        """pandas' own parser over the whole file, ``rows`` records at a time."""
        with contextlib.ExitStack() as stack:
            raw = stack.enter_context(open_regular(self.path, MAX_TABLE_BYTES, _failing(self.path)))
            lines = None
            if not self.simple:  # the line each record starts on, from the csv module
                lines = _records(stack.enter_context(_text(self.path)), self.sep)
            reader = self._read_c(raw, iterator=True)
            stack.callback(reader.close)
            start = 2
            while True:
                try:
                    df = self._parsing(lambda: reader.get_chunk(rows))
                except StopIteration:
                    break
                numbers = list(range(start, start + len(df)))
                if lines is not None:
                    found = [line for line, _ in itertools.islice(lines, len(df))]
                    if len(found) == len(df):  # else csv and pandas disagree on records
                        numbers = found
                start += len(df)
                df.index = pd.Index(numbers, name="line", dtype="int64")
                yield df
                if rows is None:
                    break

    def _blocks(self, rows: int | None) -> Iterator[pd.DataFrame]:
        """pyarrow's parser over blocks of whole lines (every record is one line here).

        A block pyarrow refuses (a short row, which pandas pads, or a long one) is read
        again by pandas' own parser after the header and the first record, as it would
        read them in the whole file, so the answer and the error are pandas' own.
        """
        per_line = max(self.size // max(self.records, 1), 1)
        size = -1 if rows is None else max(rows * per_line, 1)
        with open_regular(self.path, MAX_TABLE_BYTES, _failing(self.path)) as f:
            header = f.readline()
            first = carry = b""
            start = 2
            while True:
                more = f.read(size)
                data = carry + more
                if not data:
                    break
                ended = size < 0 or len(more) < size  # a regular file reads short only at its end
                cut = len(data) if ended else data.rfind(b"\n") + 1
                if not cut:
                    carry = data
                    continue
                data, carry = data[:cut], data[cut:]
                opening = not first
                if opening:
                    first = data[: data.find(b"\n") + 1] or data
                df = self._read_block(data, header, first, opening)
                lines = list(range(start, start + len(df)))
                df.index = pd.Index(lines, name="line", dtype="int64")
                start += len(df)
                yield df

    def _read_block(self, data: bytes, header: bytes, first: bytes, opening: bool) -> Any:
        try:
            df = pd.read_csv(
                io.BytesIO(data),
                engine="pyarrow",
                sep=self.sep,
                header=None,
                names=self.names,
                encoding="utf-8",
                **_TEXT,
            )
        except Exception:  # any refusal: pandas' own parser below has the last word
            df = None
        # more fields than names in a block's first row make pandas take an index column
        if df is not None and isinstance(df.index, pd.RangeIndex):
            return df
        lead = header if opening else header + first
        df = self._parsing(lambda: self._read_c(io.BytesIO(lead + data), iterator=False))
        return df if opening else df.iloc[1:]

    def _read_c(self, source: BinaryIO, *, iterator: bool) -> Any:
        """pandas' own parser, as ``read_table`` uses it (after a header line)."""
        try:
            return pd.read_csv(
                source,
                sep=self.sep,
                header=0,
                names=self.names,
                index_col=False,
                on_bad_lines="error",
                encoding="utf-8",
                iterator=iterator,
                **_TEXT,
            )
        except pd.errors.EmptyDataError:
            raise SlacalcError(
                f"{self.path}: no columns; a table starts with its header line"
            ) from None

    def _parsing(self, read: Callable[[], Any]) -> Any:
        """``read()``, with a record pandas cannot read raised as one located error."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                return read()
        except (pd.errors.ParserError, pd.errors.ParserWarning):
            with _text(self.path) as text:
                _raise_bad_record(text, self.sep, len(self.names), self.path)
            raise  # pragma: no cover - _raise_bad_record always raises here


def _crlf_only(data: bytes) -> bool:
    """Whether every carriage return in ``data`` ends a line (is followed by a line feed);
    one at the very end is judged with the next block."""
    return data.count(b"\r") - data.endswith(b"\r") == data.count(b"\r\n")


def _read(f: BinaryIO, path: Path) -> bytes:
    try:
        return f.read(_BLOCK)
    except OSError as e:
        raise SlacalcError(f"{path}: cannot read: {e.strerror or e}") from None


@contextlib.contextmanager
def _text(path: Path) -> Iterator[TextIO]:
    """The file as text lines (line breaks kept as written), for the ``csv`` module."""
    raw = open_regular(path, MAX_TABLE_BYTES, _failing(path))
    with io.TextIOWrapper(raw, encoding="utf-8-sig", newline="\n") as text:
        yield text


def _records(lines: Iterable[str], sep: str) -> Iterator[tuple[int, list[str]]]:
    """(start line, fields) of each non-blank record after the header."""
    reader = csv.reader(lines, delimiter=sep)
    next(reader, None)
    start = reader.line_num + 1
    for row in reader:
        if row:
            yield start, row
        start = reader.line_num + 1


def _raise_bad_record(lines: Iterable[str], sep: str, width: int, path: Path) -> None:
    try:
        for line, row in _records(lines, sep):
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


def read_ticket_parts(path: Path, rows: int) -> tuple[int, Iterator[Tables]]:
    """``read_tickets`` without an events file, in parts of at most ``rows`` tickets.

    A CSV file is read part by part (``read_table_parts``; its file errors raise here, a
    bad record while the parts are read); JSON is read whole, as one part. Returns the
    number of tickets at most and the parts, in file order.
    """
    if path.suffix.lower() in _JSON_SUFFIXES:
        tables = read_tickets(path)
        return len(tables.tickets), iter([tables])
    total, parts = read_table_parts(path, rows)
    return total, (Tables(part) for part in parts)


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
