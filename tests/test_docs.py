"""Every Python example in the README and the docs runs, so none of them can rot.

Each page is one test: its fenced ```` ```python ```` blocks run in order in one namespace,
the way a reader would paste them into one session. A block written as an interactive
session (lines starting with ``>>>``) runs as a doctest against the same namespace, so its
printed output is checked too.

Markers, an HTML comment on the line before the fence (invisible in the rendered site):

- ``<!-- no-run -->``: show the block, do not run it (say why in the prose).
- ``<!-- requires: pyspark -->``: run the block only when that module is importable,
  for examples of optional integrations CI does not install; without the module the rest
  of the page is skipped, since later blocks may depend on this one.

The blocks run in a temporary directory holding links to the repository's ``examples/``
and ``policies/``, so a page may say ``examples/tickets.csv`` as a reader in a checkout
would, and files a block writes land in the temporary directory.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")],
    key=lambda p: p.relative_to(ROOT).as_posix(),
)

# Names that may not exist yet while the project is built piece by piece: a page importing
# one of them is skipped instead of failing. Empty once everything has landed, so that from
# then on every block runs strictly.
PENDING: frozenset[str] = frozenset()

OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
MARKER = re.compile(r"^\s*<!--\s*(?P<kind>no-run|requires:)\s*(?P<arg>[^>]*?)\s*-->\s*$")
PYTHON = {"python", "py", "python3", "pycon"}


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the first line of code
    code: str
    run: bool
    requires: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT).as_posix()}:{self.line}"


def blocks(page: Path) -> Iterator[Block]:
    """The Python fenced blocks of a Markdown page, in order, with their markers."""
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = m["indent"], m["fence"]
        lang = (m["info"].strip().split() or [""])[0].lstrip(".{").rstrip("}").lower()
        close = re.compile(rf"^{re.escape(indent)}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if lang in PYTHON:
            run, requires = True, []
            k = i - 1
            while k >= 0 and (mk := MARKER.match(lines[k])):
                if mk["kind"] == "no-run":
                    run = False
                else:
                    requires += [r.strip() for r in mk["arg"].split(",") if r.strip()]
                k -= 1
            body = textwrap.dedent("\n".join(lines[i + 1 : j]))
            yield Block(page, i + 2, body, run, tuple(requires))
        i = j + 1


def _missing_name(e: ImportError) -> str | None:
    m = re.search(r"cannot import name '([\w.]+)'", str(e))
    return m[1] if m else e.name


def run_block(block: Block, namespace: dict[str, Any]) -> None:
    """Run one block in ``namespace``; tracebacks point at the page and its line."""
    if block.code.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(
            block.code, namespace, block.where, str(block.page), block.line - 1
        )
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        out: list[str] = []
        runner.run(test, out=out.append, clear_globs=False)
        if runner.failures:
            pytest.fail(f"doctest at {block.where} failed:\n{''.join(out)}", pytrace=False)
        return
    # dont_inherit: a page's code runs as a reader's would, without this module's
    # ``from __future__ import annotations`` (pydantic models on a page need real annotations)
    code = compile(
        "\n" * (block.line - 1) + block.code, str(block.page), "exec", dont_inherit=True
    )
    exec(code, namespace)


@pytest.fixture
def docs_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("examples", "policies"):
        if (ROOT / name).exists():
            (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return tmp_path


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_page_examples_run(page: Path, docs_cwd: Path) -> None:
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    ran = 0
    for block in blocks(page):
        if not block.run:
            continue
        absent = [r for r in block.requires if importlib.util.find_spec(r) is None]
        if absent:
            needs = ", ".join(absent)
            pytest.skip(f"{block.where} needs {needs} (not installed); ran {ran} blocks")
        try:
            run_block(block, namespace)
        except ImportError as e:
            missing = _missing_name(e)
            if missing in PENDING or (missing or "").rsplit(".", 1)[-1] in PENDING:
                pytest.skip(f"{block.where}: {missing} has not landed yet; ran {ran} blocks")
            e.add_note(f"in the Python block at {block.where}")
            raise
        except Exception as e:
            e.add_note(f"in the Python block at {block.where}")
            raise
        ran += 1


def test_readme_and_quickstart_have_examples() -> None:
    for page in (ROOT / "README.md", ROOT / "docs" / "quickstart.md"):
        assert any(b.run for b in blocks(page)), f"{page.name} has no runnable Python block"


def test_block_parser(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n"
        "```python\nx = 1\n```\n"
        "<!-- no-run -->\n```python\nraise SystemExit\n```\n"
        "```sh\nls\n```\n"
        "!!! note\n    ```python title=\"indented\"\n    y = x + 1\n    ```\n"
        "<!-- requires: some_module_that_is_not_there -->\n```py\nz = 3\n```\n"
        "````markdown\n```python\nnot code\n```\n````\n",
        encoding="utf-8",
    )
    found = list(blocks(page))
    assert [(b.line, b.code, b.run, b.requires) for b in found] == [
        (3, "x = 1", True, ()),
        (7, "raise SystemExit", False, ()),
        (14, "y = x + 1", True, ()),
        (18, "z = 3", True, ("some_module_that_is_not_there",)),
    ]
