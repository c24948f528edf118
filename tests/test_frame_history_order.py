"""The wide table's per-row ordering of events equals the general (ticket, time) sort.

A table without an events table orders each ticket's ``*_at`` columns by comparing them
side by side; a table with one sorts all events by (ticket, time since opening). Both must
give the same history (events, order among equal times, problems), for random columns with
ties, missing values, events before opening and unreadable opening times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slacalc import load_policy

frame = pytest.importorskip("slacalc.frame")

NAT = np.iinfo(np.int64).min


def _general(wide, types, opened, at, problems):
    """The events-table path's ordering, fed the same columns."""
    H = frame._Histories
    row, typ, t = [], [], []
    for col, values in wide.items():
        have = np.flatnonzero(values != NAT)
        row.append(have)
        typ.append(np.full(len(have), types.index(col[:-3]), dtype=np.int64))
        t.append(values[have])
    row, typ, t = (np.concatenate(a) for a in (row, typ, t))
    usable = opened[row] != NAT
    row, typ, t = row[usable], typ[usable], t[usable]
    since = t - opened[row]
    order = frame._by_ticket_then_time(row, t, opened, since)
    row, typ, t, since = row[order], typ[order], t[order], since[order]
    src = -1 - typ
    H._check(
        types, row, typ, lambda k: int(src[k]), since < 0, pd.RangeIndex(0), len(opened), problems
    )
    return H._upto(types, row, typ, t, np.full(len(row), -1), len(opened), at)


@pytest.mark.parametrize("seed", range(40))
def test_wide_order_equals_general_sort(seed: int) -> None:
    types = list(load_policy("passkit").event_types())
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    k = int(rng.integers(1, 4))
    opened = rng.integers(0, 5, n) * 10
    opened[rng.random(n) < 0.1] = NAT
    wide = {}
    for col in ("responded_at", "resolved_at", "updated_at")[:k]:
        t = rng.integers(-1, 6, n) * 10 + np.where(opened == NAT, 0, opened)
        t[rng.random(n) < 0.3] = NAT
        wide[col] = t
    at = int(rng.integers(0, 80))
    got = []
    for build in (frame._Histories._build_wide, _general):
        problems = frame._Problems(n)
        h = build(wide, types, opened, at, problems)
        got.append((h.row.tolist(), h.typ.tolist(), h.t.tolist(), problems.each()))
    assert got[0] == got[1]
