"""The ``slacalc`` command line.

Each subcommand is a small function ``cmd_NAME(args) -> int`` registered with
``set_defaults(func=...)``. A user error (any ``SlacalcError``, an unreadable file) prints
one line, ``slacalc: error: ...``, to stderr and exits 1; argparse's own usage errors exit 2;
a reader that closes the output early (``| head``) ends the command quietly, exit 0.
Other modules add subcommands through ``slacalc.cli_analysis.add_subcommands(subparsers)``
(``evaluate``, ``report``) following the same convention.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__
from .errors import SlacalcError
from .instants import parse_instant

__all__ = ["build_parser", "main"]


def cmd_policies(args: argparse.Namespace) -> int:
    """List the policies of a folder (default: the bundled ones)."""
    from .facade import load_policies, load_policy
    from .loading import bundled_policies

    if args.folder is None:
        found = {pid: load_policy(pid) for pid in bundled_policies()}
    else:
        found = dict(sorted(load_policies(args.folder).items()))
        if not found:
            raise SlacalcError(f"no policy files (*.yaml, *.yml) in {args.folder}")
    width = max(map(len, found), default=0)
    for pid, policy in found.items():
        plans = ", ".join(policy.plans)
        print(f"{pid:<{width}}  {policy.name}  (plans: {plans})")
    return 0


_SHOW_COLUMNS = ("metric", "plan", "severity", "target", "clock", "start", "line", "clause")


def cmd_show(args: argparse.Namespace) -> int:
    """Print the resolved target table: plan x severity x metric, with clauses and lines."""
    from .checks import check_provenance
    from .facade import load_policy
    from .loading import bundled_path
    from .targets import TargetKind

    policy = load_policy(args.policy)
    given = Path(args.policy)
    provenance = check_provenance(
        policy, given if given.is_file() else bundled_path(policy.id)
    )
    rows = []
    for t in policy.targets():
        where = provenance.where(t.clause)
        rows.append(
            {
                "metric": t.metric,
                "plan": t.plan,
                "severity": t.severity,
                "kind": t.kind.value,
                "target": str(t),
                "within": None if t.within is None else str(t.within),
                "commitment": t.commitment,
                "clock": t.clock if t.kind is TargetKind.DURATION else None,
                "start": _start_text(t.start) if t.kind is TargetKind.DURATION else None,
                "clause": t.clause,
                "line": None if where is None else where.line,
                "end_line": None if where is None else where.end_line,
                "where": "" if where is None else str(where),
            }
        )
    if args.format == "json":
        doc = {
            "policy": policy.id,
            "name": policy.name,
            "document": provenance.document,
            "targets": [{k: v for k, v in r.items() if k != "where"} for r in rows],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        fields = [k for k in rows[0] if k != "where"] if rows else []
        writer = csv.DictWriter(sys.stdout, fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        table = [
            [
                str(r["metric"]),
                str(r["plan"]),
                str(r["severity"]),
                "n/a" if r["kind"] == "none" else _short(str(r["within"] or r["commitment"])),
                str(r["clock"] or "-"),
                str(r["start"] or "-"),
                str(r["where"] or "-"),
                str(r["clause"] or "-"),
            ]
            for r in rows
        ]
        # The clause is long: it goes last and is not padded.
        widths = [max(len(x[i]) for x in [_SHOW_COLUMNS, *table]) for i in range(7)]
        for row in [_SHOW_COLUMNS, *table]:
            cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)]
            print("  ".join([*cells, row[-1]]).rstrip())
    return 0


def _short(text: str, width: int = 36) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _start_text(start: object) -> str:
    from .targets import NextOpen

    return f"next_open {start.next_open}" if isinstance(start, NextOpen) else str(start)


def cmd_due(args: argparse.Namespace) -> int:
    """Print when a target falls due."""
    from .facade import load_policy
    from .targets import TargetKind

    policy = load_policy(args.policy)
    opened = parse_instant(args.opened, "--opened")
    target = policy.target(args.plan, args.severity, args.metric)
    due = policy.due(opened, plan=args.plan, severity=args.severity, metric=args.metric)
    if due is not None:
        print(due.isoformat())
    elif target.kind is TargetKind.COMMITMENT:
        print(f"no due time: commitment: {target.commitment}")
    else:
        print("no due time: not applicable")
    if args.verbose:
        print(f"{target.metric} {target.plan} {target.severity}: {target}")
        if target.clause:
            print(f"clause: {target.clause}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate policy files and run their examples."""
    from .checks import check_paths
    from .loading import bundled_path, bundled_policies

    paths: list[str] = list(args.paths)
    if not paths:
        paths = [str(bundled_path(pid)) for pid in bundled_policies()]
    failed = files = passed = skipped = clauses = 0
    for report in check_paths(paths):
        files += 1
        if report.error is not None:
            failed += 1
            print(f"FAIL {report.error}")
            continue
        assert report.policy is not None
        bad = [o for o in report.outcomes if o.status == "failed"]
        passed += sum(o.status == "passed" for o in report.outcomes)
        skipped += sum(o.status == "skipped" for o in report.outcomes)
        prov = report.provenance
        problems = prov.problems if prov is not None else ()
        failed += len(bad) + len(problems)
        if prov is not None and prov.checked:
            clauses += len(prov.found)
            source = f"{len(prov.found)} clauses found in {prov.document}"
        else:
            source = "clauses not checked (no source.file)"
        mark = "ok  " if report.ok else "FAIL"
        print(
            f"{mark} {report.path}: {report.policy.id}, {len(report.outcomes)} examples, {source}"
        )
        for o in report.outcomes:
            if o.status == "failed" or (args.verbose and o.status == "skipped"):
                print(f"     {o.status}: {o.label}: {o.message}")
        for problem in problems:
            print(f"     clause: {problem}")
        if args.verbose and prov is not None:
            for clause, where in prov.found.items():
                print(f"     {where}: {clause}")
    if files == 0:
        raise SlacalcError("no policy files found in " + ", ".join(paths))
    print(
        f"{files} files, {passed} examples passed, {failed} failed, {skipped} skipped, "
        f"{clauses} clauses found in their documents"
    )
    return 1 if failed else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of a policy file."""
    print(schema_text(), end="")
    return 0


#: Where the committed schema is published; policies name it in their editor comment.
SCHEMA_ID = "https://raw.githubusercontent.com/slacalc/slacalc/main/policies/policy.schema.json"


def schema_text() -> str:
    """The JSON Schema of a policy file, as committed in ``policies/policy.schema.json``."""
    from .policy import Policy
    from .tickets import Event

    schema = Policy.model_json_schema(by_alias=True)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
    # An example's events are plain mappings in the model (read as a Ticket's events when
    # the example runs): give editors the Event shape, with its event types.
    defs = schema.setdefault("$defs", {})
    events = defs.get("Example", {}).get("properties", {}).get("events", {})
    if events.get("items", {}).get("type") == "object" and "properties" not in events["items"]:
        event = Event.model_json_schema()
        defs.update(event.pop("$defs", {}))
        defs["Event"] = event
        events["items"] = {"$ref": "#/$defs/Event"}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="slacalc",
        description="Vendor support agreements as typed YAML policies, and exact SLA answers.",
    )
    parser.add_argument("--version", action="version", version=f"slacalc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("policies", help="list the policies of a folder (default: bundled)")
    p.add_argument("folder", nargs="?", help="a folder of policy files (default: the bundled)")
    p.set_defaults(func=cmd_policies)

    p = sub.add_parser("show", help="the resolved target table, with clauses and their lines")
    p.add_argument("policy", help="a bundled policy id (see 'slacalc policies') or a YAML file")
    p.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="default: table"
    )
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("due", help="when a target falls due")
    p.add_argument("policy", help="a bundled policy id (see 'slacalc policies') or a YAML file")
    p.add_argument("--plan", required=True, help="plan id or name, e.g. gold")
    p.add_argument("--severity", required=True, help="severity id or name, e.g. sev2, Major")
    p.add_argument("--metric", default="response", help="metric (default: response)")
    p.add_argument(
        "--opened", required=True, help="ISO 8601 with offset, e.g. 2026-11-20T16:30:00Z"
    )
    p.add_argument(
        "-v", "--verbose", action="store_true", help="also print the target and its clause"
    )
    p.set_defaults(func=cmd_due)

    p = sub.add_parser("check", help="validate policy files and run their examples")
    p.add_argument("paths", nargs="*", help="files or folders (default: the bundled policies)")
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also list skipped examples and where each clause is in its document",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("schema", help="print the JSON Schema of a policy file")
    p.set_defaults(func=cmd_schema)

    try:
        from .cli_analysis import add_subcommands  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        pass
    else:
        add_subcommands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = func(args)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`slacalc schema | head`): stop quietly
        _silence_stdout()
        return 0
    except (SlacalcError, OSError) as e:
        message = " ".join(str(e).splitlines())
        print(f"slacalc: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    return code


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's final flush cannot fail again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a stream without a descriptor (tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
