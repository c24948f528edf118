"""The slacalc command line: main(argv) in-process, and the installed script once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from slacalc import __version__
from slacalc.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_policies(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policies")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [
        "api_provider",
        "esim_go",
        "integrato",
        "passkit",
        "smartix",
    ]


def test_due(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "due",
        "passkit",
        "--plan",
        "Gold",
        "--severity",
        "Major",
        "--opened",
        "2026-11-20T16:30:00Z",
    )
    assert (code, out) == (0, "2026-11-23T11:30:00+00:00\n")


def test_due_keeps_the_offset_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "due",
        "api_provider",
        "--plan",
        "break_fix",
        "--severity",
        "sev1",
        "--opened",
        "2026-11-23T10:00-06:00",
        "-v",
    )
    lines = out.splitlines()
    assert code == 0 and lines[0] == "2026-11-25T16:00:00-06:00"
    assert "24h on standard" in lines[1] and lines[2].startswith("clause: ")


def test_due_commitment_and_not_applicable(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys,
        "due",
        "smartix",
        "--plan",
        "free",
        "--severity",
        "critical",
        "--opened",
        "2026-11-20T10:00Z",
    )
    assert out == "no due time: commitment: as soon as possible, 24/7\n"
    _, out, _ = run(
        capsys,
        "due",
        "passkit",
        "--plan",
        "bronze",
        "--severity",
        "sev1",
        "--opened",
        "2026-11-20T10:00Z",
    )
    assert out == "no due time: not applicable\n"


def test_due_from_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "due",
        str(ROOT / "policies" / "integrato.yaml"),
        "--plan",
        "standard",
        "--severity",
        "p1",
        "--opened",
        "2026-11-21T22:00Z",
    )
    assert (code, out) == (0, "2026-11-23T10:00:00+00:00\n")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            [
                "due",
                "passkit",
                "--plan",
                "diamond",
                "--severity",
                "sev1",
                "--opened",
                "2026-11-20T10:00Z",
            ],
            "unknown plan 'diamond'",
        ),
        (
            [
                "due",
                "passkit",
                "--plan",
                "gold",
                "--severity",
                "sev9",
                "--opened",
                "2026-11-20T10:00Z",
            ],
            "unknown severity 'sev9'",
        ),
        (
            [
                "due",
                "passkit",
                "--plan",
                "gold",
                "--severity",
                "sev1",
                "--opened",
                "2026-11-20T10:00",
            ],
            "has no time zone",
        ),
        (
            ["due", "passkit", "--plan", "gold", "--severity", "sev1", "--opened", "yesterday"],
            "not an ISO 8601 instant",
        ),
        (
            [
                "due",
                "nosuch",
                "--plan",
                "gold",
                "--severity",
                "sev1",
                "--opened",
                "2026-11-20T10:00Z",
            ],
            "unknown policy 'nosuch'",
        ),
        (
            [
                "due",
                "missing.yaml",
                "--plan",
                "g",
                "--severity",
                "s",
                "--opened",
                "2026-11-20T10:00Z",
            ],
            "missing.yaml: no such file",
        ),
        (["check", "/nonexistent-dir/"], "no such file"),
    ],
)
def test_user_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1
    if argv[0] == "due":
        assert out == ""
        assert err.count("\n") == 1 and err.startswith("slacalc: error: ")
        assert words in err
        assert "Traceback" not in err
    else:
        assert words in out


def test_check_bundled(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert out.splitlines()[-1].startswith("5 files, ")
    assert " 0 failed" in out.splitlines()[-1]


def test_check_reports_failures_and_load_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "policies" / "passkit.yaml").read_text(encoding="utf-8")
    (tmp_path / "wrong.yaml").write_text(
        text.replace('due: "2026-11-23T11:30:00Z"}', 'due: "2026-11-23T11:31:00Z"}'),
        encoding="utf-8",
    )
    (tmp_path / "broken.yaml").write_text(
        text.replace("gold: 4 business hours", "gold: 4 hourz"), encoding="utf-8"
    )
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert code == 1
    assert "FAIL " in out and "'4 hourz' is not a duration" in out
    assert "expected 2026-11-23T11:31:00+00:00, got 2026-11-23T11:30:00+00:00" in out


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert out == (ROOT / "policies" / "policy.schema.json").read_text(encoding="utf-8")
    assert json.loads(out)["title"] == "Policy"


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and __version__ in capsys.readouterr().out
    assert main([]) == 2
    with pytest.raises(SystemExit) as info:
        main(["due", "passkit"])  # argparse: missing required options
    assert info.value.code == 2


def test_installed_script() -> None:
    script = Path(sys.executable).with_name("slacalc")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "slacalc.cli"]
    done = subprocess.run(
        [
            *cmd,
            "due",
            "passkit",
            "--plan",
            "gold",
            "--severity",
            "sev2",
            "--opened",
            "2026-11-20T16:30:00Z",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "2026-11-23T11:30:00+00:00\n")
    done = subprocess.run(
        [
            *cmd,
            "due",
            "passkit",
            "--plan",
            "x",
            "--severity",
            "sev2",
            "--opened",
            "2026-11-20T16:30:00Z",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_cli_reference_page_is_current() -> None:
    """docs/cli.md is generated from the parser: `python -m slacalc.cli_reference > docs/cli.md`."""
    from pathlib import Path

    from slacalc.cli_reference import render

    page = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    assert page.read_text() == render(), "regenerate: python -m slacalc.cli_reference > docs/cli.md"
    for option in ("--mapping", "--errors", "--since", "--until", "--events", "--by", "--at"):
        assert f"`{option}`" in page.read_text()
