"""Extraction throughput against plain `jieba.lcut` on the same text, in the same run.

Prints characters per second for both and their ratio (goal: extraction ≥ 0.5 × jieba).
Run: .venv/bin/python bench/extract_throughput.py [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import time

import jieba

from kb.corpus import load_corpus
from kb.extract import default_extractor, extract_norms
from kb.segment import segment_document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes over the corpus (default 5)")
    args = parser.parse_args()

    corpus = load_corpus()
    trees = {doc.id: segment_document(doc) for doc in corpus}
    texts = [doc.clean_text for doc in corpus]
    chars = sum(len(t) for t in texts) * args.repeat
    default_extractor()  # build the pipeline (and load jieba) outside the timings
    jieba.lcut("预热")

    # Loading spaCy, rdflib and the ontology leaves a full garbage collection due; collect it
    # before each timed loop (as `timeit` keeps the collector out of its timings) so that one
    # pause left over from setup does not land inside whichever loop runs first or second.
    gc.collect()
    start = time.perf_counter()
    for _ in range(args.repeat):
        for text in texts:
            jieba.lcut(text)
    jieba_seconds = time.perf_counter() - start

    gc.collect()
    start = time.perf_counter()
    norms = 0
    for _ in range(args.repeat):
        for doc in corpus:
            norms += len(extract_norms(doc, trees[doc.id], corpus=corpus))
    extract_seconds = time.perf_counter() - start

    jieba_rate = chars / jieba_seconds
    extract_rate = chars / extract_seconds
    print(f"characters       {chars:>12,}  ({args.repeat} passes over {len(texts)} documents)")
    print(f"jieba.lcut       {jieba_rate:>12,.0f} chars/s")
    print(
        f"extract_norms    {extract_rate:>12,.0f} chars/s  ({norms // args.repeat} norms per pass)"
    )
    print(f"ratio            {extract_rate / jieba_rate:>12.2f}  (goal >= 0.50)")


if __name__ == "__main__":
    main()
