"""The public API audit: what ``slacalc.__all__`` promises is importable, documented, typed,
tested and rendered in the API reference, and nothing private leaks into it.

mkdocstrings renders a name without a docstring without complaint, so this module is what
fails the build on an undocumented public name. Module-level constants cannot carry a
runtime docstring and are only checked for being listed.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import re
import subprocess
import sys
import tomllib
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

import slacalc
from slacalc import _version

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"
PUBLIC = [n for n in slacalc.__all__ if n != "__version__"]
# Functions pydantic or the standard library put on a class; documented upstream.
INHERITED_OK = {"model_post_init"}


def reference_pages() -> dict[str, list[str]]:
    """Module name -> the members its reference page renders (``::: module`` + options)."""
    out: dict[str, list[str]] = {}
    for page in sorted(REFERENCE.glob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"^:::\s+(slacalc\.\w+)\s*$", line)
            if not m:
                continue
            block = []
            for nxt in lines[i + 1 :]:
                if nxt.strip() and not nxt.startswith(" "):
                    break
                block.append(nxt)
            options = (yaml.safe_load("\n".join(block)) or {}).get("options", {})
            out[m[1]] = list(options.get("members") or [])
    return out


def documented_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in reference_pages()]


def own_members(cls: type) -> dict[str, Any]:
    """Public methods and properties a class defines itself (not pydantic fields)."""
    fields = set(getattr(cls, "model_fields", {}))
    return {
        name: value
        for name, value in vars(cls).items()
        if not name.startswith("_")
        and name not in fields
        and name not in INHERITED_OK
        and (inspect.isfunction(value) or isinstance(value, (property, classmethod, staticmethod)))
    }


def api_objects() -> list[tuple[str, Any]]:
    """Every name the API reference renders, with its object."""
    seen: list[tuple[str, Any]] = []
    for module in documented_modules():
        for name in getattr(module, "__all__", ()):
            seen.append((f"{module.__name__}.{name}", getattr(module, name)))
    return seen


def test_all_is_importable_and_unique() -> None:
    assert len(slacalc.__all__) == len(set(slacalc.__all__))
    for name in slacalc.__all__:
        assert hasattr(slacalc, name), f"slacalc.__all__ lists {name!r}, which is not importable"
    namespace: dict[str, Any] = {}
    exec("from slacalc import *", namespace)
    assert set(slacalc.__all__) <= set(namespace)


def test_nothing_private_leaks() -> None:
    for name in slacalc.__all__:
        assert name == "__version__" or not name.startswith("_"), name
        obj = getattr(slacalc, name)
        module = getattr(obj, "__module__", None) or ""
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert module.startswith("slacalc."), f"{name} comes from {module}"
            assert not any(part.startswith("_") for part in module.split(".")), (
                f"{name} is defined in the private module {module}"
            )


def test_public_names_of_the_package_are_all_listed() -> None:
    """A name importable from ``slacalc`` but missing from ``__all__`` is an accident."""
    stray = sorted(
        name
        for name, value in vars(slacalc).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)
        and name not in slacalc.__all__
        and name != "annotations"
    )
    assert not stray, f"public in slacalc but not in __all__: {stray}"


@pytest.mark.parametrize("qualname, obj", api_objects(), ids=[q for q, _ in api_objects()])
def test_public_name_is_documented_and_typed(qualname: str, obj: Any) -> None:
    if not (inspect.isclass(obj) or callable(obj)):
        return  # a constant: listed, rendered from source, no runtime docstring to check
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
    assert doc and doc.strip(), f"{qualname} has no docstring"
    if inspect.isclass(obj):
        for name, member in own_members(obj).items():
            if isinstance(member, property):
                func = member.fget
            else:
                func = getattr(member, "__func__", member)
            assert func.__doc__ and func.__doc__.strip(), f"{qualname}.{name} has no docstring"
            _check_annotations(f"{qualname}.{name}", func)
    elif inspect.isfunction(obj):
        _check_annotations(qualname, obj)


def _check_annotations(qualname: str, func: Any) -> None:
    sig = inspect.signature(func)
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        assert p.annotation is not inspect.Parameter.empty, f"{qualname}: {p.name} has no type"
    assert sig.return_annotation is not inspect.Signature.empty, f"{qualname} has no return type"


def test_modules_have_docstrings() -> None:
    for path in sorted((ROOT / "src" / "slacalc").glob("*.py")):
        if path.stem.startswith("_") and path.stem != "__init__":
            continue
        name = "slacalc" if path.stem == "__init__" else f"slacalc.{path.stem}"
        assert (importlib.import_module(name).__doc__ or "").strip(), f"{name} has no docstring"


def test_reference_pages_render_every_public_name() -> None:
    pages = reference_pages()
    for module_name, members in pages.items():
        module = importlib.import_module(module_name)
        if not hasattr(module, "__all__"):
            continue  # a module documented by its docstring alone (the pytest plugin)
        assert members == list(module.__all__), (
            f"docs/reference/{module_name.split('.')[-1]}.md renders {members}; "
            f"{module_name}.__all__ is {list(module.__all__)}: make them agree"
        )
    rendered = {f"{m}.{n}" for m, ns in pages.items() for n in ns}
    for name in PUBLIC:
        obj = getattr(slacalc, name)
        home = getattr(obj, "__module__", None)
        assert f"{home}.{name}" in rendered, (
            f"slacalc.{name} (from {home}) is not rendered in docs/reference/"
        )


def test_public_names_are_covered_by_tests() -> None:
    """Each public name is used by at least one test other than the audits themselves."""
    audits = {"test_public_api.py", "test_docs.py", "test_release.py"}
    text = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "tests").rglob("*.py")
        if p.name not in audits
    )
    untested = [n for n in PUBLIC if not re.search(rf"\b{re.escape(n)}\b", text)]
    assert not untested, f"no test mentions: {untested}"


def test_version_has_one_home() -> None:
    assert slacalc.__version__ == _version.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+([abc]|rc)?\d*(\.dev\d+)?", slacalc.__version__)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "slacalc._version.__version__"
    }
    others = [
        p.name
        for p in (ROOT / "src" / "slacalc").glob("*.py")
        if p.name != "_version.py"
        and re.search(r"^__version__\s*=", p.read_text(encoding="utf-8"), re.M)
    ]
    assert not others, f"__version__ assigned outside _version.py: {others}"
    assert importlib.metadata.version("slacalc") == slacalc.__version__, (
        "installed metadata is stale: reinstall with pip install -e ."
    )


def test_cli_version() -> None:
    script = Path(sys.executable).with_name("slacalc")
    cmd = [str(script)] if script.exists() else [
        sys.executable, "-c", "import sys; from slacalc.cli import main; sys.exit(main())"
    ]
    done = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert slacalc.__version__ in done.stdout.split() or done.stdout.strip().endswith(
        slacalc.__version__
    ), done.stdout


# Types the public API touches that are plumbing for slacalc's own code, not for users:
# each is reached only through a member documented as such.
INTERNAL_TYPES = {
    "slacalc.results.Trail": "MetricResult.build, the evaluation's own constructor",
    "slacalc.timeline.Timeline": "Calendar.timeline, the index the table path reads",
    "slacalc.timeline._Index": "Timeline.index_for, inside the above",
    "slacalc.policy.Policy": "the data model engine functions take; slacalc.Policy subclasses it",
}


def _slacalc_types(tp: Any, out: set[type]) -> None:
    if typing.get_origin(tp) is typing.Annotated:
        _slacalc_types(typing.get_args(tp)[0], out)
        return
    for arg in typing.get_args(tp):
        _slacalc_types(arg, out)
    if isinstance(tp, type) and tp.__module__.startswith("slacalc"):
        out.add(tp)


def _hints(func: Any) -> list[Any]:
    namespace: dict[str, Any] = {}
    for module in documented_modules():
        namespace.update(vars(module))
    try:
        import pandas as pd

        namespace.setdefault("DataFrame", pd.DataFrame)
    except ImportError:  # pragma: no cover - the dev extra has pandas
        pass
    namespace.update(func.__globals__)
    return list(typing.get_type_hints(func, globalns=namespace, include_extras=True).values())


def test_every_type_the_api_returns_or_accepts_is_exported() -> None:
    """Fields, parameters and return types of every public name, followed transitively."""
    todo: list[Any] = [getattr(slacalc, n) for n in PUBLIC]
    seen: set[int] = set()
    found: set[type] = set()
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        hints: list[Any] = []
        if inspect.isclass(obj):
            fields = getattr(obj, "model_fields", {})
            hints += [f.annotation for f in fields.values()]
            for name, member in vars(obj).items():
                if name.startswith("_") and name not in ("__init__", "__getitem__"):
                    continue
                func = member.fget if isinstance(member, property) else getattr(
                    member, "__func__", member
                )
                if inspect.isfunction(func):
                    hints += _hints(func)
        elif inspect.isfunction(obj):
            hints += _hints(obj)
        new: set[type] = set()
        for hint in hints:
            _slacalc_types(hint, new)
        for tp in new - found:
            found.add(tp)
            if f"{tp.__module__}.{tp.__qualname__}" not in INTERNAL_TYPES:
                todo.append(tp)  # internal plumbing is not walked into
    missing = sorted(
        f"{tp.__module__}.{tp.__qualname__}"
        for tp in found
        if getattr(slacalc, tp.__name__, None) is not tp
        and f"{tp.__module__}.{tp.__qualname__}" not in INTERNAL_TYPES
    )
    assert not missing, f"returned or accepted by the API but not exported: {missing}"
