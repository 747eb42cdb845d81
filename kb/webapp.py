"""The JSON API behind the researchers' web page (`policykb serve`, at `/`).

Every SPARQL query the page needs is written here, with user values bound as escaped terms
(`kb.remote.substitute` over `kb.query.to_term`), and runs through the endpoint's worker pool, so
the page gets the same time limit and read-only store as any client. Cross-checks run in the
server process: they read the corpus, not the store.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb.corpus import load_text_document
from kb.errors import KBError
from kb.query import ParameterError, get_named_query, named_queries, to_term
from kb.remote import substitute
from kb.resources import PACKAGE_DIR

STATIC_DIR = PACKAGE_DIR / "static"
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
UPLOAD_LIMIT_BYTES = 2_000_000
# A page's cross-check runs while the browser waits (about 0.4 s per 10,000 characters): a rule
# runs to a few tens of thousands; a longer text is for `policykb crosscheck`, which has no limit.
UPLOAD_LIMIT_CHARACTERS = 100_000

Run = Callable[[str], dict[str, Any]]


class ApiError(KBError):
    """A request the API cannot answer; `status` is the HTTP status to give."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def static_file(path: str) -> tuple[str, bytes] | None:
    """(content type, bytes) of a file under `kb/static/`, never outside it."""
    name = "index.html" if path in ("", "/") else path.removeprefix("/static/")
    target = (STATIC_DIR / name).resolve()
    if not target.is_file() or STATIC_DIR.resolve() not in target.parents:
        return None
    return STATIC_TYPES.get(target.suffix, "application/octet-stream"), target.read_bytes()


def _rows(result: dict[str, Any]) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]


def queries() -> list[dict[str, Any]]:
    """The named queries for the menu: name, questions in Chinese and English, parameters."""
    return [
        {
            "name": q.name,
            "title": q.title,
            "title_zh": q.title_zh,
            "description": q.description,
            "parameters": [p.__dict__ for p in q.parameters],
            "sparql": q.sparql,
        }
        for q in named_queries().values()
    ]


def ask(run: Run, name: str, values: dict[str, str]) -> dict[str, Any]:
    """Run a named query with the given parameter values (defaults for the rest)."""
    query = get_named_query(name)
    bindings = {}
    for p in query.parameters:
        value = values.get(p.name) or p.default
        bindings[p.name] = to_term(value, p.kind)
    unknown = set(values) - {p.name for p in query.parameters}
    if unknown:
        raise ParameterError(f"{name} has no parameter {', '.join(sorted(unknown))}")
    return run(substitute(query.sparql, bindings))


def labels(run: Run, lang: str) -> dict[str, str]:
    """IRI → label in `lang` (zh or en) for every labelled resource, for tables without IRIs."""
    if lang not in ("zh", "en"):
        raise ApiError("lang must be zh or en")
    sparql = substitute(
        """SELECT ?s ?label WHERE {
          { ?s skos:prefLabel ?label } UNION { ?s rdfs:label ?label } UNION { ?s dcterms:title ?label }
          FILTER(lang(?label) = ?lang)
        }""",
        {"lang": to_term(lang, "string")},
    )
    out: dict[str, str] = {}
    for row in _rows(run(sparql)):
        out.setdefault(row["s"], row["label"])
    return out


def actors(run: Run) -> list[str]:
    """The actor classes (pk:Actor and its subclasses): links to them open the actor view,
    links to any other concept (pk:Permission, pk:Reporting) the resource view."""
    rows = _rows(run("SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* pk:Actor } ORDER BY ?c"))
    return [row["c"] for row in rows if row.get("c")]


def resource(run: Run, iri: str) -> dict[str, Any]:
    """A resource's properties (stated / inferred / ontology graph marked), its span, the chain of
    segments holding it (document › part › provision …) and its related norms."""
    term = to_term(iri, "iri")
    props = _rows(
        run(
            substitute(
                "SELECT ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?p ?o", {"s": term}
            )
        )
    )
    incoming = _rows(
        run(
            substitute(
                "SELECT ?s ?p ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) } LIMIT 200",
                {"o": term},
            )
        )
    )
    span = _rows(
        run(
            substitute(
                """SELECT ?source ?start ?end ?exact WHERE {
                  ?s pk:span ?span . ?span oa:hasSource ?source ; oa:hasSelector ?pos, ?q .
                  ?pos oa:start ?start ; oa:end ?end . ?q oa:exact ?exact .
                } LIMIT 1""",
                {"s": term},
            )
        )
    )
    chain = _rows(
        run(
            substitute(
                """SELECT ?segment ?start WHERE {
                  ?s pk:span/oa:hasSelector ?pos . ?pos oa:start ?a ; oa:end ?b .
                  ?s pk:span/oa:hasSource ?source .
                  ?segment a pk:Segment ; pk:span ?sp . ?sp oa:hasSource ?source ;
                           oa:hasSelector ?p2 . ?p2 oa:start ?start ; oa:end ?end .
                  FILTER(?start <= ?a && ?end >= ?b && ?segment != ?s)
                  ?segment a ?kind . VALUES ?kind { pk:Part pk:Provision pk:Paragraph pk:Section pk:Item }
                } ORDER BY ?start DESC(?end)""",
                {"s": term},
            )
        )
    )
    related = _rows(
        run(
            substitute(
                """SELECT DISTINCT ?norm ?how WHERE {
                  { ?s pk:provision ?prov . ?norm pk:provision ?prov . BIND("provision" AS ?how) }
                  UNION
                  { GRAPH <https://w3id.org/policykb/id/graph/stated> { ?s pk:bearer ?b .
                                                                         ?norm pk:bearer ?b }
                    BIND("bearer" AS ?how) }
                  FILTER(?norm != ?s)
                } LIMIT 40""",
                {"s": term},
            )
        )
    )
    return {
        "iri": term.value,
        "properties": props,
        "incoming": incoming,
        "span": span[0] if span else None,
        "chain": [r["segment"] for r in chain],
        "related": related,
    }


def source(doc_iri: str) -> dict[str, Any]:
    """The raw text of the file a document's spans count in (offsets are characters of it)."""
    from kb.corpus import load_corpus
    from kb.namespaces import document_iri

    corpus = load_corpus()
    for doc in corpus:
        if document_iri(doc.id) == doc_iri:
            return {"document": doc_iri, "file": doc.source_path.name, "text": doc.file_text}
    raise ApiError(f"no document {doc_iri} with text in the corpus", 404)


def actor(run: Run, iri: str) -> dict[str, Any]:
    """An actor's norms by modality (inherited ones marked) and its reporting / supervising edges."""
    term = to_term(iri, "iri")
    norms = _rows(
        run(
            substitute(
                """SELECT ?norm ?modality ?actionText ?quote ?inherited WHERE {
                  ?norm pk:bearer ?a ; a ?modality ; pk:actionText ?actionText ;
                        pk:span/oa:hasSelector/oa:exact ?quote .
                  VALUES ?modality { pk:Obligation pk:Permission pk:Prohibition }
                  BIND(EXISTS { ?norm pk:inheritedBearer ?a } AS ?inherited)
                } ORDER BY ?modality ?norm""",
                {"a": term},
            )
        )
    )
    edges = _rows(
        run(
            substitute(
                """SELECT DISTINCT ?from ?to ?kind WHERE {
                  { ?a pk:reportsTo ?to . BIND(?a AS ?from) BIND("reports to" AS ?kind) }
                  UNION { ?from pk:reportsTo ?a . BIND(?a AS ?to) BIND("reports to" AS ?kind) }
                  UNION { ?a pk:supervises ?to . BIND(?a AS ?from) BIND("supervises" AS ?kind) }
                  UNION { ?from pk:supervises ?a . BIND(?a AS ?to) BIND("supervises" AS ?kind) }
                  FILTER(isIRI(?from) && isIRI(?to))
                }""",
                {"a": term},
            )
        )
    )
    return {"iri": term.value, "norms": norms, "edges": edges}


def crosscheck_json(local: str | None, upload: tuple[str, bytes] | None) -> dict[str, Any]:
    """A cross-check of a corpus document, or of an uploaded .txt / .md / .docx file."""
    from kb.crosscheck import crosscheck

    if upload is None:
        if not local:
            raise ApiError("give ?local=<document id> or upload a .txt, .md or .docx file")
        # A corpus rule by its id only: a path would read any file the server can see.
        known = [d["id"] for d in local_documents()]
        if local not in known:
            raise ApiError(f"no local rule {local!r}; choose one of: {', '.join(known)}", 404)
        return crosscheck(local).to_dict()
    name, data = upload
    suffix = Path(name).suffix.lower()
    if suffix not in (".txt", ".md", ".docx"):
        raise ApiError(f"{name}: unsupported file type; upload a .txt, .md or .docx file")
    if len(data) > UPLOAD_LIMIT_BYTES:
        raise ApiError(f"{name}: over the upload limit of {UPLOAD_LIMIT_BYTES:,} bytes", 413)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("upload" + suffix)
        path.write_bytes(data)
        try:
            size = len(load_text_document(path).file_text)
            if size > UPLOAD_LIMIT_CHARACTERS:
                raise ApiError(
                    f"{name}: {size:,} characters, over the page's limit of "
                    f"{UPLOAD_LIMIT_CHARACTERS:,}; cross-check it with `policykb crosscheck`",
                    413,
                )
            result = crosscheck(str(path)).to_dict()
        except ApiError:
            raise
        except KBError as exc:  # name the user's file, not the server's temporary copy
            message = str(exc).replace(str(path), name).replace(path.name, name)
            message = message.replace(path.stem, Path(name).stem)
            raise ApiError(message) from None
    result["local"] = name
    return result


def local_documents() -> list[dict[str, str]]:
    """The corpus's local rules a cross-check can be asked for."""
    from kb.corpus import load_corpus
    from kb.crosscheck import local_rules

    corpus = load_corpus()
    return [{"id": i, "title": corpus.metas[i].title} for i in local_rules(corpus)]


def to_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
