"""Registers the `session` submission method when dbt-spark's adapter module is imported.

`make setup-spark` writes `import recwarehouse.spark.hook` into a `.pth` file of .venv-spark, so
every Python started there (plain `dbt`, pytest) has the finder below on `sys.meta_path`. It does
nothing until `dbt.adapters.spark.impl` is imported; then it lets the module load as usual, adds
the method (`session_submission.install`) and steps aside. No dbt or pyspark import is added to
any other process.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

TARGET = "dbt.adapters.spark.impl"


class _InstallAfterImport(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != TARGET:
            return None
        sys.meta_path.remove(self)  # find the real spec without coming back here
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module) -> None:
            load(module)
            from recwarehouse.spark.session_submission import install

            install(module.SparkAdapter)

        spec.loader.exec_module = exec_module
        return spec


if not any(isinstance(finder, _InstallAfterImport) for finder in sys.meta_path):
    sys.meta_path.insert(0, _InstallAfterImport())
