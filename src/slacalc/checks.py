"""Running the ``examples:`` of a policy file: shared by ``slacalc check`` and the pytest plugin.

An example with only ``opened``, ``plan``, ``severity``, ``metric`` and ``due`` checks
``policy.due``. One with ``events``, ``at`` or ``state`` evaluates a ticket with
``policy.evaluate`` and compares the metric's state (and ``due_at`` when ``due`` is given).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from .errors import PolicyError, SlacalcError
from .evaluation import evaluate
from .policy import Policy
from .terms import Example

__all__ = ["ExampleOutcome", "FileReport", "check_paths", "example_label", "run_example"]

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class ExampleOutcome:
    """The result of one example."""

    index: int
    label: str
    status: Status
    message: str = ""


@dataclass(frozen=True)
class FileReport:
    """One policy file: the error that kept it from loading, or its examples' outcomes."""

    path: str
    policy: Policy | None
    error: PolicyError | None
    outcomes: tuple[ExampleOutcome, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the file loaded and no example failed."""
        return self.error is None and all(o.status != "failed" for o in self.outcomes)


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
    """Load each policy file (folders: their ``*.yaml``) and run its examples."""
    from .facade import load_policy
    from .loading import policy_files

    for path in policy_files(paths):
        try:
            policy = load_policy(path)
        except PolicyError as e:
            yield FileReport(str(path), None, e)
            continue
        yield FileReport(str(path), policy, None, check_policy(policy))
