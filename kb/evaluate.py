"""Measure the extractor against hand-written gold norms (`tests/gold/norms/*.jsonl`).

Gold norms are matched one-to-one to extracted norms of the same document and segment by the
overlap of their quotes in the clean text. Each field is then scored as slot filling: a
(norm, value) pair is a true positive when both sides hold it; precision, recall and F1 per
field and per document; every miss and false positive is listed with its quote.

Gold files are read only here and by the tests, never by the extractor.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.corpus import Corpus, Document
from kb.errors import KBError
from kb.extract import Norm, extract_norms, ontology_label_forms
from kb.namespaces import PK
from kb.resources import REPO_DIR
from kb.segment import Segment, segment_document

DEFAULT_GOLD = REPO_DIR / "tests" / "gold" / "norms"
FIELDS = ("bearer", "modality", "action", "recipient", "target", "condition", "sanction")
MATCH_MIN_OVERLAP = 0.4
QUOTES = "“”‘’"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """Scores per field (and for bearer+modality+action together), per document; errors listed."""

    fields: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    by_document: dict[str, dict[str, Score]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Score))
    )
    errors: list[str] = field(default_factory=list)

    def add(self, doc_id: str, name: str, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        for score in (self.fields[name], self.by_document[doc_id][name]):
            score.tp += tp
            score.fp += fp
            score.fn += fn

    def render(self) -> str:
        lines = ["field                     P      R      F1     (tp/fp/fn)"]
        for name, score in self.fields.items():
            lines.append(_row(name, score))
        for doc_id, scores in sorted(self.by_document.items()):
            lines.append(f"\n{doc_id}")
            for name, score in scores.items():
                lines.append(_row("  " + name, score))
        if self.errors:
            lines.append(f"\n{len(self.errors)} misses and false positives:")
            lines.extend(self.errors)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        def block(scores: dict[str, Score]) -> dict[str, Any]:
            return {
                k: {
                    "precision": s.precision,
                    "recall": s.recall,
                    "f1": s.f1,
                    "tp": s.tp,
                    "fp": s.fp,
                    "fn": s.fn,
                }
                for k, s in scores.items()
            }

        return {
            "fields": block(self.fields),
            "documents": {d: block(s) for d, s in self.by_document.items()},
            "errors": self.errors,
        }


def _row(name: str, score: Score) -> str:
    return f"{name:24s} {score.precision:6.3f} {score.recall:6.3f} {score.f1:6.3f}   ({score.tp}/{score.fp}/{score.fn})"


GOLD_FIELDS = ("doc", "quote", "modality")


def load_gold(directory: Path | str | None = None) -> list[dict[str, Any]]:
    """Every gold norm of the folder's JSONL files.

    :raises KBError: a missing folder or a line that is not JSON.
    """
    folder = Path(directory) if directory is not None else DEFAULT_GOLD
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise KBError(
            f"{folder}: no gold files (*.jsonl); the evaluation needs the hand annotation"
        )
    gold = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            raise KBError(f"{path}: is not UTF-8 text; save the annotation as UTF-8") from None
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as exc:
                raise KBError(f"{path.name}:{lineno}: not JSON ({exc.msg})") from None
            missing = [k for k in GOLD_FIELDS if not isinstance(entry, dict) or k not in entry]
            if missing:
                raise KBError(
                    f"{path.name}:{lineno}: a gold norm needs the fields {', '.join(GOLD_FIELDS)} "
                    f"(missing: {', '.join(missing)}); see tests/gold/norms/GUIDELINES.md"
                )
            gold.append(entry)
    if not gold:
        raise KBError(f"{folder}: the gold files hold no norm; annotate some first")
    return gold


class _Concepts:
    """Surface form → ontology concept, longest label first, ignoring quotes and levels."""

    def __init__(self) -> None:
        self.forms: dict[str, str] = {}
        self.measures: dict[str, str] = {}
        for label, form, concept in ontology_label_forms():
            self.forms.setdefault(form, f"{PK}{concept}")
            if label in ("MEASURE", "SANCTION"):
                self.measures.setdefault(form, f"{PK}{concept}")
        self.ordered = sorted(self.forms, key=len, reverse=True)

    def measure(self, text: str | None) -> str | None:
        """An action's concept: only an exact measure or sanction label counts (guidelines §7)."""
        return self.measures.get(text or "")

    def of(self, text: str | None) -> str | None:
        if not text:
            return None
        plain = "".join(ch for ch in text if ch not in QUOTES)
        if plain in self.forms:
            return self.forms[plain]
        best: tuple[int, str] | None = None
        for form in self.ordered:
            pos = plain.rfind(form)
            if pos >= 0 and (best is None or pos + len(form) > best[0]):
                best = (pos + len(form), self.forms[form])
            if best is not None and len(form) < 2:
                break
        return best[1] if best else None

    def set_of(self, texts: Iterable[str]) -> set[str]:
        return {c for t in texts if (c := self.of(t))}


def _clean_span(doc: Document, norm: Norm) -> tuple[int, int]:
    n = doc.normalised
    return n.clean_position(norm.start), n.clean_position(norm.end)


def _locate(text: str, quote: str, start: int, end: int) -> tuple[int, int] | None:
    pos = text.find(quote, start, end + len(quote))
    if pos < 0:
        pos = text.find(quote)
    return (pos, pos + len(quote)) if pos >= 0 else None


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def evaluate(corpus: Corpus, gold: list[dict[str, Any]] | None = None) -> Report:
    """Score the extractor on the gold norms of every document the gold names."""
    gold = load_gold() if gold is None else gold
    concepts = _Concepts()
    report = Report()
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in gold:
        by_doc[entry["doc"]].append(entry)
    for doc_id, entries in sorted(by_doc.items()):
        doc = corpus.get(doc_id)
        tree = segment_document(doc)
        predicted = extract_norms(doc, tree, corpus=corpus)
        _score_document(doc, tree, entries, predicted, concepts, report)
    return report


def _segment_span(tree: Segment, doc_id: str, path: str) -> tuple[int, int] | None:
    iri = f"{tree.iri}/{path}"
    for seg in tree.walk():
        if seg.iri == iri:
            return seg.clean_start, seg.clean_end
    return None


def _score_document(
    doc: Document,
    tree: Segment,
    entries: list[dict[str, Any]],
    predicted: list[Norm],
    concepts: _Concepts,
    report: Report,
) -> None:
    text = doc.normalised.text
    # Only norms from the segments the gold annotates are scored.
    scopes = {e["segment"] for e in entries}
    spans = {s: _segment_span(tree, doc.id, s) for s in scopes}
    pred = [
        p
        for p in predicted
        if any(
            p.segment.startswith(f"{tree.iri}/{s}/") or p.segment == f"{tree.iri}/{s}"
            for s in scopes
        )
    ]
    pred_spans = [_clean_span(doc, p) for p in pred]
    gold_spans: list[tuple[int, int] | None] = []
    for entry in entries:
        span = spans.get(entry["segment"])
        located = _locate(text, entry["quote"], *(span or (0, len(text))))
        gold_spans.append(located)
    # Greedy one-to-one matching by overlap.
    pairs = []
    for g, gspan in enumerate(gold_spans):
        if gspan is None:
            report.errors.append(
                f"[gold-quote-not-found] {doc.id} {entries[g]['id']}: {entries[g]['quote']}"
            )
            continue
        for p, pspan in enumerate(pred_spans):
            ov = _overlap(gspan, pspan)
            if ov >= MATCH_MIN_OVERLAP * (gspan[1] - gspan[0]) or ov >= MATCH_MIN_OVERLAP * (
                pspan[1] - pspan[0]
            ):
                pairs.append((ov, g, p))
    pairs.sort(reverse=True)
    matched_g: dict[int, int] = {}
    matched_p: set[int] = set()
    for _, g, p in pairs:
        if g in matched_g or p in matched_p:
            continue
        matched_g[g] = p
        matched_p.add(p)
    for g, entry in enumerate(entries):
        match = matched_g.get(g)
        values_g = _gold_values(entry, concepts)
        if match is None:
            for name in FIELDS:
                report.add(doc.id, name, fn=len(values_g[name]))
            report.add(doc.id, "bearer+modality+action", fn=1)
            report.errors.append(f"[miss] {doc.id} {entry['id']}: {entry['quote']}")
            continue
        values_p = _pred_values(pred[match], concepts)
        all_three = True
        for name in FIELDS:
            tp = _matches(name, values_g[name], values_p[name])
            report.add(
                doc.id, name, tp=tp, fp=len(values_p[name]) - tp, fn=len(values_g[name]) - tp
            )
            if name in ("bearer", "modality", "action") and (
                tp != len(values_g[name]) or tp != len(values_p[name])
            ):
                all_three = False
            if tp != len(values_g[name]) or tp != len(values_p[name]):
                report.errors.append(
                    f"[{name}] {doc.id} {entry['id']}: gold {sorted(values_g[name])} / got {sorted(values_p[name])}: {entry['quote']}"
                )
        report.add(
            doc.id,
            "bearer+modality+action",
            tp=1 if all_three else 0,
            fp=0 if all_three else 1,
            fn=0 if all_three else 1,
        )
    for p, norm in enumerate(pred):
        if p in matched_p:
            continue
        values_p = _pred_values(norm, concepts)
        for name in FIELDS:
            report.add(doc.id, name, fp=len(values_p[name]))
        report.add(doc.id, "bearer+modality+action", fp=1)
        report.errors.append(
            f"[false-positive] {doc.id} {norm.segment.rsplit('/doc/', 1)[-1]}: {norm.text}"
        )


def _gold_values(entry: dict[str, Any], concepts: _Concepts) -> dict[str, set[str]]:
    action_concept = concepts.measure(entry.get("action"))
    return {
        "bearer": concepts.set_of(entry.get("bearer") or []),
        "modality": {entry["modality"]},
        "action": {f"act:{action_concept or ''}|{entry.get('action_text') or entry.get('action')}"},
        "recipient": concepts.set_of(entry.get("recipient") or []),
        "target": concepts.set_of(entry.get("target") or []),
        "condition": {f"text:{entry['condition']}"} if entry.get("condition") else set(),
        "sanction": {f"text:{entry.get('sanction_quote') or entry['sanction']}"}
        if entry.get("sanction")
        else set(),
    }


def _pred_values(norm: Norm, concepts: _Concepts) -> dict[str, set[str]]:
    return {
        "bearer": {b.concept for b in norm.bearers if b.concept},
        "modality": {norm.modality},
        "action": {f"act:{norm.action.concept or ''}|{norm.action.text}"},
        "recipient": {r.concept for r in norm.recipients if r.concept},
        "target": {t.concept for t in norm.targets if t.concept},
        "condition": {f"text:{norm.condition.text}"} if norm.condition else set(),
        "sanction": {f"text:{s.text}" for s in norm.sanctions},
    }


def _matches(name: str, gold: set[str], pred: set[str]) -> int:
    """True positives: equal concepts; texts that overlap by half of the shorter.

    An action agrees when both name the same measure concept or their phrases agree.
    """
    tp = 0
    remaining = set(pred)
    for g in gold:
        hit = None
        for p in remaining:
            if g == p or (
                g.startswith("text:") and p.startswith("text:") and _texts_agree(g[5:], p[5:])
            ):
                hit = p
                break
            if g.startswith("act:") and p.startswith("act:"):
                g_concept, g_text = g[4:].split("|", 1)
                p_concept, p_text = p[4:].split("|", 1)
                if (g_concept and g_concept == p_concept) or _texts_agree(g_text, p_text):
                    hit = p
                    break
        if hit is not None:
            remaining.discard(hit)
            tp += 1
    return tp


def _texts_agree(a: str, b: str) -> bool:
    a, b = a.strip("，。；"), b.strip("，。；")
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    common = sum(1 for ch in set(a) if ch in b)
    return common >= 0.6 * min(len(set(a)), len(set(b)))
