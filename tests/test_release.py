"""Release readiness: the wheel and sdist build, hold what they should, pass ``twine check``,
and the wheel works on its own, installed in a fresh venv and run from outside the checkout.

The build-and-install test is marked ``slow`` (about a minute: it builds in an isolated
environment and installs the dependencies from the package index). It runs by default, in
CI too; skip it locally with ``pytest -m "not slow"``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

import slacalc

ROOT = Path(__file__).resolve().parents[1]


def run(*cmd: str | Path, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )
    assert done.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    )
    return done


@pytest.mark.slow
def test_built_wheel_works_from_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--outdir", dist, ROOT, cwd=tmp_path, timeout=600)
    wheels = list(dist.glob("slacalc-*.whl"))
    sdists = list(dist.glob("slacalc-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(dist.iterdir())
    wheel, sdist = wheels[0], sdists[0]
    assert f"-{slacalc.__version__}-" in wheel.name

    # What the wheel holds: the package, the bundled policies, the schema, py.typed; nothing
    # from tests/ or docs/.
    names = zipfile.ZipFile(wheel).namelist()
    policies = sorted(p.name for p in (ROOT / "policies").glob("*.yaml"))
    assert policies, "no bundled policies in policies/"
    for name in policies:
        assert f"slacalc/policies/{name}" in names, f"{name} is not in the wheel"
    assert "slacalc/policies/policy.schema.json" in names
    for doc in sorted((ROOT / "policies" / "sources").glob("*.txt")):
        assert f"slacalc/policies/sources/{doc.name}" in names, f"{doc.name} is not in the wheel"
    assert "slacalc/py.typed" in names
    assert "slacalc/__init__.py" in names and "slacalc/_version.py" in names
    for name in ("zendesk.yaml", "jira.yaml", "freshdesk.yaml", "mapping.schema.json"):
        assert f"slacalc/mappings/{name}" in names, f"mapping {name} is not in the wheel"
    info = f"slacalc-{slacalc.__version__}.dist-info/"
    stray = [
        n for n in names
        if not (n.startswith("slacalc/") or n.startswith(info))
        or re.search(r"(^|/)(tests?|docs|conftest\.py|examples)(/|$)", n)
    ]
    assert not stray, f"unexpected files in the wheel: {stray}"
    metadata = zipfile.ZipFile(wheel).read(
        f"slacalc-{slacalc.__version__}.dist-info/entry_points.txt"
    ).decode()
    assert "slacalc = slacalc.cli:main" in metadata

    # The sdist can rebuild the package: sources, policies (as files under the package, where
    # the repository links them), their documents, mappings and metadata are in it.
    with tarfile.open(sdist) as tar:
        members = tar.getnames()
    top = f"slacalc-{slacalc.__version__}"
    for required in (
        "pyproject.toml",
        "README.md",
        "src/slacalc/__init__.py",
        "src/slacalc/policies/passkit.yaml",
        "src/slacalc/policies/sources/passkit.txt",
        "src/slacalc/mappings/zendesk.yaml",
    ):
        assert f"{top}/{required}" in members, f"{required} is not in the sdist"

    run(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist, cwd=tmp_path)

    # A fresh venv, the wheel and its dependencies from the index, run from a directory
    # that has nothing to do with the checkout.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel,
        cwd=tmp_path, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run(python, "-c", "import slacalc; print(slacalc.__file__)", cwd=elsewhere).stdout
    assert str(ROOT) not in where and "site-packages" in where, where

    slacalc_cmd = bindir / "slacalc"
    listed = run(slacalc_cmd, "policies", cwd=elsewhere).stdout
    for name in policies:
        assert Path(name).stem in listed, listed
    due = run(
        slacalc_cmd, "due", "passkit", "--plan", "gold", "--severity", "sev2",
        "--opened", "2026-11-20T16:30:00Z", cwd=elsewhere,
    ).stdout
    assert re.search(r"2026-11-23[T ]11:30(:00)?(Z|\+00:00)?", due), due
    checked = run(slacalc_cmd, "check", cwd=elsewhere).stdout
    assert "0 failed" in checked and "clauses not checked" not in checked, checked
    version = run(slacalc_cmd, "--version", cwd=elsewhere).stdout
    assert slacalc.__version__ in version

    # A user's script type-checks against the installed wheel (py.typed, no import hook):
    # this environment's mypy and pyright, pointed at the fresh venv's interpreter.
    service = elsewhere / "service.py"
    service.write_text(
        "from datetime import datetime\n"
        "from slacalc import Evaluation, load_policy\n"
        "policy = load_policy('passkit')\n"
        "due: datetime | None = policy.due('2026-11-20T16:30:00Z', 'gold', 'sev2')\n"
        "ev: Evaluation = policy.evaluate({'plan': 'gold', 'severity': 'sev2',"
        " 'opened_at': '2026-11-20T16:30:00Z'}, at='2026-11-23T12:00:00Z')\n"
        "print(due, ev.model_dump_json())\n",
        encoding="utf-8",
    )
    run(python, service, cwd=elsewhere)
    run(sys.executable, "-m", "mypy", "--strict", "--no-incremental",
        "--python-executable", python, service, cwd=elsewhere)
    pyright = Path(sys.executable).with_name("pyright")
    if pyright.exists():
        run(pyright, "--pythonpath", python, service, cwd=elsewhere)


def test_changelog_keeps_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog")
    assert "keepachangelog.com" in text
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings and headings[0] == "[Unreleased]", headings
    for h in headings[1:]:
        assert re.fullmatch(r"\[\d+\.\d+\.\d+[^\]]*\] - \d{4}-\d{2}-\d{2}", h), h
    kinds = set(re.findall(r"^### (.+)$", text, re.M))
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, kinds
