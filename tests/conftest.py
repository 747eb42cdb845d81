"""Shared fixtures: the corpus and its document trees are loaded once per session."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def serving(kb_path: Path | str, *options: str) -> Iterator[str]:
    """A real `policykb serve` process on 127.0.0.1 (a free port); yields its /query URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kb", "serve", "--kb", str(kb_path), "--port", "0", *options],
        cwd=REPO_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "serving http://127.0.0.1:PORT/query …"
        assert line.startswith("serving http://127.0.0.1:"), line
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(10)


def rule_file(folder: Path, text: str, name: str = "rule.txt") -> Path:
    """A drafter's rule written for a test, as a UTF-8 file."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# A provision with numbered entries under it, as a county's 实施意见 writes them.
LIST_ENTRIES_RULE = (
    "某县实施意见\n\n一、加强监督\n\n（一）强化谈话监督。县委书记每年与乡镇党委书记谈话。\n"
    "1. 谈话应当有记录。\n2. 发现问题的，应当及时提醒。\n"
)
