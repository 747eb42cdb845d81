"""Cross-check speed for a 10,000-character local text, once the central index is loaded.

The local text is the corpus's local reports, cut at a paragraph end after 10,000 characters and
written to a temporary .txt, so it goes through the same path as a drafter's file. Prints the
seconds per cross-check (goal: under 2 s), how they split between extraction and alignment, and
the ratio to `jieba.lcut` on the same text, measured in the same run.
Run: .venv/bin/python bench/crosscheck_speed.py [--chars N] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import jieba

from kb.corpus import load_corpus
from kb.crosscheck import central_index, crosscheck, crosscheck_units, document_units, read_local


def local_text(chars: int) -> str:
    """Paragraphs of the local reports (not the central text) until `chars` is reached."""
    corpus = load_corpus()
    paragraphs: list[str] = []
    total = 0
    for doc in corpus:
        if doc.meta.level == "central":
            continue
        for para in doc.clean_text.split("\n"):
            if para.strip():
                paragraphs.append(para)
                total += len(para) + 1
            if total >= chars:
                return "\n".join(paragraphs)
    return "\n".join(paragraphs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    text = local_text(args.chars)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "local.txt"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        index = central_index()
        crosscheck(str(path))  # warm: the extractor, jieba and the ontology lexicon
        print(f"central index and pipeline loaded in {time.perf_counter() - started:.2f} s (once)")

        totals, extracts, aligns, lcuts = [], [], [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            doc = read_local(path)
            units = document_units(doc, None)
            t1 = time.perf_counter()
            result = crosscheck_units(doc.id, units, index, doc)
            t2 = time.perf_counter()
            jieba.lcut(text)
            t3 = time.perf_counter()
            totals.append(t2 - t0)
            extracts.append(t1 - t0)
            aligns.append(t2 - t1)
            lcuts.append(t3 - t2)
    total = statistics.median(totals)
    print(f"local text         {len(text):,} characters, {len(result.alignments)} norms aligned")
    print(f"cross-check        {total:.3f} s median of {args.repeat}  (goal < 2 s)")
    print(f"  extraction       {statistics.median(extracts):.3f} s")
    print(f"  alignment        {statistics.median(aligns):.3f} s")
    print(f"jieba.lcut         {statistics.median(lcuts):.3f} s  (cross-check / lcut = "
          f"{total / statistics.median(lcuts):.1f}×)")  # fmt: skip


if __name__ == "__main__":
    main()
