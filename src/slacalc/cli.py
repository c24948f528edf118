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
import json
import os
import sys
from collections.abc import Sequence

from ._version import __version__
from .errors import SlacalcError
from .instants import parse_instant

__all__ = ["build_parser", "main"]


def cmd_policies(args: argparse.Namespace) -> int:
    """List the bundled policies."""
    from .loading import bundled_policies, load_policy

    ids = bundled_policies()
    width = max(map(len, ids), default=0)
    for pid in ids:
        policy = load_policy(pid)
        plans = ", ".join(policy.plans)
        print(f"{pid:<{width}}  {policy.name}  (plans: {plans})")
    return 0


def cmd_due(args: argparse.Namespace) -> int:
    """Print when a target falls due."""
    from .loading import load_policy
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
    failed = files = passed = skipped = 0
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
        failed += len(bad)
        mark = "ok  " if not bad else "FAIL"
        print(f"{mark} {report.path}: {report.policy.id}, {len(report.outcomes)} examples")
        for o in report.outcomes:
            if o.status == "failed" or (args.verbose and o.status == "skipped"):
                print(f"     {o.status}: {o.label}: {o.message}")
    if files == 0:
        raise SlacalcError("no policy files found in " + ", ".join(paths))
    print(f"{files} files, {passed} examples passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of a policy file."""
    print(schema_text(), end="")
    return 0


def schema_text() -> str:
    """The JSON Schema of a policy file, as committed in ``policies/policy.schema.json``."""
    from .policy import Policy

    schema = Policy.model_json_schema(by_alias=True)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://slacalc.example/policy.schema.json",
        **schema,
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="slacalc",
        description="Vendor support agreements as typed YAML policies, and exact SLA answers.",
    )
    parser.add_argument("--version", action="version", version=f"slacalc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("policies", help="list the bundled policies")
    p.set_defaults(func=cmd_policies)

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
    p.add_argument("-v", "--verbose", action="store_true", help="also list skipped examples")
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
