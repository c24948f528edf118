"""isotext.parse against datetime.fromisoformat, one value at a time (no shared code)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc import isotext

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def expected(text: object) -> tuple[int, bool] | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    aware = t.tzinfo is not None
    delta = (t if aware else t.replace(tzinfo=UTC)) - EPOCH
    return delta // timedelta(microseconds=1), aware


def check(values: list[object]) -> None:
    for src in (values, pd.Series(values, dtype=object), pd.Series(values, dtype="str")):
        got = isotext.parse(src)
        for i, v in enumerate(values):
            want = expected(v)
            if want is None:
                assert not got.ok[i], v
                assert got.us[i] == isotext.NAT
            else:
                assert got.ok[i], v
                assert (int(got.us[i]), bool(got.offset[i])) == want, v


def test_hand_picked_layouts():
    check(
        [
            "2026-11-20T16:30:00Z",
            "2026-11-20T10:30-06:00",
            "2026-11-20 10:30:05.123+0530",
            "2026-11-20t10:30:05,5+05",
            "2026-11-20T10:30:00",
            "2026-11-20",
            "2024-02-29T23:59:59.999999-00:30",
            "bad",
            None,
            np.nan,
            "",
            "2026-02-30T00:00:00Z",
            "2026-11-20T25:00:00Z",
            "2026-11-20T16:30:00Zx",
            "2026-11-20T16:30:00+05:3",
            "2026-11-20T16:30:00+24:00",
            "٢٠٢٦-11-20T16:30:00Z",
        ]
    )


offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
stamps = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.none() | offsets
)
styles = st.sampled_from(["iso", "space", "minutes", "zulu", "compact", "milli"])


def render(t: datetime, style: str) -> str:
    text = t.isoformat(sep=" " if style == "space" else "T")
    if style == "minutes":
        text = t.isoformat(timespec="minutes")
    elif style == "milli":
        text = t.isoformat(timespec="milliseconds")
    elif style == "zulu" and t.utcoffset() == timedelta(0):
        text = text.replace("+00:00", "Z")
    elif style == "compact" and t.tzinfo is not None:
        text = text[:-3] + text[-2:]
    return text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(stamps, styles), min_size=1, max_size=30))
def test_random_instants_match_fromisoformat(pairs):
    check([render(t, style) for t, style in pairs])
