"""The README's promise: its main-job command works, today, from the repository root."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _shell_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def test_readme_gives_two_commands() -> None:
    blocks = _shell_blocks()
    install_and_run = [b for b in blocks if "pip install" in b]
    assert len(install_and_run) >= 2
    assert any("pytest" in b for b in install_and_run)
    assert any("slacalc " in b for b in install_and_run)


def test_main_job_command_runs_at_now() -> None:
    """The last step of the main-job command, run as a user would (``at`` defaults to now)."""
    block = next(b for b in _shell_blocks() if "pip install" in b and "slacalc " in b)
    command = block.strip().split("&&")[-1].strip()
    argv = shlex.split(command)
    assert argv[0] == "slacalc"
    done = subprocess.run(
        [sys.executable, "-m", "slacalc", *argv[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "compliance" in done.stdout
    assert "Traceback" not in done.stderr
