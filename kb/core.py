"""`KnowledgeBase`: the one object developers use — build or open, query, and typed lookups.

Example (after `policykb build`)::

    kb = KnowledgeBase.open("kb-data")
    kb.who_must("pk:Reporting", when="pk:TopLeader")

User values reach SPARQL only as bound terms (SPARQL substitutions), never as query text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kb.errors import KBError
from kb.namespaces import PK, PREFIXES
from kb.query import (
    QueryResult,
    get_named_query,
    named_queries,
    parse_error,
    refuse_unsafe,
    to_term,
)
from kb.store import BuildReport, build, current_store_path, open_store

DEFAULT_PATH = Path("kb-data")
MODALITIES = ("obligation", "prohibition", "permission", "encouragement")
# Every query may use the project's prefixes without declaring them (line numbers stay the user's).
PREFIX_MAP = {prefix: str(ns) for prefix, ns in PREFIXES.items()}


@dataclass(frozen=True)
class Provenance:
    """Where a resource comes from: document, provision, quote and raw offsets, with context."""

    iri: str
    document: str | None
    source_file: str | None
    provision: str | None
    quote: str | None
    start: int | None
    end: int | None
    prefix: str | None
    suffix: str | None


@dataclass(frozen=True)
class Norm:
    """A norm as the knowledge base holds it, with its provenance."""

    iri: str
    modality: str
    bearers: tuple[str, ...]
    action: str | None
    action_text: str
    recipients: tuple[str, ...]
    condition: str | None
    sanctions: tuple[str, ...]
    quote: str
    document: str
    provision: str | None
    start: int
    end: int


class KnowledgeBase:
    """An opened knowledge base (an embedded pyoxigraph store, read-only)."""

    def __init__(self, store: ox.Store, path: Path) -> None:
        self.store = store
        self.path = path

    # ------------------------------------------------------------ open / build

    @classmethod
    def open(cls, path: Path | str = DEFAULT_PATH, *, memory_quads: int = 0) -> KnowledgeBase:
        """Open the current knowledge base under `path` read-only. With `memory_quads`, a store
        of at most that many quads is copied into memory (about half a second for the corpus),
        where queries run 3–4 times faster: worth it for a program that makes many lookups.

        :raises KBError: none has been built there (the message says how to build one).
        """
        store_dir = current_store_path(path)
        try:
            store = open_store(store_dir, memory_quads)
        except OSError as exc:
            raise KBError(
                f"cannot open the knowledge base in {store_dir} ({exc}); rebuild it with: policykb build"
            ) from None
        return cls(store, Path(path))

    @classmethod
    def build(
        cls, path: Path | str = DEFAULT_PATH, **options: Any
    ) -> tuple[KnowledgeBase, BuildReport]:
        """Build (atomically) and open. Options are those of `kb.store.build`."""
        report = build(path, **options)
        return cls.open(path), report

    # ------------------------------------------------------------ queries

    def query(self, sparql: str, **bindings: Any) -> QueryResult:
        """Run a SELECT query; keyword values are bound to the variables of the same name.

        :raises QuerySyntaxError: with the parser's line and column.
        """
        refuse_unsafe(sparql)
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): to_term(v) for k, v in bindings.items() if v is not None
        }
        try:
            result = self.store.query(
                sparql,
                prefixes=PREFIX_MAP,
                use_default_graph_as_union=True,
                substitutions=substitutions,
            )
        except SyntaxError as exc:
            raise parse_error(exc) from None
        except RuntimeError as exc:
            if "SELECT projection" not in str(exc):
                raise
            # pyoxigraph binds only variables the query returns.
            missing = sorted(f"?{k}" for k in bindings if f"?{k}" in str(exc))
            raise KBError(
                f"query(): {', '.join(missing) or 'a bound variable'} is not among the variables "
                "the SELECT returns; a value can only be bound to a returned variable: add it to "
                "the SELECT clause (or use SELECT *)"
            ) from None
        if not isinstance(result, ox.QuerySolutions):
            raise KBError(
                "query(): only SELECT queries return rows; use raw_query() for ASK, CONSTRUCT "
                "and DESCRIBE"
            )
        names = [v.value for v in result.variables]
        rows = [{n: solution[n] for n in names} for solution in result]
        return QueryResult(names, rows)

    def raw_query(self, sparql: str) -> Any:
        """Any query form (SELECT, ASK, CONSTRUCT, DESCRIBE) as pyoxigraph returns it."""
        refuse_unsafe(sparql)
        try:
            return self.store.query(sparql, prefixes=PREFIX_MAP, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise parse_error(exc) from None

    def ask(self, name: str, **params: Any) -> QueryResult:
        """Run a named query (`queries/<name>.rq`) with its parameters (defaults from its header)."""
        named = get_named_query(name)
        known = {p.name: p for p in named.parameters}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise KBError(
                f"named query {name!r} has no parameter {unknown[0]!r}; its parameters: "
                f"{', '.join(known) or 'none'}"
            )
        bindings: dict[str, Any] = {}
        for param in named.parameters:
            value = params.get(param.name, param.default)
            if value in (None, "", "-"):
                continue
            bindings[param.name] = to_term(value, param.kind)
        return self.query(named.planned(bindings), **bindings)

    @staticmethod
    def named_queries() -> list[str]:
        return list(named_queries())

    # ------------------------------------------------------------ typed lookups

    def labels(self, lang: str = "zh") -> dict[str, str]:
        """IRI → preferred label in `lang`, for display."""
        rows = self.query(
            "SELECT ?c ?label ?lang WHERE { ?c skos:prefLabel ?label . FILTER(lang(?label) = ?lang) }",
            lang=ox.Literal(lang),
        )
        return {r["c"] or "": r["label"] or "" for r in rows.values()}

    def norms(
        self,
        *,
        bearer: str | None = None,
        modality: str | None = None,
        action: str | None = None,
        condition: str | None = None,
    ) -> list[Norm]:
        """Norms filtered by bearer (inherited bearers count), modality, action class and a
        text the condition contains. All filters are bound values."""
        bindings: dict[str, Any] = {}
        if modality:
            if modality.lower() not in MODALITIES:
                raise KBError(
                    f"norms(): no modality {modality!r}; use one of {', '.join(MODALITIES)}"
                )
            bindings["modalityClass"] = ox.NamedNode(f"{PK}{modality.capitalize()}")
        if bearer:
            bindings["bearerFilter"] = to_term(bearer, "iri")
        if action:
            bindings["actionClass"] = to_term(action, "iri")
        if condition:
            bindings["conditionText"] = ox.Literal(condition)
        result = self.query(norms_query(list(bindings)), **bindings)
        return [_norm(row) for row in _group(result)]

    def sanctions_for(self, norm: str) -> list[dict[str, str | None]]:
        """The sanctions for breaching a norm, each with its quote and raw offsets."""
        return self.query(SANCTIONS_QUERY, norm=to_term(norm, "iri")).values()

    def who_must(self, action: str, *, when: str | None = None) -> list[Norm]:
        """Who must (or may) take an action (a measure class, subclasses included), optionally
        when a condition is about an actor (that actor's classes and superclasses included)."""
        bindings: dict[str, Any] = {"actionClass": to_term(action, "iri")}
        if when:
            bindings["about"] = to_term(when, "iri")
        query = norms_query(
            list(bindings), stated_bearer=True, modalities="pk:Obligation, pk:Permission"
        )
        return [_norm(row) for row in _group(self.query(query, **bindings))]

    def provenance(self, iri: str) -> Provenance:
        """Document, provision, quote and raw offsets (with context) of any resource with a span."""
        rows = self.query(PROVENANCE_QUERY, r=to_term(iri, "iri")).values()
        if not rows:
            raise KBError(
                f"{iri} has no span in the knowledge base; is it a document, segment or norm IRI?"
            )
        row = rows[0]
        return Provenance(
            iri=iri,
            document=row.get("document"),
            source_file=row.get("file"),
            provision=row.get("provision"),
            quote=row.get("exact"),
            start=_int(row.get("start")),
            end=_int(row.get("end")),
            prefix=row.get("prefix"),
            suffix=row.get("suffix"),
        )

    def search(self, text: str) -> list[dict[str, str | None]]:
        """Segments (sentences) whose text contains `text` or a synonym of a concept it names."""
        return self.ask("segments_mentioning", term=text).values()


def _int(value: str | None) -> int | None:
    return int(value) if value is not None else None


def _group(result: QueryResult) -> list[dict[str, list[str]]]:
    """Rows grouped by ?norm, multi-valued columns gathered."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for row in result.values():
        key = row.get("norm") or ""
        entry = grouped.setdefault(key, {})
        for name, value in row.items():
            if value is not None and value not in entry.setdefault(name, []):
                entry[name].append(value)
    return list(grouped.values())


def _one(row: dict[str, list[str]], name: str) -> str | None:
    values = row.get(name) or []
    return values[0] if values else None


def _norm(row: dict[str, list[str]]) -> Norm:
    return Norm(
        iri=_one(row, "norm") or "",
        modality=(_one(row, "modality") or "").rsplit("#", 1)[-1].lower(),
        bearers=tuple(row.get("bearer", [])),
        action=_one(row, "action"),
        action_text=_one(row, "actionText") or "",
        recipients=tuple(row.get("recipient", [])),
        condition=_one(row, "condition"),
        sanctions=tuple(row.get("sanction", [])),
        quote=_one(row, "quote") or "",
        document=_one(row, "document") or "",
        provision=_one(row, "provision"),
        start=int(_one(row, "start") or 0),
        end=int(_one(row, "end") or 0),
    )


NORM_PROVENANCE = """
  ?norm pk:span ?span . ?span oa:hasSource ?document ; oa:hasSelector ?pos, ?q .
  ?pos oa:start ?start ; oa:end ?end . ?q oa:exact ?quote .
  OPTIONAL { ?norm pk:provision/pk:number ?provision }
"""

# Query texts are fixed; a filter the caller gives adds a fixed fragment, and its value is bound.
# (A substituted variable reads as its value, so BOUND() cannot tell given from not given.)
NORM_FILTERS = {
    "modalityClass": "?norm a ?modalityClass .",
    "bearerFilter": "?norm pk:bearer ?bearerFilter .",
    "actionClass": "?action rdfs:subClassOf* ?actionClass .",
    "conditionText": "?norm pk:condition/pk:text ?ct . FILTER(CONTAINS(?ct, ?conditionText))",
    "about": "?norm pk:condition/pk:aboutActor ?aboutActor . ?about rdfs:subClassOf* ?aboutActor .",
}


def norms_query(filters: list[str], *, stated_bearer: bool = False, modalities: str = "") -> str:
    """A SELECT of norms with their provenance, with the fragments of the given filters."""
    bearer = (
        "GRAPH <https://w3id.org/policykb/id/graph/stated> { ?norm pk:bearer ?bearer }"
        if stated_bearer
        else "?norm pk:bearer ?bearer ."
    )
    allowed = modalities or "pk:Obligation, pk:Prohibition, pk:Permission, pk:Encouragement"
    return f"""
SELECT ?norm ?modality ?bearer ?action ?actionText ?recipient ?condition ?sanction
       ?document ?provision ?quote ?start ?end {" ".join("?" + f for f in filters)}
WHERE {{
  ?norm a pk:Norm ; a ?modality ; pk:action ?action ; pk:actionText ?actionText .
  {bearer}
  FILTER(?modality IN ({allowed}))
  {chr(10).join(NORM_FILTERS[f] for f in filters)}
  OPTIONAL {{ ?norm pk:condition/pk:text ?condition }}
  OPTIONAL {{ ?norm pk:recipient ?recipient }}
  OPTIONAL {{ ?norm pk:sanctionMention/pk:text ?sanction }}
  {NORM_PROVENANCE}
}}
ORDER BY ?document ?start
"""


SANCTIONS_QUERY = """
SELECT ?norm ?sanction ?concept ?quote ?start ?end WHERE {
  ?norm pk:sanctionMention ?m . ?m pk:text ?sanction .
  OPTIONAL { ?m pk:concept ?concept }
  ?m pk:span/oa:hasSelector ?pos, ?q . ?pos oa:start ?start ; oa:end ?end . ?q oa:exact ?quote .
}
"""

PROVENANCE_QUERY = """
SELECT ?r ?document ?file ?provision ?exact ?start ?end ?prefix ?suffix WHERE {
  ?r pk:span ?span . ?span oa:hasSource ?document ; oa:hasSelector ?pos, ?q .
  ?pos oa:start ?start ; oa:end ?end .
  ?q oa:exact ?exact . OPTIONAL { ?q oa:prefix ?prefix } OPTIONAL { ?q oa:suffix ?suffix }
  OPTIONAL { ?document pk:sourceFile ?file }
  OPTIONAL { ?r pk:provision/pk:number ?provision }
  OPTIONAL { ?r pk:partOf* ?p . ?p a pk:Provision ; pk:number ?provision }
}
LIMIT 1
"""


def export(kb: KnowledgeBase, fmt: str) -> bytes:
    """The whole store: N-Quads keeps the graphs; Turtle and JSON-LD give their union."""
    if fmt == "nq":
        return kb.store.dump(format=ox.RdfFormat.N_QUADS) or b""
    triples = kb.raw_query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    if fmt == "ttl":
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIX_MAP) or b""
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    return graph.serialize(format="json-ld").encode("utf-8")
