"""Running the project's dbt Python models on open-source Spark (the `spark` target).

- `session_submission`: a `session` submission method for dbt-spark, so a Python model's compiled
  code runs in the SparkSession that the dbt process drives (`method: session`), the way the
  upstream proposal (dbt-spark issues 415 and 1062, pull request 1063) describes.
- `hook`: registers it when dbt-spark's adapter is imported (a `.pth` line that `make setup-spark`
  writes into .venv-spark), so plain `dbt build --target spark` runs every Python model.

Nothing here imports pyspark or dbt at import time: the DuckDB environment never loads them.
"""
