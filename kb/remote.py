"""External SPARQL 1.1 endpoints: run queries there (SPARQLWrapper) and push the knowledge base
(Graph Store Protocol, or SPARQL Update where a store lacks it).

Values reach a remote query only as escaped RDF terms standing for the variables they bind, as
SPARQL substitution does: the same safety the embedded store gets from pyoxigraph's
`substitutions`.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pyoxigraph as ox

from kb.core import PREFIX_MAP, KnowledgeBase
from kb.errors import KBError
from kb.query import QueryResult, get_named_query, to_term
from kb.store import ALIGNMENT_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, STATED_GRAPH

GRAPHS = (ONTOLOGY_GRAPH, STATED_GRAPH, ALIGNMENT_GRAPH, INFERRED_GRAPH)
UPDATE_CHUNK = 5_000


class EndpointError(KBError):
    """A remote endpoint refused or failed; the message names it and its answer."""


def _prefixes() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIX_MAP.items())


def substitute(sparql: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """Replace each bound variable by its escaped term, as SPARQL substitution (SEP-0007) does.

    In the projection `?x` becomes `(TERM AS ?x)`; everywhere else the term stands for the
    variable. Terms are written by pyoxigraph in N-Triples syntax, so quotes and braces inside a
    value stay inside its literal.
    """
    if not bindings:
        return sparql
    text = "\n".join(line for line in sparql.splitlines() if not line.lstrip().startswith("#"))
    match = re.search(r"\bWHERE\b", text, flags=re.IGNORECASE)
    head, body = (text[: match.start()], text[match.start() :]) if match else ("", text)
    # In the query's own solution modifiers (GROUP BY, HAVING, ORDER BY: outside every brace, so
    # not a subquery's) a condition may be an expression in parentheses but not a bare term.
    split = next(
        (
            m.start()
            for m in re.finditer(r"\b(?:GROUP\s+BY|HAVING|ORDER\s+BY)\b", body, flags=re.IGNORECASE)
            if body.count("{", 0, m.start()) == body.count("}", 0, m.start())
        ),
        len(body),
    )
    pattern_part, modifiers = body[:split], body[split:]
    for name, term in bindings.items():
        pattern = re.compile(rf"[?$]{re.escape(name)}\b")
        value = str(term)
        head = pattern.sub(f"({value} AS ?{name})".replace("\\", "\\\\"), head)
        pattern_part = pattern.sub(value.replace("\\", "\\\\"), pattern_part)
        modifiers = pattern.sub(f"({value})".replace("\\", "\\\\"), modifiers)
    return head + pattern_part + modifiers


def check_url(url: str, what: str = "--endpoint", example: str = "/query") -> None:
    """An endpoint must be an http(s) URL with a host; say so in one line before any request.

    :raises EndpointError: anything else (a path, a typo, another scheme).
    """
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise EndpointError(
            f"{url!r}: not an http(s) URL; give {what} as e.g. http://127.0.0.1:7878{example}"
        )


def query_endpoint(url: str, sparql: str, **bindings: Any) -> QueryResult:
    """Run a SELECT query at a SPARQL 1.1 endpoint; keyword values are bound as escaped terms.

    :raises EndpointError: the endpoint cannot be reached or refuses the query.
    """
    check_url(url)
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    terms = {k: to_term(v) for k, v in bindings.items() if v is not None}
    client = SPARQLWrapper(url)
    client.setQuery(_prefixes() + substitute(sparql, terms))
    if client.queryType != "SELECT":
        # Refused before it is sent: an update would change the other store, whatever came back.
        raise EndpointError(
            f"only SELECT queries are sent to an endpoint (this one is {client.queryType}); "
            "policykb never changes another store this way — use push to load one"
        )
    client.setReturnFormat(JSON)
    client.setMethod(POST)
    client.setTimeout(60)
    try:
        data = client.queryAndConvert()
    except Exception as exc:  # noqa: BLE001 — network and protocol failures alike
        raise EndpointError(
            f"{url}: the query failed ({' '.join(str(exc).split())[:300]})"
        ) from None
    if not isinstance(data, dict) or "results" not in data:
        raise EndpointError(
            f"{url}: not a SELECT result (ASK and CONSTRUCT are not supported here)"
        )
    names = list(data["head"]["vars"])
    rows = [{n: _term(b.get(n)) for n in names} for b in data["results"]["bindings"]]
    return QueryResult(names, rows)


def ask_endpoint(url: str, name: str, **params: Any) -> QueryResult:
    """A named query at an external endpoint, with its parameters bound as in `KnowledgeBase.ask`."""
    named = get_named_query(name)
    bindings = {}
    for param in named.parameters:
        value = params.get(param.name, param.default)
        if value not in (None, "", "-"):
            bindings[param.name] = to_term(value, param.kind)
    return query_endpoint(url, named.sparql, **bindings)


def _term(binding: dict[str, str] | None) -> ox.NamedNode | ox.Literal | ox.BlankNode | None:
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    if "xml:lang" in binding:
        return ox.Literal(value, language=binding["xml:lang"])
    if "datatype" in binding:
        return ox.Literal(value, datatype=ox.NamedNode(binding["datatype"]))
    return ox.Literal(value)


def push(
    kb: KnowledgeBase, store_url: str, *, graph: str | None = None, update_url: str | None = None
) -> dict[str, int]:
    """Load the ontology, stated, alignment and inferred graphs into an external store.

    Each graph is PUT to the Graph Store Protocol endpoint `store_url` (`?graph=IRI`), or, with
    `graph`, all of them into that one graph. Where the store answers the protocol with 404/405
    and `update_url` is given, the triples go through SPARQL Update `INSERT DATA` in chunks.

    :returns: triples sent per target graph.
    :raises EndpointError: the store refused the data.
    """
    check_url(store_url, "--endpoint", "/store")
    if update_url is not None:
        check_url(update_url, "--update-url", "/update")
    sent: dict[str, int] = {}
    for name in GRAPHS:
        target = graph or name.value
        quads = list(kb.store.quads_for_pattern(None, None, None, name))
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        # The first graph replaces what the target held; the others are added to it.
        method = "PUT" if graph is None or not sent else "POST"
        try:
            _send(store_url, target, data, method)
        except EndpointError as exc:
            if update_url is None or "HTTP 40" not in str(exc):
                raise
            _insert(update_url, target, triples)
        sent[target] = sent.get(target, 0) + len(triples)
    return sent


def _send(store_url: str, graph: str, data: bytes, method: str) -> None:
    url = f"{store_url}?{urllib.parse.urlencode({'graph': graph})}"
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/n-triples"}
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise EndpointError(
            f"{store_url}: HTTP {exc.code} for graph {graph} ({exc.read()[:200]!r})"
        ) from None
    except urllib.error.URLError as exc:
        raise EndpointError(f"{store_url}: cannot be reached ({exc.reason})") from None


def _insert(update_url: str, graph: str, triples: list[ox.Triple]) -> None:
    for start in range(0, len(triples), UPDATE_CHUNK):
        chunk = " .\n".join(str(t) for t in triples[start : start + UPDATE_CHUNK])
        body = f"INSERT DATA {{ GRAPH <{graph}> {{ {chunk} . }} }}".encode()
        request = urllib.request.Request(
            update_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/sparql-update"},
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                response.read()
        except (urllib.error.HTTPError, urllib.error.URLError) as exc:
            raise EndpointError(f"{update_url}: SPARQL Update failed ({exc})") from None
