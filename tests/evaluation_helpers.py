"""Shared helpers for the evaluation and availability tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from slacalc import Event, Policy

HERE = Path(__file__).parent
H = timedelta(hours=1)
M = timedelta(minutes=1)


def z(s: str) -> datetime:
    """A UTC instant from '2026-11-20T16:30'."""
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def make_policy(name: str, **extra: Any) -> Policy:
    """A policy from tests/policies/, with top-level keys added or replaced."""
    data = yaml.safe_load((HERE / "policies" / f"{name}.yaml").read_text())
    data.update(extra)
    return Policy.model_validate(data)


def bundled(name: str) -> Policy:
    from slacalc import load_policy

    return load_policy(name)


def events(*items: tuple[str, str] | tuple[str, str, str]) -> list[Event]:
    """events(("responded", "2026-11-23T10:00"), ("severity_changed", "...", "sev1"))."""
    out = []
    for item in items:
        kind, at = item[0], item[1]
        sev = item[2] if len(item) > 2 else None  # type: ignore[misc]
        out.append(Event(type=kind, at=z(at), severity=sev))
    return out
