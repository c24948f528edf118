"""A pytest plugin: the ``examples:`` of policy files become test items.

Registered through the ``pytest11`` entry point, so it is active wherever slacalc is
installed; importing it loads only the standard library (slacalc's own modules load when a
policy file is collected). It collects a YAML file (``*.yaml``, ``*.yml``) only when pytest
is pointed at it (a path on the command line or under ``testpaths``) *and* the file is a
policy:

* its first lines carry the editor comment
  ``# yaml-language-server: $schema=...policy.schema.json``, or
* it has a policy's top-level keys (``plans:``, ``severities:`` and ``metrics:``), or
* it matches one of the glob patterns of the ini option ``slacalc_policies`` (a trailing
  ``# comment`` on a line of the option is ignored; a pattern that matches no file under
  the rootdir is warned about).

Random YAML files (CI configs, fixtures) are never collected. Each example is one item,
``path::example name``; a file that does not load is one failing item with the located
error. Disable the plugin with ``-p no:slacalc`` or the ini option
``slacalc_collect = false``.
"""

from __future__ import annotations

import contextlib
import fnmatch
import glob
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .errors import PolicyError, SlacalcError
    from .policy import Policy
    from .terms import Example

MARKER = "policy.schema.json"
_HEAD_LINES = 5
#: Top-level keys every policy has (besides id, name and source, which other YAML has too).
POLICY_KEYS = ("plans", "severities", "metrics")
_MAX_SNIFF = 1_000_000
_COMMENT = re.compile(r"(?:^|\s)#.*$")


def _refused(message: str, *, line: int | None = None, column: int | None = None) -> SlacalcError:
    from .errors import SlacalcError

    return SlacalcError(message)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "slacalc_policies",
        "glob patterns (relative to rootdir) of policy files whose examples are collected",
        type="linelist",
        default=[],
    )
    parser.addini(
        "slacalc_collect",
        "collect the examples of policy YAML files (default true)",
        type="bool",
        default=True,
    )


def ini_patterns(lines: list[str]) -> list[str]:
    """The patterns of the ini option: one or more per line, a trailing ``# comment`` dropped."""
    out: list[str] = []
    for line in lines:
        out.extend(_COMMENT.sub("", line).split())
    return out


def pytest_configure(config: pytest.Config) -> None:
    if not config.getini("slacalc_collect"):
        return
    root = str(config.rootpath)
    for pattern in ini_patterns(list(config.getini("slacalc_policies"))):
        if not glob.glob(pattern, root_dir=root, recursive=True) and not glob.glob(
            f"**/{pattern}", root_dir=root, recursive=True
        ):
            config.issue_config_time_warning(
                pytest.PytestConfigWarning(
                    f"slacalc_policies: {pattern!r} matches no file under {root}"
                ),
                stacklevel=2,
            )


def _has_policy_keys(text: str) -> bool:
    found = {
        m[1] for m in re.finditer(r"^(\w+)\s*:", text, re.MULTILINE) if m[1] in POLICY_KEYS
    }
    return len(found) == len(POLICY_KEYS)


def is_policy_file(
    path: Path, patterns: list[str] | None = None, rootdir: Path | None = None
) -> bool:
    """True for a YAML file that is a policy: schema comment, policy keys, or a pattern."""
    if path.suffix not in (".yaml", ".yml"):
        return False
    if patterns:
        rel = path.as_posix()
        if rootdir is not None:
            with contextlib.suppress(ValueError):
                rel = path.resolve().relative_to(rootdir.resolve()).as_posix()
        if any(fnmatch.fnmatch(rel, pat) for pat in ini_patterns(patterns)):
            return True
    try:
        from .errors import SlacalcError
        from .limits import open_regular

        with open_regular(path, _MAX_SNIFF + 1, _refused) as f:
            text = f.read(_MAX_SNIFF).decode("utf-8", "replace")
    except (OSError, SlacalcError):
        return False
    head = text.splitlines()[:_HEAD_LINES]
    if any(
        line.lstrip().startswith("#") and "yaml-language-server" in line and MARKER in line
        for line in head
    ):
        return True
    return _has_policy_keys(text)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    if not config.getini("slacalc_collect"):
        return None
    patterns = list(config.getini("slacalc_policies"))
    if is_policy_file(file_path, patterns, config.rootpath):
        return PolicyFile.from_parent(parent, path=file_path)
    return None


class PolicyFile(pytest.File):
    """A policy YAML file: one item per example."""

    def collect(self) -> Iterator[pytest.Item]:
        from .checks import example_label
        from .errors import PolicyError
        from .facade import load_policy

        try:
            policy = load_policy(self.path)
        except PolicyError as e:
            yield PolicyLoadItem.from_parent(self, name="load", error=e)
            return
        if not policy.examples:
            yield PolicyLoadItem.from_parent(self, name="load", error=None)
        seen: dict[str, int] = {}
        for i, example in enumerate(policy.examples):
            name = example_label(example, i)
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} [{seen[name]}]"
            yield ExampleItem.from_parent(self, name=name, policy=policy, example=example, index=i)


class PolicyLoadItem(pytest.Item):
    """Passes when the file loads; fails with the located ``PolicyError`` otherwise."""

    def __init__(self, *, error: PolicyError | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        if self.error is not None:
            raise self.error

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name


class ExampleFailure(AssertionError):
    """An example whose expected value differs from the policy's answer."""


class ExampleItem(pytest.Item):
    """One ``examples:`` entry of a policy file."""

    def __init__(self, *, policy: Policy, example: Example, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.example = example
        self.index = index

    def runtest(self) -> None:
        from .checks import run_example

        outcome = run_example(self.policy, self.example, self.index)
        if outcome.status == "skipped":
            pytest.skip(outcome.message)
        if outcome.status == "failed":
            raise ExampleFailure(outcome.message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ExampleFailure):
            return f"{self.path.name}: example {self.name!r}: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name
