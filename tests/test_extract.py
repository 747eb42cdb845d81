"""Norm extraction: general rules checked on sentences written for the test, exact spans on all."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from kb.corpus import Corpus, Document, load_text_document
from kb.extract import Norm, default_extractor, extract_norms, load_token_rules
from kb.segment import Segment, segment_document

from .conftest import TESTS_DIR

PK = "https://w3id.org/policykb/ontology#"
CASES = [
    json.loads(line)
    for line in (TESTS_DIR / "fixtures" / "extract_cases.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]


def _extract_text(
    tmp_path: Path, text: str, kind: str | None = None
) -> tuple[Document, list[Norm]]:
    path = tmp_path / "case.txt"
    path.write_text(text + "\n", encoding="utf-8")
    doc = load_text_document(path)
    if kind is not None:
        # A report's genre rules apply to documents of its kind; its short test lines are
        # paragraphs, not a wrapped column.
        meta = dataclasses.replace(doc.meta, kind=kind)
        layout = dataclasses.replace(doc.file_layout, wrapped=False)
        doc = Document(meta, doc.source_path, doc.file_text, 0, len(doc.file_text), layout)
    return doc, extract_norms(doc, segment_document(doc))


def _local(iri: str | None) -> str | None:
    return iri.removeprefix(PK) if iri else None


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_extract_fillers_of_sentences_not_in_the_corpus(tmp_path: Path, case: dict) -> None:
    doc, norms = _extract_text(tmp_path, case["input"], case.get("kind"))
    assert len(norms) == len(case["expect"]), [n.text for n in norms]
    for norm, want in zip(norms, case["expect"], strict=True):
        assert norm.modality == want["modality"]
        assert sorted(_local(b.concept) or "" for b in norm.bearers) == sorted(want["bearer"])
        assert norm.bearer_carried == want.get("carried", False)
        if "action" in want:
            assert _local(norm.action.concept) == want["action"]
        if "action_text" in want:
            assert norm.action.text == want["action_text"]
        assert sorted(_local(r.concept) or "" for r in norm.recipients) == sorted(
            want.get("recipient", [])
        )
        if "recipient_level" in want:
            assert _local(norm.recipients[0].level) == want["recipient_level"]
        assert sorted(_local(t.concept) or "" for t in norm.targets) == sorted(
            want.get("target", [])
        )
        if "target_level" in want:
            assert _local(norm.targets[0].level) == want["target_level"]
        assert _local(norm.frequency.concept if norm.frequency else None) == want.get("frequency")
        grade = norm.condition.grade if norm.condition else None
        assert _local(grade) == want.get("grade")
        assert [_local(s.concept) for s in norm.sanctions] == (
            [want["sanction"]] if "sanction" in want else []
        )


def _spans(norm: Norm) -> list[tuple[str, int, int]]:
    out = [
        (norm.text, norm.start, norm.end),
        (norm.action.text, norm.action.start, norm.action.end),
    ]
    for mention in (*norm.bearers, *norm.recipients, *norm.targets, *norm.sanctions):
        out.append((mention.text, mention.start, mention.end))
    if norm.frequency:
        out.append((norm.frequency.text, norm.frequency.start, norm.frequency.end))
    if norm.condition:
        out.append((norm.condition.text, norm.condition.start, norm.condition.end))
    return out


def test_extract_every_span_slices_the_raw_file_to_its_quote(
    corpus: Corpus, trees: dict[str, Segment]
) -> None:
    total = 0
    for doc in corpus:
        for norm in extract_norms(doc, trees[doc.id], corpus=corpus):
            for text, start, end in _spans(norm):
                assert doc.raw_start <= start < end <= doc.raw_end
                assert doc.normalise_span(start, end) == text, (norm.iri, text)
                total += 1
    assert total > 1000


def test_extract_headline_norms_of_the_yijian(corpus: Corpus, trees: dict[str, Segment]) -> None:
    doc = corpus.get("zhongyang-2021-yijian")
    norms = extract_norms(doc, trees[doc.id])
    p8 = [
        n
        for n in norms
        if n.provision and n.provision.endswith("/provision/8") and n.modality == "permission"
    ]
    assert len(p8) == 1
    assert [_local(b.concept) for b in p8[0].bearers] == ["LeadershipMember"]
    assert [_local(r.concept) for r in p8[0].recipients] == ["SuperiorPartyOrganization"]
    assert p8[0].condition is not None and _local(p8[0].condition.grade) == "ImportantProblem"
    p14 = [
        n for n in norms if n.provision and n.provision.endswith("/provision/14") and n.recipients
    ]
    assert {_local(r.concept) for r in p14[0].recipients} == {
        "DisciplineInspectionCommission",
        "TopLeader",
    }
    assert [_local(b.concept) for b in p14[0].bearers] == ["DisciplineCommissionSecretary"]
    assert [s.text for s in p14[0].sanctions] == ["依规依纪严肃追究责任"]


def test_extract_local_measures_are_attributed_to_the_rules_reports_describe(
    corpus: Corpus, trees: dict[str, Segment]
) -> None:
    doc = corpus.get("hengyang-2020-jiandu-baodao")
    rules = {n.attributed_to for n in extract_norms(doc, trees[doc.id], corpus=corpus)}
    assert {"hengyang-2020-shixiang-cuoshi", "hengyang-2020-tongji-jiandu-yijian"} <= rules
    doc = corpus.get("guangzhou-2020-ruogan-jiedu")
    items = [n for n in extract_norms(doc, trees[doc.id], corpus=corpus) if "/item/" in n.segment]
    assert items and {n.attributed_to for n in items} == {"guangzhou-2020-ruogan-cuoshi"}


def test_extract_rules_load_and_validate(tmp_path: Path) -> None:
    rules = load_token_rules()
    assert len({r.id for r in rules}) == len(rules) > 10
    assert {"OBLIGATION", "PROHIBITION", "PERMISSION", "CONDITION_OPEN"} <= {r.label for r in rules}


def test_ontology_entity_ruler_sets_what_spacys_entity_ruler_sets(corpus: Corpus) -> None:
    """The faster ruler must be a drop-in: the same entities and ids on every document, and the
    same labels except where two labels claim one span (then the first by name, every time)."""
    import spacy

    extractor = default_extractor()
    stock = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    stock_ruler = stock.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    stock_ruler.add_patterns(  # type: ignore[attr-defined]
        [{"label": label, "pattern": form, "id": c} for label, form, c in extractor.label_forms]
    )
    for doc in corpus:
        ours = extractor.nlp(doc.clean_text)
        theirs = stock(doc.clean_text)
        assert [(e.start, e.end, e.ent_id_) for e in ours.ents] == [
            (e.start, e.end, e.ent_id_) for e in theirs.ents
        ]
        for mine, stock_ent in zip(ours.ents, theirs.ents, strict=True):
            claims = sorted(
                label
                for label, form, concept in extractor.label_forms
                if form == mine.text and concept == mine.ent_id_.rsplit("#", 1)[-1]
            )
            if len(claims) > 1:
                assert mine.label_ == claims[0]
            else:
                assert mine.label_ == stock_ent.label_
        assert len(ours.ents) > 100
        # The analysis reads the entities from the token arrays: the same ones, by character.
        analysis = extractor.analyse(doc.clean_text)
        assert [(e.start, e.end, e.label) for e in analysis.ents] == [
            (e.start_char, e.end_char, e.label_) for e in ours.ents
        ]
