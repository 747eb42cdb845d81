"""The extractor measured against the hand-written gold set (tests/gold/norms)."""

from __future__ import annotations

import pytest

from kb.corpus import Corpus
from kb.evaluate import Report, evaluate, load_gold


@pytest.fixture(scope="module")
def report(corpus: Corpus) -> Report:
    return evaluate(corpus, load_gold())


def test_evaluate_yijian_meets_the_acceptance_figures(report: Report) -> None:
    scores = report.by_document["zhongyang-2021-yijian"]
    assert scores["bearer+modality+action"].f1 >= 0.95
    assert scores["condition"].f1 >= 0.90
    assert scores["recipient"].f1 >= 0.90
    assert scores["sanction"].f1 >= 0.90


@pytest.mark.parametrize(
    "doc_id",
    ["guangzhou-2020-ruogan-jiedu", "guangzhou-2021-baxiang-jiedu", "hengyang-2020-jiandu-baodao"],
)
def test_evaluate_local_documents_meet_the_acceptance_figure(report: Report, doc_id: str) -> None:
    assert report.by_document[doc_id]["bearer+modality+action"].f1 >= 0.85


def test_evaluate_every_gold_quote_is_found(report: Report) -> None:
    assert not [e for e in report.errors if e.startswith("[gold-quote-not-found]")]


def test_evaluate_lists_misses_and_false_positives_with_quotes(report: Report) -> None:
    kinds = {e.split("]")[0] + "]" for e in report.errors}
    assert "[miss]" in kinds and "[false-positive]" in kinds
    assert all(": " in e for e in report.errors)
    text = report.render()
    assert "bearer+modality+action" in text and "zhongyang-2021-yijian" in text


def test_evaluate_the_held_out_article_keeps_its_level(corpus: Corpus) -> None:
    """The blind held-out annotations (tests/gold/heldout). The 海关 article: first measured at
    F1 0.333, 0.772 after the general faults it showed were fixed; a floor under that level."""
    from kb.resources import REPO_DIR

    report = evaluate(corpus, load_gold(REPO_DIR / "tests" / "gold" / "heldout"))
    assert not [e for e in report.errors if e.startswith("[gold-quote-not-found]")]
    scores = report.by_document["zgjjjc-2023-23-haiguan"]
    assert scores["bearer+modality+action"].f1 >= 0.75
    # The interpretation's blind figure (0.622) is reported, not tuned on: only sanity here.
    assert report.by_document["renmin-2021-yijian-jiedu"]["bearer+modality+action"].f1 > 0.5
