"""The `session` submission method for dbt-spark (recwarehouse/spark/): registered on dbt-spark's
adapter class, the default where the profile's method is `session`, and the Spark-side failures a
user can fix explained in one line. Runs without PySpark (a stand-in adapter class)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from recwarehouse.spark.session_submission import (
    SESSION,
    SessionPythonJobHelper,
    SparkSetupError,
    _explained,
    install,
)


class FakeConnections:
    @classmethod
    def open(cls, connection):
        return connection


class FakeSparkAdapter:
    ConnectionManager = FakeConnections

    def __init__(self, method: str) -> None:
        self.connections = SimpleNamespace(profile=SimpleNamespace(credentials=SimpleNamespace(method=method)))

    @property
    def python_submission_helpers(self) -> dict:
        return {"all_purpose_cluster": object}

    @property
    def default_python_submission_method(self) -> str:
        return "all_purpose_cluster"


def test_install_adds_the_session_method_and_makes_it_the_default_for_session_profiles(monkeypatch) -> None:
    monkeypatch.delenv("PYSPARK_PYTHON", raising=False)
    install(FakeSparkAdapter)
    install(FakeSparkAdapter)  # idempotent
    session, thrift = FakeSparkAdapter("session"), FakeSparkAdapter("thrift")
    assert session.python_submission_helpers == {"all_purpose_cluster": object, SESSION: SessionPythonJobHelper}
    assert session.default_python_submission_method == SESSION
    assert thrift.default_python_submission_method == "all_purpose_cluster"
    import os
    import sys

    assert os.environ["PYSPARK_PYTHON"] == sys.executable  # the executors import this environment


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (MemoryError(), "the Spark driver ran out of memory"),
        (RuntimeError("java.lang.OutOfMemoryError: Java heap space"), "raise spark.driver.memory"),
        (RuntimeError("Total size of serialized results is bigger than spark.driver.maxResultSize"), "maxResultSize"),
    ],
)
def test_spark_setup_failures_are_explained_in_one_line(error: Exception, says: str) -> None:
    explained = _explained(error)
    assert isinstance(explained, SparkSetupError)
    assert says in str(explained) and "\n" not in str(explained)


def test_a_model_error_is_left_as_it_is() -> None:
    assert _explained(KeyError("trainer_id")) is None
