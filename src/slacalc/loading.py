"""Policy files: safe YAML with positions, located errors, bundled and folder loading.

Every problem with a policy file — encoding, YAML syntax, an empty file, a duplicate key, an
alias bomb, a non-standard tag, a wrong shape, a failed validation or cross-check — comes out
as one :class:`~slacalc.errors.PolicyError` whose message names the file, the line and
column, and the key path::

    policies/passkit.yaml:42:7: metrics.response.targets.sev2.gold: '4 hourz' is not a duration

The YAML reader is PyYAML's ``SafeLoader`` composer (no Python objects, ever), but the
construction is ours: it records where each key and value sits, refuses a key written twice
(PyYAML would silently keep the last one), refuses tags outside the YAML core schema, and
caps how many nodes aliases may expand to and how deep a document may nest.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import cache, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import PolicyError, SlacalcError, UnknownNameError
from .names import NameIndex
from .policy import Policy
from .yamldoc import Key, YamlDocument, decode, parse_yaml, read_text

P = TypeVar("P", bound=Policy)

__all__ = [
    "bundled_id",
    "bundled_path",
    "bundled_policies",
    "load_policies",
    "load_policy",
    "policy_files",
    "policy_from_text",
]

_SUFFIXES = (".yaml", ".yml")
_BUNDLED_PACKAGE = "slacalc.policies"
_UNEXPECTED = "unexpected error (please report it)"


def policy_from_text(text: str, filename: str = "<string>", model: type[P] = Policy) -> P:  # type: ignore[assignment]
    """Validate a policy from YAML text as ``model``; every problem is a located ``PolicyError``."""
    doc = parse_yaml(text, filename)
    return policy_from_document(doc, model)


def policy_from_document(doc: YamlDocument, model: type[P] = Policy) -> P:  # type: ignore[assignment]
    """Validate the data of a parsed document as a ``model`` (``Policy`` or a subclass)."""
    data = doc.data
    if data is None:
        raise PolicyError(
            "the file is empty; a policy is a mapping that starts with 'id:'", file=doc.filename
        )
    if not isinstance(data, dict):
        raise doc.error(
            f"a policy is a mapping of keys (id, name, source, plans, ...), not {_kind(data)}"
        )
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise _located(e, doc) from None
    except PolicyError as e:
        raise _relocate(e, doc) from None
    except SlacalcError as e:
        raise doc.error(str(e)) from None
    except (ValueError, TypeError, ArithmeticError, RecursionError, KeyError, AttributeError) as e:
        raise doc.error(f"{_UNEXPECTED}: {type(e).__name__}: {e}") from None


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "an empty value"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime | int | float):
        return str(value)
    return f"{type(value).__name__} {value!r}"[:60]


def _relocate(err: PolicyError, doc: YamlDocument) -> PolicyError:
    items = err.path.split(".") if err.path else []
    found, rest = doc.resolve(items)
    return doc.error(err.reason, found, extra=rest)


def _located(e: ValidationError, doc: YamlDocument) -> PolicyError:
    errors = e.errors(include_url=False)
    located: list[tuple[Key, list[object], str, bool]] = []
    for err in errors:
        ctx_err = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_err, PolicyError) and ctx_err.path:
            where = _policy_error_path(doc, err["loc"], ctx_err.path)
            located.append((*where, ctx_err.reason, False))
            continue
        found, rest = doc.resolve(err["loc"])
        located.append((found, rest, *_message(err, rest, doc, found)))
    path, rest, message, at_key = located[0]
    # Union branches report one error each at the same place: say them together.
    alternatives = [m for p, r, m, _ in located[1:] if p == path and r == rest and m != message]
    if alternatives:
        message = " or ".join(dict.fromkeys([message, *alternatives]))
    others = sum(1 for p, r, _, _ in located if (p, r) != (path, rest))
    if others:
        message += f" (and {others} more problem{'s' if others > 1 else ''})"
    if at_key or not rest:
        return doc.error(message, path, key=at_key, extra=rest)
    return doc.error(message, path, extra=rest)


def _policy_error_path(
    doc: YamlDocument, loc: Sequence[object], path: str
) -> tuple[Key, list[object]]:
    """Where a validator's ``PolicyError`` points: its path from the top of the file, or,
    when that is not in the file, from the model that raised it (``loc``)."""
    items = path.split(".")
    found, rest = doc.resolve(items)
    if rest:
        inner, inner_rest = doc.resolve([*loc, *items])
        if not inner_rest:
            return inner, inner_rest
    return found, rest


_ID_RULE = "an id starts with a lowercase letter, then lowercase letters, digits or underscores"


def _message(
    err: Any, rest: list[object], doc: YamlDocument | None = None, found: Key = ()
) -> tuple[str, bool]:
    """One pydantic error in the policy's words, with the fix."""
    kind = err["type"]
    loc = err["loc"]
    given = err.get("input")
    if kind == "missing":
        name = loc[-1] if loc else "?"
        if rest and rest[-1] == name:
            rest.pop()
        return f"missing required key {name!r}", False
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        flow = _flow_value_hint(doc, found, name, given)
        if flow:
            return f"unknown key {name!r}; {flow}", True
        hint = difflib.get_close_matches(name, _all_field_names(), n=1)
        return f"unknown key {name!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""), True
    ctx_err = (err.get("ctx") or {}).get("error")
    if isinstance(ctx_err, PolicyError):
        return ctx_err.reason, False
    if isinstance(ctx_err, SlacalcError):
        return str(ctx_err), False
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if (isinstance(given, float) and given != given) or given in (float("inf"), float("-inf")):
        shown = ".nan" if given != given else ".inf" if given > 0 else "-.inf"
        bounds = err.get("ctx") or {}
        high = bounds.get("lt", bounds.get("le"))
        span = f" up to {high}" if high is not None else ""
        return f"{shown} is not a number; write a number{span}, e.g. 0.75", False
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return f"{given!r} is not an id: {_ID_RULE}, e.g. {_suggest_id(given)!r}", False
    if kind == "string_pattern_mismatch":
        pattern = (err.get("ctx") or {}).get("pattern", "")
        return f"{str(given)[:60]!r} does not have the expected form (pattern {pattern})", False
    if kind == "string_type" and isinstance(given, bool):
        word = "true" if given else "false"
        return f"{word} is a yes/no value here, not text; quote it: \"{word}\"", False
    if kind == "string_type" and isinstance(given, int | float):
        return f"{given} is a number here, not text; quote it: \"{given}\"", False
    if kind == "string_type" and isinstance(given, date | datetime):
        return f"{given} is a date here, not text; quote it: \"{given}\"", False
    if kind in ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"):
        return (
            f"{str(given)[:40]!r} is not an instant; write ISO 8601 with an offset, "
            "e.g. \"2026-11-20T16:30:00Z\"",
            False,
        )
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing",
                "date_from_datetime_inexact"):
        return f"{str(given)[:40]!r} is not a date; write YYYY-MM-DD, e.g. 2026-11-20", False
    if kind in ("bool_type", "bool_parsing"):
        return f"{str(given)[:40]!r} is not a yes/no value; write true or false", False
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing", "decimal_parsing",
                "decimal_type"):
        return f"{str(given)[:40]!r} is not a number; write a number, e.g. 0.75", False
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys ({{key: value, ...}}), not {_kind(given)}", False
    if kind in ("tuple_type", "list_type", "set_type"):
        return f"expected a list ([a, b] or one '- item' per line), not {_kind(given)}", False
    if kind == "string_type":
        return f"expected text, not {_kind(given)}; write the text (quote it if it has ': ')", False
    if kind in ("literal_error", "enum"):
        expected = (err.get("ctx") or {}).get("expected", "")
        return f"write one of {expected} (got {_kind(given)})", False
    if kind.endswith("_type"):
        shown = repr(given)
        msg += f" (got {shown[:60]})"
    return msg, False


def _suggest_id(value: object) -> str:
    text = re.sub(r"[^a-z0-9_]+", "_", str(value).strip().lower()).strip("_")
    text = text.lstrip("0123456789_")
    return text or "acme"


def _flow_value_hint(doc: YamlDocument | None, parent: Key, name: str, value: object) -> str:
    """A key with no value right after a text value is most likely the rest of that text,
    cut at an unquoted ',' inside ``{...}``: say how to quote it."""
    if doc is None or value is not None:
        return ""
    if parent and parent[-1] == name:
        parent = parent[:-1]
    mapping = doc.data
    for k in parent:
        mapping = mapping[k] if isinstance(mapping, dict | list) else None
    if not isinstance(mapping, dict) or name not in mapping:
        return ""
    keys = list(mapping)
    i = keys.index(name)
    if i == 0 or not isinstance(mapping[keys[i - 1]], str):
        return ""
    prev = keys[i - 1]
    return (
        "inside {...} a ',' ends the value: quote a value that has a comma, "
        f"{prev}: \"{mapping[prev]}, {name}\""
    )


@lru_cache(maxsize=1)
def _all_field_names() -> tuple[str, ...]:
    seen: set[type[BaseModel]] = set()
    names: set[str] = set()

    def walk(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
            for sub in _models_in(info.annotation):
                walk(sub)

    walk(Policy)
    return tuple(sorted(names))


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _models_in(arg)
    for meta in getattr(annotation, "__metadata__", ()) or ():
        yield from _models_in(meta)


def _bundled_dir() -> Traversable:
    return resources.files(_BUNDLED_PACKAGE)


def bundled_policies() -> list[str]:
    """Ids of the policies shipped with slacalc, sorted."""
    return sorted(
        p.name.rsplit(".", 1)[0]
        for p in _bundled_dir().iterdir()
        if p.is_file() and p.name.endswith(_SUFFIXES)
    )


def bundled_id(name: str) -> str:
    """The bundled policy id for ``name``, matched like plan and severity names
    (``'eSIM Go'``, ``'esim-go'``); ``UnknownNameError`` lists the bundled ids."""
    return NameIndex("policy", ((pid, (), pid) for pid in bundled_policies())).resolve(name)


def bundled_path(policy_id: str) -> Traversable:
    """The bundled file of ``policy_id``; ``UnknownNameError`` lists the bundled ids."""
    ids = bundled_policies()
    key = bundled_id(policy_id)
    for suffix in _SUFFIXES:
        candidate = _bundled_dir() / f"{key}{suffix}"
        if candidate.is_file():
            return candidate
    raise UnknownNameError("policy", policy_id, ids)  # pragma: no cover


@cache
def _load_bundled(policy_id: str, model: type[Policy]) -> Policy:
    source = bundled_path(policy_id)
    shown = f"policies/{source.name}"
    return policy_from_text(decode(source.read_bytes(), shown), shown, model)


def _is_path(value: str | os.PathLike[str]) -> bool:
    if isinstance(value, os.PathLike):
        return True
    if value.endswith(_SUFFIXES) or "/" in value or os.sep in value:
        return True
    try:
        return Path(value).is_file()
    except (OSError, ValueError):  # a name too long, or with a NUL, is no file
        return False


def load_policy(id_or_path: str | os.PathLike[str], model: type[P] = Policy) -> P:  # type: ignore[assignment]
    """A bundled policy by id (``'passkit'``), or a policy file by path, as ``model``.

    Bundled policies are read once per model class and shared (a ``Policy`` is immutable).
    """
    if not isinstance(id_or_path, str | os.PathLike):
        raise UnknownNameError("policy", id_or_path, bundled_policies())
    if _is_path(id_or_path):
        path = Path(id_or_path)
        return policy_from_text(read_text(path, str(id_or_path)), str(id_or_path), model)
    found = _load_bundled(bundled_id(str(id_or_path)), model)
    assert isinstance(found, model)
    return found


def policy_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The policy files named by ``paths``: files as given, folders' ``*.yaml``/``*.yml`` sorted."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.is_file() and f.name.endswith(_SUFFIXES)))
        else:
            out.append(p)
    return out


def load_policies(folder: str | os.PathLike[str], model: type[P] = Policy) -> dict[str, P]:  # type: ignore[assignment]
    """Every policy in a folder (``*.yaml``, ``*.yml``), by id.

    Two files with the same id are an error.
    """
    root = Path(folder)
    if not root.is_dir():
        raise PolicyError("not a folder", file=str(folder))
    out: dict[str, P] = {}
    where: dict[str, str] = {}
    for f in policy_files([root]):
        policy = load_policy(f, model)
        if policy.id in out:
            raise PolicyError(
                f"policy id {policy.id!r} is also defined in {where[policy.id]}",
                file=str(f),
                path="id",
            )
        out[policy.id] = policy
        where[policy.id] = str(f)
    return out
