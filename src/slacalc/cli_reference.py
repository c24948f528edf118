"""The command-line reference page (docs/cli.md), generated from the argument parser.

``python -m slacalc.cli_reference > docs/cli.md`` rewrites the page; a test fails when the
committed page differs from what the parser says, so every command and option is
documented exactly as ``slacalc`` accepts it.
"""

from __future__ import annotations

import argparse
import sys

from .cli import build_parser

__all__ = ["render"]

_HEAD = """# Command line

This page is generated from the argument parser (`python -m slacalc.cli_reference >
docs/cli.md`); a test fails when it is stale. Every command prints one line,
`slacalc: error: ...`, and exits 1 on a user error; argparse's usage errors exit 2.
`evaluate` and `report` need the `pandas` extra (`pip install 'slacalc[pandas]'`),
`--plot` the `plot` extra, and the progress bar the `progress` extra (tqdm).
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _rows(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        if action.option_strings:
            name = ", ".join(f"`{o}`" for o in action.option_strings)
            if action.nargs != 0:
                name += f" `{action.metavar or action.dest.upper()}`"
        else:
            name = f"`{action.metavar or action.dest}`"
            if action.nargs in ("?", "*"):
                name += " (optional)"
        text = _cell(action.help or "")
        text = text if not text or text.endswith(".") else text + "."
        if action.choices and not isinstance(action, argparse._SubParsersAction):
            text += " Choices: " + ", ".join(f"`{c}`" for c in action.choices) + "."
        if action.required and action.option_strings:
            text += " Required."
        rows.append(f"| {name} | {text} |")
    return rows


def render(parser: argparse.ArgumentParser | None = None) -> str:
    """The Markdown reference of every command and option of ``parser`` (default: slacalc's)."""
    parser = parser or build_parser()
    out = [_HEAD]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help or "" for c in sub._choices_actions}
    out.append("| command | what it does |\n|---|---|")
    out.extend(f"| [`{name}`](#{name}) | {_cell(helps.get(name, ''))} |" for name in sub.choices)
    out.append("")
    for name, cmd in sub.choices.items():
        out.append(f"## {name}\n")
        out.append(_cell(cmd.description or helps.get(name, "")) + "\n")
        usage = " ".join(cmd.format_usage().split())
        out.append(f"```\n{usage.removeprefix('usage: ')}\n```\n")
        rows = _rows(cmd)
        if rows:
            out.append("| argument | meaning |\n|---|---|")
            out.extend(rows)
            out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(render())
