"""One way for a dbt Python model to read and write, on DuckDB and on Spark.

`dbt.ref()` is a DuckDB relation on one engine and a Spark DataFrame on the other. A model asks
`tables(dbt, session)` for its engine and then uses only these verbs, so its logic stays one file
for both engines:

- `read(table, columns, where, order)`: a bounded table as a pandas DataFrame, on the driver (the
  model's inputs that are the size of the catalogue, a segment list or a training sample; on
  Spark at most `RECWAREHOUSE_SPARK_DRIVER_MAX_ROWS` rows when that is set, `driver_max_rows`);
- `value(table, expression, where)`: one aggregate (`count(*)`, `max(target_week)`);
- `sql(query, **tables)`: a query over tables, the engine's SQL doing the work where the tables
  are (`{name}` in the query stands for the table passed as `name=`), as a table the other verbs
  take; `seeded_hash(expression, seed)` is the SQL of a seeded SHA-256 (hex) both engines order
  alike (`recwarehouse.hashing.seeded_hash`);
- `map_groups(table, key, fn, schema, ...)`: `fn` applied to whole groups of rows (every row of a
  key in one call, several keys a call): on DuckDB to the rows streamed in key order, batch by
  batch, on Spark on the executors
  (`mapInPandas` over partitions of the key), so nothing the size of the input reaches the driver;
- `result(frame, schema)`: a pandas DataFrame made on the driver (a small table: a registry, a
  report) as the table to write, in the schema's column order and types on both engines;
- `quote(name)`: a column name as a quoted identifier of the engine's SQL;
- `concat(parts)`: the union of results of the same schema (pandas or Spark DataFrames);
- `stored()`: the model's own table as it stands (an incremental model that may keep its rows),
  with `read` taking it like any other table;
- `map_batches(table, fn, schema, ...)`: `fn` applied to batches of rows, independent of each other
  (scoring): on DuckDB to Arrow record batches streamed from the relation, on Spark on the
  executors;
- `materialize(result)`: a map verb's result computed now (on Spark kept by the executors, so the
  driver lets go of the fitted model the function held); on DuckDB the result as it is.

`table` is what `dbt.ref(...)` returned: the model names its inputs with `dbt.ref("...")` calls,
which is how dbt finds its parents. `columns` are SQL expressions both engines read alike
(`trainer_id as item_id`); `where` is one SQL condition; `schema` is the result's columns as
`name type` pairs in Spark's DDL (`user_id string, score double`). What the model returns (a
pandas DataFrame from DuckDB, a Spark DataFrame from Spark) is what dbt writes. Functions handed
to the map verbs are shipped to Spark's executors with what they hold (cloudpickle): make them
module-level functions or small callable objects, and keep what they hold to the bounded inputs (catalogue,
fitted model).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

BATCH_ROWS = 500_000

Fn = Callable[[pd.DataFrame], pd.DataFrame]


DRIVER_MAX_ROWS = "RECWAREHOUSE_SPARK_DRIVER_MAX_ROWS"


class DriverBoundError(RuntimeError):
    """A Spark read onto the driver had more rows than `RECWAREHOUSE_SPARK_DRIVER_MAX_ROWS` allows."""


def driver_max_rows() -> int | None:
    """The most rows one `read` may bring onto Spark's driver (the environment variable
    `RECWAREHOUSE_SPARK_DRIVER_MAX_ROWS`; unset or empty: no limit). A guard for the driver's
    memory: what grows with the candidates or the users runs on the executors, and only samples
    bounded by the vars are read."""
    value = os.environ.get(DRIVER_MAX_ROWS, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{DRIVER_MAX_ROWS} must be a whole number of rows above 0, not {value!r}")
    return int(value)


def tables(dbt: Any, session: Any) -> Tables:
    """The engine of this run: Spark when the session is a SparkSession, else DuckDB."""
    if type(session).__module__.startswith("pyspark"):
        return SparkTables(dbt, session)
    return DuckDBTables(dbt, session)


def schema_columns(schema: str) -> list[str]:
    """The column names of a `name type, ...` schema."""
    return [part.split()[0] for part in _split_schema(schema)]


def _split_schema(schema: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in schema:
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


_PANDAS_DTYPES = {
    "string": "object",
    "double": "float64",
    "float": "float64",
    "bigint": "int64",
    "int": "int32",
    "integer": "int32",
    "boolean": "bool",
    "date": "datetime64[us]",
    "timestamp": "datetime64[us]",
}


def pandas_dtypes(schema: str) -> dict[str, str]:
    """The pandas dtype of each column of a schema (an empty typed frame: `pd.DataFrame({c:
    pd.Series(dtype=t) ...})`); dates and timestamps as datetime64, as DuckDB hands them over."""
    out = {}
    for part in _split_schema(schema):
        name, kind = part.split(None, 1)
        out[name] = _PANDAS_DTYPES.get(kind.strip().lower(), "object")
    return out


class Tables:
    engine = "?"

    def __init__(self, dbt: Any, session: Any) -> None:
        self.dbt = dbt
        self.session = session

    def read(
        self, ref: Any, columns: list[str] | None = None, where: str | None = None, order: str | None = None
    ) -> pd.DataFrame:
        raise NotImplementedError

    def value(self, ref: Any, expression: str, where: str | None = None) -> Any:
        raise NotImplementedError

    def sql(self, query: str, **refs: Any) -> Any:
        raise NotImplementedError

    def seeded_hash(self, expression: str, seed: int) -> str:
        raise NotImplementedError

    def result(self, frame: pd.DataFrame, schema: str) -> Any:
        raise NotImplementedError

    def concat(self, parts: list[Any]) -> Any:
        raise NotImplementedError

    def stored(self) -> Any:
        raise NotImplementedError

    def map_groups(
        self,
        ref: Any,
        key: str,
        fn: Fn,
        schema: str,
        columns: list[str] | None = None,
        where: str | None = None,
    ) -> Any:
        raise NotImplementedError

    def map_batches(
        self,
        ref: Any,
        fn: Fn,
        schema: str,
        columns: list[str] | None = None,
        where: str | None = None,
        order: str | None = None,
    ) -> Any:
        raise NotImplementedError

    def materialize(self, frame: Any) -> Any:
        raise NotImplementedError


class DuckDBTables(Tables):
    engine = "duckdb"
    _frames = 0  # data frames of `sql`, registered under numbered names

    @staticmethod
    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def _relation(self, ref: Any, columns: list[str] | None, where: str | None, order: str | None):
        relation = ref
        if where:
            relation = relation.filter(where)
        if columns:
            relation = relation.project(", ".join(columns))
        if order:
            relation = relation.order(order)
        return relation

    def read(self, ref, columns=None, where=None, order=None):
        if isinstance(ref, pd.DataFrame):  # what a map verb returned on this engine
            return normalised(ref.query(where) if where else ref)[columns or list(ref.columns)]
        return normalised(self._relation(ref, columns, where, order).df())

    def value(self, ref, expression, where=None):
        relation = ref
        if where:
            relation = relation.filter(where)
        return relation.aggregate(expression).fetchone()[0]

    def sql(self, query, **refs):
        names = {}
        for name, ref in refs.items():
            if isinstance(ref, pd.DataFrame):  # what `result` or a map verb made: registered by name
                DuckDBTables._frames += 1
                names[name] = f"recwarehouse_{name}_{DuckDBTables._frames}"
                self.session.register(names[name], ref)
            else:
                names[name] = f"({ref.sql_query()})"
        return self.session.sql(_with_tables(query, names))

    def seeded_hash(self, expression, seed):
        return f"sha256('{int(seed)}|' || {expression})"

    def result(self, frame, schema):
        return _typed(frame, schema)

    def concat(self, parts):
        return pd.concat(parts, ignore_index=True)

    def stored(self):
        # a relation, not a data frame: returned as it is, its column types stay as stored
        return self.session.sql(f"select * from {self.dbt.this}")

    def map_groups(self, ref, key, fn, schema, columns=None, where=None):
        # streamed in key order, each call on whole groups: a batch's last key may go on in the next
        keys = [k.strip() for k in key.split(",")]
        reader = self._relation(ref, columns, where, key).to_arrow_reader(BATCH_ROWS)
        parts, carry = [], None
        for batch in reader:
            frame = normalised(batch.to_pandas())
            if carry is not None:
                frame = pd.concat([carry, frame], ignore_index=True)
            if frame.empty:
                continue
            last = (frame[keys] == frame[keys].iloc[-1]).all(axis=1).to_numpy()
            tail = int(last[::-1].cumprod().sum())  # the rows of the last key, at the end
            carry = frame.iloc[len(frame) - tail :].reset_index(drop=True)
            if tail < len(frame):
                parts.append(_typed(fn(frame.iloc[: len(frame) - tail].reset_index(drop=True)), schema))
        if carry is not None and len(carry):
            parts.append(_typed(fn(carry), schema))
        return self.concat(parts) if parts else _typed(pd.DataFrame({c: [] for c in schema_columns(schema)}), schema)

    def materialize(self, frame):
        return frame

    def map_batches(self, ref, fn, schema, columns=None, where=None, order=None):
        reader = self._relation(ref, columns, where, order).to_arrow_reader(BATCH_ROWS)
        parts = [_typed(fn(batch.to_pandas()), schema) for batch in reader]
        if not parts:
            return _typed(pd.DataFrame({c: [] for c in schema_columns(schema)}), schema)
        return pd.concat(parts, ignore_index=True)


class SparkTables(Tables):
    engine = "spark"
    _views = 0  # temporary views of `sql`, numbered so a view is never replaced under a query

    @staticmethod
    def quote(name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def _frame(self, ref: Any, columns: list[str] | None, where: str | None):
        frame = ref
        if where:
            frame = frame.filter(where)
        if columns:
            frame = frame.selectExpr(*columns)
        return frame

    def read(self, ref, columns=None, where=None, order=None):
        frame = self._frame(ref, columns, where)
        if order:
            frame = frame.orderBy(*_sort_columns(order))
        limit = driver_max_rows()
        if limit is None:
            return normalised(frame.toPandas())
        out = frame.limit(limit + 1).toPandas()  # one row past the limit is enough to know
        if len(out) > limit:
            raise DriverBoundError(
                f"{self.dbt.this}: a read onto the driver has more than {limit:,} rows ({DRIVER_MAX_ROWS}): "
                f"columns {columns or '*'}, where {where or '-'}. Lower the model's sample settings "
                "(max_training_users, max_training_rows, cf_max_users) or raise the limit."
            )
        return normalised(out)

    def value(self, ref, expression, where=None):
        return self._frame(ref, None, where).selectExpr(expression).collect()[0][0]

    def sql(self, query, **refs):
        names = {}
        for name, ref in refs.items():
            SparkTables._views += 1
            names[name] = f"recwarehouse_{name}_{SparkTables._views}"
            ref.createOrReplaceTempView(names[name])
        return self.session.sql(_with_tables(query, names))

    def seeded_hash(self, expression, seed):
        return f"sha2('{int(seed)}|' || {expression}, 256)"

    def result(self, frame, schema):
        return self.session.createDataFrame(_python_nulls(_typed(frame, schema)), schema=schema)

    def concat(self, parts):
        out = parts[0]
        for part in parts[1:]:
            out = out.unionByName(part)
        return out

    def stored(self):
        return self.session.table(str(self.dbt.this))

    def map_groups(self, ref, key, fn, schema, columns=None, where=None):
        keys = [k.strip() for k in key.split(",")]
        frame = self._frame(ref, columns, where).repartition(*keys).sortWithinPartitions(*keys)
        return frame.mapInPandas(_whole_partition(fn, schema), schema)

    def map_batches(self, ref, fn, schema, columns=None, where=None, order=None):
        return self._frame(ref, columns, where).mapInPandas(_each_batch(fn, schema), schema)

    def materialize(self, frame):
        # computed now and kept by the executors, its plan cut: the driver lets go of what the
        # functions of the plan held (a fitted model)
        return frame.localCheckpoint(eager=True)


def _sort_columns(order: str) -> list:
    """Spark sort columns of an SQL order (`ndcg_at_k desc, model_id`): column names, each with
    an optional asc or desc. Nulls go where each engine puts them by default (not the same):
    order by columns without nulls where the order matters."""
    from pyspark.sql import functions

    out = []
    for part in order.split(","):
        name, *direction = part.split()
        descending = bool(direction) and direction[0].lower() == "desc"
        out.append(functions.col(name).desc() if descending else functions.col(name).asc())
    return out


def _with_tables(query: str, names: dict[str, str]) -> str:
    """The query with each `{name}` of `names` replaced (and nothing else: a brace in a literal,
    a JSON text, stays as it is)."""
    for name, table in names.items():
        query = query.replace("{" + name + "}", table)
    return query


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """One pandas form of a table read, whichever engine read it (DuckDB and Spark hand over the
    same table with other dtypes): whole numbers as int64 (float64 where there are nulls),
    decimals as float64, dates and timestamps as datetime64[us]. So a model sees the same frame,
    and a fingerprint of it is the same, on both engines."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_float_dtype(column):
            out[name] = column
        elif pd.api.types.is_integer_dtype(column):
            out[name] = column.astype("float64") if column.isna().any() else column.astype("int64")
        elif pd.api.types.is_datetime64_any_dtype(column):
            out[name] = column.astype("datetime64[us]")
        elif column.dtype == object and len(column.dropna()):
            first = column.dropna().iloc[0]
            if isinstance(first, Decimal):
                out[name] = column.astype("float64")
            elif isinstance(first, date):
                out[name] = pd.to_datetime(column).astype("datetime64[us]")
            else:
                out[name] = column
        else:
            out[name] = column
    return pd.DataFrame(out, index=frame.index)


def _whole_partition(fn: Fn, schema: str) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """On an executor: the partition's batches put together (so each key's rows are in one frame;
    the memory is one partition's), then `fn` once."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        parts = list(batches)
        if parts:  # read as DuckDB's `read` hands it over (dates as datetime64)
            yield _typed(fn(normalised(pd.concat(parts, ignore_index=True))), schema)

    return run


def _each_batch(fn: Fn, schema: str) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield _typed(fn(batch), schema)

    return run


def _typed(frame: pd.DataFrame, schema: str) -> pd.DataFrame:
    """The schema's columns, in its order and types (so both engines write the same table)."""
    out = frame[schema_columns(schema)].copy()
    for part in _split_schema(schema):
        name, kind = part.split(None, 1)
        kind = kind.strip().lower()
        if kind == "date":
            out[name] = pd.to_datetime(out[name]).dt.date
        elif kind == "timestamp":
            out[name] = pd.to_datetime(out[name])
        elif kind in ("bigint", "int", "integer") and out[name].isna().any():
            # whole numbers with nulls: pandas' nullable integers (not floats, which Spark's integer
            # columns refuse and DuckDB would store as double)
            out[name] = out[name].astype("Int64" if kind == "bigint" else "Int32")
        elif kind in _PANDAS_DTYPES:
            out[name] = out[name].astype(_PANDAS_DTYPES[kind])
        if kind == "string" and out[name].isna().any():  # a missing text is None, not a float NaN Spark writes as 'NaN'
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


def _python_nulls(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable integer columns as Python ints and None, as Spark's createDataFrame takes them."""
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.api.extensions.ExtensionDtype) and out[name].dtype.kind in "iu":
            out[name] = pd.Series([None if pd.isna(v) else int(v) for v in out[name]], dtype=object, index=out.index)
    return out
