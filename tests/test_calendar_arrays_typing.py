"""The overloads of the calendar questions give ``mypy --strict`` users the kind they pass:
a datetime for a datetime, a Series for a Series, a datetime64 array for an array."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api")

SCRIPT = textwrap.dedent(
    """
    from datetime import UTC, datetime, timedelta
    from typing import assert_type

    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

    from slacalc import Calendar

    cal = Calendar.always()
    t = datetime(2026, 1, 1, tzinfo=UTC)
    s = pd.Series(pd.to_datetime(["2026-01-01T00:00Z"], utc=True))
    a: NDArray[np.datetime64] = np.array(["2026-01-01"], dtype="M8[us]")
    d: NDArray[np.timedelta64] = np.array([1], dtype="m8[h]")

    assert_type(cal.add(t, "1h"), datetime)
    assert_type(cal.add(s, "1h"), "pd.Series[Any]")
    assert_type(cal.add(t, d), NDArray[np.datetime64])
    assert_type(cal.add(a, timedelta(hours=1)), NDArray[np.datetime64])
    assert_type(cal.elapsed(t, "2026-01-02T00:00Z"), timedelta)
    assert_type(cal.elapsed(a, t), NDArray[np.timedelta64])
    assert_type(cal.is_open(t), bool)
    assert_type(cal.is_open(a), NDArray[np.bool_])
    assert_type(cal.next_open(a), NDArray[np.datetime64])
    assert_type(cal.next_open(s), "pd.Series[Any]")
    """
).replace("from typing import assert_type", "from typing import Any, assert_type")


@pytest.mark.slow
def test_array_overloads_type_check(tmp_path: Path) -> None:
    script = tmp_path / "arrays.py"
    script.write_text(SCRIPT, encoding="utf-8")
    out, err, code = api.run(
        ["--strict", "--cache-dir", str(tmp_path / ".mypy_cache"), str(script)]
    )
    assert code == 0, out + err
