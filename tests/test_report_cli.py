"""slacalc evaluate / slacalc report on the command line."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from slacalc.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tickets.csv"
AT = ["--at", "2027-01-15T00:00:00Z"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_report_on_the_example(capsys, tmp_path):
    png = tmp_path / "charts.png"
    code, out, err = run(capsys, "report", "passkit", str(EXAMPLE), *AT, "--plot", str(png))
    assert code == 0
    assert "PassKit: response compliance by plan" in out
    for word in ("gold", "silver", "platinum", "all", "met rate", "p90"):
        assert word in out
    # Bronze has no response target: the report says how many tickets it leaves out.
    bronze = sum(1 for line in EXAMPLE.read_text().splitlines()[1:] if ",bronze," in line.lower())
    assert f"({bronze} tickets have no response target with a due time" in out
    assert png.stat().st_size > 1000
    assert "\r[" not in err  # no progress bar when stderr is not a terminal


def test_report_formats_and_grouping(capsys):
    code, out, _ = run(
        capsys, "report", "passkit", str(EXAMPLE), *AT, "--by", "month", "--format", "json"
    )
    assert code == 0
    rows = json.loads(out)
    assert [r["month"] for r in rows][-1] == "all"
    wanted = {"tickets", "met", "missed", "breached", "met_rate", "p90_elapsed_seconds"}
    assert wanted <= set(rows[0])


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_evaluate_formats(capsys, fmt):
    code, out, _ = run(capsys, "evaluate", "passkit", str(EXAMPLE), *AT, "--format", fmt)
    assert code == 0
    if fmt == "json":
        rows = json.loads(out)
        assert len(rows) == 400
        assert rows[0]["response_state"] in ("met", "missed", "not_applicable", "breached")
    elif fmt == "csv":
        assert out.splitlines()[0].startswith("line,ticket_id,plan")
        assert len(out.splitlines()) == 401
    else:
        assert "PK-10128" in out


def test_jsonl_with_events(capsys, tmp_path):
    """Needs evaluate_frame(events=...): nested events go to the engine's events table."""
    path = tmp_path / "t.jsonl"
    tickets = [
        {
            "id": 1,
            "plan": "gold",
            "severity": "sev2",
            "opened_at": "2026-11-20T16:30:00Z",
            "events": [{"type": "responded", "at": "2026-11-23T11:00:00Z"}],
        },
        {"id": 2, "plan": "gold", "severity": "Major", "opened_at": "2026-11-20T16:30:00Z"},
    ]
    path.write_text("\n".join(json.dumps(t) for t in tickets) + "\n")
    code, out, _ = run(
        capsys, "evaluate", "passkit", str(path), "--at", "2026-11-23T11:45:00Z", "--format", "json"
    )
    assert code == 0
    assert [r["response_state"] for r in json.loads(out)] == ["met", "breached"]


def test_bad_row_is_one_line(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "plan,severity,opened_at\n"
        "gold,sev2,2026-11-20T16:30:00Z\n"
        "diamond,sev2,2026-11-20T16:30:00Z\n"
        "gold,sev2,yesterday\n"
    )
    code, out, err = run(capsys, "evaluate", "passkit", str(path), *AT)
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "bad.csv line 3: unknown plan 'diamond'" in lines[0]
    assert "(and 1 more bad row)" in lines[0]
    assert "Traceback" not in err


def test_missing_file_is_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "report", "passkit", str(tmp_path / "nope.csv"))
    assert code == 1
    assert len(err.strip().splitlines()) == 1


def test_progress_bar_only_on_a_terminal_with_tqdm():
    import argparse
    import io

    from slacalc import cli_analysis

    args = argparse.Namespace(no_progress=False)
    assert cli_analysis._progress(250, args, io.StringIO()) is None  # not a terminal

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    pytest.importorskip("tqdm")
    bar = cli_analysis._progress(250, args, stream)
    assert bar is not None
    bar.update(100)
    bar.update(250)
    assert bar.bar.n == 250
    bar.close()
    assert "/250" in stream.getvalue()
    assert cli_analysis._progress(250, argparse.Namespace(no_progress=True), stream) is None


# ---- a report read in parts -------------------------------------------------------------

MIXED_POLICIES = "ticket_id,policy,plan,severity,opened_at,responded_at,team\n" + "".join(
    f"T{k},{pol},{plan},{sev},2026-{month:02d}-1{k % 9}T1{k % 10}:30:00{zone},"
    f"{'' if k % 3 == 0 else f'2026-{month:02d}-2{k % 8}T09:00:00Z'},{team}\n"
    for k, (pol, plan, sev, month, zone, team) in enumerate(
        [
            ("passkit", "gold", "sev2", 9, "Z", "red"),
            ("PassKit", "Gold", "Major", 10, "+02:00", "blue"),
            ("passkit", "silver", "sev1", 11, "Z", ""),
            ("smartix", "monthly", "P1", 10, "Z", "red"),
            ("nosuch", "gold", "sev2", 11, "Z", "blue"),
            ("passkit", "diamond", "sev2", 9, "Z", "red"),
            ("passkit", "platinum", "sev3", 12, "", "red"),
            ("passkit", "gold", "sev4", 8, "Z", "blue"),
        ]
        * 6
    )
)
MIXED_POLICIES += "B1,passkit,gold,sev2,2026-09-30T23:30:00Z,,red\n"  # October in Paris


@pytest.fixture
def mixed_policies(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED_POLICIES)
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["passkit", "{path}", *AT, "--errors", "mark"],
        ["{path}", *AT, "--errors", "mark"],
        ["{path}", *AT, "--errors", "mark", "--by", "team,month", "--format", "csv"],
        ["{path}", *AT, "--errors", "mark", "--metric", "all", "--by", "policy,metric"],
        ["{path}", *AT, "--errors", "mark", "--tz", "Europe/Paris", "--by", "severity"],
        ["{path}", *AT, "--errors", "mark", "--tz", "Europe/Paris", "--by", "month"],
        ["{path}", *AT, "--errors", "mark", "--since", "2026-10-01T00:00:00Z", "--format", "json"],
        ["{path}", "--at", "2026-10-15T00:00:00Z", "--errors", "mark", "--by", "month"],
        ["{path}", *AT],
        ["{path}", *AT, "--errors", "mark", "--by", "colour"],
        ["passkit", "{path}", *AT, "--errors", "mark", "--metric", "nope"],
    ],
)
def test_a_report_read_in_parts_says_what_it_says_read_whole(
    capsys, monkeypatch, mixed_policies, argv
):
    from slacalc import cli_analysis

    argv = ["report", *(a.format(path=mixed_policies) for a in argv)]
    whole = run(capsys, *argv)
    assert whole[0] == 0 or whole[2].startswith("slacalc: error:")
    monkeypatch.setattr(cli_analysis, "ROWS", 5)  # ten parts, bad rows in several
    parted = run(capsys, *argv)
    assert parted == whole


def test_bad_rows_in_many_parts_are_one_line(capsys, monkeypatch, tmp_path):
    from slacalc import cli_analysis

    monkeypatch.setattr(cli_analysis, "ROWS", 4)
    path = tmp_path / "bad.csv"
    good = "gold,sev2,2026-11-20T16:30:00Z\n"
    path.write_text(
        "plan,severity,opened_at\n"
        + good * 9
        + "diamond,sev2,2026-11-20T16:30:00Z\n"
        + good * 5
        + "gold,sev2,yesterday\n"
        + good * 9
        + "gold,sev9,2026-11-20T16:30:00Z\n"
    )
    code, out, err = run(capsys, "report", "passkit", str(path), *AT)
    assert (code, out) == (1, "")
    assert err.strip().splitlines() == [
        f"slacalc: error: {path} line 11: unknown plan 'diamond'; valid plans: 'bronze', "
        "'gold', 'platinum', 'silver' (and 2 more bad rows)"
    ]
    extra = tmp_path / "extra.csv"
    extra.write_text("plan,severity,opened_at\n" + good * 30 + good.strip() + ",x\n" + good)
    code, out, err = run(capsys, "report", "passkit", str(extra), *AT)
    assert (code, out) == (1, "")
    assert err.strip() == (
        f"slacalc: error: {extra} line 32: 4 fields where the header names 3; "
        "quote a value that contains the separator"
    )


def _report_peak(path: Path) -> int:
    tracemalloc.start()
    try:
        assert main(["report", "passkit", str(path), *AT, "--no-progress"]) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_report_holds_one_part_not_the_file(capsys, monkeypatch, tmp_path):
    """Peak memory grows by the few bytes a row the counts keep, not by the rows' size:
    read whole, this report peaks about 390 bytes higher a row (pandas' own parser reads
    it here, as tracemalloc sees its memory)."""
    from slacalc import cli_analysis, readers

    monkeypatch.setattr(cli_analysis, "ROWS", 2_000)
    monkeypatch.setattr(readers, "_arrow_engine", lambda: False)
    line = "gold,sev2,2026-11-20T16:30:00Z,2026-11-23T10:30:00Z," + "x" * 150 + "\n"
    peaks = {}
    for n in (500, 4_000, 32_000):  # the first run pays for imports and calendars
        path = tmp_path / f"t{n}.csv"
        path.write_text("plan,severity,opened_at,responded_at,note\n" + line * n)
        peaks[n] = _report_peak(path)
        capsys.readouterr()
    per_row = (peaks[32_000] - peaks[4_000]) / 28_000
    assert per_row < 120, peaks
