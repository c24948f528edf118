"""evaluate_frame per partition: dask (process scheduler and a LocalCluster) and Spark."""

from __future__ import annotations

import os
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


def test_frame_meta_accepts_a_dask_frame():
    dd = pytest.importorskip("dask.dataframe")
    policy = load_policy("passkit")
    df = tickets()
    ddf = dd.from_pandas(df, npartitions=2)
    meta = frame_meta(policy, ddf)
    assert list(meta.columns) == list(frame_meta(policy, df).columns)
    assert len(meta) == 0


def test_dask_distributed_local_cluster_equals_pandas():
    """Separate worker processes (dask.distributed), not only the local process scheduler."""
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("dask.distributed")
    policy = load_policy("passkit")
    df = tickets()
    ddf = dd.from_pandas(df, npartitions=2)
    lazy = ddf.map_partitions(policy.evaluate_frame, at=AT, meta=frame_meta(policy, ddf))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = client.compute(lazy).result()
    expected = policy.evaluate_frame(df, at=AT)
    cols = output_columns(policy)
    pd.testing.assert_frame_equal(got.sort_index()[cols], expected[cols], check_categorical=False)


@pytest.fixture(scope="module")
def spark():
    if os.environ.get("SLACALC_REQUIRE_SPARK"):  # the CI's spark stage: never skip
        import pyspark  # noqa: F401
    else:
        pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("slacalc-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield session
    session.stop()


def _text_tickets() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)


def test_spark_map_in_pandas(spark):
    from slacalc.frame import evaluate_frame

    policy = load_policy("passkit")
    raw = _text_tickets()
    sdf = spark.createDataFrame(raw)

    def run(batches):
        for batch in batches:
            out = evaluate_frame(policy, batch.replace({"": None}), at=AT)
            yield pd.DataFrame(
                {
                    "ticket_id": out["ticket_id"],
                    "response_state": out["response_state"].astype(str),
                    "response_breached": out["response_breached"],
                }
            )

    schema = "ticket_id string, response_state string, response_breached boolean"
    got = sdf.mapInPandas(run, schema=schema).toPandas()
    expected = policy.evaluate_frame(tickets(), at=AT)
    merged = got.merge(expected[["ticket_id", "response_state"]], on="ticket_id")
    assert len(merged) == len(raw)
    assert (merged["response_state_x"] == merged["response_state_y"].astype(str)).all()


def test_spark_events_table_per_bucket(spark):
    """Tickets and a long events table, co-grouped by a bucket of ticket_id (applyInPandas).

    Needs evaluate_frame(events=...). Each call gets many tickets with their events; the
    answers equal policy.evaluate of each ticket.
    """
    from pyspark.sql import functions as F
    from tables_support import tickets_of

    from slacalc.tables import evaluate_tables

    policy = load_policy("passkit")
    raw = _text_tickets()
    wide = raw[["ticket_id", "plan", "severity", "opened_at"]]
    events = raw.melt(
        id_vars="ticket_id",
        value_vars=["responded_at", "resolved_at"],
        var_name="type",
        value_name="at",
    )
    events = events[events["at"] != ""].assign(
        type=lambda e: e["type"].str.removesuffix("_at"), severity=""
    )
    buckets = 4
    st = spark.createDataFrame(wide).withColumn("b", F.abs(F.hash("ticket_id")) % buckets)
    se = spark.createDataFrame(events).withColumn("b", F.abs(F.hash("ticket_id")) % buckets)

    def run(ts: pd.DataFrame, es: pd.DataFrame) -> pd.DataFrame:
        es = es.drop(columns="b").replace({"": None})
        out = evaluate_tables(ts.drop(columns="b"), es, policy=policy, at=AT)
        return pd.DataFrame(
            {
                "ticket_id": out["ticket_id"],
                "response_state": out["response_state"].astype(str),
                "resolution_state": out["resolution_state"].astype(str),
            }
        )

    schema = "ticket_id string, response_state string, resolution_state string"
    got = st.groupBy("b").cogroup(se.groupBy("b")).applyInPandas(run, schema=schema).toPandas()
    assert len(got) == len(raw)
    by_id = tickets_of(wide, events.replace({"": None}))
    for row in got.itertuples(index=False):
        want = policy.evaluate(by_id[row.ticket_id], at=AT)
        assert (row.response_state, row.resolution_state) == (
            want["response"].state,
            want["resolution"].state,
        )
