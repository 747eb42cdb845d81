"""Shared fixtures: the corpus and its document trees are loaded once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.corpus import Corpus, load_corpus
from kb.segment import Segment, segment_document

TESTS_DIR = Path(__file__).resolve().parent
REPO_DIR = TESTS_DIR.parent
GOLD_DIR = TESTS_DIR / "gold"
SEEDS_DIR = REPO_DIR.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="session")
def trees(corpus: Corpus) -> dict[str, Segment]:
    return {doc.id: segment_document(doc) for doc in corpus}


@pytest.fixture(scope="session")
def yijian_gold() -> dict:
    return json.loads((GOLD_DIR / "yijian_structure.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def built_kb(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The knowledge base built once for the session, in a temporary folder."""
    from kb.core import KnowledgeBase

    path = tmp_path_factory.mktemp("kb")
    kb, report = KnowledgeBase.build(path, progress=False)
    return kb, report, path
