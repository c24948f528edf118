"""The public face of a policy: ``load_policy(...)`` gives an object that answers questions.

``slacalc.policy.Policy`` is data and look-ups only. This module sits above the engine
(``evaluation``, ``frame``, ``availability``) and adds its calls as methods, so
``policy.evaluate(ticket, at=...)``, ``policy.evaluate_frame(df, ...)`` and
``policy.availability(...)`` hand the question to the one function that answers it.
``slacalc.Policy`` and the ``load_policy`` of ``slacalc`` are the ones defined here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from . import loading
from . import policy as model
from .availability import AvailabilityReport, AvailabilitySummary, Outage, monthly_report
from .availability import availability_report as _availability_report
from .deadlines import Deadline
from .deadlines import upcoming as _upcoming
from .durations import Duration
from .evaluation import evaluate as _evaluate
from .results import Evaluation
from .tickets import Ticket

if TYPE_CHECKING:
    from pandas import DataFrame

__all__ = ["Policy", "load_policies", "load_policy", "policy_from_text"]


class Policy(model.Policy):
    """One vendor's support agreement, with the questions it answers as methods."""

    def evaluate(
        self, ticket: Ticket | Mapping[str, Any], at: datetime | str | None = None
    ) -> Evaluation:
        """Where each metric's clock stands for ``ticket`` at ``at`` (default: now).

        See ``slacalc.evaluation.evaluate``.
        """
        return _evaluate(self, ticket, at)

    def upcoming(
        self,
        tickets: Iterable[Ticket | Mapping[str, Any]],
        at: datetime | str | None = None,
        within: timedelta | Duration | str | None = None,
    ) -> list[Deadline]:
        """The coming state changes of ``tickets``, in time order.

        See ``slacalc.deadlines.upcoming``.
        """
        return _upcoming(self, tickets, at, within)

    def evaluate_frame(
        self,
        tickets: DataFrame,
        events: DataFrame | None = None,
        at: datetime | str | None = None,
        errors: Literal["raise", "mark"] = "raise",
        tz: str | None = None,
    ) -> DataFrame:
        """Evaluate a table of tickets (and optionally their events) at once.

        Needs ``slacalc[pandas]``; see ``slacalc.frame.evaluate_frame``.
        """
        from .frame import evaluate_frame

        return evaluate_frame(self, tickets, events=events, at=at, errors=errors, tz=tz)

    def availability(
        self,
        month: str | date,
        outages: Sequence[Outage | Mapping[str, Any]] = (),
        plan: str | None = None,
    ) -> AvailabilityReport:
        """The availability report for one month (``'2026-11'``)."""
        return monthly_report(self, month, outages, plan=plan)

    def availability_report(
        self,
        months: int | str | Iterable[str | date],
        outages: Sequence[Outage | Mapping[str, Any]] = (),
        plan: str | None = None,
    ) -> AvailabilitySummary:
        """Several months at once: a year (``2026``) or months (``['2026-10', '2026-11']``)."""
        return _availability_report(self, months, outages, plan=plan)


def load_policy(id_or_path: str | os.PathLike[str]) -> Policy:
    """A bundled policy by id (``'passkit'``), or a policy file by path.

    Bundled policies are read once and shared (a ``Policy`` is immutable).
    """
    return loading.load_policy(id_or_path, Policy)


def load_policies(folder: str | os.PathLike[str]) -> dict[str, Policy]:
    """Every policy in a folder (``*.yaml``, ``*.yml``), by id; two with one id are an error."""
    return loading.load_policies(folder, Policy)


def policy_from_text(text: str, filename: str = "<string>") -> Policy:
    """A policy from YAML text; every problem is a located ``PolicyError``."""
    return loading.policy_from_text(text, filename, Policy)
