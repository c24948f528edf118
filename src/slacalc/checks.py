"""What ``slacalc check`` verifies in a policy file: its examples and its clauses.

Examples (shared with the pytest plugin): one with only ``opened``, ``plan``, ``severity``,
``metric`` and ``due`` checks ``policy.due``. One with ``events``, ``at`` or ``state``
evaluates a ticket with ``policy.evaluate`` and compares the metric's state (and ``due_at``
when ``due`` is given).

Provenance, for a policy whose ``source`` names its document as a text ``file`` (relative
to the policy file): the file's SHA-256 equals ``source.sha256``; every ``clause:`` occurs in
the document (whitespace, quote and dash styles normalised; ``...`` between parts that occur
in that order, the shortest such passage); and every target's clause supports it: a
duration is one the clause states (and one it states in business time runs on a calendar,
not ``always``), a commitment's words are in its clause, an N/A cell
cites words that leave it empty (``N/A``, ``not applicable``, ...) or says
``clause: not in the document``. A clause inherited from a row, column or metric default
must support the cell too, so a default that speaks of another cell fails.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .durations import Duration
from .errors import DurationError, PolicyError, SlacalcError
from .evaluation import evaluate
from .policy import Policy
from .targets import ALWAYS, Target, TargetKind, split_key
from .terms import Example

if TYPE_CHECKING:
    from .yamldoc import YamlDocument

__all__ = [
    "NOT_IN_DOCUMENT",
    "ClauseLocation",
    "ExampleOutcome",
    "FileReport",
    "Provenance",
    "SourceText",
    "check_paths",
    "check_provenance",
    "clause_problem",
    "example_label",
    "quote_form",
    "run_example",
]

#: What a clause says when the document has nothing for a cell.
NOT_IN_DOCUMENT = "not in the document"
#: Words that leave a cell empty, as a clause of an N/A cell may cite them.
NOT_APPLICABLE_MARKS = ("n/a", "not applicable", "not eligible", "do not apply", "does not apply")

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class ExampleOutcome:
    """The result of one example."""

    index: int
    label: str
    status: Status
    message: str = ""


@dataclass(frozen=True)
class ClauseLocation:
    """Where a clause is in its document: 1-based first and last line."""

    line: int
    end_line: int

    def __str__(self) -> str:
        if self.end_line == self.line:
            return f"line {self.line}"
        return f"lines {self.line}-{self.end_line}"


@dataclass(frozen=True)
class Provenance:
    """The clauses of a policy checked against its source document.

    ``document`` is the file as shown (``None`` when the policy names no ``source.file``, so
    nothing was checked); ``found`` maps each clause to its place in the document;
    ``problems`` are located ``PolicyError`` s, one per clause or target that fails.
    """

    document: str | None
    found: Mapping[str, ClauseLocation] = field(default_factory=dict)
    problems: tuple[PolicyError, ...] = ()

    @property
    def checked(self) -> bool:
        """True when the policy names its document, so its clauses were checked."""
        return self.document is not None

    def where(self, clause: str | None) -> ClauseLocation | None:
        """Where ``clause`` is in the document (``None``: not found or not checked)."""
        return None if clause is None else self.found.get(clause)


@dataclass(frozen=True)
class FileReport:
    """One policy file: the error that kept it from loading, or its examples' outcomes."""

    path: str
    policy: Policy | None
    error: PolicyError | None
    outcomes: tuple[ExampleOutcome, ...] = ()
    provenance: Provenance | None = None

    @property
    def ok(self) -> bool:
        """True when the file loaded, no example failed and every clause checked out."""
        return (
            self.error is None
            and all(o.status != "failed" for o in self.outcomes)
            and (self.provenance is None or not self.provenance.problems)
        )


def example_label(example: Example, index: int) -> str:
    """A short name for an example: its ``name``, or what it asks."""
    if example.name:
        return example.name
    asked = f"{example.plan}/{example.severity}/{example.metric}"
    return f"{index}: {asked} opened {example.opened.isoformat()}"


def _iso(t: datetime | None) -> str:
    return "none" if t is None else t.isoformat()


def run_example(policy: Policy, example: Example, index: int = 0) -> ExampleOutcome:
    """Check one example against ``policy``."""
    label = example_label(example, index)
    try:
        if example.needs_evaluation:
            return _run_evaluation(policy, example, index, label)
        got = policy.due(
            example.opened, plan=example.plan, severity=example.severity, metric=example.metric
        )
    except SlacalcError as e:
        return ExampleOutcome(index, label, "failed", f"raised {type(e).__name__}: {e}")
    if got == example.due:
        return ExampleOutcome(index, label, "passed")
    return ExampleOutcome(
        index, label, "failed", f"due: expected {_iso(example.due)}, got {_iso(got)}"
    )


def _run_evaluation(policy: Policy, example: Example, index: int, label: str) -> ExampleOutcome:
    ticket: dict[str, Any] = {
        "plan": example.plan,
        "severity": example.severity,
        "opened_at": example.opened,
        "events": [dict(e) for e in example.events],
    }
    at = example.at or _last_event_time(example) or example.opened
    result = evaluate(policy, ticket, at=at)[policy.metric_id(example.metric)]
    problems = []
    state = str(getattr(result, "state", ""))
    if example.state is not None and state != example.state:
        problems.append(f"state: expected {example.state}, got {state}")
    if "due" in example.model_fields_set:
        due = getattr(result, "due_at", None)
        if due != example.due:
            problems.append(f"due: expected {_iso(example.due)}, got {_iso(due)}")
    if problems:
        return ExampleOutcome(index, label, "failed", "; ".join(problems))
    return ExampleOutcome(index, label, "passed")


def _last_event_time(example: Example) -> datetime | None:
    from .instants import parse_instant

    times = []
    for e in example.events:
        at = e.get("at")
        if isinstance(at, datetime | str):
            times.append(parse_instant(at, "event time"))
    return max(times) if times else None


def check_policy(policy: Policy) -> tuple[ExampleOutcome, ...]:
    """Run every example of ``policy``."""
    return tuple(run_example(policy, ex, i) for i, ex in enumerate(policy.examples))


def check_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[FileReport]:
    """Load each policy file (folders: their ``*.yaml``), run its examples, check its clauses."""
    from .facade import load_policy
    from .loading import policy_files

    for path in policy_files(paths):
        try:
            policy = load_policy(path)
        except PolicyError as e:
            yield FileReport(str(path), None, e)
            continue
        yield FileReport(
            str(path), policy, None, check_policy(policy), check_provenance(policy, path)
        )


# ---- provenance ---------------------------------------------------------------------------

_QUOTES = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032`", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)
_ELLIPSIS = re.compile(r"\.\.\.|\u2026")
_TOKEN = re.compile(r"[a-z0-9]+(?:[/.][a-z0-9]+)*")
_QUANTITY = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s*(?:business\s+)?[a-z]+", re.IGNORECASE)


class SourceText:
    """A source document read for quoting: normalised text, and the line of each character.

    Whitespace runs become one space (none at either end); typographic quotes and dashes
    become ``'``, ``"`` and ``-``; case is kept. The text is ``quote_form`` of the document,
    built a character at a time so each keeps its line.
    """

    def __init__(self, text: str, name: str = "<document>") -> None:
        self.name = name
        chars: list[str] = []
        lines: list[int] = []
        line = 1
        for ch in text:
            if ch.isspace():
                if chars and chars[-1] != " ":
                    chars.append(" ")
                    lines.append(line)
                if ch == "\n":
                    line += 1
                continue
            chars.append(ch.translate(_QUOTES))
            lines.append(line)
        if chars and chars[-1] == " ":
            chars.pop()
            lines.pop()
        self.text = "".join(chars)
        self.lines = lines

    def find(self, clause: str) -> ClauseLocation | None:
        """Where ``clause`` occurs; ``...`` joins parts that occur in order (shortest match)."""
        parts = [p for p in (quote_form(x) for x in _ELLIPSIS.split(clause)) if p]
        if not parts:
            return None
        best: tuple[int, int] | None = None
        start = self.text.find(parts[0])
        while start != -1:
            end = start + len(parts[0])
            for part in parts[1:]:
                i = self.text.find(part, end)
                if i == -1:
                    break
                end = i + len(part)
            else:
                if best is None or end - start < best[1] - best[0]:
                    best = (start, end)
                start = self.text.find(parts[0], start + 1)
                continue
            break
        if best is None:
            return None
        return ClauseLocation(self.lines[best[0]], self.lines[best[1] - 1])


def quote_form(text: str) -> str:
    """``text`` as ``SourceText`` compares it: whitespace, quotes and dashes normalised."""
    return " ".join(text.translate(_QUOTES).split())


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(quote_form(text).lower())


def _contains(words: list[str], within: list[str]) -> bool:
    n = len(words)
    return any(within[i : i + n] == words for i in range(len(within) - n + 1))


def _quantities(clause: str) -> list[tuple[Duration, str]]:
    """The durations a clause states, each with its words (read by the duration rules)."""
    out = []
    for m in _QUANTITY.finditer(clause):
        try:
            out.append((Duration.parse(m.group(0)), m.group(0)))
        except DurationError:
            continue
    return out


def clause_problem(target: Target) -> str | None:
    """Why ``target``'s clause does not support it (``None``: it does)."""
    clause = target.clause
    if target.kind is TargetKind.NONE:
        if clause is None:
            return (
                "n/a, and the cell cites nothing; cite the words that leave it empty, "
                f"or write 'clause: {NOT_IN_DOCUMENT}'"
            )
        said = quote_form(clause).lower()
        if said == NOT_IN_DOCUMENT or any(
            re.search(rf"(?<![\w/]){re.escape(mark)}(?![\w/])", said)
            for mark in NOT_APPLICABLE_MARKS
        ):
            return None
        return (
            f"n/a, but its clause {clause!r} does not leave it empty (a default that speaks "
            "of another cell?); cite the words that leave it empty, "
            f"or write 'clause: {NOT_IN_DOCUMENT}'"
        )
    if clause is None:
        return "cites no clause; quote the words of the document it comes from"
    if target.kind is TargetKind.COMMITMENT:
        if _contains(_tokens(target.commitment or ""), _tokens(clause)):
            return None
        return f"commitment {target.commitment!r} is not in its clause {clause!r}"
    stated = [words for d, words in _quantities(clause) if d == target.within]
    if not stated:
        return f"{target.within} is not a duration its clause states: {clause!r}"
    if target.clock == ALWAYS and all("business" in w.lower() for w in stated):
        return (
            f"its clause states {stated[0]!r}, business time, but it runs on '{ALWAYS}' "
            "(24x7); give the cell, row or metric a calendar as its clock"
        )
    return None


def _clauses(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            if k == "clause" and isinstance(v, str):
                yield (*path, k), v
            else:
                yield from _clauses(v, (*path, str(k)))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _clauses(v, (*path, str(i)))


def _cell_path(policy: Policy, t: Target) -> tuple[str, ...]:
    """Where the author wrote (or left out) the cell of ``t``: the longest path that exists."""
    base: tuple[str, ...] = ("metrics", t.metric, "targets")
    for skey, row in policy.metrics[t.metric].targets.items():
        if t.severity in split_key(skey):
            if not isinstance(row, dict):
                return (*base, skey)
            for pkey in row:
                if t.plan in split_key(pkey):
                    return (*base, skey, pkey)
            return (*base, skey)
    return base


def source_file(policy: Policy, policy_file: str | os.PathLike[str] | Traversable) -> Any:
    """The document ``source.file`` names, beside ``policy_file`` (``None``: none named)."""
    name = policy.source.file
    if name is None:
        return None
    if isinstance(policy_file, str | os.PathLike):
        return Path(policy_file).parent / name
    here: Any = policy_file
    parent = getattr(here, "parent", None)
    if parent is None:  # pragma: no cover - a Traversable without a parent
        from importlib import resources

        parent = resources.files("slacalc.policies")
    for part in Path(name).parts:
        parent = parent / part
    return parent


def check_provenance(
    policy: Policy, policy_file: str | os.PathLike[str] | Traversable
) -> Provenance:
    """Check ``policy``'s clauses against the document its ``source.file`` names."""
    doc_file = source_file(policy, policy_file)
    if doc_file is None:
        return Provenance(None)
    shown = str(policy.source.file)
    yaml_doc = _yaml_document(policy_file)

    def problem(message: str, path: tuple[str, ...]) -> PolicyError:
        if yaml_doc is None:
            return PolicyError(message, file=str(policy_file), path=".".join(path))
        found, rest = yaml_doc.resolve(path)
        return yaml_doc.error(message, found, extra=rest)

    try:
        raw = doc_file.read_bytes()
    except OSError:
        missing = problem(f"no such document {shown}", ("source", "file"))
        return Provenance(shown, problems=(missing,))
    problems: list[PolicyError] = []
    digest = hashlib.sha256(raw).hexdigest()
    if policy.source.sha256 is None:
        problems.append(problem(f"missing; write sha256: {digest}", ("source", "sha256")))
    elif policy.source.sha256 != digest:
        problems.append(
            problem(
                f"{shown} has SHA-256 {digest}, not {policy.source.sha256}: the document "
                "changed; check its clauses again, then write the new sha256",
                ("source", "sha256"),
            )
        )
    try:
        text = SourceText(raw.decode("utf-8-sig"), shown)
    except UnicodeDecodeError:
        problems.append(problem(f"{shown} is not UTF-8 text", ("source", "file")))
        return Provenance(shown, problems=tuple(problems))
    found: dict[str, ClauseLocation] = {}
    for path, clause in _clauses(policy.model_dump(by_alias=True, exclude_none=True)):
        if quote_form(clause).lower() == NOT_IN_DOCUMENT or clause in found:
            continue
        where = text.find(clause)
        if where is None:
            problems.append(problem(f"{clause!r} is not in {shown}", path))
        else:
            found[clause] = where
    for t in policy.targets():
        why = clause_problem(t)
        if why is not None:
            problems.append(problem(f"{t.plan}/{t.severity}: {why}", _cell_path(policy, t)))
    return Provenance(shown, found, tuple(problems))


def _yaml_document(policy_file: str | os.PathLike[str] | Traversable) -> YamlDocument | None:
    from .yamldoc import decode, parse_yaml

    source = Path(policy_file) if isinstance(policy_file, str | os.PathLike) else policy_file
    try:
        return parse_yaml(decode(source.read_bytes(), str(policy_file)), str(policy_file))
    except (OSError, SlacalcError):
        return None
