"""The docs site in a real browser: draw the charts from the test warehouse, generate the site
(`dbt docs generate --static`), open each page that embeds a chart in headless Chromium (Debian's
`chromium` + `chromium-driver`, installed by `make test` when run as root) and check that every
embedded image loaded (non-zero natural size).

The site is generated in a scratch copy of the project (its own `assets/` and `target/`) from a
copy of the test warehouse, so neither the demo's charts nor the open test warehouse are touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recwarehouse.report import CHARTS, DOCS_PAGES, render

ROOT = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
PROJECT_PARTS = ["models", "macros", "tests", "seeds"]

IMAGES_JS = """
return Array.from(document.images)
  .filter(i => (i.getAttribute('src') || '').includes('assets/charts/'))
  .map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.naturalHeight]);
"""

pytestmark = pytest.mark.warehouse

# a contract table's page: the site shows each column's type (macros/source_catalog.sql)
CONTRACT_PAGES = ["source:platform.users"]


def test_every_page_listed_here_covers_every_chart() -> None:
    assert set(CHARTS) == {c for charts in DOCS_PAGES.values() for c in charts}


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory) -> Path:
    source_db = os.environ.get("RECWAREHOUSE_TEST_DB")
    if not source_db or not Path(source_db).exists():
        pytest.fail("no test warehouse: run `make test` (it builds one and sets RECWAREHOUSE_TEST_DB)")
    site = tmp_path_factory.mktemp("docs_site")
    shutil.copy(ROOT / "dbt_project.yml", site / "dbt_project.yml")
    for part in PROJECT_PARTS:
        (site / part).symlink_to(ROOT / part)
    db = site / Path(source_db).name  # the same file name: views name their catalog
    shutil.copy(source_db, db)
    status = render(db, site / "assets" / "charts", truth=ROOT / "data" / "test_clean" / "truth",
                    backtest_db=None, bench=ROOT / "bench" / "out")  # fmt: skip
    assert set(status) == set(CHARTS)
    # the test build ran these; the site must show them with real data
    for drawn in ["leaderboard", "ndcg_recall_by_k", "mmr_tradeoff", "exposure", "rejects"]:
        assert status[drawn] == "drawn", (drawn, status[drawn])
    env = {**os.environ, "RECWAREHOUSE_TEST_DB": str(db), "DBT_PROFILES_DIR": str(ROOT)}
    common = [
        "--target",
        "test",
        "--project-dir",
        str(site),
        "--log-path",
        str(site / "logs"),
        "--vars",
        "{interactions_adapter: movielens_100k, raw_data_path: " + str(ROOT / "data" / "test") + "}",
    ]
    # one command: the manifest holds every node's description; only the pages' models are
    # compiled and catalogued (the site needs descriptions, not compiled SQL)
    pages = [page.rsplit(".", 1)[1] for page in DOCS_PAGES if page.startswith("model/")]
    result = subprocess.run([DBT, "docs", "generate", "--static", "--select", *pages, *CONTRACT_PAGES, *common],
                            cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    index = site / "target" / "static_index.html"
    assert index.exists()
    for name in CHARTS:
        assert (site / "target" / "assets" / "charts" / f"{name}.png").stat().st_size > 0, name
    return index


@pytest.fixture(scope="module")
def browser():
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail(
            "the docs-site test needs Debian's chromium and chromium-driver: "
            "run `sudo apt-get install chromium chromium-driver` (make test installs them when run as root)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--allow-file-access-from-files", "--window-size=1400,1000"]:  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


@pytest.mark.parametrize("page", list(DOCS_PAGES))
def test_every_chart_on_the_page_loads_in_a_browser(docs_site: Path, browser, page: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{docs_site.as_uri()}#!/{page}")

    def loaded(driver):
        images = driver.execute_script(IMAGES_JS)
        shown = {Path(src).stem for src, *_ in images}
        return images if set(DOCS_PAGES[page]) <= shown and all(complete for _, complete, _, _ in images) else False

    try:
        images = WebDriverWait(browser, 30, poll_frequency=0.25).until(loaded)
    except Exception:  # the assertion below says what is missing
        images = browser.execute_script(IMAGES_JS)
    shown = {Path(src).stem: (width, height) for src, _, width, height in images}
    missing = sorted(set(DOCS_PAGES[page]) - set(shown))
    assert not missing, f"{page}: charts not on the page: {missing} (page shows {sorted(shown)})"
    broken = {name: size for name, size in shown.items() if min(size) <= 0}
    assert not broken, f"{page}: images that did not load (natural width, height): {broken}"


def test_a_contract_page_shows_each_columns_type(docs_site: Path, browser) -> None:
    """The source pages show the contract's types (the files are read in place, so the types
    come from each column's `data_type`): a list column is `VARCHAR[]` where users look."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{docs_site.as_uri()}#!/source/source.recwarehouse.platform.users")

    def types(driver):
        rows = driver.execute_script(
            "return Array.from(document.querySelectorAll('tr'))"
            ".map(r => Array.from(r.cells).map(c => c.innerText.trim()))"
        )
        found = {row[0]: row[1] for row in rows if len(row) >= 2}
        return found if "preferred_types" in found else False

    try:
        found = WebDriverWait(browser, 30, poll_frequency=0.25).until(types)
    except Exception:
        found = {}
    assert found.get("preferred_types") == "VARCHAR[]", found
    assert found.get("signup_at") == "TIMESTAMP", found
