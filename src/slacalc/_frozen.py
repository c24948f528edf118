"""The base of every policy model: immutable, strict about keys, fields by name or alias."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Frozen"]


class Frozen(BaseModel):
    """A frozen model that refuses unknown keys and accepts a field by its name or alias."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
