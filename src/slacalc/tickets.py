"""Tickets: the input of an evaluation (a ticket, its events), validated on the way in.

Validation errors are ``TicketError`` s (or the ``SlacalcError`` a validator raised), never
pydantic's: every message says which field is wrong and why.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, NoReturn, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .calendar import describe_validation
from .errors import SlacalcError, TicketError, UnknownNameError
from .instants import ensure_aware
from .terms import PauseWindowSpec

__all__ = ["Event", "EventType", "Ticket"]


class EventType(StrEnum):
    """What can happen to a ticket."""

    RESPONDED = "responded"
    RESOLVED = "resolved"
    PAUSED = "paused"
    RESUMED = "resumed"
    SEVERITY_CHANGED = "severity_changed"
    REOPENED = "reopened"
    UPDATED = "updated"

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """Every built-in event type, in declaration order."""
        return _EVENT_VALUES

    @classmethod
    def lookup(cls, name: str) -> EventType | None:
        """The built-in type for ``name`` (spaces, dashes and case forgiven), or ``None``."""
        return _EVENT_TYPES.get(normalise_event(name))


_EVENT_TYPES: dict[str, EventType] = {t.value: t for t in EventType}
_EVENT_VALUES: tuple[str, ...] = tuple(_EVENT_TYPES)
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def normalise_event(name: str) -> str:
    """``'Severity Changed'`` -> ``'severity_changed'``: how event type names are compared."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def reraise(e: ValidationError, error: type[SlacalcError], what: str) -> NoReturn:
    """Re-raise a pydantic error as ours: the original ``SlacalcError`` if there is one."""
    for err in e.errors():
        ctx = err.get("ctx") or {}
        original = ctx.get("error")
        if isinstance(original, SlacalcError):
            raise original from None
    raise error(f"{what}: {describe_validation(e)}") from None


class InputModel(BaseModel):
    """Frozen input whose validation errors are ``SlacalcError`` s, not pydantic's."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    _error: ClassVar[type[SlacalcError]] = TicketError

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as e:
            self._reraise(e)

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as e:
            cls._reraise(e)

    @classmethod
    def model_validate_json(cls, json_data: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as e:
            cls._reraise(e)

    @classmethod
    def _reraise(cls, e: ValidationError) -> NoReturn:
        reraise(e, cls._error, f"invalid {cls.__name__.lower()}")


class Event(InputModel):
    """One thing that happened to a ticket, at an aware instant.

    ``type`` is an ``EventType`` or another lower-case identifier: an event type a policy
    declares under ``events:`` (evaluation refuses one the policy does not know).
    """

    type: EventType | str = Field(
        description="responded, resolved, paused, resumed, severity_changed, reopened, updated, "
        "or an event type the policy declares under events:"
    )
    at: datetime = Field(description="When it happened (aware; ISO 8601 with an offset in JSON)")
    severity: str | None = Field(None, description="The new severity (severity_changed only)")
    note: str | None = Field(None, description="Free text, carried through")

    @field_validator("type", mode="before")
    @classmethod
    def _known_type(cls, v: Any) -> Any:
        if isinstance(v, str) and not isinstance(v, EventType):
            known = EventType.lookup(v)
            if known is not None:
                return known
            key = normalise_event(v)
            if not _IDENTIFIER.match(key):
                raise UnknownNameError("event type", v, EventType.values())
            return key
        return v

    @field_validator("at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return ensure_aware(v, "event time")

    @model_validator(mode="after")
    def _severity(self) -> Event:
        if self.type is EventType.SEVERITY_CHANGED and not self.severity:
            raise TicketError(f"severity_changed at {self.at.isoformat()} needs the new severity")
        if self.type is not EventType.SEVERITY_CHANGED and self.severity is not None:
            raise TicketError(
                f"{self.type} at {self.at.isoformat()}: only severity_changed carries a severity"
            )
        return self


class Ticket(InputModel):
    """A support ticket: plan, severity, when it was opened, and what happened since.

    ``id``, ``subject``, ``customer`` and ``data`` (anything else a helpdesk export has) are
    carried through untouched. ``pause_windows`` are explicit pause windows for this ticket
    (fixed ``{start, end}`` or recurring ``{rrule, dtstart, duration}``), added to the
    policy's own.
    """

    plan: str
    severity: str
    opened_at: datetime
    events: tuple[Event, ...] = ()
    pause_windows: tuple[PauseWindowSpec, ...] = ()
    id: str | int | None = None
    subject: str | None = None
    customer: str | None = None
    data: dict[str, Any] = Field(default_factory=dict, description="Other fields, carried through")

    @field_validator("opened_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return ensure_aware(v, "opened_at")
