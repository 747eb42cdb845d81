"""The SPARQL endpoint: a real server process on 127.0.0.1, queried with SPARQLWrapper."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from .conftest import REPO_DIR, serving

PREFIX = "PREFIX pk: <https://w3id.org/policykb/ontology#>\n"


@pytest.fixture(scope="module")
def endpoint(built_kb) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serving(built_kb[2], "--timeout", "3") as url:
        yield url


def _client(url: str, query: str, fmt: str = JSON) -> SPARQLWrapper:
    client = SPARQLWrapper(url)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setTimeout(30)
    return client


def test_web_select_json_and_csv(endpoint: str) -> None:
    query = PREFIX + "SELECT ?n WHERE { ?n a pk:Permission ; pk:provision ?p } ORDER BY ?n"
    rows = _client(endpoint, query).queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert any("/provision/8/" in r["n"]["value"] for r in rows)
    csv_text = _client(endpoint, query, CSV).queryAndConvert()
    assert csv_text.decode("utf-8").splitlines()[0] == "n"  # type: ignore[union-attr]


def test_web_headline_question_by_post(endpoint: str) -> None:
    client = _client(
        endpoint,
        PREFIX
        + """SELECT ?r WHERE { ?n a pk:Permission ; pk:bearer pk:LeadershipMember ; pk:recipient ?r ;
                 pk:condition/pk:aboutActor pk:TopLeader }""",
    )
    client.setMethod(POST)
    client.setRequestMethod(POSTDIRECTLY)
    rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert {r["r"]["value"] for r in rows} == {
        "https://w3id.org/policykb/ontology#SuperiorPartyOrganization"
    }


def test_web_construct_and_ask(endpoint: str) -> None:
    graph = _client(
        endpoint,
        PREFIX + "CONSTRUCT { ?n a pk:Prohibition } WHERE { ?n a pk:Prohibition } LIMIT 3",
        TURTLE,
    ).queryAndConvert()
    assert b"Prohibition" in graph  # type: ignore[operator]
    answer = _client(endpoint, PREFIX + "ASK { ?n a pk:Norm }").queryAndConvert()
    assert answer["boolean"] is True  # type: ignore[index]


def test_web_updates_are_refused(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    client.setMethod(POST)
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)) as refused:
        client.query()
    assert "403" in str(refused.value)
    request = urllib.request.Request(
        endpoint,
        data=b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        headers={"Content-Type": "application/sparql-update"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 403
    body = json.loads(info.value.read())
    assert (
        set(body) == {"ok", "error", "errors", "status"}
        and body["ok"] is False
        and body["status"] == 403
    )


def test_web_service_calls_are_refused_and_the_workers_stay(endpoint: str) -> None:
    """SERVICE would make the server send requests to any address a client names: refused
    with 403, every time, and the server goes on answering."""
    federated = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"
    for _ in range(4):  # more than the server's workers
        url = endpoint + "?" + urllib.parse.urlencode({"query": federated})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url, timeout=30)
        assert info.value.code == 403
        assert "SERVICE" in json.loads(info.value.read())["error"]
    answer = _client(endpoint, PREFIX + "ASK { ?n a pk:Norm }").queryAndConvert()
    assert answer["boolean"] is True  # type: ignore[index]


@pytest.mark.parametrize(
    ("suffix", "headers"), [("&format=pdf", {}), ("", {"Accept": "image/png"})]
)
def test_web_a_format_it_cannot_make_is_406(
    endpoint: str, suffix: str, headers: dict[str, str]
) -> None:
    url = endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"}) + suffix
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30)
    assert info.value.code == 406 and "json" in json.loads(info.value.read())["error"]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_web_other_methods_get_a_json_405(endpoint: str, method: str) -> None:
    request = urllib.request.Request(endpoint, data=b"x", method=method)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 405
    assert json.loads(info.value.read())["status"] == 405


def test_web_a_bad_content_length_is_400(endpoint: str) -> None:
    import http.client

    parsed = urllib.parse.urlparse(endpoint)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    connection.putrequest("POST", "/query")
    connection.putheader("Content-Length", "abc")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 400 and "Content-Length" in json.loads(response.read())["error"]
    connection.close()


def test_web_malformed_query_is_400_with_the_parser_message(endpoint: str) -> None:
    with pytest.raises(QueryBadFormed) as info:
        _client(endpoint, "SELECT ?x WHERE { ?x ").query()
    assert "error at 1:" in str(info.value)


def test_web_runaway_query_is_stopped_while_others_are_answered(endpoint: str) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.perf_counter()
        try:
            _client(endpoint, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }").query()
        except urllib.error.HTTPError as exc:  # SPARQLWrapper re-raises some codes as-is
            outcome["status"] = exc.code
        except SPARQLWrapperException as exc:
            outcome["status"] = str(exc)
        outcome["seconds"] = time.perf_counter() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    answered = _client(
        endpoint, PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?x a pk:Prohibition }"
    ).queryAndConvert()
    assert int(answered["results"]["bindings"][0]["n"]["value"]) > 0  # type: ignore[index]
    thread.join(60)
    assert "504" in str(outcome["status"]) and float(outcome["seconds"]) < 30  # type: ignore[arg-type]
    # The worker was replaced: the endpoint still answers.
    assert _client(endpoint, PREFIX + "ASK { ?n a pk:Norm }").queryAndConvert()["boolean"] is True  # type: ignore[index]


def test_web_oversized_body_health_and_cors(endpoint: str) -> None:
    big = urllib.request.Request(
        endpoint,
        data=b"query=" + b"x" * 2_000_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(big, timeout=30)
    assert info.value.code == 413
    health_url = endpoint.replace("/query", "/health")
    with urllib.request.urlopen(health_url, timeout=30) as response:
        assert json.loads(response.read())["ok"] is True
    with urllib.request.urlopen(endpoint + "?query=ASK%7B%7D", timeout=30) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_web_binds_loopback_by_default() -> None:
    from click.testing import CliRunner

    from kb.cli import main

    result = CliRunner().invoke(main, ["serve", "--help"])
    assert "127.0.0.1" in result.output


def test_web_a_build_while_serving_does_not_disturb_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from kb.store import build

    # A small corpus first: the 意见 alone (with its interpretation, which shares its file).
    small = tmp_path / "small-corpus"
    small.mkdir()
    for name in (
        "zhongyang-2021-yijian.toml",
        "renmin-2021-yijian-jiedu.toml",
        "zhongyang-2021-yijian.txt",
    ):
        shutil.copy(REPO_DIR / "corpus" / name, small / name)
    kb_dir = tmp_path / "kb"
    build(kb_dir, corpus_root=small, progress=False)
    count = PREFIX + "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a pk:Document }"

    with serving(kb_dir) as url:

        def documents() -> int:
            rows = _client(url, count).queryAndConvert()["results"]["bindings"]  # type: ignore[index]
            return int(rows[0]["n"]["value"])

        assert documents() == 2
        rebuild = subprocess.Popen(
            [sys.executable, "-m", "kb", "build", "--kb", str(kb_dir), "--no-progress"],
            cwd=REPO_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        answers = []
        while rebuild.poll() is None:
            answers.append(documents())  # every query during the build is answered
            time.sleep(0.2)
        assert rebuild.returncode == 0
        assert set(answers) <= {2, 10}
        assert documents() == 10  # after the swap: the new knowledge base


def test_web_content_negotiation(endpoint: str) -> None:
    select = urllib.parse.quote(PREFIX + "SELECT ?n WHERE { ?n a pk:Permission } LIMIT 1")
    for accept, marker in (
        ("application/sparql-results+xml", b"<sparql"),
        ("text/tab-separated-values", b"?n"),
        ("application/sparql-results+json", b'"bindings"'),
    ):
        request = urllib.request.Request(f"{endpoint}?query={select}", headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Content-Type"].startswith(accept.split(";")[0])
            assert marker in response.read()
    construct = urllib.parse.quote(
        PREFIX + "CONSTRUCT { ?n a pk:Permission } WHERE { ?n a pk:Permission }"
    )
    for fmt, marker in (
        ("jsonld", b"@id"),
        ("ntriples", b"> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <"),
    ):
        with urllib.request.urlopen(
            f"{endpoint}?query={construct}&format={fmt}", timeout=30
        ) as response:
            assert marker in response.read()


def test_web_results_over_the_cap_are_refused(built_kb) -> None:  # type: ignore[no-untyped-def]
    with serving(built_kb[2], "--max-result-bytes", "2000") as url:
        big = urllib.parse.quote(PREFIX + "SELECT ?t WHERE { ?s pk:text ?t }")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{url}?query={big}", timeout=60)
        assert info.value.code == 413 and b"LIMIT" in info.value.read()
        small = urllib.parse.quote(PREFIX + "SELECT ?t WHERE { ?s pk:text ?t } LIMIT 1")
        with urllib.request.urlopen(f"{url}?query={small}", timeout=60) as response:
            assert response.status == 200


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/api/resource?iri=bad%20iri", 400, "is not an IRI"),
        ("/api/ask?name=no_such_query", 400, "no named query"),
        ("/api/ask?name=duties_of_actor&p.actor=%3Chttp%3A%2F%2Fx%3E%20%7D%20DROP", 400, "IRI"),
        ("/api/ask?name=duties_of_actor&p.nosuch=1", 400, "has no parameter nosuch"),
        ("/api/resource", 400, "missing the 'iri' parameter"),
        ("/api/nothing", 404, "no such API call"),
        ("/static/..%2F..%2Fpyproject.toml", 404, "no such file"),
        ("/api/crosscheck?local=no-such-rule", 404, "no local rule"),
        ("/api/crosscheck?local=%2Fetc%2Fhostname.txt", 404, "no local rule"),
        ("/api/crosscheck?local=README.md", 404, "no local rule"),
    ],
)
def test_web_api_refuses_bad_input_with_one_message(
    endpoint: str, path: str, status: int, says: str
) -> None:
    base = endpoint.removesuffix("/query")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(base + path, timeout=30)
    assert caught.value.code == status
    assert says in json.loads(caught.value.read())["error"]


def test_web_api_answers_the_headline_named_query(endpoint: str) -> None:
    base = endpoint.removesuffix("/query")
    url = base + "/api/ask?name=who_reports_problems_of_top_leader"
    with urllib.request.urlopen(url, timeout=30) as response:
        rows = json.loads(response.read())["results"]["bindings"]
    pairs = {(r["member"]["value"].rsplit("#")[-1], r["recipientText"]["value"]) for r in rows}
    assert ("LeadershipMember", "上级党组织") in pairs


def test_web_answers_from_disk_and_from_memory_alike(built_kb, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    query = PREFIX + "SELECT ?n ?r WHERE { ?n pk:recipient ?r } ORDER BY ?n ?r"
    with serving(built_kb[2], "--memory-quads", "0") as on_disk:
        rows = _client(on_disk, query).queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert rows and rows == _client(endpoint, query).queryAndConvert()["results"]["bindings"]  # type: ignore[index]


def _upload(endpoint: str, name: str, data: bytes) -> tuple[int, dict]:  # type: ignore[type-arg]
    base = endpoint.removesuffix("/query")
    request = urllib.request.Request(
        base + "/api/crosscheck",
        data=data,
        headers={"X-Filename": urllib.parse.quote(name)},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_web_an_upload_too_long_for_the_page_is_413(endpoint: str) -> None:
    text = ("纪委书记应当每年向同级党委报告履职情况。\n" * 6000).encode(
        "utf-8"
    )  # 126,000 characters
    status, body = _upload(endpoint, "长文.txt", text)
    assert status == 413 and "over the page's limit" in body["error"]


def test_web_an_unreadable_upload_is_named_as_the_user_named_it(endpoint: str) -> None:
    status, body = _upload(endpoint, "办法.txt", "纪委书记应当报告。".encode("gbk"))
    assert status == 400 and body["error"].startswith("办法.txt: is not UTF-8")
    assert "/tmp" not in body["error"] and "upload" not in body["error"]
    assert "办法.utf8.txt" in body["error"]
