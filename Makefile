# The two commands: `make build` (set up + build the demo warehouse) and `make test` (set up +
# every check). Both work on a fresh clone of a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := data/demo
TEST_CLEAN := data/test_clean
TEST_DATA := data/test
MOVIELENS ?= ../shared/data/movielens-100k
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export RECWAREHOUSE_TEST_DB ?= $(CURDIR)/test_warehouse.duckdb
export RECWAREHOUSE_INTERACTIONS_TEST_DB ?= $(CURDIR)/test_interactions_warehouse.duckdb
## what the synthetic interactions build printed: a valid log must print no warning (a test reads it)
export RECWAREHOUSE_INTERACTIONS_BUILD_LOG ?= $(CURDIR)/logs/test_interactions_build.log
## the same log with every id relabelled, built again: ids are names, results must not move (a test)
export RECWAREHOUSE_INTERACTIONS_RELABELLED_DB ?= $(CURDIR)/test_interactions_relabelled_warehouse.duckdb
TEST_INTERACTIONS := data/test_interactions
TEST_INTERACTIONS_RELABELLED := data/test_interactions_relabelled
# one thread setting for dbt, DuckDB, LightGBM, scikit-learn and BLAS; OpenMP waits passively, so
# a busy core never makes LightGBM's threads spin (issue 15). The activated .venv sets both too.
export RECWAREHOUSE_THREADS ?= $(shell nproc 2>/dev/null || echo 2)
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: setup-spark build-spark test-spark lock-spark spark-build system-deps-java spark-cluster-start spark-cluster-stop test-spark-cluster
.PHONY: report docs-screenshots system-deps-browser warehouse-checks spark-checks warehouse-checks-guards warehouse-checks-leakage warehouse-checks-rest site-checks
.PHONY: reproducibility-build reproducibility-checks
.PHONY: setup build movielens backtest bench-scale test lint-python lint-sql unit warehouse-build warehouse-test interactions-build demo-data test-data docs lock clean bench

## setup: create .venv with the locked packages and the project package (editable)
setup: $(STAMP) system-deps

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	printf '%s\n' '# recwarehouse: one thread setting, and OpenMP that waits passively (see Makefile)' \
	  'export RECWAREHOUSE_THREADS="$${RECWAREHOUSE_THREADS:-$$(nproc 2>/dev/null || echo 2)}"' \
	  'export OMP_WAIT_POLICY="$${OMP_WAIT_POLICY:-PASSIVE}"' >> $(BIN)/activate
	touch $(STAMP)

## LightGBM needs the system OpenMP runtime (libgomp1 on Debian/Ubuntu)
.PHONY: system-deps
system-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q libgomp.so.1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing libgomp1 (needed by LightGBM)"; \
	    apt-get update -qq && apt-get install -y -qq libgomp1 >/dev/null; \
	  else \
	    echo "LightGBM needs the OpenMP runtime: run 'sudo apt-get install libgomp1' (Debian/Ubuntu) or 'brew install libomp' (macOS)"; exit 1; \
	  fi; \
	fi

GENERATOR := recwarehouse/demo/generate.py recwarehouse/demo/catalog.py recwarehouse/demo/corrupt.py recwarehouse/demo/bookings.py recwarehouse/demo/recommendation_feedback.py

demo-data: setup $(DEMO)/_generator.json
$(DEMO)/_generator.json: $(GENERATOR) | $(STAMP)
	$(BIN)/python -m recwarehouse.demo.generate --users 2000 --trainers 80 --workouts 600 --weeks 8 --seed 42 --out $(DEMO)

## build: set up, make the demo data, `dbt build` into a copy of warehouse.duckdb, then publish it
## atomically (readers of warehouse.duckdb keep working meanwhile: recwarehouse/publish.py)
build: demo-data
	$(BIN)/python -m recwarehouse.publish build
	$(MAKE) --no-print-directory report
	@echo ""
	@echo "warehouse.duckdb is ready. Where to look next:"
	@echo "  source .venv/bin/activate"
	@echo "  python -c \"import duckdb; duckdb.connect('warehouse.duckdb', read_only=True).sql('select rank, trainer_name, trainer_specialities, round(score, 3) as score, reasons from marts.fct_trainer_recommendations where user_id = (select min(user_id) from marts.fct_trainer_recommendations) order by rank').show()\""
	@echo "  duckdb -readonly warehouse.duckdb      # the SQL shell (in .venv); README's tour has the first queries"
	@echo "  dbt docs generate && dbt docs serve    # the docs site: every model and column, lineage, charts"
	@echo "  assets/charts/*.png                    # the charts (make report redraws them)"

## report: draw the docs site's charts from warehouse.duckdb into assets/charts/ (an `asset-paths`
## folder: `dbt docs generate` copies it into the site, where model descriptions embed them)
report: setup
	$(BIN)/python -m recwarehouse.report --warehouse warehouse.duckdb --out assets/charts --truth $(DEMO)/truth

## docs-screenshots: the docs site as a static page, and a screenshot of each chart page (headless chromium)
docs-screenshots: report
	$(BIN)/dbt docs generate --static
	$(BIN)/python -m recwarehouse.report --screenshots assets/screenshots --site target/static_index.html

test-data: setup $(TEST_DATA)/_corruption.json
$(TEST_CLEAN)/_generator.json: $(GENERATOR) | $(STAMP)
	$(BIN)/python -m recwarehouse.demo.generate --users 300 --trainers 24 --workouts 120 --weeks 6 --seed 7 --out $(TEST_CLEAN)
$(TEST_DATA)/_corruption.json: $(TEST_CLEAN)/_generator.json
	$(BIN)/python -m recwarehouse.demo.corrupt --src $(TEST_CLEAN) --out $(TEST_DATA)

lint-python: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## sqlfluff renders models with the dbt templater against the test warehouse (target `test`), so
## run it after `warehouse-build`: generated columns (sp__*) then render as they really are. It
## renders against a copy (same file name: views name their catalog), as dbt opens the warehouse for
## writing and would lock the checks that read the test warehouse out of it while it lints
LINT_DB := $(CURDIR)/target/lint/$(notdir $(RECWAREHOUSE_TEST_DB))
lint-sql: setup
	mkdir -p $(dir $(LINT_DB)) && rm -f $(LINT_DB)
	if [ -f $(RECWAREHOUSE_TEST_DB) ]; then cp $(RECWAREHOUSE_TEST_DB) $(LINT_DB); fi
	RECWAREHOUSE_TEST_DB=$(LINT_DB) $(BIN)/sqlfluff lint models tests --processes $(RECWAREHOUSE_THREADS)

unit: setup
	$(BIN)/pytest -q -m "not warehouse and not spark"

## the warehouse on the small, deliberately corrupted test data
TEST_VARS_LIST := raw_data_path: $(TEST_DATA), reject_share_threshold: 0.25, exploration_rate: 0.2, min_candidates_per_user: 12, max_collaborative_candidates: 3, interactions_adapter: movielens_100k, interactions_path: $(MOVIELENS)
TEST_VARS := {$(TEST_VARS_LIST)}
warehouse-build: test-data
	rm -f $(RECWAREHOUSE_TEST_DB)
	$(BIN)/dbt build --target test --vars '$(TEST_VARS)'

## the same warehouse built again into its own file, everything on two threads (DuckDB's pool,
## dbt's nodes, the Python models' BLAS and LightGBM), so every parallel aggregate meets its rows in
## another order and every threaded fit runs on another thread count than the first build's (on
## `make test`'s half of the cores); the reproducibility check compares the two builds table by
## table (pytests/test_reproducible_warehouse.py). Its run artifacts go to their own folder, so the
## first build's artifacts/LATEST stays its own
export RECWAREHOUSE_TEST_AGAIN_DB ?= $(CURDIR)/test_warehouse_again.duckdb
reproducibility-build: test-data
	rm -f $(RECWAREHOUSE_TEST_AGAIN_DB)
	RECWAREHOUSE_TEST_DB=$(RECWAREHOUSE_TEST_AGAIN_DB) RECWAREHOUSE_THREADS=2 RECWAREHOUSE_SQL_THREADS=2 DBT_TARGET_PATH=target/test_again \
	  $(BIN)/dbt build --target test --exclude-resource-type test --exclude-resource-type unit_test \
	  --vars '{$(TEST_VARS_LIST), artifacts_path: $(CURDIR)/artifacts/test_again}'

## the interactions path on a small synthetic log with repeats, no ratings and text ids, with EASE
## pushed over its memory cap and the validation and test folds sampled (tuning_users,
## evaluation_users), into its own warehouse file: the paths MovieLens does not take; then the same
## log with every id relabelled (recwarehouse.demo.relabel), into another, that a test compares
$(TEST_INTERACTIONS)/interactions.parquet: recwarehouse/demo/interactions.py | $(STAMP)
	$(BIN)/python -m recwarehouse.demo.interactions --interactions 20000 --users 600 --items 400 --seed 11 --repeat-rate 0.2 --out $(TEST_INTERACTIONS)
$(TEST_INTERACTIONS_RELABELLED)/interactions.parquet: $(TEST_INTERACTIONS)/interactions.parquet recwarehouse/demo/relabel.py | $(STAMP)
	$(BIN)/python -m recwarehouse.demo.relabel --src $(TEST_INTERACTIONS) --out $(TEST_INTERACTIONS_RELABELLED) --seed 5
INTERACTIONS_TEST_VARS := ease_max_memory_mb: 0.5, tuning_users: 300, evaluation_users: 400
interactions-build: setup $(TEST_INTERACTIONS)/interactions.parquet $(TEST_INTERACTIONS_RELABELLED)/interactions.parquet
	rm -f $(RECWAREHOUSE_INTERACTIONS_TEST_DB) $(RECWAREHOUSE_INTERACTIONS_RELABELLED_DB)
	mkdir -p $(dir $(RECWAREHOUSE_INTERACTIONS_BUILD_LOG))
	RECWAREHOUSE_TEST_DB=$(RECWAREHOUSE_INTERACTIONS_TEST_DB) DBT_TARGET_PATH=target/test_interactions $(BIN)/dbt build --target test --select tag:interactions --vars '{interactions_adapter: parquet, interactions_path: $(TEST_INTERACTIONS), $(INTERACTIONS_TEST_VARS), artifacts_path: $(CURDIR)/artifacts/test_interactions}' \
	  > $(RECWAREHOUSE_INTERACTIONS_BUILD_LOG) 2>&1; status=$$?; cat $(RECWAREHOUSE_INTERACTIONS_BUILD_LOG); exit $$status
	RECWAREHOUSE_TEST_DB=$(RECWAREHOUSE_INTERACTIONS_RELABELLED_DB) DBT_TARGET_PATH=target/test_interactions_relabelled $(BIN)/dbt build --target test --select tag:interactions --exclude-resource-type test --exclude-resource-type unit_test \
	  --vars '{interactions_adapter: parquet, interactions_path: $(TEST_INTERACTIONS_RELABELLED), $(INTERACTIONS_TEST_VARS), artifacts_path: $(CURDIR)/artifacts/test_interactions_relabelled}'

## the docs-site test drives Debian's chromium through chromium-driver
system-deps-browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium and chromium-driver (the docs-site test opens the site in a real browser)"; \
	    apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "the docs-site test needs a browser: run 'sudo apt-get install chromium chromium-driver' (Debian/Ubuntu)"; exit 1; \
	  fi; \
	fi

## the pytest checks that read the test warehouses (all of them, one run)
warehouse-test: warehouse-build interactions-build reproducibility-build system-deps-browser
	$(MAKE) --no-print-directory warehouse-checks
warehouse-checks:
	$(BIN)/pytest -q -m warehouse

## test: every check. The system packages first, one at a time (apt holds a lock); then the checks
## as a graph of jobs, two at a time on half the cores each (RECWAREHOUSE_THREADS), so together
## they fill the machine without oversubscribing it. The Spark build needs only the test data, so
## it starts as soon as its environment is installed, beside the DuckDB builds; the checks that read
## a build wait for it (the edges under TEST_GRAPH), and run beside sqlfluff (which lints against a
## copy of the test warehouse). Each job's output is printed when it ends.
HALF_THREADS := $(shell n=$$(( $(RECWAREHOUSE_THREADS) / 2 )); [ $$n -ge 1 ] && echo $$n || echo 1)
GUARD_CHECKS := pytests/test_input_guards_warehouse.py pytests/test_staging_warehouse.py
LEAKAGE_CHECKS := pytests/test_leakage_warehouse.py
REPRODUCIBILITY_CHECKS := pytests/test_reproducible_warehouse.py
SITE_CHECKS := pytests/test_docs_site_warehouse.py pytests/test_source_freshness_warehouse.py
## `make test SPARK=no` leaves the Spark build and its equality check out (no Java, no .venv-spark):
## a quicker loop while working on the DuckDB side; CI runs everything (the benchmarks time the builds, docs/benchmarks.md)
SPARK ?= yes
SPARK_JOBS := $(if $(filter no,$(SPARK)),,spark-checks)
test: system-deps system-deps-browser $(if $(SPARK_JOBS),system-deps-java)
	@echo "the checks as a graph of jobs, two at a time on $(HALF_THREADS) thread(s) each (each prints when it ends)$(if $(SPARK_JOBS),, - without Spark (SPARK=no))"
	$(MAKE) --no-print-directory -j2 --output-sync=target RECWAREHOUSE_THREADS=$(HALF_THREADS) TEST_GRAPH=1 \
	  $(SPARK_JOBS) lint-python unit lint-sql warehouse-checks-guards warehouse-checks-leakage \
	  warehouse-checks-rest site-checks reproducibility-checks
ifeq ($(TEST_GRAPH),1)
lint-sql: warehouse-build
spark-checks warehouse-checks-guards warehouse-checks-leakage warehouse-checks-rest site-checks: warehouse-build
warehouse-checks-rest: interactions-build
reproducibility-checks: warehouse-build reproducibility-build
endif
warehouse-checks-guards: setup
	$(BIN)/pytest -q -m warehouse $(GUARD_CHECKS)
warehouse-checks-leakage: setup
	$(BIN)/pytest -q -m warehouse $(LEAKAGE_CHECKS)
warehouse-checks-rest: setup
	$(BIN)/pytest -q -m warehouse $(addprefix --ignore=,$(GUARD_CHECKS) $(LEAKAGE_CHECKS) $(SITE_CHECKS) $(REPRODUCIBILITY_CHECKS))
reproducibility-checks: setup
	$(BIN)/pytest -q -m warehouse $(REPRODUCIBILITY_CHECKS)
site-checks: setup system-deps-browser
	$(BIN)/pytest -q -m warehouse $(SITE_CHECKS)

## movielens: the bring-your-own interactions path on MovieLens 100K, read in place
movielens: setup
	$(BIN)/python -m recwarehouse.publish build --select tag:interactions --vars '{interactions_adapter: movielens_100k, interactions_path: $(MOVIELENS)}'
	$(BIN)/python bench/movielens.py

## backtest: serve the demo's weeks 4..8 under each mode into backtest.duckdb, print the outcomes
backtest: demo-data
	$(BIN)/python bench/backtest.py

## bench-scale: 1M / 3M / 10M events ladder, SQL vs pandas vs scan floor, one-week increment, retraining and not (~20 min)
bench-scale: setup
	$(BIN)/python bench/scale.py all

docs: setup
	$(BIN)/dbt docs generate

bench: demo-data
	$(BIN)/python bench/ranking_vs_oracle.py
	$(BIN)/python bench/cold_start_mmr.py

## lock: re-resolve the pins in pyproject.toml and rewrite requirements.lock
lock:
	rm -rf /tmp/recwarehouse-lock && $(PYTHON) -m venv /tmp/recwarehouse-lock
	/tmp/recwarehouse-lock/bin/pip install --quiet -e .
	( echo "# Exact pins for every package in the environment (pip freeze of a resolved install)."; \
	  echo "# Regenerate: make lock"; \
	  /tmp/recwarehouse-lock/bin/pip freeze --exclude-editable ) > requirements.lock

## ---- Apache Spark (issue 8): its own environment, so the DuckDB setup stays light ----
SPARK_VENV := .venv-spark
SPARK_BIN := $(SPARK_VENV)/bin
SPARK_STAMP := $(SPARK_VENV)/.installed
# the demo build and the test build keep separate metastores, so neither clobbers the other
SPARK_ENV = SPARK_LOCAL_IP=127.0.0.1 RECWAREHOUSE_PROJECT_DIR=$(CURDIR) DBT_TARGET_PATH=target/spark DBT_LOG_PATH=logs/spark
SPARK_DEV_DIR := $(CURDIR)/spark-warehouse/dev
SPARK_TEST_DIR := $(CURDIR)/spark-warehouse/test
SPARK_TEST_VARS = {$(TEST_VARS_LIST), artifacts_path: $(CURDIR)/artifacts/test_spark}

## setup-spark: .venv-spark with dbt-spark (method: session) and PySpark; needs Java 17+
setup-spark: system-deps-java $(SPARK_STAMP)
system-deps-java:
	@if ! command -v java >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Java 17 (needed by Spark)"; \
	    apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else \
	    echo "Spark needs Java 17+: run 'sudo apt-get install openjdk-17-jre-headless' (Debian/Ubuntu)"; exit 1; \
	  fi; \
	fi
## the Python models run in the dbt process on Spark's driver and in Spark's Python workers: both
## import this environment (the models' libraries, recwarehouse itself), and a .pth line registers
## the `session` submission method with dbt-spark (recwarehouse/spark/hook.py)
$(SPARK_STAMP): requirements-spark.lock pyproject.toml
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_BIN)/pip install --quiet --upgrade pip
	$(SPARK_BIN)/pip install --quiet -r requirements-spark.lock
	$(SPARK_BIN)/pip install --quiet --no-deps -e .
	echo "import recwarehouse.spark.hook" > "$$($(SPARK_BIN)/python -c 'import site; print(site.getsitepackages()[0])')/recwarehouse_spark_session.pth"
	touch $(SPARK_STAMP)

## build-spark: the warehouse on local Spark from the demo data (the Python models of the domains in
## macros/spark/python_stages_enabled.sql run there; the others are off)
build-spark: setup-spark demo-data
	$(SPARK_ENV) RECWAREHOUSE_SPARK_DIR=$(SPARK_DEV_DIR) $(SPARK_BIN)/dbt build --target spark

## test-spark: the SQL layer on local Spark from the test data, then the key tables compared with
## the DuckDB test warehouse row for row (built first when it is missing or older than the test data)
test-spark: setup-spark test-data
	@if [ ! $(RECWAREHOUSE_TEST_DB) -nt $(TEST_DATA)/_corruption.json ]; then $(MAKE) --no-print-directory warehouse-build; fi
	$(MAKE) --no-print-directory spark-checks
## the dbt unit tests (hand-computed cases) run on DuckDB in warehouse-build; on Spark the
## equality test compares every key table with DuckDB's row for row instead (62 s of Spark time saved)
spark-build: setup-spark test-data
	rm -rf $(SPARK_TEST_DIR)
	$(SPARK_ENV) RECWAREHOUSE_SPARK_DIR=$(SPARK_TEST_DIR) $(SPARK_BIN)/dbt build --target spark --vars '$(SPARK_TEST_VARS)' --exclude test_type:generic --exclude-resource-type unit_test
## (two pytest runs: the equality test's session holds the Derby metastore until its process ends)
spark-checks: spark-build
	$(SPARK_ENV) RECWAREHOUSE_SPARK_DIR=$(SPARK_TEST_DIR) $(SPARK_BIN)/pytest -q -m spark pytests/test_spark_equality.py
	$(SPARK_ENV) RECWAREHOUSE_SPARK_DIR=$(SPARK_TEST_DIR) RECWAREHOUSE_SPARK_TEST_VARS='$(SPARK_TEST_VARS)' \
	  $(SPARK_BIN)/pytest -q -m spark pytests/test_spark_failures.py

## ---- a real standalone Spark cluster on this machine (master and worker on 127.0.0.1) ----
SPARK_MASTER_URL := spark://127.0.0.1:7177
SPARK_CLUSTER_DIR := $(CURDIR)/spark-warehouse/cluster-test
SPARK_PYFILES := $(CURDIR)/dist/recwarehouse.zip
## spark-cluster-start / spark-cluster-stop: the master and one worker, from PySpark's spark-class
spark-cluster-start: setup-spark
	$(SPARK_BIN)/python -m recwarehouse.spark.cluster start --cores $(RECWAREHOUSE_THREADS)
spark-cluster-stop:
	@if [ -x $(SPARK_BIN)/python ]; then $(SPARK_BIN)/python -m recwarehouse.spark.cluster stop; fi
## test-spark-cluster: the test data built on the standalone cluster (the driver is the dbt process,
## the executors the worker's, the package shipped to them as a zip in spark.submit.pyFiles), then
## the same equality test against the DuckDB test warehouse, and a check that the executors import
## the shipped package; the cluster is stopped whatever happens
test-spark-cluster: setup-spark test-data
	@if [ ! $(RECWAREHOUSE_TEST_DB) -nt $(TEST_DATA)/_corruption.json ]; then $(MAKE) --no-print-directory warehouse-build; fi
	$(SPARK_BIN)/python -m recwarehouse.spark.cluster package --out $(SPARK_PYFILES)
	rm -rf $(SPARK_CLUSTER_DIR)
	$(MAKE) --no-print-directory spark-cluster-start
	status=0; \
	  $(SPARK_ENV) RECWAREHOUSE_SPARK_DIR=$(SPARK_CLUSTER_DIR) RECWAREHOUSE_SPARK_MASTER=$(SPARK_MASTER_URL) \
	    RECWAREHOUSE_SPARK_PYFILES=$(SPARK_PYFILES) $(SPARK_BIN)/dbt build --target spark --vars '$(SPARK_TEST_VARS)' \
	    --exclude test_type:generic --exclude-resource-type unit_test || status=$$?; \
	  if [ $$status = 0 ]; then $(SPARK_ENV) RECWAREHOUSE_SPARK_DIR=$(SPARK_CLUSTER_DIR) \
	    RECWAREHOUSE_SPARK_MASTER=$(SPARK_MASTER_URL) RECWAREHOUSE_SPARK_PYFILES=$(SPARK_PYFILES) \
	    $(SPARK_BIN)/pytest -q -m spark pytests/test_spark_equality.py || status=$$?; fi; \
	  $(MAKE) --no-print-directory spark-cluster-stop; exit $$status

## lock-spark: re-resolve the Spark environment and rewrite requirements-spark.lock
lock-spark:
	rm -rf /tmp/recwarehouse-lock-spark && $(PYTHON) -m venv /tmp/recwarehouse-lock-spark
	/tmp/recwarehouse-lock-spark/bin/pip install --quiet 'dbt-spark[session]==1.11.0' pyspark==4.0.1 \
	  $$(grep -E '^(dbt-core|duckdb|pandas|pyarrow|pytest|numpy|scikit-learn|lightgbm|scipy|threadpoolctl|implicit)==' requirements.lock)
	( sed -n '1,4p' requirements-spark.lock; /tmp/recwarehouse-lock-spark/bin/pip freeze ) > requirements-spark.lock.new
	mv requirements-spark.lock.new requirements-spark.lock

clean:
	rm -rf target logs data dist warehouse.duckdb test_warehouse.duckdb test_warehouse_again.duckdb $(VENV) $(SPARK_VENV) spark-warehouse
