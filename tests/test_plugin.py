"""The pytest plugin collects the examples of policy files, and nothing else."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from slacalc import load_policy
from slacalc.pytest_plugin import is_policy_file

ROOT = Path(__file__).resolve().parents[1]


def pytest_run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(folder),
            *args,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


def test_is_policy_file(tmp_path: Path) -> None:
    assert is_policy_file(ROOT / "policies" / "passkit.yaml")
    plain = tmp_path / "ci.yaml"
    plain.write_text("id: build\nexamples: [1, 2]\n", encoding="utf-8")
    assert not is_policy_file(plain)
    assert is_policy_file(plain, ["*.yaml"], tmp_path)
    assert not is_policy_file(tmp_path / "x.json")


def test_examples_become_test_items(tmp_path: Path) -> None:
    shutil.copy(ROOT / "policies" / "smartix.yaml", tmp_path / "smartix.yaml")
    (tmp_path / "ci.yaml").write_text("id: x\nexamples: [{opened: 1}]\n", encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    done = pytest_run(tmp_path, "-vv")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smartix.yaml::Critical is a commitment PASSED" in done.stdout
    assert "5 passed" in done.stdout
    assert "ci.yaml" not in done.stdout


def test_failures_are_reported(tmp_path: Path) -> None:
    text = (ROOT / "policies" / "smartix.yaml").read_text(encoding="utf-8")
    (tmp_path / "smartix.yaml").write_text(
        text.replace('due: "2026-11-24T16:00:00Z"', 'due: "2026-11-24T15:00:00Z"'), encoding="utf-8"
    )
    (tmp_path / "broken.yaml").write_text(
        text.replace("target: 99.9%", "target: 199%"), encoding="utf-8"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    done = pytest_run(tmp_path)
    assert done.returncode == 1
    assert "expected 2026-11-24T15:00:00+00:00, got 2026-11-24T16:00:00+00:00" in done.stdout
    assert "broken.yaml" in done.stdout and "availability.target" in done.stdout
    assert "2 failed, 4 passed" in done.stdout


def test_ini_patterns_and_opt_out(tmp_path: Path) -> None:
    text = (ROOT / "policies" / "esim_go.yaml").read_text(encoding="utf-8")
    # Neither the schema comment nor plain top-level policy keys: only a pattern names it.
    body = text.split("\n", 1)[1].replace("\nplans:", '\n"plans":')
    (tmp_path / "esim.yaml").write_text(body, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    assert "no tests ran" in pytest_run(tmp_path).stdout
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nslacalc_policies = esim*.yaml\n", encoding="utf-8"
    )
    examples = len(load_policy("esim_go").examples)
    assert f"{examples} passed" in pytest_run(tmp_path).stdout
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nslacalc_policies = esim*.yaml\nslacalc_collect = false\n", encoding="utf-8"
    )
    assert "no tests ran" in pytest_run(tmp_path).stdout


def examples_in(name: str) -> int:
    import yaml

    data = yaml.safe_load((ROOT / "policies" / name).read_text(encoding="utf-8"))
    return len(data["examples"])


def test_trailing_comment_in_the_ini_option_is_not_part_of_the_pattern(tmp_path: Path) -> None:
    text = (ROOT / "policies" / "esim_go.yaml").read_text(encoding="utf-8")
    vendors = tmp_path / "vendors"
    vendors.mkdir()
    # Neither the schema comment nor the policy keys: only the ini pattern names it.
    body = text.split("\n", 1)[1].replace("\nplans:", '\n"plans":')
    (vendors / "esim.yaml").write_text(body, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\ntestpaths = vendors\n"
        "slacalc_policies = vendors/*.yaml     # optional: files without the schema comment\n",
        encoding="utf-8",
    )
    done = pytest_run(tmp_path)
    assert f"{examples_in('esim_go.yaml')} passed" in done.stdout, done.stdout + done.stderr
    assert "matches no file" not in done.stdout + done.stderr


def test_a_pattern_that_matches_nothing_is_warned_about(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nslacalc_policies = vendor/*.yaml  # typo: the folder is vendors\n",
        encoding="utf-8",
    )
    done = pytest_run(tmp_path)
    assert "slacalc_policies: 'vendor/*.yaml' matches no file" in done.stdout + done.stderr


def test_policies_are_recognised_by_their_top_level_keys(tmp_path: Path) -> None:
    text = (ROOT / "policies" / "smartix.yaml").read_text(encoding="utf-8")
    keyed = tmp_path / "smartix.yaml"
    keyed.write_text(text.split("\n", 1)[1], encoding="utf-8")  # no schema comment
    assert is_policy_file(keyed)
    ci = tmp_path / "ci.yaml"
    ci.write_text("name: build\non: [push]\njobs:\n  plans: {}\n", encoding="utf-8")
    assert not is_policy_file(ci)
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    assert f"{examples_in('smartix.yaml')} passed" in pytest_run(tmp_path).stdout


def test_importing_the_plugin_loads_nothing_beyond_pytest_and_the_standard_library() -> None:
    code = (
        "import sys, pytest\n"
        "before = set(sys.modules)\n"
        "import slacalc.pytest_plugin\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "third = new - set(sys.stdlib_module_names) - {'slacalc', 'pytest', '_pytest'}\n"
        "print(sorted(third))\n"
        "print(sorted(m for m in sys.modules if m.startswith('slacalc')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    third, ours = done.stdout.splitlines()
    assert third == "[]", done.stdout
    assert ours == "['slacalc', 'slacalc._version', 'slacalc.pytest_plugin']", done.stdout
