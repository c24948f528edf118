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
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import PolicyError, SlacalcError, UnknownNameError
from .limits import MAX_POLICY_BYTES, Fail, check_size, decode_utf8, read_capped
from .names import NameIndex
from .policy import Policy

P = TypeVar("P", bound=Policy)

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "YamlDocument",
    "bundled_id",
    "bundled_path",
    "bundled_policies",
    "load_policies",
    "load_policy",
    "load_yaml_text",
    "parse_yaml",
    "policy_files",
    "policy_from_text",
    "read_text",
]

#: Most nodes a document may expand to (aliases included): a guard against alias bombs.
MAX_NODES = 200_000
#: Deepest nesting of mappings and lists a document may have.
MAX_DEPTH = 64
#: Largest policy file (bytes) or text (characters) we read.
MAX_BYTES = MAX_POLICY_BYTES

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_CORE + t for t in ("null", "bool", "int", "float", "str", "timestamp"))
_MERGE = _CORE + "merge"
_SUFFIXES = (".yaml", ".yml")
_BUNDLED_PACKAGE = "slacalc.policies"
_UNEXPECTED = "unexpected error (please report it)"

Key = tuple[Any, ...]


# ---- YAML with positions ----------------------------------------------------------------


@dataclass(frozen=True)
class YamlDocument:
    """Plain data read from YAML, with the 1-based (line, column) of every key and value."""

    filename: str
    data: Any
    values: dict[Key, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Key, tuple[int, int]] = field(default_factory=dict)

    def resolve(self, loc: Iterable[object]) -> tuple[Key, list[object]]:
        """Follow ``loc`` (a pydantic location or a dotted path split up) through the data.

        Returns the longest prefix that exists in the document, as real keys, and the items
        of ``loc`` that could not be followed (union branch tags are skipped on the way).
        """
        node = self.data
        found: list[Any] = []
        rest: list[object] = []
        for item in loc:
            if rest:
                rest.append(item)
                continue
            nxt = _child(node, item)
            if nxt is not None:
                found.append(nxt[0])
                node = nxt[1]
            elif isinstance(item, str) and _looks_like_tag(item):
                continue
            else:
                rest.append(item)
        if not isinstance(node, dict | list):
            # A scalar written where a mapping was expanded (a cell '4h' is {within: 4h}):
            # the author's key path ends here.
            rest = [r for r in rest if not isinstance(r, str) or not r.isidentifier()]
        return tuple(found), rest

    def position(self, path: Key, *, key: bool = False) -> tuple[int, int] | None:
        """Where ``path`` is written: its key (``key=True``) or its value."""
        table = self.keys if key else self.values
        while True:
            if path in table:
                return table[path]
            if path in self.values:
                return self.values[path]
            if not path:
                return None
            path = path[:-1]

    def error(
        self, message: str, path: Key = (), *, key: bool = False, extra: Sequence[object] = ()
    ) -> PolicyError:
        """A ``PolicyError`` located at ``path`` (plus ``extra`` items that are not in the file)."""
        pos = self.position(path, key=key)
        dotted = ".".join(str(p) for p in (*path, *extra)) or None
        return PolicyError(
            message,
            file=self.filename,
            line=pos[0] if pos else None,
            column=pos[1] if pos else None,
            path=dotted,
        )


def _child(node: Any, item: object) -> tuple[Any, Any] | None:
    if isinstance(node, dict):
        if isinstance(item, str | int) and not isinstance(item, bool) and item in node:
            return item, node[item]
        text = str(item)
        for k, v in node.items():
            if str(k) == text:
                return k, v
        return None
    if (
        isinstance(node, list)
        and isinstance(item, int)
        and not isinstance(item, bool)
        and 0 <= item < len(node)
    ):
        return item, node[item]
    return None


def _looks_like_tag(item: str) -> bool:
    # pydantic puts union branches and validator wrappers into error locations:
    # 'function-before[...]', 'dict[str,CellSpec]', 'NextOpen', "literal['opened']", 'cell'.
    return any(c in item for c in "[](),'") or item[:1].isupper() or item in _TYPE_TAGS


_TYPE_TAGS = frozenset(
    {
        "str",
        "int",
        "float",
        "bool",
        "date",
        "datetime",
        "decimal",
        "none",
        "cell",
        "row",
        "json-or-python",
        "lax-or-strict",
        "chain",
        "is-instance",
        "function-plain",
    }
)


def _bad_character(e: yaml.reader.ReaderError, text: str, filename: str) -> PolicyError:
    line, col = _line_col(text, e.position)
    return PolicyError(
        f"character {e.character!r} is not allowed in YAML ({e.reason})",
        file=filename,
        line=line,
        column=col,
    )


def parse_yaml(text: str, filename: str = "<string>") -> YamlDocument:
    """Read one YAML document safely, keeping positions; problems raise ``PolicyError``."""
    if not isinstance(text, str):
        raise PolicyError("expected YAML text (str)", file=filename)
    check_size(len(text), MAX_BYTES, _failing(filename, "the text "), unit="characters")
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as e:
        raise _bad_character(e, text, filename) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            problem = e.problem or e.context or "invalid YAML"
            if e.context and e.problem and "expected a single document" in e.context:
                problem = "a policy file holds one YAML document; remove the extra '---'"
            else:
                problem = f"YAML syntax error: {problem}" + (
                    f" ({e.context})" if e.context and e.problem else ""
                ) + _syntax_hint(e)
            raise PolicyError(
                problem,
                file=filename,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            ) from None
        except yaml.reader.ReaderError as e:
            raise _bad_character(e, text, filename) from None
        except yaml.YAMLError as e:
            raise PolicyError(f"YAML error: {e}", file=filename) from None
        except RecursionError:
            raise PolicyError(f"nested more than {MAX_DEPTH} levels deep", file=filename) from None
        doc = YamlDocument(filename, None)
        if node is None:
            return doc
        builder = _Builder(loader, doc)
        data = builder.build(node, (), 0)
        return YamlDocument(filename, data, doc.values, doc.keys)
    finally:
        loader.dispose()


def _syntax_hint(e: yaml.MarkedYAMLError) -> str:
    """The usual cause of a syntax error, when there is one."""
    if "flow mapping" in (e.context or "") and "got ':'" in (e.problem or ""):
        return (
            "; inside {...} a value with ': ' or ', ' in it must be quoted, "
            'e.g. {definition: "Note: production is down"}'
        )
    return ""


def load_yaml_text(text: str, filename: str = "<string>") -> Any:
    """Plain data from YAML text, read as safely as a policy file (see ``parse_yaml``)."""
    return parse_yaml(text, filename).data


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, doc: YamlDocument) -> None:
        self.loader = loader
        self.doc = doc
        self.count = 0
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, message: str, path: Key) -> PolicyError:
        return PolicyError(
            message,
            file=self.doc.filename,
            line=node.start_mark.line + 1,
            column=node.start_mark.column + 1,
            path=".".join(map(str, path)) or None,
        )

    def build(self, node: yaml.Node, path: Key, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                node, f"the document expands to more than {MAX_NODES} nodes (alias bomb?)", path
            )
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nested more than {MAX_DEPTH} levels deep", path)
        self.doc.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.active:
            raise self.fail(
                node, "an alias refers to a node that contains it (recursive alias)", path
            )
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != _CORE + "seq":
                    raise self.fail(node, _tag_message(node.tag), path)
                return [
                    self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)
                ]
            if isinstance(node, yaml.MappingNode):
                if node.tag != _CORE + "map":
                    raise self.fail(node, _tag_message(node.tag), path)
                return self.mapping(node, path, depth)
        finally:
            self.active.discard(id(node))
        raise self.fail(node, "unsupported YAML node", path)  # pragma: no cover

    def scalar(self, node: yaml.ScalarNode, path: Key) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(node, _tag_message(node.tag), path)
        if node.style is None:
            ambiguous = _yaml11_only(node.tag, node.value)
            if ambiguous is not None:
                raise self.fail(node, ambiguous, path)
        constructor = self.loader.yaml_constructors[node.tag]
        try:
            return constructor(self.loader, node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            raise self.fail(
                node, f"{node.value!r} is not a valid {node.tag.removeprefix(_CORE)}", path
            ) from None

    def mapping(self, node: yaml.MappingNode, path: Key, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        merges: list[yaml.Node] = []
        for knode, vnode in node.value:
            if knode.tag == _MERGE:
                merges.append(vnode)
                continue
            if not isinstance(knode, yaml.ScalarNode):
                raise self.fail(knode, "a key must be a plain value, not a list or mapping", path)
            key = self.scalar(knode, path)
            if isinstance(key, float) and key != key:
                raise self.fail(knode, "'.nan' cannot be a key", path)
            sub = (*path, key)
            if key in out:
                first = self.doc.keys.get(sub)
                where = f" (first at line {first[0]})" if first else ""
                raise self.fail(
                    knode, f"duplicate key {key!r}{where}: each key may appear once", sub
                )
            self.doc.keys[sub] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
            out[key] = self.build(vnode, sub, depth + 1)
        for merge in merges:
            sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise self.fail(source, "'<<' merges a mapping or a list of mappings", path)
                self._merge(source, path, depth, out)
        return out

    def _merge(self, source: yaml.MappingNode, path: Key, depth: int, out: dict[Any, Any]) -> None:
        """Add the keys of ``source`` missing from ``out``, with their positions.

        The source is built with tables of its own, so copying its positions costs its own
        size, not the document's (merge keys stay linear however often they are used).
        """
        doc = self.doc
        own = YamlDocument(doc.filename, None)
        self.doc = own
        try:
            merged = self.build(source, (*path, "<<"), depth + 1)
        finally:
            self.doc = doc
        taken = {k for k in merged if k not in out}
        for k in taken:
            out[k] = merged[k]
            doc.keys.setdefault((*path, k), own.keys.get((*path, "<<", k), (0, 0)))
        n = len(path) + 1
        for mine, table in ((own.values, doc.values), (own.keys, doc.keys)):
            for key, pos in mine.items():
                table.setdefault(key, pos)
                if len(key) > n and key[n] in taken:
                    table.setdefault((*path, *key[n:]), pos)


_BOOL_WORDS = frozenset({"true", "false"})


def _yaml11_only(tag: str, text: str) -> str | None:
    """Why a plain scalar that YAML 1.1 and YAML 1.2 read differently is refused, or None.

    PyYAML reads YAML 1.1: ``NO`` and ``off`` are false, ``8:00`` is the number 480 (base
    60), ``017`` is 15 (octal), ``1_000`` is 1000. YAML 1.2 and most editors read the first
    three as text, so the file means different things to different readers: quote it.
    """
    kind = tag.removeprefix(_CORE)
    if kind == "bool" and text.lower() not in _BOOL_WORDS:
        return (
            f"{text} is read as a yes/no value by YAML 1.1 but as text by YAML 1.2; "
            f'quote it: "{text}" (or write true or false for a yes/no value)'
        )
    if kind in ("int", "float") and ":" in text:
        return (
            f"{text} is read as the base-60 number {_sexagesimal(text)} by YAML 1.1; a "
            f"duration needs a unit, e.g. \"{_as_duration(text)}\"; quote a time of day: "
            f'"{text}"'
        )
    if kind == "int" and (
        "_" in text or text.lstrip("+-")[:2].lower() in ("0b", "0x")
        or (len(text.lstrip("+-")) > 1 and text.lstrip("+-").startswith("0"))
    ):
        return (
            f"{text} is read as a number in another base by YAML 1.1; write it as a plain "
            f'number or quote it: "{text}"'
        )
    return None


def _sexagesimal(text: str) -> str:
    total = 0.0
    for part in text.replace("_", "").lstrip("+-").split(":"):
        total = total * 60 + float(part)
    return f"{total:g}"


def _as_duration(text: str) -> str:
    parts = text.lstrip("+-").split(":")
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        h, m = int(parts[0]), int(parts[1])
        return f"{h}h{m}m" if m else f"{h}h"
    return "1h30m"


def _tag_message(tag: str) -> str:
    shown = "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag
    return f"tag {shown!r} is not allowed: policy files use plain YAML (no tags)"


# ---- policies from text -----------------------------------------------------------------


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


# ---- files ------------------------------------------------------------------------------


def _failing(shown: str, prefix: str = "") -> Fail:
    def fail(message: str, *, line: int | None = None, column: int | None = None) -> PolicyError:
        if message.startswith("is a folder"):
            message = "is a folder; use load_policies() for a folder of policies"
        return PolicyError(prefix + message, file=shown, line=line, column=column)

    return fail


def read_text(path: Path, shown: str) -> str:
    """A YAML file's text: a regular file, at most the size cap, UTF-8; else ``PolicyError``."""
    fail = _failing(shown)
    return decode_utf8(read_capped(path, MAX_BYTES, fail), fail)


def decode(raw: bytes, shown: str) -> str:
    """UTF-8 text (a BOM is allowed); anything else is a located ``PolicyError``."""
    return decode_utf8(raw, _failing(shown))


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
