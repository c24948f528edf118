"""``slacalc evaluate`` and ``slacalc report``: ticket tables from the command line.

``add_subcommands(subparsers)`` registers both on the main parser (``slacalc.cli``). pandas
is imported only when a command runs, so the rest of the CLI works without the extra. A bad
row gives one line naming the file's line and the problem, and exit code 1; a long run
shows a progress bar on stderr when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .errors import SlacalcError
from .limits import MAX_TABLE_BYTES, Fail, decode_utf8, open_regular, read_capped

if TYPE_CHECKING:
    import pandas as pd

    from .policy import Policy

__all__ = ["add_subcommands", "cmd_evaluate", "cmd_report", "read_tickets"]

CHUNK = 100_000
"""Rows evaluated at a time (the progress bar moves once per chunk)."""


def add_subcommands(subparsers: Any) -> None:
    """Register ``evaluate`` and ``report`` on ``parser.add_subparsers()``."""
    p = subparsers.add_parser(
        "evaluate",
        help="evaluate a table of tickets (CSV, JSON or JSON lines)",
        description="Evaluate every ticket of a CSV, JSON or JSON-lines file: columns plan, "
        "severity, opened_at, and optionally responded_at, resolved_at, ticket_id. Times are "
        "ISO 8601 with an offset (2026-11-20T16:30:00Z).",
    )
    _common(p)
    p.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="output format (default: table)",
    )
    p.set_defaults(func=cmd_evaluate)

    p = subparsers.add_parser(
        "report",
        help="compliance report for a table of tickets",
        description="Compliance by plan (or --by): tickets, met, missed, breached, met rate, "
        "median and 90th percentile time to response against target.",
    )
    _common(p)
    p.add_argument(
        "--by",
        default="plan",
        help="comma-separated grouping: plan, severity, month, metric (default: plan)",
    )
    p.add_argument(
        "--metric", default="response", help="metric to report, or 'all' (default: response)"
    )
    p.add_argument("--plot", type=Path, metavar="OUT.png", help="also draw the charts to this file")
    p.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output format"
    )
    p.set_defaults(func=cmd_report)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("policy", help="a bundled policy id (see 'slacalc policies') or a YAML file")
    p.add_argument("tickets", type=Path, help="tickets.csv, tickets.json or tickets.jsonl")
    p.add_argument("--at", help="evaluate at this instant, ISO 8601 with offset (default: now)")
    p.add_argument(
        "--tz", help="the zone of times written without an offset (default: refuse them)"
    )


# ---- reading -------------------------------------------------------------------------------


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise SlacalcError("this command needs pandas: pip install 'slacalc[pandas]'") from None
    return pd


def read_tickets(path: Path) -> pd.DataFrame:
    """A ticket table from CSV, JSON (an array of objects) or JSON lines.

    The index holds the file's line numbers (CSV: header is line 1; JSON lines: line 1 is
    the first ticket; JSON array: the ticket's position, from 1), so errors can name them.
    JSON tickets may carry ``events`` (``responded``, ``resolved``, ``updated``); their first
    times fill ``responded_at``, ``resolved_at``, ``updated_at``.
    """
    pandas = _pandas()
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl", ".ndjson"):
        records = _json_records(path)
        df = pandas.DataFrame(records)
        df.index = pandas.RangeIndex(1, len(df) + 1, name="line")
        table: pd.DataFrame = df
        return table
    fail = _failing(path)
    with open_regular(path, MAX_TABLE_BYTES, fail) as f:
        try:
            df = pandas.read_csv(
                f, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
            )
        except UnicodeDecodeError as e:
            raise fail(
                f"not UTF-8 text (byte 0x{e.object[e.start]:02x}); save the file as UTF-8"
            ) from None
        except pandas.errors.EmptyDataError:
            raise fail(
                "the file is empty; a ticket table starts with a header line such as "
                "'plan,severity,opened_at'"
            ) from None
        except pandas.errors.ParserError as e:
            raise fail(f"not a CSV table ({str(e).strip()})") from None
    df.index = pandas.RangeIndex(2, len(df) + 2, name="line")
    csv_table: pd.DataFrame = df
    return csv_table


def _failing(path: Path) -> Fail:
    def fail(message: str, *, line: int | None = None, column: int | None = None) -> SlacalcError:
        where = f" line {line}" if line is not None else ""
        return SlacalcError(f"{path}{where}: {message}")

    return fail


_FLAT = {"responded": "responded_at", "resolved": "resolved_at", "updated": "updated_at"}


def _json_records(path: Path) -> list[dict[str, Any]]:
    fail = _failing(path)
    text = decode_utf8(read_capped(path, MAX_TABLE_BYTES, fail), fail)
    records: list[Any]
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            records = json.loads(text)
        else:
            records = []
            for n, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    try:
                        records.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise fail(f"not JSON ({e.msg})", line=n) from None
    except json.JSONDecodeError as e:
        raise fail(f"not JSON ({e.msg} at line {e.lineno})") from None
    except RecursionError:
        raise fail("JSON nested too deeply; a ticket is an object of plain values") from None
    return [_json_record(rec, n, fail) for n, rec in enumerate(records, 1)]


def _json_record(rec: Any, n: int, fail: Fail) -> dict[str, Any]:
    """One ticket object as a flat row: plain values, ``events`` folded into ``*_at`` columns."""
    if not isinstance(rec, dict):
        raise fail(f"ticket {n}: expected an object with plan, severity, opened_at")
    row: dict[str, Any] = dict(rec)
    events = row.pop("events", None) or []
    if not isinstance(events, list):
        raise fail(f"ticket {n}: events is a list of {{type, at}} objects, not {_shown(events)}")
    for key, value in row.items():
        if isinstance(value, dict | list):
            raise fail(
                f"ticket {n}: {_name(key)} must be a text, a number or null, not {_shown(value)}"
            )
    for ev in events:
        kind = str(ev.get("type", "")).lower() if isinstance(ev, dict) else ""
        if kind not in _FLAT:
            raise fail(
                f"ticket {n}: event {kind or _shown(ev)} is not supported in tables "
                "(only responded, resolved, updated); evaluate such tickets with "
                "Policy.evaluate in Python"
            )
        at = ev.get("at")
        if isinstance(at, dict | list):
            raise fail(f"ticket {n}: event {kind} 'at' must be a time, not {_shown(at)}")
        row.setdefault(_FLAT[kind], at)
    row.setdefault("plan", None)
    row.setdefault("severity", None)
    row.setdefault("opened_at", None)
    return row


def _name(key: str) -> str:
    """A field name as written, or quoted when it holds unprintable characters."""
    return key if key.isprintable() and len(key) <= 40 else _shown(key)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ---- evaluating ------------------------------------------------------------------------------


def _evaluate(policy: Policy, df: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    from .frame import FrameError, evaluate_frame
    from .instants import parse_instant

    pd = _pandas()
    at = parse_instant(args.at, "--at") if args.at else datetime.now(UTC)
    n = len(df)
    bar = _progress(n) if n > CHUNK and sys.stderr.isatty() else None
    parts = []
    try:
        for lo in range(0, max(n, 1), CHUNK):
            parts.append(evaluate_frame(policy, df.iloc[lo : lo + CHUNK], at=at, tz=args.tz))
            if bar is not None:
                bar(min(lo + CHUNK, n))
    except FrameError as e:
        first, problem = e.problems[0]
        more = len({label for label, _ in e.problems}) - 1
        tail = f" (and {more} more bad row{'s' if more > 1 else ''})" if more > 0 else ""
        raise SlacalcError(f"{args.tickets} line {first}: {problem}{tail}") from None
    finally:
        if bar is not None:
            sys.stderr.write("\n")
    return pd.concat(parts) if len(parts) > 1 else parts[0]


def _progress(total: int, out: TextIO | None = None) -> Callable[[int], None]:
    stream = out or sys.stderr

    def show(done: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} rows")
        stream.flush()

    show(0)
    return show


def _fmt_td(v: Any) -> str:
    from .evaluation import fmt_td

    pd = _pandas()
    if v is None or pd.isna(v):
        return ""
    return fmt_td(pd.Timedelta(v).to_pytimedelta())


def _fmt_time(v: Any) -> str:
    pd = _pandas()
    if v is None or pd.isna(v):
        return ""
    t = pd.Timestamp(v)
    seconds = f":{t.second:02d}" if t.second else ""
    return f"{t:%Y-%m-%d %H:%M}{seconds} {t.tzname() or ''}".rstrip()


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate every ticket of a file and print one row per ticket."""
    from .loading import load_policy

    policy = load_policy(args.policy)
    out = _evaluate(policy, read_tickets(args.tickets), args)
    _emit(out, args.format, policy, table=_ticket_table)
    return 0


def _ticket_table(out: pd.DataFrame, policy: Policy) -> str:
    pd = _pandas()
    cols: dict[str, Any] = {}
    if "ticket_id" in out.columns:
        cols["ticket"] = out["ticket_id"].astype(str)
    else:
        cols["line"] = out.index.astype(str)
    cols["plan"] = out["plan"].astype(str)
    cols["severity"] = out["severity"].astype(str)
    for m in policy.metrics:
        cols[m] = out[f"{m}_state"].astype(str)
        cols[f"{m} due"] = out[f"{m}_due_at"].map(_fmt_time)
        cols[f"{m} left"] = out[f"{m}_remaining"].map(_fmt_td)
    table = pd.DataFrame(cols)
    return str(table.to_string(index=False))


def _emit(
    out: pd.DataFrame, fmt: str, policy: Policy, table: Callable[[pd.DataFrame, Policy], str]
) -> None:
    pd = _pandas()
    if fmt == "table":
        print(table(out, policy))
        return
    plain = out.copy()
    for col in plain.columns:
        dtype = plain[col].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            plain[col] = plain[col].map(lambda v: v.isoformat() if not pd.isna(v) else None)
        elif pd.api.types.is_timedelta64_dtype(dtype):
            plain[col] = plain[col].dt.total_seconds()
        elif isinstance(dtype, pd.CategoricalDtype):
            plain[col] = plain[col].astype(str)
    if fmt == "csv":
        sys.stdout.write(plain.to_csv(index=plain.index.name is not None))
    else:
        if plain.index.name is not None:
            plain = plain.reset_index()
        records = json.loads(plain.to_json(orient="records"))
        json.dump(records, sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")


# ---- report ----------------------------------------------------------------------------------


def cmd_report(args: argparse.Namespace) -> int:
    """Compliance by plan (or --by) for a file of tickets; optionally the charts."""
    from .loading import load_policy
    from .report import compliance

    if args.plot is not None:
        try:
            from .plot import check_output
        except ImportError:
            raise SlacalcError("--plot needs matplotlib: pip install 'slacalc[plot]'") from None
        check_output(args.plot)
    policy = load_policy(args.policy)
    out = _evaluate(policy, read_tickets(args.tickets), args)
    if not len(out):
        raise SlacalcError(f"{args.tickets}: no tickets to report on (only a header line)")
    by = [b.strip() for b in args.by.split(",") if b.strip()]
    metrics = None if args.metric == "all" else [policy.metric_id(args.metric)]
    table = compliance(out, by=by, metrics=metrics, policy=policy)
    total = compliance(out, by=[], metrics=metrics, policy=policy)
    if not len(total):
        which = "any" if metrics is None else f"a {args.metric}"
        raise SlacalcError(
            f"{args.tickets}: none of its {len(out)} tickets has {which} target with a "
            "due time (not applicable or a commitment), so there is nothing to report"
        )
    pd = _pandas()
    if len(by) == 1:
        total.index = pd.Index(["all"], name=by[0])
    elif by:
        total.index = pd.MultiIndex.from_tuples([("all",) + ("",) * (len(by) - 1)], names=by)
    whole = pd.concat([table, total])
    if args.format == "table":
        print(
            f"{policy.name}: {args.metric} compliance by {', '.join(by) or 'all'}"
            f" ({len(out)} tickets, at {args.at or 'now'})"
        )
        print(_report_table(whole))
        counted = int(total["tickets"].iloc[0]) if len(total) else 0
        if metrics is not None and counted < len(out):
            print(
                f"({len(out) - counted} tickets have no {args.metric} target with a due time "
                "- not applicable or a commitment - and are not counted)"
            )
    else:
        _emit(whole, args.format, policy, table=lambda o, p: "")
    if args.plot is not None:
        from .plot import dashboard

        metric = metrics[0] if metrics else "response"
        fig = dashboard(out, metric=metric, policy=policy)
        fig.savefig(args.plot, dpi=110)
        print(f"charts written to {args.plot}", file=sys.stderr)
    return 0


def _report_table(table: pd.DataFrame) -> str:
    shown = table.copy()
    for col in ("met_rate", "breach_rate"):
        shown[col] = shown[col].map(lambda v: "" if v != v else f"{v:.1%}")
    for col in ("median_time", "p90_time", "median_target"):
        shown[col] = shown[col].map(_fmt_td)
    for col in ("median_share", "p90_share"):
        shown[col] = shown[col].map(lambda v: "" if v != v else f"{v:.0%}")
    shown = shown.rename(
        columns={
            "met_rate": "met rate",
            "breach_rate": "breach rate",
            "median_time": "median",
            "p90_time": "p90",
            "median_target": "target",
            "median_share": "median/target",
            "p90_share": "p90/target",
        }
    )
    return str(shown.to_string())
