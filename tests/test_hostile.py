"""Hostile input: every case answers quickly and in little memory, or is a clean error.

Each test runs under a resource limit: a wall-clock alarm far above the expected time (an
input that once took minutes trips it; a slow shared machine does not), a ``tracemalloc``
peak, or a count of work. The command line runs in-process (``slacalc.cli.main``), and a
``hypothesis`` fuzz feeds it generated files, accepting only exit 0, or exit 1 with at most
one line on stderr that starts ``slacalc: error:``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacalc import Calendar, load_policy, load_yaml_text
from slacalc.availability import monthly_report
from slacalc.cli import main
from slacalc.errors import PolicyError, SlacalcError
from slacalc.limits import MAX_POLICY_BYTES
from slacalc.loading import bundled_path
from slacalc.yamldoc import parse_yaml

ROOT = Path(__file__).resolve().parents[1]
TICKETS = ROOT / "examples" / "tickets.csv"
HEADER = "ticket_id,plan,severity,opened_at,responded_at,resolved_at\n"
AT = "--at=2026-12-01T00:00:00Z"
MB = 1_000_000


class TooSlow(Exception):
    pass


@contextlib.contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Fail the block if it runs longer than ``seconds`` of wall-clock time."""

    def ring(signum: int, frame: Any) -> None:
        raise TooSlow(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def peak_below(limit: int) -> Iterator[None]:
    """Fail the block if Python allocates more than ``limit`` bytes at its peak."""
    tracemalloc.start()
    try:
        yield
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit, f"peak {peak:,} bytes"


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, seconds: float = 20
) -> tuple[int, str, str]:
    with alarm(seconds):
        code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(code: int, err: str) -> str:
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("slacalc: error: "), err
    return lines[0]


# ---- files that are not files, and sizes -----------------------------------------------------


@pytest.mark.parametrize("kind", ["device", "symlink", "fifo"])
def test_check_refuses_devices_and_pipes_at_once(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if kind == "device":
        path = Path("/dev/zero")
    elif kind == "symlink":
        path = tmp_path / "zero.yaml"
        path.symlink_to("/dev/zero")
    else:
        path = tmp_path / "x.yaml"
        os.mkfifo(path)  # nobody writes: opening it in blocking mode would hang
    code, out, _ = run(capsys, "check", str(path), seconds=10)
    assert code == 1
    assert "is not a regular file" in out


def test_load_policy_refuses_a_fifo_and_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    with alarm(10), pytest.raises(PolicyError, match="not a regular file"):
        load_policy(fifo)
    with alarm(10), pytest.raises(PolicyError, match="not a regular file"):
        load_policy("/dev/urandom")


def test_pytest_plugin_skips_a_fifo_and_a_device(tmp_path: Path) -> None:
    from slacalc.pytest_plugin import is_policy_file

    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    with alarm(10):
        assert not is_policy_file(fifo)
        assert not is_policy_file(link)


def test_text_entry_points_cap_their_size() -> None:
    text = "a: " + "x" * (MAX_POLICY_BYTES + 10)
    with alarm(10), peak_below(MB):
        for call in (load_yaml_text, parse_yaml, Calendar.from_yaml):
            with pytest.raises(SlacalcError, match="the limit is 5,000,000 characters"):
                call(text)


def test_oversized_policy_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_POLICY_BYTES + 1)  # sparse: large on paper, nothing on disk
    with alarm(10), peak_below(MB), pytest.raises(PolicyError, match="the limit is"):
        load_policy(big)


def test_ticket_table_through_a_symlink_to_a_device(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "tickets.csv"
    link.symlink_to("/dev/zero")
    code, _, err = run(capsys, "evaluate", "passkit", str(link), AT, seconds=10)
    assert "not a regular file" in one_error_line(code, err)


# ---- time ----------------------------------------------------------------------------------


def test_yaml_merge_keys_cost_linear_time() -> None:
    base = "base: &b\n" + "".join(f"  k{i}: {i}\n" for i in range(100))
    items = "items:\n" + "".join(f"  - <<: *b\n    own: {j}\n" for j in range(300))
    with alarm(20):  # 300 merges of 100 keys once took minutes
        doc = parse_yaml(base + items)
    assert doc.data["items"][299]["k99"] == 99
    assert doc.values[("items", 299, "k5")] == (7, 7)  # where 'k5: 5' is written


def test_sparse_calendar_answers_are_found_with_little_work() -> None:
    cal = Calendar.from_dict({"hours": {}, "overrides": {"2026-06-01": ["09:00-17:00"]}})
    with alarm(10), peak_below(20 * MB):
        due = cal.add(datetime(2023, 3, 1, tzinfo=UTC), timedelta(hours=1))
        with pytest.raises(SlacalcError, match="no answer"):
            cal.add(datetime(2026, 6, 2, tzinfo=UTC), timedelta(hours=1))
    assert due == datetime(2026, 6, 1, 10, tzinfo=UTC)


def test_more_than_50000_touching_outages() -> None:
    policy = load_policy("smartix")
    spec = policy.availability_target
    assert spec is not None
    cause = next(k for k, v in spec.causes.items() if v.counted)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    step = timedelta(seconds=20)
    outages = [
        {"start": t0 + i * step, "end": t0 + (i + 1) * step, "cause": cause} for i in range(60_000)
    ]
    with alarm(30):
        report = monthly_report(policy, "2026-11", outages)
    assert report.counted_downtime == 60_000 * step
    assert len(report.counted) == 1


# ---- the command line: one error line --------------------------------------------------------


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


BRONZE = HEADER + "".join(
    f"T{i},bronze,sev4,2026-05-0{i}T08:00:00Z,2026-05-0{i}T12:00:00Z,\n" for i in range(1, 4)
)
ONE = "plan,severity,opened_at\ngold,sev1,2026-05-02T08:19:00Z\n"
CASES: dict[str, tuple[str, bytes | str, str]] = {
    "header only": ("t.csv", HEADER, "no tickets to report on"),
    "only bronze": ("t.csv", BRONZE, "none of its 3 tickets has a response target"),
    "empty csv": ("t.csv", b"", "the file is empty"),
    "latin-1 csv": ("t.csv", ONE.replace("gold", "caf\xe9").encode("latin-1"), "not UTF-8"),
    "utf-16 csv": ("t.csv", ONE.encode("utf-16"), "save the file as UTF-8"),
    "binary csv": ("t.csv", bytes(range(256)) * 8, "not a text file"),
    "invalid utf-8 json": ("t.json", b'[{"plan": "gold\xff"}]', "not UTF-8"),
    "events 5": (
        "t.json",
        '[{"plan": "gold", "severity": "sev1", "opened_at": "2026-05-02T08:19:00Z", "events": 5}]',
        "events must be a list",
    ),
    "plan a list": (
        "t.json",
        '[{"plan": ["gold"], "severity": "sev1", "opened_at": "2026-05-02T08:19:00Z"}]',
        "plan must be text",
    ),
    "nested 10^5 deep": ("t.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "json lines of numbers": ("t.jsonl", "1\n2\n", "expected an object"),
    "json a number": ("t.json", "5", "expected an object"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_report_input_errors_are_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, data, expected = CASES[case]
    path = write(tmp_path, name, data)
    code, out, err = run(capsys, "report", "passkit", str(path), AT)
    assert expected in one_error_line(code, err)
    assert out == ""


def test_plot_extension_is_checked_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.txt"
    code, out, err = run(capsys, "report", "passkit", str(TICKETS), AT, "--plot", str(target))
    assert ".png" in one_error_line(code, err)
    assert out == "" and not target.exists()


def test_due_past_the_supported_years(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "due", "passkit", "--plan", "gold", "--severity", "sev1",
        "--opened", "9999-12-31T23:30:00Z",
    )  # fmt: skip
    assert "slacalc answers for years" in one_error_line(code, err)


class ClosedPipe(io.StringIO):
    def write(self, s: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_ends_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with alarm(20):
        code = main(["evaluate", "passkit", str(TICKETS), AT, "--format", "csv"])
    assert code == 0
    assert err.getvalue() == ""


# ---- fuzz: generated files on the command line -------------------------------------------------

PLANS = ["gold", "silver", "bronze", "platinum", "GOLD", "", "nope"]
SEVERITIES = ["sev1", "sev2", "sev3", "sev4", "Critical", "", "sev9"]
TIMES = [
    "2026-05-02T08:19:00Z",
    "2026-05-02T08:19:00",
    "2026-13-40T99:00Z",
    "yesterday",
    "",
    "2026-11-30T23:59:59+05:30",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
]
COLUMNS = ["ticket_id", "plan", "severity", "opened_at", "responded_at", "resolved_at", "x"]
scalar = st.one_of(
    st.sampled_from(PLANS + SEVERITIES + TIMES),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
)
json_value = st.recursive(
    scalar,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
ticket = st.fixed_dictionaries(
    {},
    optional={
        "plan": st.one_of(st.sampled_from(PLANS), json_value),
        "severity": st.one_of(st.sampled_from(SEVERITIES), json_value),
        "opened_at": st.one_of(st.sampled_from(TIMES), json_value),
        "responded_at": st.sampled_from(TIMES),
        "events": st.one_of(
            json_value,
            st.lists(
                st.fixed_dictionaries(
                    {
                        "type": st.sampled_from(["responded", "resolved", "paused", 3]),
                        "at": st.one_of(st.sampled_from(TIMES), json_value),
                    }
                ),
                max_size=3,
            ),
        ),
    },
)


@st.composite
def csv_file(draw: st.DrawFn) -> tuple[str, bytes]:
    cols = draw(st.lists(st.sampled_from(COLUMNS), min_size=0, max_size=6, unique=True))
    cell = st.one_of(st.sampled_from(PLANS + SEVERITIES + TIMES), st.text(max_size=6))
    rows = draw(st.lists(st.lists(cell, min_size=len(cols), max_size=len(cols) + 1), max_size=5))
    text = "".join(",".join(r) + "\n" for r in [cols, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return "t.csv", text.encode(encoding, "replace")


@st.composite
def json_file(draw: st.DrawFn) -> tuple[str, bytes]:
    records = draw(st.lists(st.one_of(ticket, json_value), max_size=4))
    if draw(st.booleans()):
        return "t.json", json.dumps(records).encode()
    return "t.jsonl", "".join(json.dumps(r) + "\n" for r in records).encode()


@st.composite
def yaml_file(draw: st.DrawFn) -> tuple[str, bytes]:
    base = draw(st.sampled_from(["passkit", "smartix", "integrato"]))
    text = bundled_path(base).read_text(encoding="utf-8")
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "junk", "type"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "junk":
            lines[i] = lines[i] + draw(st.sampled_from([" [", ": {", " &a", " *a", " !!python"]))
        else:
            lines[i] = lines[i].split(":")[0] + ": " + json.dumps(draw(json_value))
    return "p.yaml", "\n".join(lines).encode()


random_bytes = st.tuples(st.sampled_from(["t.csv", "t.json", "t.jsonl", "p.yaml"]),
                         st.binary(max_size=200))  # fmt: skip


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    file=st.one_of(csv_file(), json_file(), yaml_file(), random_bytes),
    command=st.sampled_from(["evaluate", "report", "check"]),
)
def test_fuzz_command_line_gives_a_result_or_one_error_line(
    file: tuple[str, bytes], command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, data = file
    path = tmp_path / name
    path.write_bytes(data)
    if command == "check":
        argv = ["check", str(path)]
    elif name.endswith(".yaml"):
        argv = [command, str(path), str(TICKETS), AT]
    else:
        argv = [command, "passkit", str(path), AT]
    code, _, err = run(capsys, *argv)
    if code == 0 or (command == "check" and code == 1 and not err):
        return
    one_error_line(code, err)
