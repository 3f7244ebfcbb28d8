"""recwarehouse: a SQL-first recommender warehouse (dbt + DuckDB); shared Python code."""
