"""``slacalc evaluate`` and ``slacalc report``: ticket tables from the command line.

``add_subcommands(subparsers)`` registers both on the main parser (``slacalc.cli``). pandas
is imported only when a command runs, so the rest of the CLI works without the extra.

Input: a tickets file (CSV, JSON, JSON lines) with optional ``--events`` file, or a helpdesk
export read through ``--mapping``; the readers (``slacalc.readers``, ``slacalc.exports``)
make one tickets table and one events table, and ``slacalc.tables.evaluate_tables`` routes
rows to their policies and calls the engine. A bad row stops the run with one line naming
the file's line (exit 1); with ``--errors mark`` bad rows are marked ``invalid``, counted,
summarised in one line on stderr, and the exit code is 0. ``report`` reads, evaluates and
counts a tickets file ``ROWS`` rows at a time (``report.ComplianceTally``), with the same
output and errors as for the file read whole.

Output convention (CSV and JSON): instants are ISO 8601 with their offset; durations are
seconds, in columns whose names end in ``_seconds`` (``response_elapsed_seconds``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .errors import SlacalcError

if TYPE_CHECKING:
    import pandas as pd

    from .facade import Policy
    from .readers import Tables

__all__ = ["add_subcommands", "cmd_deadlines", "cmd_evaluate", "cmd_report", "read_input"]

_FORMATS = ("table", "csv", "json", "jsonl")


def add_subcommands(subparsers: Any) -> None:
    """Register ``evaluate`` and ``report`` on ``parser.add_subparsers()``."""
    p = subparsers.add_parser(
        "evaluate",
        help="evaluate a table of tickets (CSV, JSON, JSON lines, or an export via --mapping)",
        description="Evaluate every ticket of a file: columns plan, severity, opened_at, and "
        "optionally ticket_id, policy, responded_at, resolved_at (any {event}_at), or a "
        "JSON 'events' list per ticket, or a separate --events table. Times are ISO 8601 "
        "with an offset (2026-11-20T16:30:00Z). In CSV and JSON output, instants are ISO "
        "8601 and durations are seconds in columns named *_seconds.",
    )
    _common(p)
    p.add_argument(
        "--format",
        choices=_FORMATS,
        default="table",
        help="output format: an aligned table, CSV, a JSON array or JSON lines (default: table)",
    )
    p.set_defaults(func=cmd_evaluate)

    p = subparsers.add_parser(
        "report",
        help="compliance report for a table of tickets",
        description="Compliance by plan (or --by): tickets with a due time, met, missed "
        "(stopped late), breached (open and overdue), open, invalid, met and late rates, "
        "median and 90th percentile elapsed time and share of target.",
    )
    _common(p)
    p.add_argument(
        "--by",
        default=None,
        help="comma-separated grouping: plan, severity, policy, month, metric or any column "
        "of the input, e.g. policy,plan or team,month (default: plan, or policy,plan when "
        "the table names several policies)",
    )
    p.add_argument(
        "--metric", default="response", help="metric to report, or 'all' (default: response)"
    )
    p.add_argument(
        "--plot",
        type=Path,
        metavar="OUT.png",
        help="also draw the charts to this file (needs the plot extra)",
    )
    p.add_argument(
        "--format",
        choices=_FORMATS[:3],
        default="table",
        help="output format; csv and json keep the grouping columns (default: table)",
    )
    p.set_defaults(func=cmd_report)

    p = subparsers.add_parser(
        "deadlines",
        help="the coming state changes (at_risk, breached) of a table of tickets, or an "
        "iCalendar feed of them",
        description="List, in time order, when each ticket's metrics change state if nothing "
        "else happens (running to at_risk, at_risk to breached), within --within of --at. "
        "Instants are ISO 8601 in UTC. --ics also writes them as an iCalendar feed, one "
        "event per deadline (needs the ics extra).",
    )
    p.add_argument("policy", metavar="POLICY", help="a bundled policy id or a YAML file")
    p.add_argument("tickets", metavar="TICKETS", help="tickets.csv, tickets.json or .jsonl")
    p.add_argument(
        "--events",
        type=Path,
        metavar="EVENTS",
        help="a long events table (CSV/JSON: ticket_id, type, at, severity)",
    )
    p.add_argument(
        "--at",
        help="as of this instant, ISO 8601 with offset (default: now); tickets opened after "
        "it are left out and events after it are ignored",
    )
    p.add_argument(
        "--within",
        default="24h",
        help="how far ahead to look, real time (default: 24h)",
    )
    p.add_argument("--ics", type=Path, metavar="OUT.ics", help="also write an iCalendar feed")
    p.add_argument(
        "--format",
        choices=_FORMATS[:3],
        default="table",
        help="output format: an aligned table, CSV or a JSON array (default: table)",
    )
    p.set_defaults(func=cmd_deadlines)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "policy",
        nargs="?",
        metavar="POLICY",
        help="a bundled policy id (see 'slacalc policies') or a YAML file; leave it out when "
        "the table has a 'policy' column naming each row's policy",
    )
    p.add_argument(
        "tickets",
        nargs="?",
        metavar="TICKETS",
        help="tickets.csv, tickets.json or tickets.jsonl (or the export named by --mapping)",
    )
    p.add_argument(
        "--events",
        type=Path,
        metavar="EVENTS",
        help="a long events table (CSV/JSON: ticket_id, type, at, severity), or with "
        "--mapping the export's status history",
    )
    p.add_argument(
        "--mapping",
        metavar="MAPPING",
        help="read a helpdesk export through this mapping file (a YAML path, or a shipped "
        "one: zendesk, jira, freshdesk)",
    )
    p.add_argument(
        "--at",
        help="as of this instant, ISO 8601 with offset (default: now); tickets opened after "
        "it are left out and events after it are ignored",
    )
    p.add_argument("--since", help="only tickets opened at or after this instant")
    p.add_argument("--until", help="only tickets opened before this instant")
    p.add_argument(
        "--errors",
        choices=("raise", "mark"),
        default="raise",
        help="raise: a bad row stops the run (exit 1); mark: bad rows are marked invalid "
        "with a problem, counted, and the run succeeds (default: raise)",
    )
    p.add_argument(
        "--tz", help="the zone of times written without an offset (default: refuse them)"
    )
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (one is drawn on a terminal when tqdm is installed)",
    )


# ---- reading and evaluating ---------------------------------------------------------------


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise SlacalcError("this command needs pandas: pip install 'slacalc[pandas]'") from None
    return pd


def _inputs(args: argparse.Namespace) -> tuple[str | None, Path]:
    """(policy, tickets path): with one positional argument it is the tickets file."""
    policy, tickets = args.policy, args.tickets
    if tickets is None:
        policy, tickets = None, policy
    if tickets is None:
        raise SlacalcError("name the tickets file: slacalc evaluate [POLICY] TICKETS")
    return policy, Path(tickets)


def read_input(args: argparse.Namespace) -> tuple[Tables, str | None]:
    """The tickets and events tables of the command's input, and the mapping's time zone."""
    _pandas()
    _, path = _inputs(args)
    if args.mapping:
        from .exports import load_mapping, read_export

        mapping = load_mapping(args.mapping)
        return read_export(mapping, path, args.events), mapping.times.timezone
    from .readers import read_tickets

    return read_tickets(path, args.events), None


ROWS = 50_000
"""Rows of a tickets file ``slacalc report`` reads and evaluates at a time."""


def _input_parts(
    args: argparse.Namespace, *, whole: bool = False
) -> tuple[int, Iterable[Tables], str | None]:
    """The input in parts (rows at most, the parts, the mapping's time zone).

    A tickets file without an events file or a mapping is read ``ROWS`` rows at a time
    (``readers.read_ticket_parts``) unless ``whole``; anything else is one part.
    """
    _pandas()
    _, path = _inputs(args)
    if whole or args.mapping or args.events is not None:
        tables, zone = read_input(args)
        return len(tables.tickets), [tables], zone
    from .readers import read_ticket_parts

    total, parts = read_ticket_parts(path, ROWS)
    return total, parts, None


def _evaluated(
    args: argparse.Namespace,
    policy: Policy | None,
    parts: Iterable[Tables],
    total: int,
    zone: str | None,
) -> Iterator[pd.DataFrame]:
    """``evaluate_tables`` of each part, all as of one instant, in input order.

    Bad rows stop the run only after every part is read, with one line naming the first
    and counting the others, as for the input evaluated whole.
    """
    from datetime import UTC, datetime

    from .frame import FrameError
    from .tables import evaluate_tables

    path = _inputs(args)[1]
    at = args.at if args.at is not None else datetime.now(UTC)
    problems: list[tuple[Hashable, str]] = []
    bar = _progress(total, args)
    done = 0
    try:
        for tables in parts:
            if policy is None and args.mapping and "policy" not in tables.tickets.columns:
                raise SlacalcError(
                    f"name the policy: the mapping {args.mapping} gives no policy column"
                )
            try:
                out = evaluate_tables(
                    tables.tickets,
                    tables.events,
                    policy=policy,
                    at=at,
                    errors=args.errors,
                    tz=args.tz or zone,
                    since=args.since,
                    until=args.until,
                    progress=bar.after(done) if bar is not None else None,
                )
            except FrameError as e:
                problems.extend(e.problems)
                out = None
            done += len(tables.tickets)
            if bar is not None:
                bar.update(done)
            if out is not None and not problems:
                yield out
    finally:
        if bar is not None:
            bar.close()
    if problems:
        raise SlacalcError(_problem_line(path, problems))


def _policy(args: argparse.Namespace) -> Policy | None:
    from .facade import load_policy

    policy_arg, _ = _inputs(args)
    return load_policy(policy_arg) if policy_arg else None


def _evaluate(args: argparse.Namespace) -> tuple[pd.DataFrame, dict[str, Policy]]:
    """The whole input evaluated, and the policies its rows use, by id."""
    from .tables import policies_of

    tables, zone = read_input(args)
    policy = _policy(args)
    (out,) = _evaluated(args, policy, [tables], len(tables.tickets), zone)
    policies = {policy.id: policy} if policy is not None else policies_of(out)
    return out, policies


def _where(path: Path, label: Hashable) -> str:
    return str(label) if isinstance(label, str) else f"{path} line {label}"


def _problem_line(path: Path, problems: Sequence[tuple[Hashable, str]]) -> str:
    first, problem = problems[0]
    more = len({label for label, _ in problems}) - 1
    tail = f" (and {more} more bad row{'s' if more > 1 else ''})" if more > 0 else ""
    return f"{_where(path, first)}: {problem}{tail}"


class _Bar:
    """A tqdm bar on stderr fed with the number of rows done."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.done = 0

    def update(self, done: int) -> None:
        self.bar.update(done - self.done)
        self.done = done

    def after(self, base: int) -> Callable[[int], None]:
        """``update`` for a count that starts after ``base`` rows."""
        return lambda done: self.update(base + done)

    def close(self) -> None:
        self.bar.close()


def _progress(total: int, args: argparse.Namespace, stream: TextIO | None = None) -> _Bar | None:
    """A progress bar when stderr is a terminal and tqdm (extra ``progress``) is installed."""
    out = stream or sys.stderr
    if args.no_progress or not out.isatty():
        return None
    try:
        from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None
    return _Bar(tqdm(total=total, unit=" rows", file=out, mininterval=0.2, leave=False))


def _summary(out: pd.DataFrame, path: Path) -> None:
    """One line on stderr: how many rows were marked invalid, and the first problem."""
    _Marked().add(out).say(len(out), path)


class _Marked:
    """Rows marked invalid (``errors="mark"``) over the parts of a run: count and first."""

    def __init__(self) -> None:
        self.count = 0
        self.first: tuple[Hashable, str] | None = None

    def add(self, out: pd.DataFrame) -> _Marked:
        if "problem" in out.columns:
            bad = out["problem"].notna()
            n = int(bad.sum())
            if n and self.first is None:
                self.first = (out.index[bad.to_numpy()][0], out.loc[bad, "problem"].iloc[0])
            self.count += n
        return self

    def say(self, rows: int, path: Path) -> None:
        if self.first is not None:
            label, problem = self.first
            print(
                f"slacalc: {self.count} of {rows} tickets could not be evaluated and are "
                f"marked invalid (first: {_where(path, label)}: {problem})",
                file=sys.stderr,
            )


# ---- output -----------------------------------------------------------------------------


def plain_columns(out: pd.DataFrame) -> pd.DataFrame:
    """The table as CSV/JSON sees it: ISO 8601 instants, ``*_seconds`` durations, text states."""
    pdm = _pandas()
    import numpy as np

    plain: Any = pdm.DataFrame(index=out.index)
    for col in out.columns:
        series = out[col]
        dtype = series.dtype
        if isinstance(dtype, pdm.DatetimeTZDtype):
            plain[col] = _iso(series)
        elif pdm.api.types.is_timedelta64_dtype(dtype):
            us = series.dt.as_unit("us").to_numpy().view(np.int64)
            seconds = np.where(series.isna(), np.nan, us / 1e6)
            name = str(col).removesuffix("_seconds") + "_seconds"
            plain[name] = seconds
        elif isinstance(dtype, pdm.CategoricalDtype):
            plain[col] = series.astype(object).where(series.notna(), None)
        else:
            plain[col] = series
    table: pd.DataFrame = plain
    return table


def _iso(series: Any) -> Any:
    pd = _pandas()
    import numpy as np

    zone = str(series.dtype.tz)
    values = series.dt.as_unit("us")
    if zone in ("UTC", "utc", "Etc/UTC", "UTC+00:00"):
        raw = values.dt.tz_localize(None).to_numpy()
        whole = bool(((raw.view(np.int64) % 1_000_000) == 0).all())
        text = np.datetime_as_string(raw, unit="s" if whole else "us")
        text = np.char.add(text.astype("U32"), "Z")
        shown = pd.Series(text, index=series.index, dtype=object)
        return shown.where(series.notna(), None)
    return series.map(lambda v: v.isoformat(), na_action="ignore")


def _write(render: Callable[[TextIO], object]) -> None:
    """Write to stdout (a closed pipe, ``| head``, ends the command quietly in ``cli.main``)."""
    render(sys.stdout)
    sys.stdout.flush()


def _emit(out: pd.DataFrame, fmt: str, table: Callable[[], str]) -> None:
    if fmt == "table":
        _write(lambda s: s.write(table() + "\n"))
        return
    plain = plain_columns(out)
    if any(name is not None for name in plain.index.names):
        plain = plain.reset_index()
    if fmt == "csv":
        _write(lambda s: plain.to_csv(s, index=False))
    elif fmt == "jsonl":
        text = plain.to_json(orient="records", lines=True)
        _write(lambda s: s.write(text if text.endswith("\n") or not text else text + "\n"))
    else:
        _write(lambda s: s.write(plain.to_json(orient="records", indent=2) + "\n"))


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate every ticket of a file and print one row per ticket."""
    out, _ = _evaluate(args)
    _emit(out, args.format, lambda: _ticket_table(out))
    _summary(out, _inputs(args)[1])
    return 0


def _fmt_td(v: Any) -> str:
    from .results import fmt_td

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


def _ticket_table(out: pd.DataFrame) -> str:
    pd = _pandas()
    from .report import metrics_of

    cols: dict[str, Any] = {}
    if "ticket_id" in out.columns:
        cols["ticket"] = out["ticket_id"].astype(str)
    else:
        cols["line"] = out.index.astype(str)
    for key in ("policy", "plan", "severity"):
        if key in out.columns:
            cols[key] = out[key].astype(str)
    for m in metrics_of(out):
        cols[m] = out[f"{m}_state"].astype(object).fillna("")
        cols[f"{m} due"] = out[f"{m}_due_at"].map(_fmt_time)
        cols[f"{m} left"] = out[f"{m}_remaining"].map(_fmt_td)
    if "problem" in out.columns:
        cols["problem"] = out["problem"].fillna("")
    return str(pd.DataFrame(cols).to_string(index=False))


# ---- report ----------------------------------------------------------------------------------

_SHOWN = {
    "tickets": "tickets",
    "met": "met",
    "missed": "missed (stopped late)",
    "breached": "breached (open, overdue)",
    "open": "open",
    "invalid": "invalid",
    "met_rate": "met rate",
    "late_rate": "late rate",
    "median_elapsed": "median elapsed",
    "p90_elapsed": "p90 elapsed",
    "median_target": "median target",
    "median_share_of_target": "median share of target",
    "p90_share_of_target": "p90 share of target",
}


def cmd_report(args: argparse.Namespace) -> int:
    """Compliance by plan (or --by) for a file of tickets; optionally the charts.

    A tickets file is read, evaluated and counted ``ROWS`` rows at a time
    (``report.ComplianceTally``), so memory does not grow with the file; with ``--plot``
    (the charts need every row) or ``--events``/``--mapping`` the input is read whole.
    """
    from .report import ComplianceTally
    from .tables import LEFT_OUT, policies_of

    pd = _pandas()
    if args.plot is not None:
        _plotting().check_output(args.plot)  # a file matplotlib cannot draw: before any work
    path = _inputs(args)[1]
    given = [b.strip() for b in args.by.split(",") if b.strip()] if args.by else None
    total, parts, zone = _input_parts(args, whole=args.plot is not None)
    policy = _policy(args)
    policies: dict[str, Policy] = {policy.id: policy} if policy is not None else {}
    # months in the zone the rows are evaluated in, rows of unknown policies too
    tally = ComplianceTally(given if given is not None else ["policy", "plan"], tz=args.tz or zone)
    rows = 0
    left_out = dict.fromkeys(LEFT_OUT, 0)
    marked = _Marked()
    at = None
    whole: list[Any] = []
    for out in _evaluated(args, policy, parts, total, zone):
        rows += len(out)
        for why, n in out.attrs.get("left_out", {}).items():
            left_out[why] = left_out.get(why, 0) + n
        at = out.attrs.get("at")
        marked.add(out)
        if policy is None:
            policies.update((k, v) for k, v in policies_of(out).items() if k not in policies)
        tally.add(out, policy=policies)
        if args.plot is not None:
            whole.append(out)
    if not rows:
        raise SlacalcError(f"{path}: no tickets to report on")
    several = len(policies) > 1
    by = given if given is not None else (["policy", "plan"] if several else ["plan"])
    metrics = None if args.metric == "all" else [_metric_id(args.metric, policies)]
    table = tally.table(by, metrics)
    total_row = tally.table([], metrics)
    if not len(total_row) or not int(total_row["tickets"].sum()):
        which = "any" if metrics is None else f"a {args.metric}"
        raise SlacalcError(
            f"{path}: none of its {rows} tickets has {which} target with a due time "
            "(not applicable or a commitment), so there is nothing to report"
        )
    if by:
        total_row.index = pd.MultiIndex.from_tuples([("all",) + ("",) * (len(by) - 1)], names=by)
        if len(by) == 1:
            total_row.index = pd.Index(["all"], name=by[0])
    report = pd.concat([table, total_row])
    if args.format == "table":
        names = ", ".join(sorted({p.name for p in policies.values()})) or "no policy"
        notes = _notes(rows, left_out, total_row, metrics, args)
        _write(
            lambda s: s.write(
                f"{names}: {args.metric} compliance by {', '.join(by) or 'all'} "
                f"({rows} tickets, as of {at})\n{_report_table(report)}\n"
                + "".join(f"{n}\n" for n in notes)
            )
        )
    else:
        _emit(report, args.format, lambda: "")
    marked.say(rows, path)
    if args.plot is not None:
        _plot(whole[0], metrics, policies, args.plot)
    return 0


def _metric_id(name: str, policies: dict[str, Policy]) -> str:
    for pol in policies.values():
        try:
            return pol.metric_id(name)
        except SlacalcError:
            continue
    if not policies:
        return name
    return next(iter(policies.values())).metric_id(name)


def _notes(
    rows: int,
    left_out: dict[str, int],
    total: pd.DataFrame,
    metrics: list[str] | None,
    args: argparse.Namespace,
) -> list[str]:
    notes = []
    for why, n in left_out.items():
        if n:
            notes.append(f"({n} tickets {why} are left out)")
    counted = int(total["tickets"].iloc[0]) if len(total) else 0
    invalid = int(total["invalid"].iloc[0]) if len(total) else 0
    if invalid:
        notes.append(f"({invalid} tickets could not be evaluated: marked invalid, not counted)")
    untimed = rows - counted - invalid
    if metrics is not None and untimed > 0:
        notes.append(
            f"({untimed} tickets have no {args.metric} target with a due time "
            "- not applicable or a commitment - and are not counted)"
        )
    return notes


def _plotting() -> Any:
    """``slacalc.plot``, or one line naming the extra that brings matplotlib."""
    try:
        return importlib.import_module(".plot", __package__)
    except ImportError:
        raise SlacalcError("--plot needs matplotlib: pip install 'slacalc[plot]'") from None


def _plot(
    out: pd.DataFrame, metrics: list[str] | None, policies: dict[str, Policy], target: Path
) -> None:
    dashboard = _plotting().dashboard
    metric = metrics[0] if metrics else "response"
    policy = next(iter(policies.values())) if len(policies) == 1 else None
    fig = dashboard(out, metric=metric, policy=policy)
    fig.savefig(target, dpi=110)
    print(f"charts written to {target}", file=sys.stderr)


def _report_table(table: pd.DataFrame) -> str:
    shown = table.copy()
    for col in ("met_rate", "late_rate"):
        shown[col] = shown[col].map(lambda v: "" if v != v else f"{v:.1%}")
    for col in ("median_elapsed", "p90_elapsed", "median_target"):
        shown[col] = shown[col].map(_fmt_td)
    for col in ("median_share_of_target", "p90_share_of_target"):
        shown[col] = shown[col].map(lambda v: "" if v != v else f"{v:.0%}")
    if not shown["invalid"].any():
        shown = shown.drop(columns="invalid")
    return str(shown.rename(columns=_SHOWN).to_string())


def cmd_deadlines(args: argparse.Namespace) -> int:
    """List the coming deadlines of a table of tickets; ``--ics`` writes them as iCalendar."""
    _pandas()
    from .deadlines import to_ics, upcoming
    from .facade import load_policy
    from .instants import parse_instant
    from .readers import read_tickets, tickets_of

    policy = load_policy(args.policy)
    at = None if args.at is None else parse_instant(args.at, "--at")
    tables = read_tickets(Path(args.tickets), args.events)
    tickets = tickets_of(tables, policy, args.tickets)
    found = upcoming(policy, tickets, at=at, within=args.within)
    if args.ics is not None:
        args.ics.write_bytes(to_ics(found, stamp=at))
    rows = [d.to_dict() for d in found]
    if args.format == "json":
        import json

        _write(lambda s: s.write(json.dumps(rows, indent=2) + "\n"))
    elif args.format == "csv":
        import csv

        columns = ["next_change_at", "ticket_id", "metric", "state", "next_state", "policy"]

        def render(stream: TextIO) -> None:
            w = csv.DictWriter(stream, columns, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)

        _write(render)
    else:
        lines = [
            f"{r['next_change_at']:<28} {r['ticket_id']!s:<12} {r['metric']:<14} "
            f"{r['state']} -> {r['next_state']}"
            for r in rows
        ]
        _write(lambda s: s.write("\n".join(lines or ["no deadlines ahead"]) + "\n"))
    return 0
