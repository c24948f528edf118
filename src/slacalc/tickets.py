"""Tickets: the input of an evaluation (a ticket, its events), validated on the way in.

``Ticket`` and ``Event`` are ordinary pydantic models: ``model_validate``,
``model_validate_json`` and validation as a field of another model (a request model of a
web service) raise pydantic's ``ValidationError``, located field by field
(``("ticket", "events", 2, "at")``); the ``SlacalcError`` behind an entry is kept in its
``ctx["error"]``. Direct construction (``Ticket(...)``) and ``from_dict`` raise the
``SlacalcError`` instead (a ``TicketError`` naming the field, or the validator's own error,
such as ``NaiveDatetimeError``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, NoReturn, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .calendar import describe_validation
from .errors import SlacalcError, TicketError, UnknownNameError
from .instants import Instant
from .terms import PauseWindowSpec

__all__ = ["WIDE_EVENT_TYPES", "Event", "EventType", "Ticket"]


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
        return _EVENT_TYPES.get(name) or _EVENT_TYPES.get(normalise_event(name))


_EVENT_TYPES: dict[str, EventType] = {t.value: t for t in EventType}
_EVENT_VALUES: tuple[str, ...] = tuple(_EVENT_TYPES)
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
_NAMED = r"^\s*[A-Za-z][A-Za-z0-9 _-]*\s*$"
"""An event type as written: it normalises (``normalise_event``) to an identifier."""


def normalise_event(name: str) -> str:
    """``'Severity Changed'`` -> ``'severity_changed'``: how event type names are compared."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def reraise(e: ValidationError, error: type[SlacalcError], what: str) -> NoReturn:
    """Re-raise a pydantic error as ours: a lone problem raised by one of our validators as
    itself (a ``NaiveDatetimeError`` stays one), several as ``error`` naming each field."""
    problems = e.errors()
    if len(problems) == 1:
        original = (problems[0].get("ctx") or {}).get("error")
        if isinstance(original, SlacalcError):
            raise original from None
    raise error(f"{what}: {describe_validation(e)}") from None


if TYPE_CHECKING:
    from pydantic._internal._model_construction import ModelMetaclass
else:
    ModelMetaclass = type(BaseModel)


class _RaisesOurs(ModelMetaclass):
    """Direct construction (``Ticket(...)``) raises the model's ``SlacalcError``.

    A metaclass ``__call__`` rather than an ``__init__``: pydantic routes every validation
    through a model's own ``__init__``, nested ones included, which would fold a nested
    model's located errors into one. Hidden from type checkers, which then see pydantic's
    own signature.
    """

    if not TYPE_CHECKING:

        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().__call__(*args, **kwargs)
            except ValidationError as e:
                cls._reraise(e)


class InputModel(BaseModel, metaclass=_RaisesOurs):
    """Frozen input: direct construction and ``from_dict`` raise ``SlacalcError`` s.

    ``model_validate`` and nested validation stay pydantic's, with field locations.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    _error: ClassVar[type[SlacalcError]] = TicketError

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from a plain mapping (the JSON shape); errors are ``SlacalcError`` s."""
        if not isinstance(data, Mapping):
            raise cls._error(
                f"a {cls.__name__.lower()} is a mapping of its fields, not {type(data).__name__}"
            )
        try:
            return cls.model_validate(dict(data))
        except ValidationError as e:
            cls._reraise(e)

    @classmethod
    def _reraise(cls, e: ValidationError) -> NoReturn:
        reraise(e, cls._error, f"invalid {cls.__name__.lower()}")



WIDE_EVENT_TYPES: tuple[EventType, ...] = (
    EventType.RESPONDED,
    EventType.RESOLVED,
    EventType.UPDATED,
)
"""Built-in types a ticket table may carry as one ``{type}_at`` column each; a pause, reopen
or severity change needs the events table (it pairs with another event)."""


class Event(InputModel):
    """One thing that happened to a ticket, at an aware instant.

    ``type`` is an ``EventType`` or another lower-case identifier: an event type a policy
    declares under ``events:`` (evaluation refuses one the policy does not know).
    """

    type: EventType | Annotated[str, WithJsonSchema({"type": "string", "pattern": _NAMED})] = Field(
        description="responded, resolved, paused, resumed, severity_changed, reopened, updated, "
        "or an event type the policy declares under events:"
    )
    at: Instant = Field(description="When it happened (aware; ISO 8601 with an offset in JSON)")
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
    opened_at: Instant
    events: tuple[Event, ...] = ()
    pause_windows: tuple[PauseWindowSpec, ...] = ()
    id: str | int | None = None
    subject: str | None = None
    customer: str | None = None
    data: dict[str, Any] = Field(default_factory=dict, description="Other fields, carried through")
