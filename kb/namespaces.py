"""Prefixes and IRIs: the only place they are spelled out (the vocabulary contract in DESIGN.md)."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

PK = Namespace("https://w3id.org/policykb/ontology#")
PKD = Namespace("https://w3id.org/policykb/id/")
OA = Namespace("http://www.w3.org/ns/oa#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")
# Vocabularies the ontology aligns to (skos:closeMatch), for readable output.
LRML = Namespace("http://docs.oasis-open.org/legalruleml/ns/v1.0/")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")

PREFIXES: dict[str, Namespace] = {
    "pk": PK,
    "pkd": PKD,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "skos": Namespace(str(SKOS)),
    "dcterms": Namespace(str(DCTERMS)),
    "prov": Namespace(str(PROV)),
    "oa": OA,
    "eli": ELI,
}

# Prefixes for displaying IRIs of aligned vocabularies and SHACL results (not query prefixes).
DISPLAY_PREFIXES: dict[str, Namespace] = {"lrml": LRML, "odrl": ODRL, "sh": SH}


def document_iri(doc_id: str) -> str:
    """`pkd:doc/<doc-id>` — stable, readable document IRI."""
    return f"{PKD}doc/{doc_id}"
