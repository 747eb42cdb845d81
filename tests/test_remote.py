"""External stores: push the knowledge base into a real Oxigraph server and query it there."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.core import KnowledgeBase
from kb.query import named_queries
from kb.remote import ask_endpoint, push, query_endpoint


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _oxigraph() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    assert Path(found).exists(), (
        "the oxigraph server (PyPI package 'oxigraph') is a test dependency"
    )
    return found


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen(
        [
            _oxigraph(),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=2):
                break
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def pushed(built_kb, oxigraph_server: str) -> str:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = built_kb[0]
    sent = push(kb, f"{oxigraph_server}/store")
    assert set(sent) == {
        "https://w3id.org/policykb/id/graph/ontology",
        "https://w3id.org/policykb/id/graph/stated",
        "https://w3id.org/policykb/id/graph/alignment",
        "https://w3id.org/policykb/id/graph/inferred",
    }
    assert sum(sent.values()) == len(kb.store)
    return oxigraph_server


def _rows(result) -> list[tuple[str | None, ...]]:  # type: ignore[no-untyped-def]
    return sorted(tuple(row.get(v) or "" for v in result.variables) for row in result.values())


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_remote_every_named_query_answers_as_the_embedded_store(
    built_kb, pushed: str, name: str
) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = built_kb[0]
    local = kb.ask(name)
    remote = ask_endpoint(f"{pushed}/query", name)
    assert local.variables == remote.variables
    assert _rows(local) == _rows(remote)


def test_remote_bound_values_stay_values(pushed: str) -> None:
    hostile = '"} ; DROP ALL ; {"'
    assert (
        len(
            query_endpoint(
                f"{pushed}/query",
                "SELECT ?s ?t WHERE { ?s pk:text ?t . FILTER(CONTAINS(?t, ?term)) }",
                term=hostile,
            )
        )
        == 0
    )
    assert len(query_endpoint(f"{pushed}/query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")) == 1


@pytest.mark.parametrize(
    "update", ["DROP ALL", "CLEAR DEFAULT", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"]
)
def test_remote_updates_are_never_sent(pushed: str, update: str) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = query_endpoint(f"{pushed}/query", count).values()
    result = CliRunner().invoke(main, ["query", "--endpoint", f"{pushed}/update", "-e", update])
    assert result.exit_code == 2 and "only SELECT queries are sent" in result.output
    assert query_endpoint(f"{pushed}/query", count).values() == before


def test_remote_cli_query_and_push_into_one_graph(built_kb, oxigraph_server: str) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    graph = "https://example.org/policykb"
    result = runner.invoke(
        main,
        [
            "push",
            "--kb",
            str(built_kb[2]),
            "--endpoint",
            f"{oxigraph_server}/store",
            "--graph",
            graph,
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main,
        [
            "query",
            "--kb",
            str(built_kb[2]),
            "--endpoint",
            f"{oxigraph_server}/query",
            "-e",
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?n a pk:Prohibition }} }}",
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    assert int(result.output.splitlines()[1]) > 10


def test_remote_unreachable_endpoint_is_one_line(built_kb) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        main, ["ask", "prohibitions", "--endpoint", f"http://127.0.0.1:{_free_port()}/query"]
    )
    assert result.exit_code == 2 and "the query failed" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["push", "--endpoint", "not a url"],
        ["query", "--endpoint", "ftp://127.0.0.1/query", "-e", "SELECT * WHERE { ?s ?p ?o }"],
    ],
)
def test_remote_an_endpoint_that_is_no_http_url_is_one_line(built_kb, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, [*args, "--kb", str(built_kb[2])])
    assert result.exit_code == 2 and "not an http(s) URL" in result.output


def test_remote_substitution_in_group_by_keeps_the_query_valid() -> None:
    import pyoxigraph as ox

    from kb.remote import substitute

    sparql = """SELECT ?s (COUNT(?o) AS ?n) ?g WHERE {
      ?s ?p ?o . ?s <http://x/in> ?g .
      { SELECT ?x (MAX(?y) AS ?m) WHERE { ?x ?q ?y } GROUP BY ?x }
    } GROUP BY ?s ?g ORDER BY ?s"""
    text = substitute(sparql, {"g": ox.NamedNode("http://x/g"), "s": ox.NamedNode("http://x/a")})
    assert "GROUP BY (<http://x/a>) (<http://x/g>)" in text  # the query's own GROUP BY
    assert "GROUP BY ?x }" in text  # a subquery's is left alone
    assert text.endswith("ORDER BY (<http://x/a>)")
    store = ox.Store()
    store.add(
        ox.Quad(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/in"), ox.NamedNode("http://x/g"))
    )
    rows = list(store.query(text))
    assert [(r["s"], r["n"], r["g"]) for r in rows] == [
        (
            ox.NamedNode("http://x/a"),
            ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            ox.NamedNode("http://x/g"),
        )
    ]
