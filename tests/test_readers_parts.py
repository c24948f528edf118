"""CSV files read in parts (``readers.read_table_parts``), by either parser.

The parts put together must equal the file as Python's ``csv`` module reads it (text
cells, empty cells missing, each record indexed by the line it starts on), whichever
parser reads them (pyarrow's over blocks of lines, or pandas' own), and a bad file must
fail with the same located error as when read whole.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacalc import readers
from slacalc.errors import SlacalcError
from slacalc.readers import read_table, read_table_parts, read_ticket_parts

NAMES = ["plan", "severity", "opened_at"]
CELLS = ["gold", "007", "1.50", "", " x ", "2026-11-20T16:30:00Z", "true", "NA", "é", "a;b"]
QUOTED = ['"q,uoted"', '"two\nlines"', '"say ""hi"""']


@pytest.fixture(params=["pyarrow", "pandas"])
def engine(request, monkeypatch):
    """Read with pyarrow's parser where the file allows it, or with pandas' own only."""
    if request.param == "pandas":
        monkeypatch.setattr(readers, "_arrow_engine", lambda: False)
    elif not readers._arrow_engine():
        pytest.skip("pyarrow's parser is not usable here")
    return request.param


def expected(text: str) -> pd.DataFrame:
    """The reference: the csv module's records, padded to the header, "" as missing."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    names = [h.strip() for h in next(reader)]
    rows, lines = [], []
    start = reader.line_num + 1
    for row in reader:
        if row:
            cells = [c if c != "" else None for c in row] + [None] * len(names)
            rows.append(cells[: len(names)])
            lines.append(start)
        start = reader.line_num + 1
    frame = pd.DataFrame(
        {n: pd.Series([r[k] for r in rows], dtype="str") for k, n in enumerate(names)}
    )
    frame.index = pd.Index(lines, name="line", dtype="int64")
    return frame


def together(path: Path, rows: int | None) -> pd.DataFrame:
    total, parts = read_table_parts(path, rows)
    got = list(parts)
    assert sum(len(p) for p in got) <= total
    return pd.concat(got) if len(got) > 1 else got[0]


@st.composite
def csv_files(draw: st.DrawFn) -> str:
    cells = st.sampled_from(CELLS + (QUOTED if draw(st.booleans()) else []))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [",".join(NAMES)]
    for _ in range(draw(st.integers(0, 25))):
        width = draw(st.integers(1, len(NAMES)))  # short rows are padded
        lines.append(",".join(draw(st.lists(cells, min_size=width, max_size=width))))
        if draw(st.integers(0, 9)) == 0:
            lines.append("")  # a blank line, skipped
    lines = [line for line in lines if line.strip() or not line]
    text = eol.join(lines) + (eol if draw(st.booleans()) else "")
    return ("\ufeff" if draw(st.booleans()) else "") + text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=csv_files(), rows=st.sampled_from([1, 3, None]))
def test_parts_together_are_the_file(tmp_path_factory, text, rows):
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(text.encode())
    want = expected(text)
    original = readers._arrow_engine
    for arrow in (True, False):
        try:
            if not arrow:
                readers._arrow_engine = lambda: False  # type: ignore[assignment]
            pd.testing.assert_frame_equal(together(path, rows), want, check_index_type=True)
        finally:
            readers._arrow_engine = original
    assert list(read_table(path).columns) == NAMES


def test_a_file_in_many_parts(tmp_path, engine):
    path = tmp_path / "t.csv"
    body = "".join(f"gold,sev{k % 4 + 1},2026-11-{k % 28 + 1:02d}T10:00:00Z\n" for k in range(500))
    path.write_text("plan,severity,opened_at\n" + body)
    total, parts = read_table_parts(path, 60)
    got = list(parts)
    assert total == 500
    assert len(got) >= 5
    whole = pd.concat(got)
    assert whole.index.tolist() == list(range(2, 502))
    pd.testing.assert_frame_equal(whole, read_table(path))


@pytest.mark.parametrize("bad", [4, 77, 498])
def test_an_extra_field_in_any_part_is_one_located_error(tmp_path, engine, bad):
    path = tmp_path / "t.csv"
    rows = [f"gold,sev2,2026-11-{k % 28 + 1:02d}T10:00:00Z" for k in range(500)]
    rows[bad] += ",oops"
    path.write_text("plan,severity,opened_at\n" + "\n".join(rows) + "\n")
    _, parts = read_table_parts(path, 50)
    with pytest.raises(SlacalcError, match=f"line {bad + 2}: 4 fields where the header names 3"):
        list(parts)


def test_trailing_separators_follow_the_first_record(tmp_path, engine):
    """pandas drops one trailing empty field on every row when the first row has it; a
    part read on its own follows the file's first row, not its own."""
    path = tmp_path / "t.csv"
    rows = [f"gold,sev2,2026-11-{k % 28 + 1:02d}T10:00:00Z," for k in range(300)]
    path.write_text("plan,severity,opened_at\n" + "\n".join(rows) + "\n")
    pd.testing.assert_frame_equal(together(path, 40), read_table(path))
    assert len(read_table(path)) == 300
    later = tmp_path / "later.csv"
    rows = [f"gold,sev2,2026-11-{k % 28 + 1:02d}T10:00:00Z" for k in range(300)]
    rows[150] += ","
    later.write_text("plan,severity,opened_at\n" + "\n".join(rows) + "\n")
    for size in (40, None):
        _, parts = read_table_parts(later, size)
        with pytest.raises(SlacalcError, match="line 152: 4 fields where the header names 3"):
            list(parts)


def test_utf8_is_checked_across_blocks(tmp_path, monkeypatch, engine):
    monkeypatch.setattr(readers, "_BLOCK", 7)  # multi-byte characters straddle blocks
    path = tmp_path / "t.csv"
    text = "plan,severity,opened_at\n" + "".join(f"gé{k},sévère,2026\n" for k in range(20))
    path.write_text(text)
    pd.testing.assert_frame_equal(together(path, 6), expected(text))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(text.encode()[:100] + b"\xff" + text.encode()[100:])
    line = text.encode()[:100].count(b"\n") + 1
    with pytest.raises(SlacalcError, match=f"bad.csv line {line}: not UTF-8 text \\(byte 0xff\\)"):
        read_table_parts(bad, 6)
    cut = tmp_path / "cut.csv"
    cut.write_bytes(text.encode() + "é".encode()[:1])
    with pytest.raises(SlacalcError, match="line 22: not UTF-8 text \\(byte 0xc3\\)"):
        read_table_parts(cut, 6)


def test_a_header_alone_is_one_empty_part(tmp_path, engine):
    path = tmp_path / "t.csv"
    path.write_text("plan,severity,opened_at\n")
    total, parts = read_table_parts(path, 10)
    (only,) = list(parts)
    assert total == 0 and list(only.columns) == NAMES and only.empty


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"plan,,opened_at,\n", "the header leaves 2 columns unnamed"),
        (b"plan,plan\n", "the header names 'plan' twice"),
        (b"\n\nplan\n", "line 1: empty"),
        (b"   \n", "the file is empty"),
    ],
)
def test_bad_headers_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(SlacalcError, match=message):
        read_table_parts(path, 10)


def test_nul_bytes_and_lone_carriage_returns(tmp_path, engine):
    """A NUL byte past the first 8 KB is read as pandas' own parser reads it; a file whose
    lines end in a bare carriage return is refused in one line."""
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"plan,severity\n" + b"gold,sev2\n" * 5000 + b"go\x00ld,sev2\n")
    assert len(together(nul, 700)) == 5001
    mac = tmp_path / "mac.csv"
    mac.write_bytes(b"plan,severity\rgold,sev2\rsilver,sev3\r")
    with pytest.raises(SlacalcError, match=r"mac\.csv line 1: not CSV"):
        read_table_parts(mac, 1)


def test_ticket_parts_of_json_are_one_part(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(
        '{"plan": "gold", "severity": "sev2", "opened_at": "2026-11-20T10:00:00Z"}\n' * 3
    )
    total, parts = read_ticket_parts(path, 1)
    (only,) = list(parts)
    assert total == 3 and len(only.tickets) == 3


@pytest.mark.parametrize("name", ["t.csv", "t.json"])
def test_a_bad_byte_after_a_bom_is_named_by_its_own_line(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbfplan,severity\ngold,sev2\nsilver,\xe9\n")
    reads = read_table_parts if name.endswith(".csv") else read_ticket_parts
    with pytest.raises(SlacalcError, match=r"line 3: not UTF-8 text \(byte 0xe9\)"):
        reads(path, 10)
