"""YAML text with positions: the safe reader every YAML file of slacalc goes through.

``parse_yaml`` reads one document with PyYAML's safe loader, keeps each key's and value's
line and column (so a later error names where it is), and refuses what a policy file must
not hold: duplicate keys, tags beyond YAML's core ones, alias bombs, deep nesting, values
that YAML 1.1 and 1.2 read differently. ``read_text`` and ``decode`` read a YAML file's text
within the size cap. It knows nothing of policies: ``slacalc.loading`` builds those, and
``Calendar.from_yaml`` reads a calendar through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import PolicyError
from .limits import MAX_POLICY_BYTES, Fail, check_size, decode_utf8, read_capped

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Key",
    "YamlDocument",
    "decode",
    "load_yaml_text",
    "parse_yaml",
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


