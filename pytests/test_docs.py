"""The README and the guides in docs/ as a user meets them: the pages made from the project's
files are current, every link resolves, every SQL query runs against the test warehouse and
returns rows, every shell command names something that exists (a make target, a module, a script,
the project's vars) and the ones that open the warehouse run as written, and the README's figures
are the ones the benchmarks last wrote to bench/results/. (`make build`, `make test` and the
benchmarks themselves run in CI and write those results; a test cannot run them.)"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest
import yaml

from recwarehouse.docs_pages import PAGES

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_generated_pages_are_current() -> None:
    for page, make in PAGES.items():
        assert (ROOT / page).read_text() == make(ROOT), f"{page} is out of date: python -m recwarehouse.docs_pages"


def test_every_link_between_the_docs_resolves() -> None:
    checked = 0
    for doc in DOCS:
        text = re.sub(r"```.*?```", "", doc.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+://", target):
                continue
            path, _, anchor = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            assert file.exists(), f"{doc.name}: link to {target}: no such file"
            if anchor and file.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", file.read_text(), re.M)
                assert anchor in {_slug(h) for h in headings}, f"{doc.name}: link to {target}: no such heading"
            checked += 1
    assert checked > 20


def test_the_readme_is_a_front_door() -> None:
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    for section in (
        "The two commands",
        "A five-minute tour",
        "Your own data in five steps",
        "Headline figures",
        "Guides",
    ):
        assert f"## {section}" in text, section
    for guide in (
        "platform-data",
        "interactions",
        "how-it-decides",
        "configuration",
        "operating",
        "spark",
        "benchmarks",
    ):
        assert f"(docs/{guide}.md" in text, guide


def test_the_readme_figures_are_the_last_measured() -> None:
    """Each row of the headline table names the benchmark that measures it; every number in its
    figure is in the table that benchmark last wrote."""
    text = (ROOT / "README.md").read_text()
    table = text.split("## Headline figures", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`python bench/" in line]
    assert len(rows) >= 3
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        name = re.search(r"python bench/(\w+)\.py", cells[2]).group(1)
        result = ROOT / "bench" / "results" / f"{name}.md"
        assert result.exists(), f"{cells[0]}: no bench/results/{name}.md: run python bench/{name}.py"
        numbers = re.findall(r"\d+(?:\.\d+)?", cells[1])
        assert numbers, cells
        measured = result.read_text()
        for number in numbers:
            assert re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", measured), (
                f"README says {number} for {cells[0]!r}, bench/results/{name}.md does not"
            )


def _statements() -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        for block in _blocks(doc.read_text(), "sql"):
            for statement in block.split(";"):
                code = [line for line in statement.splitlines() if line.strip() and not line.strip().startswith("--")]
                if code:
                    out.append((doc.name, statement.strip()))
    return out


@pytest.mark.warehouse
@pytest.mark.parametrize("doc, statement", _statements(), ids=lambda value: value.split("\n")[0][:60])
def test_every_query_in_the_docs_runs_and_returns_rows(warehouse, doc, statement) -> None:
    """Against the test warehouse; a query the text says may be empty is marked so."""
    rows = warehouse.sql(statement).fetchall()
    if "-- may return no rows" not in statement:
        assert rows, f"{doc}: returns no rows: {statement[:200]}"


def _commands() -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        for block in _blocks(doc.read_text(), "bash"):
            pending = ""
            for line in re.sub(r"\\\n\s*", " ", block).splitlines():
                pending += ("\n" if pending else "") + line
                try:  # a quoted text may go on over lines
                    shlex.split(pending, comments=True)
                except ValueError:
                    continue
                command = " ".join(shlex.join([w]) for w in shlex.split(pending, comments=True))
                pending = ""
                if command:
                    out.append((doc.name, command))
    return out


PROJECT_VARS = set(yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"])
MAKE_TARGETS = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))


@pytest.mark.parametrize("doc, command", _commands(), ids=lambda value: value[:60])
def test_every_shell_command_in_the_docs_names_what_exists(doc, command) -> None:
    """A make target of the Makefile, a module of the package with its --help, a bench script, the
    DuckDB CLI of the setup, dbt with the project's own vars."""
    words = shlex.split(command.replace("$PWD", str(ROOT)))
    while words and re.match(r"^[A-Z_]+=", words[0]):  # environment settings before the command
        words = words[1:]
    program = words[0]
    if program == "make":
        assert words[1] in MAKE_TARGETS, f"{doc}: no make target {words[1]}"
    elif program == "source":
        assert (ROOT / words[1]).name == "activate"
    elif program.endswith("python") or program.endswith("python3"):
        if words[1] == "-m":
            assert importlib.util.find_spec(words[2]) is not None, f"{doc}: no module {words[2]}"
        elif words[1] == "-c":
            compile(words[2], "<doc>", "exec")
        else:
            assert (ROOT / words[1]).exists(), f"{doc}: no script {words[1]}"
    elif program.endswith("duckdb"):
        assert program in ("duckdb", ".venv/bin/duckdb") and (ROOT / ".venv" / "bin" / "duckdb").exists(), (
            f"{doc}: the setup installs the DuckDB CLI as .venv/bin/duckdb"
        )
    elif program.endswith("dbt"):
        if "--vars" in words:
            given = yaml.safe_load(words[words.index("--vars") + 1])
            assert set(given) <= PROJECT_VARS, f"{doc}: vars {set(given) - PROJECT_VARS} are not the project's"
    else:
        pytest.fail(f"{doc}: a command this test does not know: {command}")


@pytest.mark.warehouse
def test_the_marts_folder_lists_every_table_of_the_marts_schema(warehouse, tmp_path) -> None:
    """`dbt ls --select marts` (the folder) names exactly the tables of the `marts` schema, SQL and
    Python models alike: the folders mirror the schemas."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs")}
    listed = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "ls", "--select", "marts", "--resource-type", "model",
         "--output", "name", "--quiet", "--target", "test", "--vars", "{interactions_adapter: movielens_100k}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stdout[-2000:]
    tables = {
        row[0] for row in warehouse.sql("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
    }
    assert set(listed.stdout.split()) == tables


@pytest.mark.warehouse
def test_the_sql_face_commands_of_the_docs_run(tmp_path) -> None:
    """The commands that open the warehouse (the DuckDB CLI of the setup, the Python one-liner)
    and the CLI's copy of a CSV log run as written, in a folder holding a copy of the test
    warehouse as warehouse.duckdb and a small orders.csv."""
    import os
    import shutil
    import subprocess

    source = os.environ.get("RECWAREHOUSE_TEST_DB")
    if not source or not Path(source).exists():
        pytest.fail("no test warehouse: run `make test` (it builds one and sets RECWAREHOUSE_TEST_DB)")
    shutil.copy(source, tmp_path / "warehouse.duckdb")
    (tmp_path / "orders.csv").write_text(
        "customer,sku,ts,qty\nc1,s1,2026-01-05 10:00:00,2\nc2,s1,2026-01-06 11:00:00,1\n"
    )
    (tmp_path / "mylog").mkdir()
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    ran = 0
    for doc, command in _commands():
        words = shlex.split(command)
        if not (words[0].endswith("duckdb") or (words[0].endswith("python") and words[1] == "-c")):
            continue
        words[0] = str(ROOT / ".venv" / "bin" / Path(words[0]).name)
        result = subprocess.run(words, cwd=tmp_path, input="select 42;\n", capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{doc}: {command}\n{result.stdout[-1000:]}{result.stderr[-1000:]}"
        ran += 1
    assert ran >= 3
    assert (tmp_path / "mylog" / "interactions.parquet").exists()


@pytest.mark.warehouse
def test_every_make_dbt_and_script_command_of_the_docs_runs_dry(tmp_path) -> None:
    """What a test cannot run for real, it runs dry: each `dbt` command as `dbt ls` with the same
    selection, vars and target (so a selector or a var that does not parse fails here), each bench
    script and CLI module with `--help`. (`make` targets are checked to exist above: `make -n`
    still runs a recipe line that calls make again, so it is no dry run.)"""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs")}
    bin_dir = Path(sys.executable).parent
    checked = 0
    for doc, command in _commands():
        words = shlex.split(command.replace("$PWD", str(ROOT)))
        while words and re.match(r"^[A-Z_]+=", words[0]):
            words = words[1:]
        program = words[0]
        if program == "dbt":
            options = []
            for flag in ("--select", "--vars", "--target"):
                if flag in words:
                    options += [flag, words[words.index(flag) + 1]]
            if "--target" not in options:
                options += ["--target", "test"]
            if "spark" in options:
                continue  # the Spark environment has its own checks (make test-spark)
            run = [str(bin_dir / "dbt"), "ls", "--quiet", *options]
        elif program.endswith("python") and words[1] != "-c" and words[1:3] != ["-m", "recwarehouse.publish"]:
            run = [str(bin_dir / "python"), *words[1:3], "--help"] if words[1] == "-m" else [
                str(bin_dir / "python"), words[1], "--help"]  # fmt: skip
        else:
            continue
        result = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{doc}: {command}\n{result.stdout[-1500:]}{result.stderr[-1500:]}"
        checked += 1
    assert checked >= 4
