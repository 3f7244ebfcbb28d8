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


class SessionPythonJobHelper:
    """Runs a compiled Python model in this process's active SparkSession."""

    def __init__(self, parsed_model: dict, credentials: Any) -> None:
        self.parsed_model = parsed_model
        self.credentials = credentials

    def submit(self, compiled_code: str) -> None:
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
        name = f"<dbt python model {self.parsed_model.get('unique_id', self.parsed_model.get('alias'))}>"
        # tracebacks show the model's own lines
        linecache.cache[name] = (len(compiled_code), None, compiled_code.splitlines(True), name)
        namespace = {"spark": spark, "__name__": "__dbt_python_model__"}
        exec(compile(compiled_code, name, "exec"), namespace)  # noqa: S102 - dbt's own compiled model


def install(adapter_class: type) -> None:
    """Add the `session` method to dbt-spark's adapter class (idempotent). Before any SparkSession
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

    adapter_class.python_submission_helpers = property(python_submission_helpers)
    adapter_class.default_python_submission_method = property(default_python_submission_method)
    adapter_class._recwarehouse_session_submission = True
