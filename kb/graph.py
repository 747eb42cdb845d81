"""Map documents and their segment trees to RDF in the vocabulary contract (DESIGN.md).

Triples are pyoxigraph terms, made directly (no rdflib graph in between) because the build maps
hundreds of thousands of them. Every IRI is derived from document ids and segment paths, so two
runs give the same triples; spans are IRIs too (`<resource>#span`), never blank nodes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Triple

from kb.corpus import Document, DocumentMeta
from kb.extract import Mention, Norm
from kb.namespaces import DCTERMS, ELI, OA, PK, PKD, PROV, RDF, RDFS, XSD, document_iri
from kb.segment import Segment

QUOTE_CONTEXT = 12

DOCUMENT_KINDS = {
    "regulation": "Regulation",
    "interpretation": "Interpretation",
    "news report": "NewsReport",
    "article": "JournalArticle",
}
LEVELS = {
    "central": "Central",
    "provincial": "Provincial",
    "municipal": "Municipal",
    "county": "County",
}
RELATIONS = {
    "implements": str(PK.implementsDocument),
    "interprets": str(PK.interprets),
    "precedes": str(PK.precedes),
    "related": str(DCTERMS.relation),
}
SEGMENT_CLASSES = {
    "part": "Part",
    "provision": "Provision",
    "paragraph": "Paragraph",
    "sentence": "Sentence",
    "clause": "Clause",
}

ActorLookup = Callable[[str], "str | None"]


def iri(value: str) -> NamedNode:
    return NamedNode(value)


def pk(name: str) -> NamedNode:
    return NamedNode(f"{PK}{name}")


def zh(text: str) -> Literal:
    return Literal(text, language="zh")


def integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(f"{XSD}integer"))


def date_literal(value: str) -> Literal:
    """A metadata date as xsd:date, xsd:gYearMonth or xsd:gYear, by its precision."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        kind = "date"
    elif re.fullmatch(r"\d{4}-\d{2}", value):
        kind = "gYearMonth"
    elif re.fullmatch(r"\d{4}", value):
        kind = "gYear"
    else:
        return Literal(value)
    return Literal(value, datatype=NamedNode(f"{XSD}{kind}"))


def agent_iri(name: str) -> str:
    """A readable IRI for an issuing body: `pkd:agent/中共广州市委` (unsafe characters escaped)."""
    safe = "".join(ch if ch.isalnum() or ch in "-._~（）" else quote(ch, safe="") for ch in name)
    return f"{PKD}agent/{safe}"


RDF_TYPE = NamedNode(f"{RDF}type")


def span_triples(doc: Document, resource: str, start: int, end: int) -> list[Triple]:
    """`pk:span` of a resource: a position selector on the raw file and the raw quote."""
    text = doc.file_text
    span, position, quote_sel = (
        iri(f"{resource}#span"),
        iri(f"{resource}#position"),
        iri(f"{resource}#quote"),
    )
    return [
        Triple(iri(resource), pk("span"), span),
        Triple(span, RDF_TYPE, iri(f"{OA}SpecificResource")),
        Triple(span, iri(f"{OA}hasSource"), iri(document_iri(doc.id))),
        Triple(span, iri(f"{OA}hasSelector"), position),
        Triple(span, iri(f"{OA}hasSelector"), quote_sel),
        Triple(position, RDF_TYPE, iri(f"{OA}TextPositionSelector")),
        Triple(position, iri(f"{OA}start"), integer(start)),
        Triple(position, iri(f"{OA}end"), integer(end)),
        Triple(quote_sel, RDF_TYPE, iri(f"{OA}TextQuoteSelector")),
        Triple(quote_sel, iri(f"{OA}exact"), Literal(text[start:end])),
        Triple(quote_sel, iri(f"{OA}prefix"), Literal(text[max(0, start - QUOTE_CONTEXT) : start])),
        Triple(quote_sel, iri(f"{OA}suffix"), Literal(text[end : end + QUOTE_CONTEXT])),
    ]


def metadata_triples(meta: DocumentMeta, actor_type: ActorLookup | None = None) -> list[Triple]:
    """What the metadata says of a document (with or without text of its own)."""
    doc = iri(document_iri(meta.id))
    agent = agent_iri(meta.issuer)
    out = [
        Triple(doc, RDF_TYPE, pk("Document")),
        Triple(doc, iri(f"{DCTERMS}title"), zh(meta.title)),
        Triple(doc, iri(f"{DCTERMS}issued"), date_literal(meta.date)),
        Triple(doc, pk("issuer"), iri(agent)),
        Triple(iri(agent), RDF_TYPE, iri(f"{PROV}Organization")),
        Triple(iri(agent), iri(f"{RDFS}label"), zh(meta.issuer)),
        Triple(doc, pk("level"), pk(LEVELS[meta.level])),
        Triple(doc, pk("documentKind"), pk(DOCUMENT_KINDS[meta.kind])),
        Triple(doc, pk("textForm"), Literal(meta.text_form)),
        Triple(doc, iri(f"{DCTERMS}source"), zh(meta.source_publication)),
    ]
    if actor_type is not None and (cls := actor_type(meta.issuer)) is not None:
        out.append(Triple(iri(agent), RDF_TYPE, iri(cls)))
    if meta.kind == "regulation":
        out.append(Triple(doc, RDF_TYPE, iri(f"{ELI}LegalResource")))
    if meta.title_en:
        out.append(Triple(doc, iri(f"{DCTERMS}title"), Literal(meta.title_en, language="en")))
    if meta.short_title:
        out.append(Triple(doc, iri(f"{DCTERMS}alternative"), zh(meta.short_title)))
    if meta.relation and meta.relates_to:
        out.append(Triple(doc, iri(RELATIONS[meta.relation]), iri(document_iri(meta.relates_to))))
    if meta.known_through:
        out.append(Triple(doc, RDF_TYPE, pk("ReportedDocument")))
        out.append(Triple(doc, pk("knownThrough"), iri(document_iri(meta.known_through))))
    for described in meta.describes:
        out.append(Triple(doc, pk("reportsOn"), iri(document_iri(described))))
    return out


def document_triples(
    doc: Document, tree: Segment, *, actor_type: ActorLookup | None = None
) -> list[Triple]:
    """A document with text: its metadata, source file, and every segment with its span."""
    node = iri(document_iri(doc.id))
    out = metadata_triples(doc.meta, actor_type)
    out.append(Triple(node, pk("sourceFile"), Literal(f"corpus/{doc.source_path.name}")))
    out.append(Triple(node, pk("sha256"), Literal(doc.sha256)))
    out.append(Triple(node, pk("text"), zh(tree.text)))
    out.extend(span_triples(doc, tree.iri, tree.start, tree.end))
    for child in tree.children:
        out.extend(segment_triples(doc, child, tree.iri))
    return out


def segment_triples(doc: Document, seg: Segment, parent: str) -> list[Triple]:
    """A segment and its descendants: class, parent, text, numbers, heading, span."""
    node = iri(seg.iri)
    out = [
        Triple(node, RDF_TYPE, pk("Segment")),
        Triple(node, pk("partOf"), iri(parent)),
        Triple(node, pk("segmentKind"), Literal(seg.kind)),
        Triple(node, pk("text"), zh(seg.text)),
    ]
    if seg.kind in SEGMENT_CLASSES:
        out.append(Triple(node, RDF_TYPE, pk(SEGMENT_CLASSES[seg.kind])))
    if seg.number is not None:
        out.append(Triple(node, pk("number"), Literal(seg.number)))
    if seg.ordinal is not None:
        out.append(Triple(node, pk("ordinal"), integer(seg.ordinal)))
    if seg.heading is not None:
        out.append(Triple(node, pk("heading"), zh(seg.heading)))
    for ref in seg.references:
        out.append(Triple(node, pk("citesTitle"), zh(ref.title)))
    out.extend(span_triples(doc, seg.iri, seg.start, seg.end))
    for child in seg.children:
        out.extend(segment_triples(doc, child, seg.iri))
    return out


def corpus_triples(
    documents: Iterable[tuple[Document, Segment]],
    metas: Iterable[DocumentMeta],
    *,
    actor_type: ActorLookup | None = None,
) -> list[Triple]:
    """Documents with text, then documents known only through reports."""
    out: list[Triple] = []
    for doc, tree in documents:
        out.extend(document_triples(doc, tree, actor_type=actor_type))
    for meta in metas:
        if not meta.has_text:
            out.extend(metadata_triples(meta, actor_type))
    return out


# ---------------------------------------------------------------- norms

MODALITY_CLASSES = {
    "obligation": "Obligation",
    "prohibition": "Prohibition",
    "permission": "Permission",
    "encouragement": "Encouragement",
}


class SegmentIndex:
    """Finds the smallest segment of a tree that contains a raw span (for a mention's source)."""

    def __init__(self, tree: Segment) -> None:
        self.segments = sorted(tree.walk(), key=lambda s: (s.end - s.start, s.start))

    def containing(self, start: int, end: int) -> str | None:
        for seg in self.segments:
            if seg.start <= start and end <= seg.end:
                return seg.iri
        return None


def norm_triples(doc: Document, norm: Norm, index: SegmentIndex) -> list[Triple]:
    """A norm: its modality class, filler concepts for queries, and mentions with spans."""
    node = iri(norm.iri)
    out = [
        Triple(node, RDF_TYPE, pk("Norm")),
        Triple(node, RDF_TYPE, pk(MODALITY_CLASSES[norm.modality])),
        Triple(node, pk("text"), zh(norm.text)),
        Triple(node, iri(f"{PROV}wasDerivedFrom"), iri(norm.segment)),
        Triple(node, pk("attributedTo"), iri(document_iri(norm.attributed_to))),
        Triple(node, pk("action"), iri(norm.action.concept or f"{PK}Measure")),
        Triple(node, pk("actionText"), zh(norm.action.text)),
        Triple(
            node,
            pk("bearerCarried"),
            Literal(str(norm.bearer_carried).lower(), datatype=NamedNode(f"{XSD}boolean")),
        ),
    ]
    if norm.provision is not None:
        out.append(Triple(node, pk("provision"), iri(norm.provision)))
    out.extend(span_triples(doc, norm.iri, norm.start, norm.end))
    bearers = norm.bearers or ()
    if not bearers:
        out.append(Triple(node, pk("bearer"), pk("Actor")))
    roles: list[tuple[str, str, Mention]] = [
        ("bearer", f"bearer-{k}", m) for k, m in enumerate(bearers, 1)
    ]
    roles += [("recipient", f"recipient-{k}", m) for k, m in enumerate(norm.recipients, 1)]
    roles += [("target", f"target-{k}", m) for k, m in enumerate(norm.targets, 1)]
    roles += [("sanction", f"sanction-{k}", m) for k, m in enumerate(norm.sanctions, 1)]
    if norm.frequency is not None:
        roles.append(("frequency", "frequency", norm.frequency))
    roles.append(("action", "action", norm.action))
    for role, name, mention in roles:
        if role != "action" and mention.concept:
            out.append(Triple(node, pk(role), iri(mention.concept)))
            if mention.level and role in ("bearer", "recipient", "target"):
                out.append(Triple(node, pk(f"{role}Level"), iri(mention.level)))
        out.extend(_mention_triples(doc, norm, f"{norm.iri}/{name}", role, mention, index))
    if norm.condition is not None:
        cond = norm.condition
        c_node = f"{norm.iri}/condition"
        out += [
            Triple(node, pk("condition"), iri(c_node)),
            Triple(iri(c_node), RDF_TYPE, pk("Condition")),
            Triple(iri(c_node), pk("text"), zh(cond.text)),
            Triple(
                iri(c_node),
                iri(f"{PROV}wasDerivedFrom"),
                iri(index.containing(cond.start, cond.end) or norm.segment),
            ),
        ]
        if cond.grade:
            out.append(Triple(iri(c_node), pk("problemGrade"), iri(cond.grade)))
        for actor in cond.about:
            out.append(Triple(iri(c_node), pk("aboutActor"), iri(actor)))
        if cond.breach:
            out.append(
                Triple(
                    iri(c_node), pk("breach"), Literal("true", datatype=NamedNode(f"{XSD}boolean"))
                )
            )
        out.extend(span_triples(doc, c_node, cond.start, cond.end))
    return out


def _mention_triples(
    doc: Document, norm: Norm, node_iri: str, role: str, mention: Mention, index: SegmentIndex
) -> list[Triple]:
    node = iri(node_iri)
    out = [
        Triple(iri(norm.iri), pk(f"{role}Mention"), node),
        Triple(node, RDF_TYPE, pk("Mention")),
        Triple(node, pk("text"), zh(mention.text)),
        Triple(
            node,
            iri(f"{PROV}wasDerivedFrom"),
            iri(index.containing(mention.start, mention.end) or norm.segment),
        ),
    ]
    if mention.concept:
        out.append(Triple(node, pk("concept"), iri(mention.concept)))
    out.extend(span_triples(doc, node_iri, mention.start, mention.end))
    return out
