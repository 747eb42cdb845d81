"""Cross-check a local rule against the central 意见: what it implements, refines, adds, departs from.

Each local norm or measure is aligned to the central provisions by text (TF-IDF over jieba tokens,
with every ontology surface form folded to its concept so synonyms meet) and by structure (the
bearer, recipient, target and action concepts, related through the ontology's class hierarchy).
A verdict follows from comparing the local norm with the closest central norm: a weaker modality or
an unrelated recipient departs, a frequency, scope, deadline or procedure refines, no counterpart
extends. Every verdict keeps its evidence: both quotes with raw spans, shared and differing
concepts, and the score. Parameters and markers are data, in `kb/rules/alignment.json`.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kb.corpus import Corpus, Document, load_corpus, load_text_document
from kb.errors import CorpusError, DocumentNotFoundError, KBError
from kb.extract import Norm, extract_norms
from kb.namespaces import PK
from kb.normalise import display_width
from kb.resources import RULES_DIR
from kb.segment import PART_MARKER, PROVISION_MARKER, Segment, segment_document

CENTRAL_ID = "zhongyang-2021-yijian"
VERDICTS = ("implements", "refines", "extends", "departs")
COVERAGE = ("covered", "partly covered", "not covered")
_CJK_OR_WORD = re.compile(r"[\w\u4e00-\u9fff]")


_OVERRIDES: dict[str, Any] = {}  # set only while held-out evaluation tries thresholds


@lru_cache(maxsize=1)
def _parameter_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RULES_DIR / "alignment.json").read_text(encoding="utf-8"))
    return data


def parameters() -> dict[str, Any]:
    """The cross-check's weights, thresholds and refinement markers (`rules/alignment.json`)."""
    return {**_parameter_file(), **_OVERRIDES} if _OVERRIDES else _parameter_file()


# ---------------------------------------------------------------- concepts and tokens


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, str], dict[str, frozenset[str]], dict[str, str]]:
    """Surface form → concept; each concept's ancestors (classes and SKOS broader concepts);
    concept → zh label. Only the extractor's vocabularies count."""
    from rdflib.namespace import RDFS, SKOS

    from kb.extract import SCHEME_LABELS
    from kb.ontology import ancestors, labels, load_ontology

    forms: dict[str, str] = {}
    names: dict[str, str] = {}
    for label in labels():
        if not any(s.rsplit("#", 1)[-1] in SCHEME_LABELS for s in label.schemes):
            continue  # actors, measures, sanctions …, not e.g. the alignment relations
        local = label.concept.rsplit("#", 1)[-1]
        names[local] = label.pref_zh or local
        for form in label.forms:
            if len(form) >= 2:
                forms.setdefault(form, local)
    # Concepts are named by their local name in the project's namespace only: another
    # vocabulary's Person (foaf:, prov:) must not stand in for pk:Person, nor its ancestors
    # for pk:Person's, whichever the ontology graph happens to list first.
    pk = str(PK)
    closure = {
        iri[len(pk) :]: frozenset(up[len(pk) :] for up in ups if up.startswith(pk))
        for iri, ups in ancestors(load_ontology(), (RDFS.subClassOf, SKOS.broader)).items()
        if iri.startswith(pk)
    }
    return forms, closure, names


def concepts_in(text: str) -> list[str]:
    """The ontology concepts a text names: longest surface forms placed first, each character
    used once (so 党委主要负责人 is one 一把手, not also a 党委)."""
    forms = _lexicon()[0]
    taken = [False] * len(text)
    found: list[str] = []
    for form in _forms_longest_first():
        start = text.find(form)
        while start >= 0:
            end = start + len(form)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(form)
                found.append(forms[form])
            start = text.find(form, end)
    return found


@lru_cache(maxsize=1)
def _forms_longest_first() -> tuple[str, ...]:
    return tuple(sorted(_lexicon()[0], key=lambda f: (-len(f), f)))


def related(a: str, b: str) -> bool:
    """Same concept, or one is a kind of the other (a duty of 领导班子成员 reaches 纪委书记)."""
    closure = _lexicon()[1]
    return a == b or b in closure.get(a, ()) or a in closure.get(b, ())


def label(concept: str) -> str:
    """A concept's Chinese label, for evidence shown to drafters."""
    return _lexicon()[2].get(concept, concept)


def words(text: str) -> list[str]:
    """jieba words of two characters or more, no stopwords: what a measure says, for telling
    new detail from paraphrase."""
    import jieba

    return _content(jieba.lcut(text))


def tokens(text: str) -> list[str]:
    """The terms texts are compared on: jieba's search segmentation, which keeps a compound and
    adds the dictionary words inside it (专项巡察 also gives 巡察, so it meets a provision on 巡视巡察
    that jieba cuts differently), plus the concepts the text names."""
    import jieba

    return _content(jieba.lcut_for_search(text)) + ["§" + c for c in concepts_in(text)]


def _content(cut: list[str]) -> list[str]:
    stop = set(parameters()["stopwords"])
    return [w for w in cut if len(w) >= 2 and w not in stop and _CJK_OR_WORD.search(w) is not None]


class TfIdf:
    """Cosine similarity of TF-IDF vectors, with document frequencies from the central text."""

    def __init__(self, documents: list[list[str]]) -> None:
        df: Counter[str] = Counter()
        for doc in documents:
            df.update(set(doc))
        n = len(documents)
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}
        self.default_idf = math.log(1 + n) + 1.0

    def vector(self, toks: list[str]) -> dict[str, float]:
        counts = Counter(toks)
        vec = {t: (1 + math.log(c)) * self.idf.get(t, self.default_idf) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    @staticmethod
    def cosine(a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        return sum(v * b.get(t, 0.0) for t, v in a.items())


# ---------------------------------------------------------------- units


@dataclass
class Unit:
    """A norm or measure to align: its quote, raw span and the concepts of its fillers."""

    doc_id: str
    key: str
    text: str
    start: int
    end: int
    modality: str | None
    bearers: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    action: tuple[str, ...] = ()
    frequency: str | None = None
    provision: str | None = None
    segment: str | None = None
    scope: str | None = None
    place: str | None = None  # where in its document, as the drafter numbered it: 第三条, （二）
    context: tuple[str, ...] = ()
    vector: dict[str, float] = field(default_factory=dict, repr=False)
    words: frozenset[str] = frozenset()
    concepts: frozenset[str] = frozenset()

    @classmethod
    def from_norm(cls, norm: Norm, provision: str | None = None) -> Unit:
        def concepts(mentions: Any) -> tuple[str, ...]:
            return tuple(sorted({m.concept.rsplit("#", 1)[-1] for m in mentions if m.concept}))

        bearers = () if norm.bearer_carried else concepts(norm.bearers)
        return cls(
            doc_id=norm.attributed_to,
            key=norm.iri,
            text=norm.text,
            start=norm.start,
            end=norm.end,
            modality=norm.modality,
            bearers=bearers,
            recipients=concepts(norm.recipients),
            targets=concepts(norm.targets),
            action=tuple(sorted(set(concepts_in(norm.action.text)))),
            frequency=norm.frequency.text if norm.frequency else None,
            provision=provision,
            segment=norm.segment,
        )


@dataclass
class Provision:
    """A central provision: its number, heading, text, raw span and its norms as units."""

    key: str
    iri: str
    label: str
    heading: str
    text: str
    start: int
    end: int
    norms: list[Unit]
    vector: dict[str, float] = field(default_factory=dict, repr=False)
    heading_vector: dict[str, float] = field(default_factory=dict, repr=False)
    words: frozenset[str] = frozenset()
    concepts: frozenset[str] = frozenset()


def segment_key(doc_id: str, seg_iri: str) -> str:
    """`provision/8` from a segment IRI: the short id drafters and the gold use."""
    marker = f"/{doc_id}/"
    return seg_iri.split(marker, 1)[1] if marker in seg_iri else seg_iri


class CentralIndex:
    """The provisions of the central document, vectorised once and reused for every local text."""

    def __init__(self, doc: Document, tree: Segment, norms: list[Norm]) -> None:
        self.doc = doc
        scopes = [p for p in tree.find("part") if not p.find("provision")] + tree.find("provision")
        scopes.sort(key=lambda s: s.start)
        by_scope: dict[str, list[Norm]] = {s.iri: [] for s in scopes}
        for norm in norms:
            for scope in scopes:
                if scope.start <= norm.start and norm.end <= scope.end:
                    by_scope[scope.iri].append(norm)
                    break
        self.provisions: list[Provision] = []
        self._concept_weights: dict[str, float] = {}
        self._common_words: dict[tuple[str, float], bool] = {}
        self._common_markers: dict[tuple[float, tuple[str, ...]], frozenset[str]] = {}
        for scope in scopes:
            key = segment_key(doc.id, scope.iri)
            number = scope.number or key
            self.provisions.append(
                Provision(
                    key=key,
                    iri=scope.iri,
                    label=f"（{number}）" if scope.kind == "provision" else f"{number}、",
                    heading=scope.heading or scope.text[:24],
                    text=scope.text,
                    start=scope.start,
                    end=scope.end,
                    norms=[Unit.from_norm(n, key) for n in by_scope[scope.iri]],
                )
            )
        docs = [tokens(p.text) for p in self.provisions]
        self.tfidf = TfIdf(docs)
        for prov, toks in zip(self.provisions, docs, strict=True):
            prov.vector = self.tfidf.vector(toks)
            prov.heading_vector = self.tfidf.vector(tokens(prov.heading))
            prov.words = frozenset(toks)
            prov.concepts = frozenset(t[1:] for t in toks if t.startswith("§"))
            for unit in prov.norms:
                prepare(unit, self.tfidf)

    @property
    def common_markers(self) -> frozenset[str]:
        """Refinement markers the central text itself uses in more than `marker_common_share` of
        its provisions (制度, 机制, 及时): its own way of naming every duty (建立健全…制度), so a
        local measure that uses them adds no procedure."""
        share = parameters()["marker_common_share"]
        markers = tuple(m for ms in parameters()["refinement_markers"].values() for m in ms)
        key = (share, markers)  # parameters can be overridden (held-out evaluation)
        if key not in self._common_markers:
            self._common_markers[key] = frozenset(
                m
                for m in markers
                if sum(m in p.text for p in self.provisions) > share * len(self.provisions)
            )
        return self._common_markers[key]

    def common_word(self, word: str) -> bool:
        """Whether the central text uses a word in more than `marker_common_share` of its
        provisions (监督, 干部, 班子成员): its own vocabulary, not a local detail."""
        share = parameters()["marker_common_share"]
        key = (word, share)
        if key not in self._common_words:
            n = sum(word in p.text for p in self.provisions)
            self._common_words[key] = n > share * len(self.provisions)
        return self._common_words[key]

    def concept_weight(self, concept: str) -> float:
        """Inverse provision frequency of a concept, counting the provisions that name it, a
        kind of it or a kind it is of (the IDF formula of the word vectors)."""
        if concept not in self._concept_weights:
            n = sum(1 for p in self.provisions if any(related(concept, d) for d in p.concepts))
            total = len(self.provisions)
            self._concept_weights[concept] = math.log((1 + total) / (1 + n)) + 1.0
        return self._concept_weights[concept]

    def get(self, key: str) -> Provision:
        for prov in self.provisions:
            if prov.key == key:
                return prov
        raise KeyError(key)


def prepare(unit: Unit, tfidf: TfIdf) -> None:
    """Give a unit its vector (its own words, and more faintly those of its context: its sentence
    and its paragraph's topic sentence) and its concept set (text and filler concepts)."""
    toks = tokens(unit.text)
    vec = tfidf.vector(toks)
    weight = parameters()["context_weight"]
    if weight > 0 and unit.context:
        for context in unit.context:
            for t, v in tfidf.vector(tokens(context)).items():
                vec[t] = vec.get(t, 0.0) + weight * v
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vec = {t: v / norm for t, v in vec.items()}
    unit.vector = vec
    unit.words = frozenset(words(unit.text))
    unit.concepts = frozenset(
        [t[1:] for t in toks if t.startswith("§")]
        + list(unit.bearers + unit.recipients + unit.targets + unit.action)
    )


@lru_cache(maxsize=4)
def central_index(doc_id: str = CENTRAL_ID, corpus_root: str | None = None) -> CentralIndex:
    """The central document's index (built once per process)."""
    corpus = load_corpus(corpus_root)
    doc = corpus.get(doc_id)
    tree = segment_document(doc)
    if not tree.find("provision") and not tree.find("part"):
        raise CorpusError(
            f"{doc_id}: has no numbered parts or provisions to check against; give a regulation "
            "such as zhongyang-2021-yijian"
        )
    return CentralIndex(doc, tree, extract_norms(doc, tree, corpus=corpus))


# ---------------------------------------------------------------- alignment


@dataclass
class Alignment:
    """One verdict with its evidence: the local unit, its best central provision and norm."""

    local: Unit | None
    provision: Provision | None
    central_norm: Unit | None
    verdict: str
    score: float
    text_score: float = 0.0
    structure_score: float = 0.0
    shared: tuple[str, ...] = ()
    differing: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    candidates: tuple[tuple[str, float], ...] = ()

    def to_dict(self, local_doc: Document | None, central_doc: Document) -> dict[str, Any]:
        def quote(unit: Unit | None, doc: Document | None) -> dict[str, Any] | None:
            if unit is None:
                return None
            out: dict[str, Any] = {
                "quote": unit.text,
                "start": unit.start,
                "end": unit.end,
                "modality": unit.modality,
            }
            if unit.place is not None:
                out["place"] = unit.place
            if doc is not None:
                out["source"] = doc.source_path.name
                # The quote is the clean text; `exact` is what [start, end) slices from the file,
                # line breaks and spacing included, as the knowledge base's oa:exact is.
                out["exact"] = doc.file_text[unit.start : unit.end]
            return out

        return {
            "verdict": self.verdict,
            "score": round(self.score, 3),
            "text_score": round(self.text_score, 3),
            "structure_score": round(self.structure_score, 3),
            "provision": self.provision.key if self.provision else None,
            "provision_label": self.provision.label if self.provision else None,
            "local": quote(self.local, local_doc),
            "central": quote(self.central_norm, central_doc),
            "shared": [label(c) for c in self.shared],
            "differing": [label(c) for c in self.differing],
            "reasons": list(self.reasons),
            "candidates": [{"provision": k, "score": round(s, 3)} for k, s in self.candidates],
        }


def _structure(
    local: Unit, central: frozenset[str], weight: Callable[[str], float]
) -> tuple[float, list[str], list[str]]:
    """The weighted share of the local unit's concepts that the provision has (itself, a kind of
    it, or a kind it is of). Weights are inverse provision frequencies, as for words: sharing
    第四种形态 with the one provision on 四种形态 says more than sharing 党委 with all of them."""
    if not local.concepts:
        return 0.0, [], []
    shared = sorted(c for c in local.concepts if any(related(c, d) for d in central))
    differing = sorted(c for c in local.concepts if c not in shared)
    total = sum(weight(c) for c in sorted(local.concepts))  # one order: sums must not vary by run
    return sum(weight(c) for c in shared) / total, shared, differing


def _markers(text: str, common: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    return {
        kind: [m for m in markers if m in text and m not in common]
        for kind, markers in parameters()["refinement_markers"].items()
    }


def align_unit(unit: Unit, index: CentralIndex, top: int = 3,
               support: float | None = None) -> Alignment:  # fmt: skip
    """The best central provision for a local unit, the closest norm in it, and the verdict.
    SUPPORT, when given, replaces the unit's own best score in deciding whether it extends."""
    params = parameters()
    w_text, w_struct = params["weights"]["text"], params["weights"]["structure"]
    ranked: list[tuple[float, float, float, Provision, Unit | None]] = []
    for prov in index.provisions:
        best_norm, best_cos = None, 0.0
        for cn in prov.norms:
            cos = TfIdf.cosine(unit.vector, cn.vector)
            if cos > best_cos:
                best_norm, best_cos = cn, cos
        mix = params["text_mix"]
        text = (
            mix["provision"] * TfIdf.cosine(unit.vector, prov.vector)
            + mix["heading"] * TfIdf.cosine(unit.vector, prov.heading_vector)
            + mix["norm"] * best_cos
        )
        struct, _, _ = _structure(unit, prov.concepts, index.concept_weight)
        ranked.append((w_text * text + w_struct * struct, text, struct, prov, best_norm))
    ranked.sort(key=lambda r: -r[0])
    score, text, struct, prov, cnorm = ranked[0]
    candidates = tuple((r[3].key, r[0]) for r in ranked[:top])
    if (score if support is None else support) < params["extends_below"]:
        return Alignment(
            unit, None, None, "extends", score, text, struct,
            differing=tuple(sorted(unit.concepts)),
            reasons=("no central provision says this",), candidates=candidates,
        )  # fmt: skip
    _, shared, differing = _structure(unit, prov.concepts, index.concept_weight)
    verdict, reasons = _verdict(unit, prov, cnorm, index.common_markers, index.common_word)
    return Alignment(
        unit, prov, cnorm, verdict, score, text, struct,
        tuple(shared), tuple(differing), tuple(reasons), candidates,
    )  # fmt: skip


def paragraph_support(units: list[Unit], best: list[float]) -> list[float | None]:
    """What decides whether each unit extends: its best score averaged, with weight
    `paragraph_support`, with the mean best score of the other units of its paragraph. Reports
    group measures by theme, so a measure whose neighbours all carry out central duties is
    seldom new, and one among new measures seldom carries one out. None for a unit alone."""
    weight = parameters()["paragraph_support"]
    groups: dict[str, list[int]] = {}
    for i, unit in enumerate(units):
        if unit.scope is not None:
            groups.setdefault(unit.scope, []).append(i)
    out: list[float | None] = []
    for i, unit in enumerate(units):
        others = [j for j in groups.get(unit.scope or "", ()) if j != i]
        if not weight or not others:
            out.append(None)
            continue
        mean = sum(best[j] for j in others) / len(others)
        out.append((best[i] + weight * mean) / (1 + weight))
    return out


def _verdict(
    unit: Unit,
    prov: Provision,
    cnorm: Unit | None,
    common: frozenset[str] = frozenset(),
    common_word: Callable[[str], bool] = lambda _: False,
) -> tuple[str, list[str]]:
    strength = parameters()["modality_strength"]
    departs: list[str] = []
    refines: list[str] = []
    if cnorm is not None and unit.modality and cnorm.modality:
        mine, theirs = strength.get(unit.modality, 2), strength.get(cnorm.modality, 2)
        if mine < theirs:
            departs.append(f"weaker modality: {cnorm.modality} → {unit.modality}")
        elif mine > theirs:
            refines.append(f"stricter modality: {cnorm.modality} → {unit.modality}")
        if cnorm.modality == "prohibition" and unit.modality != "prohibition":
            departs.append("the central prohibition is not kept")
    if cnorm is not None and unit.recipients and cnorm.recipients:
        if not any(related(a, b) for a in unit.recipients for b in cnorm.recipients):
            departs.append(
                "another recipient: "
                + "、".join(label(c) for c in cnorm.recipients)
                + " → "
                + "、".join(label(c) for c in unit.recipients)
            )
    if departs:
        return "departs", departs
    if unit.frequency and unit.frequency not in prov.text:
        refines.append(f"frequency: {unit.frequency}")
    for kind, found in _markers(unit.text, common).items():
        new = [
            m
            for m in found
            if m not in prov.text
            and m not in (unit.frequency or "")
            and not any(m != n and m in n for n in found)
        ]
        if new:
            refines.append(f"{kind}: {'、'.join(new)}")
    if unit.words:
        # A detail is a share of the measure's words and several of them: one new word in a
        # short generic measure (加强巡察监督) is a paraphrase, not a refinement. Words the central
        # text uses throughout (监督, 干部, 班子成员) are its own vocabulary, not a local detail,
        # even where the aligned provision happens not to use them.
        novel = sorted(w for w in unit.words if w not in prov.text and not common_word(w))
        params = parameters()
        if (
            len(novel) / len(unit.words) >= params["novel_share_refines"]
            and len(novel) >= params["novel_words_refines"]
        ):
            refines.append(f"detail the provision does not have: {'、'.join(novel[:6])}")
    if refines:
        return "refines", refines
    return "implements", ["the same duty"]


# ---------------------------------------------------------------- a whole document


@dataclass
class CoverageRow:
    """What a local document does with one central provision."""

    provision: Provision
    status: str
    norms_covered: int
    alignments: list[Alignment]


@dataclass
class CrossCheck:
    """The cross-check of one local document against the central one."""

    local_id: str
    local_doc: Document | None
    central: CentralIndex
    alignments: list[Alignment]
    omissions: list[Alignment]
    coverage: list[CoverageRow]

    def uncovered(self) -> list[Provision]:
        return [row.provision for row in self.coverage if row.status == "not covered"]

    def counts(self) -> dict[str, int]:
        counts = Counter(a.verdict for a in self.alignments + self.omissions)
        return {v: counts.get(v, 0) for v in VERDICTS}

    def to_dict(self) -> dict[str, Any]:
        cdoc = self.central.doc
        return {
            "local": self.local_id,
            "against": cdoc.id,
            "counts": self.counts(),
            "alignments": [a.to_dict(self.local_doc, cdoc) for a in self.alignments],
            "omissions": [a.to_dict(self.local_doc, cdoc) for a in self.omissions],
            "coverage": [
                {
                    "provision": row.provision.key,
                    "label": row.provision.label,
                    "heading": row.provision.heading,
                    "status": row.status,
                    "central_norms": len(row.provision.norms),
                    "central_norms_covered": row.norms_covered,
                    "local_quotes": [a.local.text for a in row.alignments if a.local],
                }
                for row in self.coverage
            ],
        }


@lru_cache(maxsize=1)
def _prohibition_markers() -> tuple[str, ...]:
    """The words that make a prohibition, from the extractor's own rules (kb/rules/norms.jsonl)."""
    from kb.extract import load_token_rules

    words: list[str] = []
    for rule in load_token_rules("norms"):
        if rule.label == "PROHIBITION":
            for token in rule.pattern:
                orth = token.get("ORTH")
                words += orth["IN"] if isinstance(orth, dict) else [orth] if orth else []
    return tuple(words)


def _omission_reasons(central: Unit, provision: Provision) -> tuple[str, ...]:
    """Why a dropped central prohibition is one: its quote, or, where the quote carries its 不得
    from the clause before (不得以权谋私，搞暗箱操作…), that clause too."""
    reasons = ["a central prohibition (不得) the local text leaves out"]
    markers = _prohibition_markers()
    if central.segment and not any(m in central.text for m in markers):
        sentence = central.segment.rsplit("/clause/", 1)[0]
        before = [
            n
            for n in provision.norms
            if n.segment
            and n.segment.rsplit("/clause/", 1)[0] == sentence
            and n.start < central.start
            and any(m in n.text for m in markers)
        ]
        if before:
            reasons.append(f"its prohibition is written in the clause before: {before[-1].text}")
    return tuple(reasons)


def document_units(doc: Document, corpus: Corpus | None) -> list[Unit]:
    """The norms and measures of a document, each attributed to the rule it belongs to (for a
    report, the rule it describes), with its context: the sentence it is a clause of (并向市委专题
    报告 is about the 巡察 named earlier in it) and the topic sentence of its paragraph, where
    reports name the theme of the measures that follow (★发挥政治巡察利剑作用。). The whole
    paragraph would drown the measure in a report's long paragraphs."""
    tree = segment_document(doc)
    norms = extract_norms(doc, tree, corpus=corpus)
    scopes = [s for s in tree.walk() if s.kind in ("paragraph", "item", "provision", "part")]
    numbered = [s for s in scopes if s.number is not None]
    sections = [s for s in tree.walk() if s.kind == "section"]
    sentences = [s for s in tree.walk() if s.kind == "sentence"]
    units = []
    for norm in norms:
        unit = Unit.from_norm(norm)
        unit.place = (
            _section_place(sections, norm.start, norm.end)
            + (_place(numbered, norm.start, norm.end, doc.normalised.text) or "")
            or None
        )
        context = []
        sentence = _smallest_around(sentences, norm.start, norm.end)
        if sentence is not None:
            context.append(sentence.text)
        scope = _smallest_around(scopes, norm.start, norm.end)
        if scope is not None:
            unit.scope = scope.iri
            topic = next((s for s in scope.walk() if s.kind == "sentence"), None)
            if topic is not None:
                context.append(topic.text)
        unit.context = tuple(c for c in context if c != norm.text)
        units.append(unit)
    return units


def _place(numbered: list[Segment], start: int, end: int, text: str) -> str | None:
    """Where `[start, end)` stands, as its document numbers it: 第三条, （二）, 一、, and a list
    entry under its provision, （一）1. or 第二条（一） (entries restart under each provision).
    `text` is the document's clean text, where a list entry's number stands before its words."""
    entry = _smallest_around(numbered, start, end)
    if entry is None:
        return None
    others = [s for s in numbered if s is not entry]
    above = _smallest_around(others, entry.start, entry.end)
    part = PART_MARKER.match(entry.text)
    if part is not None:
        return part.group(0)
    provision = PROVISION_MARKER.match(entry.text)
    if provision is not None:
        if provision.group(0).startswith("第") or above is None:
            return provision.group(0)  # articles are numbered through the whole rule
        # （一） restarts under each 一、: 一、（一） and 三、（一） are different provisions.
        outer = PART_MARKER.match(above.text)
        return (outer.group(0) if outer and outer.group(1) else "") + provision.group(0)
    line_start = text.rfind("\n", 0, entry.clean_start) + 1
    own = text[line_start : entry.clean_start].strip() or f"{entry.number}."
    prefix = _place(others, above.start, above.end, text) if above is not None else None
    return f"{prefix or ''}{own}"


def _section_place(sections: list[Segment], start: int, end: int) -> str:
    """The numbers of the headed sections around `[start, end)`, outermost first: a Markdown
    draft numbers its parts in its headings (## 一、强化上级监督, ### （一）权力运行)."""
    around = sorted(
        (s for s in sections if s.start <= start and end <= s.end), key=lambda s: s.start
    )
    out = ""
    for section in around:
        heading = next((c for c in section.children if c.kind == "heading"), None)
        text = heading.text if heading is not None else ""
        m = PART_MARKER.match(text) or PROVISION_MARKER.match(text)
        if m is not None:
            out += m.group(0)
    return out


def _smallest_around(segments: list[Segment], start: int, end: int) -> Segment | None:
    around = [s for s in segments if s.start <= start and end <= s.end]
    return min(around, key=lambda s: s.end - s.start) if around else None


def crosscheck_units(local_id: str, units: list[Unit], index: CentralIndex,
                     local_doc: Document | None = None) -> CrossCheck:  # fmt: skip
    """Align every unit, find the central prohibitions dropped, and build the coverage matrix."""
    params = parameters()
    for unit in units:
        prepare(unit, index.tfidf)
    alignments = [align_unit(unit, index) for unit in units]
    support = paragraph_support(units, [a.score for a in alignments])
    # Aligned again only where the paragraph turns the extends decision.
    alignments = [
        a if s is None or (a.verdict == "extends") == (s < params["extends_below"])
        else align_unit(u, index, support=s)
        for u, a, s in zip(units, alignments, support, strict=True)
    ]  # fmt: skip
    by_prov: dict[str, list[Alignment]] = {}
    for a in alignments:
        if a.provision is not None:
            by_prov.setdefault(a.provision.key, []).append(a)
    omissions: list[Alignment] = []
    coverage: list[CoverageRow] = []
    floor = params["norm_match_at_least"]
    for prov in index.provisions:
        aligned = by_prov.get(prov.key, [])
        covered = 0
        for cn in prov.norms:
            matches = [
                a for a in aligned if a.local and TfIdf.cosine(a.local.vector, cn.vector) >= floor
            ]
            if matches:
                covered += 1
            if (
                aligned
                and cn.modality == "prohibition"
                and not any(a.local and a.local.modality == "prohibition" for a in matches)
            ):
                omissions.append(
                    Alignment(
                        None,
                        prov,
                        cn,
                        "departs",
                        0.0,
                        reasons=_omission_reasons(cn, prov),
                    )  # fmt: skip
                )
        if not aligned:
            status = "not covered"
        elif prov.norms and covered / len(prov.norms) < params["covered_share"]:
            status = "partly covered"
        else:
            status = "covered"
        coverage.append(CoverageRow(prov, status, covered, aligned))
    return CrossCheck(local_id, local_doc, index, alignments, omissions, coverage)


def read_local(path: Path) -> Document:
    """A drafter's file (.txt, .md or .docx) as a document, ready for the pipeline."""
    suffix = path.suffix.lower()
    if suffix not in (".docx", ".txt", ".md", ".text", ""):
        raise CorpusError(
            f"{path}: unsupported file type {suffix!r}; give a .txt, .md or .docx file"
        )
    return load_text_document(path, doc_id=re.sub(r"[^\w-]+", "-", path.stem) or "local")


def crosscheck(
    local: str, *, against: str = CENTRAL_ID, corpus_root: str | None = None
) -> CrossCheck:
    """Cross-check LOCAL (a corpus document id or a .txt/.md/.docx path) against a central document.

    >>> result = crosscheck("guangzhou-2021-baxiang-cuoshi")
    >>> result.counts()["implements"] + result.counts()["refines"] > 0
    True
    """
    path = Path(local)
    if path.suffix or path.exists():
        index = central_index(against, corpus_root)
        doc = read_local(path)
        return crosscheck_units(doc.id, document_units(doc, None), index, doc)
    return crosscheck_rules([local], against=against, corpus_root=corpus_root)[local]


def crosscheck_rules(
    rules: Iterable[str], *, against: str = CENTRAL_ID, corpus_root: str | None = None
) -> dict[str, CrossCheck]:
    """Cross-check corpus documents; a report's text is extracted once, however many of the
    rules it describes are asked for."""
    index = central_index(against, corpus_root)
    corpus = load_corpus(corpus_root)
    units_of: dict[str, list[Unit]] = {}
    out = {}
    for rule in rules:
        meta = corpus.metas.get(rule)
        if meta is None:
            known = ", ".join(sorted(corpus.metas))
            raise DocumentNotFoundError(
                f"no document or file {rule!r}; give a .txt, .md or .docx path or one of: {known}"
            )
        holder_id = rule if meta.has_text else meta.known_through
        if holder_id is None:
            raise CorpusError(f"{rule}: has no text and no report that describes it")
        holder = corpus.get(holder_id)
        if holder_id not in units_of:
            units_of[holder_id] = document_units(holder, corpus)
        units = [u for u in units_of[holder_id] if meta.has_text or u.doc_id == rule]
        out[rule] = crosscheck_units(rule, units, index, holder)
    return out


# ---------------------------------------------------------------- reports


def _short(text: str, width: int = 36) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _counts_text(result: CrossCheck, bold: bool = False) -> str:
    """The verdict counts, with departs split into measures and dropped central prohibitions:
    a drafter reads "departs 5" as five measures of theirs otherwise."""
    parts = []
    for verdict, n in result.counts().items():
        parts.append(f"**{verdict}** {n}" if bold else f"{verdict} {n}")
        if verdict == "departs" and result.omissions:
            measures = n - len(result.omissions)
            parts[-1] += (
                f" ({measures} local measure{'s' * (measures != 1)}, "
                f"{len(result.omissions)} central prohibition{'s' * (len(result.omissions) != 1)}"
                " left out)"
            )
    return ", ".join(parts)


def _pad(text: str, width: int) -> str:
    """`text` cut and padded to `width` terminal columns (a Chinese character takes two)."""
    if display_width(text) > width - 1:
        while text and display_width(text) > width - 2:
            text = text[:-1]
        text += "…"
    return text + " " * max(1, width - display_width(text))


def render_table(result: CrossCheck) -> str:
    """A terminal table: one line per local unit, then the coverage matrix and omissions."""
    lines = [f"{result.local_id} against {result.central.doc.id}: " + _counts_text(result)]
    lines.append(f"{'verdict':<11}{'score':>6}  {'provision':<14}{_pad('local quote', 56)}reasons")
    for a in result.alignments:
        assert a.local is not None
        prov = a.provision.label if a.provision else "—"
        local = f"{a.local.place} {a.local.text}" if a.local.place else a.local.text
        lines.append(
            f"{a.verdict:<11}{a.score:>6.2f}  {_pad(prov, 14)}{_pad(local, 56)}"
            + "; ".join(a.reasons)
        )
    lines.append("")
    lines.append(f"{'provision':<14}{'status':<16}{'norms':>7}  heading")
    for row in result.coverage:
        lines.append(
            f"{_pad(row.provision.label, 14)}{row.status:<16}"
            f"{row.norms_covered:>3}/{len(row.provision.norms):<3}  {_short(row.provision.heading, 30)}"
        )
    for o in result.omissions:
        assert o.central_norm is not None and o.provision is not None
        lines.append(f"departs  {o.provision.label} drops: {_short(o.central_norm.text, 60)}")
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: CrossCheck) -> str:
    """Markdown for a drafter's memo: counts, every verdict with both quotes, coverage, omissions."""
    c = result.central.doc
    out = [f"# Cross-check of {result.local_id} against {c.id}", ""]
    out.append(_counts_text(result, bold=True))
    out += ["", "## Verdicts", "",
            "| verdict | score | central provision | local quote [span] | central quote [span] | reasons |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for a in result.alignments:
        assert a.local is not None
        place = f"{a.local.place} " if a.local.place else ""
        local = f"{place}{_md(a.local.text)} [{a.local.start}, {a.local.end})"
        central = (
            f"{_md(a.central_norm.text)} [{a.central_norm.start}, {a.central_norm.end})"
            if a.central_norm else "—"
        )  # fmt: skip
        prov = f"{a.provision.label} {_md(a.provision.heading)}" if a.provision else "—"
        out.append(
            f"| {a.verdict} | {a.score:.2f} | {prov} | {local} | {central} | {_md('; '.join(a.reasons))} |"
        )
    out += ["", "## Coverage of the central provisions", "",
            "| provision | heading | status | central norms matched |", "|---|---|---|---|"]  # fmt: skip
    for row in result.coverage:
        out.append(
            f"| {row.provision.label} | {_md(row.provision.heading)} | {row.status} "
            f"| {row.norms_covered} / {len(row.provision.norms)} |"
        )
    if result.omissions:
        out += ["", "## Central prohibitions left out", ""]
        for o in result.omissions:
            assert o.central_norm is not None and o.provision is not None
            out.append(
                f"- {o.provision.label} {_md(o.central_norm.text)} "
                f"[{o.central_norm.start}, {o.central_norm.end})"
            )
    return "\n".join(out) + "\n"


_STATUS_CLASS = {"covered": "ok", "partly covered": "part", "not covered": "none"}

_HTML_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2em;max-width:72em}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}
tr.ok td.status{background:#d9f2d9}tr.part td.status{background:#fff3c4}tr.none td.status{background:#f7d4d4}
details summary{cursor:pointer}.v-departs{color:#a00;font-weight:bold}.v-extends{color:#05a}
blockquote{margin:.2em 0 .2em 1em;color:#333}small{color:#666}
"""


def render_html(result: CrossCheck) -> str:
    """A self-contained HTML report: the coverage matrix, each row opening onto its quotes."""
    e = html.escape
    c = result.central.doc
    parts = [
        "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'>",
        f"<title>Cross-check {e(result.local_id)}</title><style>{_HTML_STYLE}</style></head><body>",
        f"<h1>Cross-check of {e(result.local_id)} against {e(c.id)}</h1>",
        "<p id='counts'>" + e(_counts_text(result)) + "</p>",
        "<h2>Coverage matrix</h2><table id='coverage'><tr><th>central provision</th><th>status</th>"
        "<th>local measures (click to see the quotes)</th></tr>",
    ]
    for row in result.coverage:
        p = row.provision
        items = []
        for a in row.alignments:
            assert a.local is not None
            central = (
                f"<blockquote>{e(a.central_norm.text)} <small>[{a.central_norm.start}, "
                f"{a.central_norm.end})</small></blockquote>" if a.central_norm else ""
            )  # fmt: skip
            items.append(
                f"<details><summary><span class='v-{a.verdict}'>{e(a.verdict)}</span> "
                f"{a.score:.2f} — {e(a.local.place or '')} {e(_short(a.local.text, 40))}</summary>"
                f"<blockquote>{e(a.local.text)} <small>[{a.local.start}, {a.local.end})</small>"
                f"</blockquote>{central}<small>{e('; '.join(a.reasons))}; shared: "
                f"{e('、'.join(label(s) for s in a.shared))}</small></details>"
            )
        for o in result.omissions:
            if o.provision is p and o.central_norm is not None:
                items.append(
                    f"<details><summary><span class='v-departs'>departs</span> — dropped "
                    f"{e(_short(o.central_norm.text, 40))}</summary><blockquote>"
                    f"{e(o.central_norm.text)}</blockquote></details>"
                )
        parts.append(
            f"<tr class='{_STATUS_CLASS[row.status]}' data-provision='{e(p.key)}'>"
            f"<td>{e(p.label)} {e(p.heading)}</td><td class='status'>{e(row.status)} "
            f"({row.norms_covered}/{len(p.norms)})</td><td>{''.join(items)}</td></tr>"
        )
    parts.append("</table>")
    extends = [a for a in result.alignments if a.verdict == "extends" and a.local]
    if extends:
        parts.append("<h2>Local additions (extends)</h2><ul id='extends'>")
        parts += [
            f"<li>{e(a.local.text)} <small>[{a.local.start}, {a.local.end})</small></li>"
            for a in extends if a.local
        ]  # fmt: skip
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def render(result: CrossCheck, fmt: str) -> str:
    """The report in one of: table, markdown, html, json."""
    if fmt == "table":
        return render_table(result)
    if fmt == "markdown":
        return render_markdown(result)
    if fmt == "html":
        return render_html(result)
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    raise ValueError(f"unknown format {fmt!r}; use table, markdown, html or json")


# ---------------------------------------------------------------- evaluation


@dataclass
class AlignmentScore:
    """Top-1 / top-3 provision accuracy and verdict accuracy against the alignment gold."""

    entries: int = 0
    with_central: int = 0
    top1: int = 0
    top3: int = 0
    verdicts: int = 0
    matched_units: int = 0
    errors: list[str] = field(default_factory=list)
    # A second annotator's agreement with the gold, scored as the aligner is: how far a
    # careful reader gets on the same task, the reference the aligner's figures stand beside.
    second_annotation: dict[str, Any] | None = None

    def ratio(self, name: str) -> float:
        total = self.entries if name == "verdicts" else self.with_central
        return getattr(self, name) / total if total else 0.0

    def render(self) -> str:
        lines = [
            f"alignment gold: {self.entries} local measures "
            f"({self.matched_units} found among the extracted norms, the rest aligned from the quote)",
            f"top-1 provision accuracy  {self.ratio('top1'):.3f}  ({self.top1}/{self.with_central})",
            f"top-3 provision accuracy  {self.ratio('top3'):.3f}  ({self.top3}/{self.with_central})",
            f"verdict accuracy          {self.ratio('verdicts'):.3f}  ({self.verdicts}/{self.entries})",
        ]
        if self.second_annotation is not None:
            a = self.second_annotation
            lines += [
                "",
                f"a second, blind annotation of the same {a['entries']} measures, scored the same way:",
                f"top-1 {a['top1']:.3f}  top-3 {a['top3']:.3f}  verdicts {a['verdict_accuracy']:.3f}",
            ]
        if self.errors:
            lines += ["", "errors:"] + [f"  {e}" for e in self.errors]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "top1": self.ratio("top1"),
            "top3": self.ratio("top3"),
            "verdict_accuracy": self.ratio("verdicts"),
            "matched_units": self.matched_units,
            "second_annotation": self.second_annotation,
            "errors": self.errors,
        }


def annotator_agreement(gold_path: Path | str, second_path: Path | str) -> dict[str, Any]:
    """Score a second annotation against the gold exactly as the aligner is scored: its first
    provision among the gold's (top-1), any of its first three among them (top-3), the same
    verdict. Both files must annotate the same measures in the same order."""

    def read(path: Path | str) -> list[dict[str, Any]]:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    gold, second = read(gold_path), read(second_path)
    if [g["id"] for g in gold] != [s["id"] for s in second]:
        raise KBError(
            f"{second_path}: its measures are not those of {gold_path} in the same order; "
            "annotate the same ids"
        )
    with_central = [(g, s) for g, s in zip(gold, second, strict=True) if g["central"]]
    top1 = sum(bool(s["central"]) and s["central"][0] in g["central"] for g, s in with_central)
    top3 = sum(any(k in g["central"] for k in s["central"][:3]) for g, s in with_central)
    verdicts = sum(g["verdict"] == s["verdict"] for g, s in zip(gold, second, strict=True))
    return {
        "entries": len(gold),
        "top1": top1 / len(with_central) if with_central else 0.0,
        "top3": top3 / len(with_central) if with_central else 0.0,
        "verdict_accuracy": verdicts / len(gold) if gold else 0.0,
    }


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _best_unit(quote: str, alignments: list[Alignment]) -> Alignment | None:
    want = _bigrams(quote)
    best, best_share = None, 0.0
    for a in alignments:
        if a.local is None:
            continue
        got = _bigrams(a.local.text)
        share = len(want & got) / max(len(want | got), 1)
        if share > best_share:
            best, best_share = a, share
    return best if best_share >= 0.5 else None


def evaluate_alignment(gold_path: Path | str, norms_gold: Path | str,
                       corpus_root: str | None = None) -> AlignmentScore:  # fmt: skip
    """Score the aligner on the gold: each gold local measure is looked up among the extracted
    norms (by quote), or aligned from its quote when extraction missed it, so the alignment is
    measured apart from extraction recall."""
    score = AlignmentScore()
    for row in _alignment_rows(gold_path, norms_gold, corpus_root):
        score.entries += 1
        score.matched_units += row["matched"]
        score.with_central += row["with_central"]
        score.top1 += row["top1"]
        score.top3 += row["top3"]
        score.verdicts += row["verdict"]
        if row["error"]:
            score.errors.append(row["error"])
    return score


def _alignment_rows(gold_path: Path | str, norms_gold: Path | str,
                    corpus_root: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Per gold entry: its document and whether top-1, top-3 and the verdict are right."""
    local = {
        e["id"]: e
        for e in map(json.loads, Path(norms_gold).read_text(encoding="utf-8").splitlines())
    }
    gold = [
        json.loads(line)
        for line in Path(gold_path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    index = central_index(CENTRAL_ID, corpus_root)
    rules = sorted({local[entry["id"]]["attributed_to"] for entry in gold})
    results = crosscheck_rules(rules, corpus_root=corpus_root)
    rows = []
    for entry in gold:
        rule = local[entry["id"]]["attributed_to"]
        found = _best_unit(entry["quote"], results[rule].alignments)
        if found is not None:
            alignment = found
        else:
            unit = Unit(rule, entry["id"], entry["quote"], 0, 0, None)
            unit.action = tuple(sorted(set(concepts_in(entry["quote"]))))
            prepare(unit, index.tfidf)
            alignment = align_unit(unit, index)
        ranked = [k for k, _ in alignment.candidates]
        central = entry["central"]
        row = {
            "doc": local[entry["id"]]["doc"],
            "matched": found is not None,
            "with_central": bool(central),
            "top1": bool(central) and ranked[0] in central,
            "top3": bool(central) and any(k in central for k in ranked[:3]),
            "verdict": alignment.verdict == entry["verdict"],
            "error": "",
        }
        if not row["verdict"] or (central and not row["top1"]):
            row["error"] = (
                f"{entry['id']}: gold {entry['verdict']} {','.join(central) or '—'}; "
                f"got {alignment.verdict} {','.join(ranked[:3])} — {_short(entry['quote'], 40)}"
            )
        rows.append(row)
    return rows


# The verdict thresholds held-out evaluation chooses between.
VERDICT_GRID = {
    "novel_share_refines": (0.3, 0.4, 0.5, 0.6),
    "novel_words_refines": (1, 2, 3, 4, 5),
    "paragraph_support": (0.0, 0.5, 1.0),
}


def held_out_verdicts(gold_path: Path | str, norms_gold: Path | str,
                      corpus_root: str | None = None,
                      grid: dict[str, tuple[Any, ...]] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Verdict accuracy on each local document with the thresholds chosen on the others.

    The thresholds in `alignment.json` were chosen on the whole gold, so its figure flatters
    them; leaving each document out of the choice shows what to expect on a new local rule.
    """
    grid = grid or VERDICT_GRID
    names = sorted(grid)
    settings = list(itertools.product(*(grid[n] for n in names)))
    table: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    try:
        for setting in settings:
            _OVERRIDES.clear()
            _OVERRIDES.update(zip(names, setting, strict=True))
            table[setting] = _alignment_rows(gold_path, norms_gold, corpus_root)
    finally:
        _OVERRIDES.clear()
    docs = sorted({row["doc"] for row in table[settings[0]]})
    out = []
    for doc in docs:

        def right(setting: tuple[Any, ...], held: bool, doc: str = doc) -> int:
            return sum(r["verdict"] for r in table[setting] if (r["doc"] == doc) == held)

        chosen = max(settings, key=lambda s: right(s, held=False))
        out.append(
            {
                "document": doc,
                "chosen": dict(zip(names, chosen, strict=True)),
                "right": right(chosen, held=True),
                "entries": sum(1 for r in table[chosen] if r["doc"] == doc),
            }
        )
    return out


def render_held_out(folds: list[dict[str, Any]]) -> str:
    """One line per document, then the held-out verdict accuracy over all of them."""
    lines = []
    for fold in folds:
        chosen = ", ".join(f"{k}={v}" for k, v in fold["chosen"].items())
        lines.append(
            f"{fold['document']:32s} {fold['right'] / fold['entries']:.3f}  "
            f"({fold['right']}/{fold['entries']}; chosen on the others: {chosen})"
        )
    right = sum(f["right"] for f in folds)
    total = sum(f["entries"] for f in folds)
    lines.append(f"{'held-out verdict accuracy':32s} {right / total:.3f}  ({right}/{total})")
    return "\n".join(lines)


# ---------------------------------------------------------------- RDF

_RELATION = {
    "implements": "Implements",
    "refines": "Refines",
    "extends": "Extends",
    "departs": "Departs",
}
_STATUS = {"covered": "Covered", "partly covered": "PartlyCovered", "not covered": "NotCovered"}


def alignment_triples(result: CrossCheck) -> list[Any]:
    """The cross-check as `pk:Alignment` and `pk:ProvisionCoverage` resources (pyoxigraph triples).

    IRIs are numbered in text order under the local document, so two builds give the same ones. An
    *extends* alignment names the closest provision (the contract wants one) with its low score;
    a dropped central prohibition is a *departs* alignment from the local sentence that carries
    out the provision without it.
    """
    from pyoxigraph import Literal, NamedNode, Triple

    from kb.graph import RDF_TYPE, integer, pk
    from kb.namespaces import PKD, PROV, XSD, document_iri

    local_doc = NamedNode(document_iri(result.local_id))
    decimal = NamedNode(f"{XSD}decimal")
    out: list[Any] = []
    ordered = result.alignments + result.omissions
    for n, a in enumerate(ordered, start=1):
        node = NamedNode(f"{PKD}alignment/{result.local_id}/{n}")
        provision = a.provision
        if provision is None and a.candidates:
            provision = result.central.get(a.candidates[0][0])
        local = a.local
        if local is None and a.provision is not None:  # a dropped prohibition
            row = next(r for r in result.coverage if r.provision is a.provision)
            local = next((x.local for x in row.alignments if x.local is not None), None)
        if provision is None or local is None or local.segment is None:
            continue
        out += [
            Triple(node, RDF_TYPE, pk("Alignment")),
            Triple(node, pk("localSegment"), NamedNode(local.segment)),
            Triple(node, pk("centralProvision"), NamedNode(provision.iri)),
            Triple(node, pk("relation"), pk(_RELATION[a.verdict])),
            Triple(
                node, pk("score"), Literal(f"{min(max(a.score, 0.0), 1.0):.3f}", datatype=decimal)
            ),
            Triple(node, pk("localDocument"), local_doc),
            Triple(node, NamedNode(f"{PROV}wasDerivedFrom"), NamedNode(local.segment)),
        ]
        if a.local is not None:
            out.append(Triple(node, pk("localNorm"), NamedNode(a.local.key)))
        if a.central_norm is not None:
            out.append(Triple(node, pk("centralNorm"), NamedNode(a.central_norm.key)))
        evidence = list(a.reasons)
        if a.shared:
            evidence.append("shared: " + "、".join(label(c) for c in a.shared))
        if a.differing:
            evidence.append("local only: " + "、".join(label(c) for c in a.differing))
        for text in evidence:
            out.append(Triple(node, pk("evidence"), Literal(text)))
    for row in result.coverage:
        node = NamedNode(f"{PKD}coverage/{result.local_id}/{row.provision.key}")
        out += [
            Triple(node, RDF_TYPE, pk("ProvisionCoverage")),
            Triple(node, pk("localDocument"), local_doc),
            Triple(node, pk("coversProvision"), NamedNode(row.provision.iri)),
            Triple(node, pk("coverageStatus"), pk(_STATUS[row.status])),
            Triple(node, pk("centralNormsMatched"), integer(row.norms_covered)),
        ]
    return out


def local_rules(corpus: Corpus, central: str = CENTRAL_ID) -> list[str]:
    """The corpus's local rules to cross-check at build time: regulations below the centre that
    relate to the central document (those known through reports included)."""
    return sorted(
        m.id
        for m in corpus.metas.values()
        if m.kind == "regulation" and m.level != "central" and m.relates_to == central
    )
