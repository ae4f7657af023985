"""The same snapshot gives identical work items on DuckDB and on Spark (local[2])."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from faircollect.strategy import compile as C
from faircollect.strategy import spec as S
from faircollect.strategy.run import plan
from faircollect.strategy.synth import synthetic_snapshot

from .conftest import AS_OF, MIXED

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from faircollect.strategy.engines import SparkEngine

    engine = SparkEngine()
    yield engine
    engine.close()
    engine.session.stop()


@pytest.mark.timeout(900)
def test_duckdb_and_spark_plan_the_same_work_items(spark: Any) -> None:
    book = synthetic_snapshot(300, seed=5, as_of=AS_OF, packs=MIXED)
    base = S.shipped("faircollect-default")
    champion = S.from_data(
        {**base.to_data(), "challengers": [
            {"arm": "dpd", "strategy": "dpd-escalation", "share": "0.3"}]}
    )  # fmt: skip
    arms = C.arms_for(champion, 1, {"dpd": (S.shipped("dpd-escalation"), 1)})
    on_duckdb = plan(book, arms, engine="duckdb")
    on_spark = plan(book, arms, engine=spark)
    assert on_spark.engine == "spark"
    assert on_duckdb.work_items.num_rows > 150
    assert on_spark.work_items.equals(on_duckdb.work_items)
    assert on_spark.no_action.equals(on_duckdb.no_action)
    assert on_spark.counts == on_duckdb.counts
    # the plan exercises capacity, several arms and treatments
    assert set(on_spark.counts["by_arm"]) == {"champion", "dpd", "holdout"}
    assert len(on_spark.counts["by_treatment"]) >= 4
