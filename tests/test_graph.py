"""RDF of documents and segments: the contract's names, deterministic IRIs, exact spans."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kb.corpus import Corpus
from kb.graph import corpus_triples, date_literal
from kb.segment import Segment

PREFIXES = """PREFIX pk: <https://w3id.org/policykb/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@pytest.fixture(scope="module")
def triples(corpus: Corpus, trees: dict[str, Segment]) -> list[ox.Triple]:
    return corpus_triples(((d, trees[d.id]) for d in corpus), corpus.metas.values())


@pytest.fixture(scope="module")
def store(triples: list[ox.Triple]) -> ox.Store:
    store = ox.Store()
    store.bulk_extend([ox.Quad(t.subject, t.predicate, t.object) for t in triples])
    return store


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    result = store.query(PREFIXES + query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


def test_graph_is_deterministic(
    corpus: Corpus, trees: dict[str, Segment], triples: list[ox.Triple]
) -> None:
    again = corpus_triples(((d, trees[d.id]) for d in corpus), corpus.metas.values())
    assert set(map(str, again)) == set(map(str, triples))
    assert not any(isinstance(t.subject, ox.BlankNode) for t in triples)


def test_graph_every_span_quotes_the_raw_file_exactly(corpus: Corpus, store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?r ?file ?start ?end ?exact WHERE {
             ?r pk:span ?s . ?s oa:hasSource ?doc ; oa:hasSelector ?p, ?q .
             ?doc pk:sourceFile ?file .
             ?p oa:start ?start ; oa:end ?end . ?q oa:exact ?exact }""",
    )
    segments = sum(
        1
        for _ in store.quads_for_pattern(
            None, ox.NamedNode("https://w3id.org/policykb/ontology#span"), None
        )
    )
    assert len(rows) == segments > 2000
    files = {doc.source_path.name: doc.file_text for doc in corpus}
    for row in rows:
        raw = files[row["file"].removeprefix("corpus/")]
        start, end = int(row["start"]), int(row["end"])
        assert 0 <= start < end and raw[start:end] == row["exact"], row["r"]


def test_graph_segment_text_is_the_normalised_span(corpus: Corpus, store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?doc ?text ?start ?end WHERE {
             ?r a pk:Segment ; pk:text ?text ; pk:span ?s .
             ?s oa:hasSource ?doc ; oa:hasSelector ?p . ?p oa:start ?start ; oa:end ?end }""",
    )
    by_iri = {f"https://w3id.org/policykb/id/doc/{d.id}": d for d in corpus}
    assert len(rows) > 2000
    for row in rows:
        doc = by_iri[row["doc"]]
        assert doc.normalise_span(int(row["start"]), int(row["end"])) == row["text"]


def test_graph_documents_carry_their_metadata(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?title ?issued ?level ?kind ?file WHERE {
             <https://w3id.org/policykb/id/doc/zhongyang-2021-yijian> dcterms:title ?title ;
               dcterms:issued ?issued ; pk:level ?level ; pk:documentKind ?kind ;
               pk:sourceFile ?file . FILTER(lang(?title) = "zh") }""",
    )
    assert rows == [
        {
            "title": "中共中央关于加强对“一把手”和领导班子监督的意见",
            "issued": "2021-03-27",
            "level": "https://w3id.org/policykb/ontology#Central",
            "kind": "https://w3id.org/policykb/ontology#Regulation",
            "file": "corpus/zhongyang-2021-yijian.txt",
        }
    ]
    reported = select(
        store,
        """SELECT ?rule ?report WHERE { ?rule a pk:ReportedDocument ; pk:knownThrough ?report }""",
    )
    assert len(reported) == 4


def test_graph_provisions_have_numbers_and_headings(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?n ?heading WHERE { ?p a pk:Provision ; pk:ordinal ?n ; pk:heading ?heading ;
             pk:partOf+ <https://w3id.org/policykb/id/doc/zhongyang-2021-yijian> } ORDER BY ?n""",
    )
    assert [int(r["n"]) for r in rows] == list(range(1, 26))
    assert rows[7]["heading"] == "加强领导班子成员相互监督，认真开展批评和自我批评。"


def test_graph_dates_keep_their_precision() -> None:
    assert date_literal("2021-03-27").datatype.value.endswith("#date")
    assert date_literal("2023-12").datatype.value.endswith("#gYearMonth")
    assert date_literal("2020").datatype.value.endswith("#gYear")
