"""The researchers' web page, end to end in headless Chromium (Debian's, driven by Playwright)
against a real `policykb serve` on 127.0.0.1. Screenshots of each view go to
`tests/screenshots/` (ignored by git)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import serving

CHROMIUM = os.environ.get("POLICYKB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).parent / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"no Chromium at {CHROMIUM}; .ci/run installs Debian's chromium")
    pytest.skip(
        "no Chromium here: apt-get install chromium (as .ci/run does)", allow_module_level=True
    )

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def site(built_kb) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serving(built_kb[2]) as url:
        yield url.removesuffix("/query")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.console_errors = []
    page.on(
        "console",
        lambda m: page.console_errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    assert page.console_errors == [], page.console_errors
    page.close()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_headline_query_then_its_source_span(site: str, page: Any) -> None:
    page.goto(site + "/")
    page.wait_for_selector("#named option", state="attached")
    assert page.locator(".CodeMirror").count() == 1  # the vendored editor, no CDN
    page.select_option("#named", "who_reports_problems_of_top_leader")
    page.click("#ask")
    page.wait_for_selector("table.results tbody tr")
    table = page.inner_text("table.results")
    assert "领导班子成员" in table and "上级党组织" in table
    assert "https://w3id.org" not in table  # labels, not IRIs
    assert page.locator("#dl-csv").count() == 1 and page.locator("#dl-json").count() == 1
    _shot(page, "query")

    row = page.locator("table.results tbody tr", has_text="上级党组织").first
    link = row.locator("a.quote")
    quote = link.inner_text()
    link.click()
    page.wait_for_selector("#highlight")
    mark = page.locator("#highlight")
    assert "".join(mark.inner_text().split()) == "".join(quote.split())
    assert mark.is_visible()
    box = mark.bounding_box()
    source_box = page.locator("#source").bounding_box()
    assert box is not None and source_box is not None
    assert source_box["y"] <= box["y"] <= source_box["y"] + source_box["height"]  # scrolled to
    assert "›" in page.inner_text(".crumbs")
    _shot(page, "resource")


def _run_in_editor(site: str, page: Any, query: str) -> None:
    """Open the query view, put QUERY in the SPARQL editor and run it."""
    page.goto(site + "/")
    page.wait_for_selector("#named option", state="attached")
    page.evaluate(f"document.querySelector('.CodeMirror').CodeMirror.setValue({query!r})")
    page.click("#runFree")


def test_free_sparql_runs_from_the_editor(site: str, page: Any) -> None:
    _run_in_editor(site, page, "SELECT ?n WHERE { ?n a pk:Prohibition } LIMIT 3")
    page.wait_for_selector("table.results tbody tr")
    assert page.locator("table.results tbody tr").count() == 3


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("ASK { ?n a pk:Prohibition }", "ASK: 是"),
        ("CONSTRUCT { ?n a pk:Prohibition } WHERE { ?n a pk:Prohibition } LIMIT 1", "Prohibition"),
    ],
)
def test_free_sparql_shows_ask_and_construct_answers(
    site: str, page: Any, query: str, shown: str
) -> None:
    _run_in_editor(site, page, query)
    page.wait_for_function(f"document.querySelector('#results').innerText.includes({shown!r})")
    assert page.locator("#downloads a").count() == 0  # no stale download of an earlier table


def test_a_late_answer_does_not_replace_a_newer_view(site: str, page: Any) -> None:
    """A slow query's answer, arriving after the reader has moved on, is dropped."""
    _run_in_editor(site, page, "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    page.goto(site + "/#/crosscheck")
    page.wait_for_selector("#cc-doc option", state="attached")
    page.wait_for_function("document.querySelector('#status').textContent === ''", timeout=30000)
    assert page.locator("#cc-doc").count() == 1 and page.locator("#results").count() == 0
    # The browser logs the dropped answer's 504 itself; the page raised nothing.
    page.console_errors[:] = [e for e in page.console_errors if "504" not in e]


def test_crosscheck_view_shows_the_matrix(site: str, page: Any) -> None:
    page.goto(site + "/#/crosscheck")
    page.wait_for_selector("#cc-doc option", state="attached")
    page.select_option("#cc-doc", "guangzhou-2021-baxiang-cuoshi")
    page.click("#cc-run")
    page.wait_for_selector("#matrix tr[data-provision]")
    assert page.locator("#matrix tr[data-provision]").count() == 26
    assert page.locator("#matrix tr.none").count() >= 1
    page.locator("#matrix details summary").first.click()
    assert page.locator("#matrix details[open] blockquote").first.is_visible()
    # Vocabulary links open the resource view; only actor classes open the actor view.
    assert page.locator('a[href^="#/actor"][href*="Permission"]').count() == 0
    _shot(page, "crosscheck")


def test_actor_view_draws_its_graph(site: str, page: Any) -> None:
    page.goto(site + "/#/actor?iri=https%3A%2F%2Fw3id.org%2Fpolicykb%2Fontology%23TopLeader")
    page.wait_for_selector("#actor-graph")
    assert page.locator("#actor-graph line").count() >= 1
    assert page.locator("#actor-norms tr").count() >= 5
    _shot(page, "actor")
    # Another actor, chosen by its label.
    page.select_option("#actor-pick", label="纪委书记")
    page.wait_for_function("location.hash.includes('DisciplineCommissionSecretary')")
    page.wait_for_function(
        "document.querySelector('h2') && document.querySelector('h2').innerText === '纪委书记'"
    )
    assert page.locator("#actor-norms tr").count() >= 1


def test_english_is_a_click_away(site: str, page: Any) -> None:
    page.goto(site + "/")
    page.wait_for_selector("#named option", state="attached")
    page.click("#lang")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.wait_for_selector("#ask")
    assert page.inner_text("#ask") == "Ask"
    page.evaluate("localStorage.clear()")


def test_crosscheck_of_an_uploaded_file(site: str, page: Any, tmp_path: Path) -> None:
    path = tmp_path / "规定.txt"
    path.write_text(
        "关于加强对一把手监督的若干规定\n\n"
        "一、领导班子成员发现一把手存在问题的，可以向上级党组织报告。\n"
        "二、纪委书记发现同级党委主要负责人存在问题的，可以向上级纪委报告。\n",
        encoding="utf-8",
    )
    page.goto(site + "/#/crosscheck")
    page.wait_for_selector("#cc-doc option", state="attached")
    page.set_input_files("#cc-file", str(path))
    page.wait_for_selector("#matrix tr[data-provision]")
    assert "规定.txt" in page.inner_text("#cc-counts")
    row = page.locator('#matrix tr[data-provision="provision/14"]')
    assert "偏离" in row.inner_text()  # departs, in the page's language
    assert "二、 可以向上级纪委报告" in row.inner_text()  # where in the drafter's text


def test_crosscheck_lists_the_measures_that_extend(site: str, page: Any) -> None:
    """A measure with no central counterpart has no row in the matrix: it is listed below it."""
    page.goto(site + "/#/crosscheck")
    page.wait_for_selector("#cc-doc option", state="attached")
    page.select_option("#cc-doc", "guangzhou-2020-ruogan-cuoshi")
    page.click("#cc-run")
    page.wait_for_selector("#matrix tr[data-provision]")
    counts = page.inner_text("#cc-counts")
    extending = int(counts.split("拓展")[1].split(",")[0].strip())
    assert extending >= 1
    assert page.locator("#cc-extends details").count() == extending
