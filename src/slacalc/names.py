"""Name lookup: ids and the document's own names, case-insensitively."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

from .errors import UnknownNameError

__all__ = ["NameIndex", "normalise"]

T = TypeVar("T")
_SPACE = re.compile(r"[\s_\-:]+")


def normalise(name: str) -> str:
    """Case, spaces, dashes and underscores do not matter: ``'Severity 2'`` == ``'severity_2'``."""
    return _SPACE.sub(" ", str(name).strip().lower()).strip()


class NameIndex(Mapping[str, T]):
    """Values by id, also found by any of their names or aliases."""

    def __init__(self, kind: str, items: Iterable[tuple[str, Iterable[str], T]]) -> None:
        self.kind = kind
        self._by_id: dict[str, T] = {}
        self._lookup: dict[str, str] = {}
        self._labels: dict[str, list[str]] = {}
        for key, names, value in items:
            self._by_id[key] = value
            labels = [key, *names]
            self._labels[key] = labels
            for n in labels:
                self._lookup.setdefault(normalise(n), key)

    def resolve(self, name: str) -> str:
        """The id for ``name``; ``UnknownNameError`` lists the valid ones."""
        if not isinstance(name, str):
            raise UnknownNameError(self.kind, name, self._by_id)
        if name in self._by_id:
            return name
        key = self._lookup.get(normalise(name))
        if key is None:
            raise UnknownNameError(self.kind, name, self._by_id)
        return key

    def ids(self) -> list[str]:
        """The ids, in definition order."""
        return list(self._by_id)

    def labels(self, key: str) -> list[str]:
        """The id and every name of ``key``."""
        return list(self._labels[key])

    def __getitem__(self, name: str) -> T:
        return self._by_id[self.resolve(name)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (
            name in self._by_id or normalise(name) in self._lookup
        )
