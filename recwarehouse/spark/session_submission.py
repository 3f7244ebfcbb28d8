"""A `session` submission method for dbt-spark's Python models.

dbt-spark submits Python models only to Databricks (`all_purpose_cluster`, `job_cluster`). With
`method: session` the dbt process already is the Spark driver, so the compiled model (the model's
code, dbt's `dbtObj` preamble and dbt-spark's `py_write_table` epilogue, which saves the returned
DataFrame as a table) can simply run in that process, in the SparkSession dbt-spark's session
connection opened. `install` adds that method to the adapter and makes it the default when the
profile's method is `session`; other methods keep dbt-spark's defaults.

Drop this file, `hook.py` and the `.pth` line once dbt-spark ships a session submission method
(upstream pull request 1063): the models need no change.
"""

from __future__ import annotations

import linecache
import os
import sys
from typing import Any

SESSION = "session"


# what every Python model imports on the executors (the scoring functions they are shipped)
EXECUTOR_MODULES = ("pandas", "pyarrow", "numpy", "sklearn", "lightgbm", "scipy", "recwarehouse")
_checked_sessions: set[int] = set()


class SparkSetupError(RuntimeError):
    """The Spark side cannot run the Python models; the message names the cause and the setting."""


def check_executors(spark) -> None:
    """Once per SparkSession: every executor's Python imports what the models ship to it. Fails
    with one line naming what is missing and how to provide it, before any model's table is
    replaced."""
    if id(spark) in _checked_sessions:
        return
    context = spark.sparkContext
    slots = max(1, context.defaultParallelism)

    def _executor_imports(_, modules=EXECUTOR_MODULES) -> list[str]:
        # nested, so it is shipped by value: it runs where not even recwarehouse may be importable
        import importlib

        missing = []
        for module in modules:
            try:
                importlib.import_module(module)
            except ImportError as error:
                missing.append(f"{module} ({error})")
        return missing

    missing = sorted(
        {m for found in context.parallelize(range(slots), slots).map(_executor_imports).collect() for m in found}
    )
    if missing:
        raise SparkSetupError(
            f"Spark's executors cannot import {', '.join(missing)} (Python {context.pythonExec}): install the pins"
            " of requirements-spark.lock on every node or ship them as an archive (spark.archives), point"
            " PYSPARK_PYTHON at that interpreter, and ship the project's package (RECWAREHOUSE_SPARK_PYFILES,"
            " python -m recwarehouse.spark.cluster package)"
        )
    _checked_sessions.add(id(spark))


def _explained(error: BaseException) -> SparkSetupError | None:
    """A one-line cause and setting for the failures that are the Spark setup's, not the model's."""
    text = str(error)
    if isinstance(error, MemoryError) or "OutOfMemoryError" in text or "Java heap space" in text:
        return SparkSetupError(
            "the Spark driver ran out of memory while a Python model read its sample onto it: raise"
            " spark.driver.memory (RECWAREHOUSE_SPARK_MEMORY, default 4g) or lower max_training_users /"
            " max_training_rows (docs/spark.md: the driver's memory)"
        )
    if "maxResultSize" in text:
        return SparkSetupError(
            "a Python model collected more onto the driver than spark.driver.maxResultSize allows: raise it,"
            " or lower max_training_users / max_training_rows"
        )
    return None


class SessionPythonJobHelper:
    """Runs a compiled Python model in this process's active SparkSession."""

    def __init__(self, parsed_model: dict, credentials: Any) -> None:
        self.parsed_model = parsed_model
        self.credentials = credentials

    def submit(self, compiled_code: str) -> None:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()  # the session dbt-spark's connection started
        check_executors(spark)
        name = f"<dbt python model {self.parsed_model.get('unique_id', self.parsed_model.get('alias'))}>"
        # tracebacks show the model's own lines
        linecache.cache[name] = (len(compiled_code), None, compiled_code.splitlines(True), name)
        namespace = {"spark": spark, "__name__": "__dbt_python_model__"}
        try:
            exec(compile(compiled_code, name, "exec"), namespace)  # noqa: S102 - dbt's own compiled model
        except Exception as error:
            explained = _explained(error)
            if explained is None:
                raise
            raise explained from error


def install(adapter_class: type) -> None:
    """Add the `session` method to dbt-spark's adapter class (idempotent), and check the executors
    when the first session connection opens (`check_executors`). Before any SparkSession
    starts, point Spark's Python workers at this interpreter (unless PYSPARK_PYTHON says another):
    the executors of a local or single-machine cluster then import the same environment, pandas,
    the models' libraries and recwarehouse included."""
    if getattr(adapter_class, "_recwarehouse_session_submission", False):
        return
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    helpers = adapter_class.python_submission_helpers
    default = adapter_class.default_python_submission_method

    def python_submission_helpers(self) -> dict:
        return {**helpers.fget(self), SESSION: SessionPythonJobHelper}

    def default_python_submission_method(self) -> str:
        method = str(getattr(self.connections.profile.credentials, "method", ""))
        return SESSION if method.endswith(SESSION) else default.fget(self)

    connections = adapter_class.ConnectionManager
    open_connection = connections.open.__func__

    def open_and_check(cls, connection):
        """dbt-spark's open, then (method session) the executors' check, at the first connection:
        the on-run-start hooks open it, so a broken Spark setup stops the run before any model."""
        connection = open_connection(cls, connection)
        if str(getattr(connection.credentials, "method", "")).endswith(SESSION):
            from pyspark.sql import SparkSession

            connection.handle.cursor().execute("select 1")  # dbt-spark starts its SparkSession here
            check_executors(SparkSession.builder.getOrCreate())  # that session (the active one is per thread)
        return connection

    connections.open = classmethod(open_and_check)
    adapter_class.python_submission_helpers = property(python_submission_helpers)
    adapter_class.default_python_submission_method = property(default_python_submission_method)
    adapter_class._recwarehouse_session_submission = True
