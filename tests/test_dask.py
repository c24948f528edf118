"""evaluate_frame per partition: dask (local scheduler) and, when installed, Spark."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from slacalc import load_policy
from slacalc.frame import frame_meta, output_columns

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tickets.csv"
AT = datetime(2027, 1, 15, tzinfo=UTC)


def tickets() -> pd.DataFrame:
    df = pd.read_csv(EXAMPLE)
    for col in ("opened_at", "responded_at", "resolved_at"):
        df[col] = pd.to_datetime(df[col], utc=True)
    return df


def test_dask_map_partitions_equals_pandas():
    dd = pytest.importorskip("dask.dataframe")
    import dask

    policy = load_policy("passkit")
    df = tickets()
    ddf = dd.from_pandas(df, npartitions=4)
    meta = frame_meta(policy, df)
    lazy = ddf.map_partitions(policy.evaluate_frame, at=AT, meta=meta)
    with dask.config.set(scheduler="processes", num_workers=2):  # policies cross processes
        got = lazy.compute()
    expected = policy.evaluate_frame(df, at=AT)
    cols = output_columns(policy)  # dask may store the input's strings as pyarrow strings
    pd.testing.assert_frame_equal(got.sort_index()[cols], expected[cols], check_categorical=False)
    assert list(got.columns) == list(meta.columns)


def test_policy_survives_the_trip_to_a_worker():
    policy = load_policy("passkit")
    policy.evaluate_frame(tickets(), at=AT)  # warm caches and indexes: none may be pickled
    data = pickle.dumps(policy)
    assert len(data) < 200_000
    again = pickle.loads(data)
    pd.testing.assert_frame_equal(
        again.evaluate_frame(tickets(), at=AT), policy.evaluate_frame(tickets(), at=AT)
    )


def test_spark_map_in_pandas():
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    from slacalc.frame import evaluate_frame

    policy = load_policy("passkit")
    df = tickets()
    spark = SparkSession.builder.master("local[2]").appName("slacalc").getOrCreate()
    try:
        sdf = spark.createDataFrame(
            df.astype({"opened_at": str, "responded_at": str, "resolved_at": str})
        )

        def run(batches):
            for batch in batches:
                out = evaluate_frame(policy, batch.replace({"NaT": None}), at=AT)
                yield out[["ticket_id", "response_state", "response_breached"]].astype(
                    {"response_state": str}
                )

        got = sdf.mapInPandas(
            run, schema="ticket_id string, response_state string, response_breached boolean"
        ).toPandas()
    finally:
        spark.stop()
    expected = policy.evaluate_frame(df, at=AT)
    merged = got.merge(expected[["ticket_id", "response_state"]], on="ticket_id")
    assert len(merged) == len(df)
    assert (merged["response_state_x"] == merged["response_state_y"].astype(str)).all()
