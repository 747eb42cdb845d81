"""Rule-based norm extraction: bearer, modality, action, recipient, target, condition, sanction.

A spaCy pipeline on `spacy.blank("zh")` with the jieba segmenter; an entity ruler generated from
the ontology's SKOS labels (actors, measures, sanctions, problem grades, frequencies, levels);
Matcher patterns from `kb/rules/norms.jsonl` (deontic markers, condition frames, prepositions,
breach words, imperative verbs). Extraction works clause by clause:

- a deontic marker sets the modality and governs the following clauses up to 「；」 or 「。」;
- the actors before the marker, outside prepositional phrases and condition frames, are the
  bearers (coordinated bearers are each bound); a clause without them inherits the bearer of
  the previous clause, sentence or, in a provision, of the provision's earlier sentences;
- 「发现…的」「对…的」「…时」 frames are conditions, carried to the action clause that follows;
- 「向X报告」 gives the recipient, 「对X进行」「同X谈话」 the target;
- a clause whose condition is a breach (「不报告…的」「对隐瞒不报…的」) and whose action is a
  sanction is linked, as the sanction, to the earlier norm whose duty it punishes.

Nothing here names a sentence of the corpus: the lexicon is the ontology, the rules are data.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import accumulate, compress
from operator import attrgetter, itemgetter
from typing import Any

from kb.corpus import Corpus, Document
from kb.errors import RuleLoadError
from kb.namespaces import PK
from kb.resources import RULES_DIR
from kb.segment import ITEM_NUMBER, Segment

SCHEME_LABELS = {
    "ActorScheme": "ACTOR",
    "MeasureScheme": "MEASURE",
    "SanctionScheme": "SANCTION",
    "ProblemGradeScheme": "GRADE",
    "FrequencyScheme": "FREQUENCY",
    "RelativeLevelScheme": "LEVEL",
    "CadreRankScheme": "RANK",
}
MODALITIES = ("OBLIGATION", "PROHIBITION", "PERMISSION", "ENCOURAGEMENT")
ACTOR = ("ACTOR",)
MEASURES = ("MEASURE", "SANCTION")
# Words that qualify an actor and must stay separate jieba tokens (各级党委 → 各级 党委).
QUALIFIERS = (
    "各级",
    "各",
    "上级",
    "下级",
    "同级",
    "本级",
    "上一级",
    "下一级",
    "有关",
    "相关",
    "其他",
)
CLAUSE_BREAK = "；;"
QUOTE_MARKS = "“”‘’「」『』\"'"
CONJUNCTIONS = {"、", "和", "及", "以及", "与", "或者", "或", "并"}
# Tokens that may stand between the actors of a subject: 党委（党组）、纪检机关和组织部门;
# 领导干部特别是高级干部; 各级“一把手”.
SUBJECT_GLUE = (
    CONJUNCTIONS
    | set(QUOTE_MARKS)
    | set(QUALIFIERS)
    | {
        "特别",
        "是",
        "特别是",
        "尤其是",
        "的",
        "（",
        "）",
        "其",
        "及其",
        # places before an organ: 县纪委监委, 全市纪检监察机关, 区直单位
        "省",
        "市",
        "县",
        "区",
        "镇",
        "乡",
        "村",
        "全省",
        "全市",
        "全区",
        "全县",
        "市直",
        "县直",
        "区直",
        # levels of office before a cadre: 县级分管领导, 科级“一把手”
        "省级",
        "市级",
        "县级",
        "乡级",
        "厅级",
        "处级",
        "科级",
    }
)
# Verbs after which the actor before 对 supervises (强化上级X对下级Y的监督).
SUPERVISING_VERBS = ("强化", "加强", "发挥")
PREPOSITIONS = ("向", "对", "同", "与", "给", "把", "将", "由")
# Where the phrase governed by a preposition ends when no measure noun closes it.
HEAD_MAX_TAIL = 5
SLOGAN_MAX = 16
SLOGAN_LONG_MAX = 34  # a two-clause heading before more sentences
# Openers that start a condition even without a closing 的 (如 without 的 is "for example").
OPEN_ENDED_CONDITIONS = ("发现", "凡", "凡是", "一旦")
# After a 《title》 as subject, these verbs introduce the rule's measures; others describe it.
INTRODUCING_VERBS = ("提出", "要求", "规定", "明确", "强调")
CLOSERS_TEXT = "”’」』）) "
# 建立了…制度: a report telling what a rule instituted, not narration.
INSTITUTED = re.compile(r"(建立|出台|制定|完善|建立健全)了.*(制度|机制|办法|清单|规定|措施)")
LEADING_ADVERBS = {
    "着力",
    "大力",
    "带头",
    "并",
    "重点",
    "积极",
    "充分",
    "不断",
    "持续",
    "坚决",
    "认真",
    "全面",
    "进一步",
    "同时",
    "也",
}
# Prohibitions that put whom they forbid after them (严禁“一把手”直接分管人事), where 不得 follows
# its subject (领导干部不得…).
FORBIDDING = ("严禁", "禁止", "不准")
REPORT_CONNECTIVES = ("提出了", "提出", "比如", "如", "要求")
# 把 / 将 put their object before the verb: 把X作为重点, 将X纳入…
DISPOSAL = ("把", "将")
DISPOSAL_VERBS = {"作为", "纳入", "列入", "列为", "视为"}
GOVERNED_VERB_STOPS = {
    "进行",
    "开展",
    "实行",
    "予以",
    "给予",
    "作出",
    "提出",
    "履行",
    "落实",
    "加强",
    "是否",
    "，",
}
TEXT_KINDS_NORMATIVE = {"paragraph", "item"}
HAN = re.compile(r"[\u4e00-\u9fff]+")  # Chinese characters only
# Place names before an organ (石鼓区纪委监委, 衡阳市衡东县纪委监委), however jieba cuts them.
PLACE_NAMES = re.compile(r"([\u4e00-\u9fff]{1,4}[省市县区州盟旗镇乡])+")
# Headings of measures: a direction of change (推动X向Y延伸), what the measures are put forward
# as (突出把X作为…).
DIRECTION_TOPIC = re.compile(r"向[^，。；]{1,12}(延伸|转变|拓展|聚焦)$")
EMPHASIS_TOPIC = re.compile(r"突出把[^，。；]+作为")
# A clause that dates a report's sentence as news: a point in time (日前，…; 今年5月，…), or the
# period a report sums up (近年来，…).
POINT_IN_TIME = re.compile(
    r"近日|日前|近期|前不久|(今年|去年|\d{4}年)?\d{1,2}月(\d{1,2}日)?(初|底|中旬|上旬|下旬)?"
)
NEWS_TIME = re.compile(f"近年来|{POINT_IN_TIME.pattern}")
# The longest clause that may open a report paragraph before its subject (今年以来，).
TIME_OPENER_MAX = 6
# Words ending in 后 / 时 that are adverbs, not the close of a 收到…后 condition.
TIME_ADVERBS = {"今后", "以后", "此后", "然后", "随后", "最后", "前后", "先后", "落后", "滞后"}
TIME_ADVERBS |= {"同时", "及时", "适时", "随时", "按时", "准时", "平时", "届时", "有时", "当时"}
# The longest body that shares the next actor as its head (政府 in 党委、政府分管领导).
SHARED_BODY_MAX = 4
# The longest 驻X that says where an organ is posted (驻海关总署).
POSTING_MAX = 10
# The longest quotation that names a term (“不敢腐”, “一签了之”) rather than quoting speech.
QUOTED_TERM_MAX = 10
# Rule labels whose words are verbs or adverbs that jieba must keep whole.
VERB_LABELS = {"IMPERATIVE", "ADVERB"}


@dataclass(frozen=True)
class Mention:
    """A filler as written: its concept (an ontology IRI, if any), clean text and raw span."""

    concept: str | None
    text: str
    start: int
    end: int
    level: str | None = None


@dataclass(frozen=True)
class Condition:
    """The trigger of a norm (发现…的 / 对…的 / …时), with the problem grade and actor it names."""

    text: str
    start: int
    end: int
    grade: str | None = None
    about: tuple[str, ...] = ()
    breach: bool = False
    actors: tuple[Mention, ...] = ()  # the actors it names, with their spans


@dataclass
class Norm:
    """One rule stated in the text, with every filler's span in the raw file."""

    iri: str
    doc_id: str
    attributed_to: str
    segment: str
    provision: str | None
    modality: str
    bearers: tuple[Mention, ...]
    bearer_carried: bool
    action: Mention
    recipients: tuple[Mention, ...] = ()
    targets: tuple[Mention, ...] = ()
    condition: Condition | None = None
    sanctions: list[Mention] = field(default_factory=list)
    frequency: Mention | None = None
    text: str = ""
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class TokenRule:
    """A Matcher rule from `kb/rules/norms.jsonl`."""

    id: str
    label: str
    pattern: list[dict[str, Any]]
    source: str


def load_token_rules(path: str = "norms") -> list[TokenRule]:
    """Load and validate the Matcher rules; the error names the failing rule id.

    :raises RuleLoadError: a line that is not JSON, a missing field, or an invalid pattern.
    """
    import spacy
    from spacy.matcher import Matcher

    file = RULES_DIR / f"{path}.jsonl"
    vocab = spacy.blank("xx").vocab
    rules = []
    for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RuleLoadError(f"[R001] {file.name}:{lineno}: not JSON ({exc.msg})") from None
        rule_id = str(data.get("id", "?"))
        for key, kind in (("id", str), ("label", str), ("pattern", list), ("source", str)):
            if not isinstance(data.get(key), kind) or not data[key]:
                raise RuleLoadError(
                    f"[R002] {file.name}:{lineno} rule {rule_id}: bad or missing '{key}'"
                )
        try:
            Matcher(vocab, validate=True).add(rule_id, [data["pattern"]])
        except ValueError as exc:
            first = str(exc).strip().splitlines()[0]
            raise RuleLoadError(
                f"[R003] {file.name}:{lineno} rule {rule_id}: invalid pattern ({first})"
            ) from None
        rules.append(TokenRule(rule_id, data["label"], data["pattern"], data["source"]))
    return rules


def _split_modal_compounds(rules: list[TokenRule]) -> None:
    """Keep deontic markers apart: jieba's dictionary has words like 要带头 or 不得以, which would
    hide the modal inside one token. Every dictionary word made of a modal and another word of two
    or more characters is removed, so the modal is segmented on its own."""
    import jieba

    jieba.initialize()
    modals = sorted(
        {
            w
            for r in rules
            if r.label in ("OBLIGATION", "PROHIBITION")
            for w in _single_token_words(r.pattern) or []
        },
        key=len,
        reverse=True,
    )
    freq = jieba.dt.FREQ
    doomed = [
        word
        for word, count in freq.items()
        if count
        and len(word) >= 3
        and any(
            word.startswith(m) and freq.get(word[len(m) :], 0) and len(word) - len(m) >= 2
            for m in modals
        )
    ]
    for word in doomed:
        jieba.del_word(word)


def _split_adverb_compounds(rules: list[TokenRule]) -> None:
    """Keep a measure's verb apart from the adverb before it: jieba's dictionary has words like
    不断加强 or 认真落实, which would hide the verb inside one token. Every dictionary word made
    of a leading adverb and an imperative verb of the rules is removed."""
    import jieba

    verbs = {
        w
        for r in rules
        if r.label == "IMPERATIVE"
        for w in _single_token_words(r.pattern) or []
        if len(w) >= 2
    }
    adverbs = set(LEADING_ADVERBS) | {
        w for r in rules if r.label == "ADVERB" for w in _single_token_words(r.pattern) or []
    }
    freq = jieba.dt.FREQ
    doomed = [
        adverb + verb
        for adverb in adverbs
        for verb in verbs
        if freq.get(adverb + verb) and adverb + verb not in verbs
    ]
    for word in doomed:
        jieba.del_word(word)


def _single_token_words(pattern: list[dict[str, Any]]) -> list[str] | None:
    """The words of a one-token ORTH pattern, or None for a pattern the Matcher must run."""
    if len(pattern) != 1 or set(pattern[0]) != {"ORTH"}:
        return None
    value = pattern[0]["ORTH"]
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and set(value) == {"IN"}:
        return [str(v) for v in value["IN"]]
    return None


@dataclass(slots=True)
class _Tok:
    text: str
    start: int  # character offset in the sentence
    end: int


@dataclass(slots=True)
class _Ent:
    label: str
    concept: str
    start: int
    end: int
    text: str


Mark = tuple[int, int, str, str]  # a rule match: start, end, rule id, label
Modal = tuple[int, int, str]  # a modal marker: start, end, modality


@dataclass
class _Analysis:
    """A whole text analysed once: jieba's words, entities and rule matches, by character
    offsets. Sentences are views on it, in the same offsets.

    The clause rules ask the same few questions many times (which marks of a label lie in a
    span, does one start here, which actors lie in a span), so each has an index over the
    whole text, built once per text when first asked; a sentence bisects it within its bounds
    and copies nothing.
    """

    text: str
    words: list[str]
    bounds: list[int]  # where each word starts, then where the last one ends
    ents: list[_Ent]
    marks: list[Mark]  # rule matches, sorted

    def view(self, start: int, end: int) -> _Sentence:
        """The part `[start, end)` of the text."""
        return _Sentence(self, start, end)

    @cached_property
    def ent_starts(self) -> list[int]:
        """Where each entity starts."""
        return list(map(attrgetter("start"), self.ents))

    @cached_property
    def mark_keys(self) -> list[int]:
        """Where each mark starts."""
        return list(map(itemgetter(0), self.marks))

    @cached_property
    def label_marks(self) -> dict[str, tuple[list[Mark], list[int]]]:
        """label → its marks, sorted, and where they start."""
        out: dict[str, tuple[list[Mark], list[int]]] = {}
        for mark in self.marks:
            found = out.get(mark[3])
            if found is None:
                found = out[mark[3]] = ([], [])
            found[0].append(mark)
            found[1].append(mark[0])
        return out

    @cached_property
    def modal_marks(self) -> tuple[list[Modal], list[int]]:
        """The marks of every modality as (start, end, label), by start, then in the order of
        MODALITIES, then by end (a clause's first modal is the first of these it keeps), and
        where they start."""
        found = sorted(
            (m[0], rank, m[1])
            for rank, label in enumerate(MODALITIES)
            for m in self.label_marks.get(label, ([], []))[0]
        )
        return [(a, b, MODALITIES[rank]) for a, rank, b in found], [a for a, _, _ in found]

    @cached_property
    def _ents_of(self) -> dict[tuple[str, ...], tuple[list[_Ent], list[int], list[int]]]:
        """Entities by label, with their starts and ends; filled in for sets of labels when
        first asked for."""
        out: dict[tuple[str, ...], tuple[list[_Ent], list[int], list[int]]] = {}
        for ent in self.ents:
            found = out.get((ent.label,))
            if found is None:
                found = out[(ent.label,)] = ([], [], [])
            found[0].append(ent)
            found[1].append(ent.start)
            found[2].append(ent.end)
        return out

    def ents_of(self, labels: tuple[str, ...]) -> tuple[list[_Ent], list[int], list[int]]:
        """The entities of the labels, with their starts and ends."""
        index = self._ents_of.get(labels)
        if index is None:
            ents = [e for e in self.ents if e.label in labels]
            index = self._ents_of[labels] = (ents, [e.start for e in ents], [e.end for e in ents])
        return index

    @cached_property
    def _spans_of(self) -> dict[str, set[tuple[int, int]]]:
        return {}

    def spans_of(self, label: str) -> set[tuple[int, int]]:
        """The (start, end) of the entities of a label."""
        spans = self._spans_of.get(label)
        if spans is None:
            _, starts, ends = self.ents_of((label,))
            spans = self._spans_of[label] = set(zip(starts, ends, strict=True))
        return spans

    @cached_property
    def level_ending_at(self) -> dict[int, _Ent]:
        """Level words (上级, 同级 …) by where they end."""
        return {e.end: e for e in self.ents_of(("LEVEL",))[0]}  # they do not overlap

    @cached_property
    def unit_spans(self) -> set[tuple[int, int]]:
        """The (start, end) of the unit nouns (单位, 部门 …)."""
        return {(m[0], m[1]) for m in self.label_marks.get("UNIT_NOUN", ([], []))[0]}


class _Sentence:
    """A sentence of an analysed text: `[start, end)` of the whole text, whose offsets it
    keeps. Every lookup is confined to the sentence: a mark, token or entity that reaches
    past either end is not the sentence's."""

    def __init__(self, whole: _Analysis, start: int, end: int) -> None:
        self.whole = whole
        self.text = whole.text  # indexed by whole-text offsets, like everything here
        self.start = start
        self.end = end
        self.words = whole.words
        self.bounds = whole.bounds  # where each word starts, then where the last one ends
        self.memo: dict[tuple[Any, ...], Any] = {}
        self.sentence_text = whole.text[start:end]  # the text of the sentence alone
        # The labels of the marks that start in the sentence: most labels a rule asks about
        # have none there, which this answers without a search. (Made here, as nearly every
        # sentence is asked, rather than through a cached_property and its lock.)
        keys = whole.mark_keys
        self.labels = {m[3] for m in whole.marks[bisect_left(keys, start) : bisect_left(keys, end)]}

    def char(self, pos: int) -> str:
        """The character at `pos`, or "" outside the sentence (as a slice of its text gives)."""
        return self.text[pos] if self.start <= pos < self.end else ""

    def startswith(self, prefix: str | tuple[str, ...], pos: int) -> bool:
        """Whether the sentence has `prefix` at `pos` (not running past its end)."""
        return self.text.startswith(prefix, pos, self.end)

    # Tokens tile the text and entities do not overlap, so both are sorted by start and by end;
    # marks are sorted by start. Lookups bisect instead of scanning the sentence. Tokens are the
    # whole text's words, addressed by index (`word_span`, `word_start`, `word_end`): the rules
    # that walk tokens look at a few words each, so no token objects are made for a sentence.
    def word_span(self, start: int, end: int) -> range:
        """The indices of the words that lie inside `[start, end)` and inside the sentence."""
        bounds = self.bounds
        lo = bisect_left(bounds, start if start > self.start else self.start)
        return range(lo, bisect_right(bounds, end if end < self.end else self.end) - 1)

    def word_start(self, k: int) -> int:
        """Where word `k` of the whole text starts."""
        return self.bounds[k]

    def word_end(self, k: int) -> int:
        """Where word `k` of the whole text ends."""
        return self.bounds[k + 1]

    def marks_in(self, label: str, start: int, end: int) -> list[Mark]:
        """The marks of a label inside `[start, end)`."""
        if label not in self.labels:
            return []
        found = self.whole.label_marks[label]
        marks, keys = found
        if end > self.end:
            end = self.end
        lo = bisect_left(keys, start if start > self.start else self.start)
        hi = bisect_left(keys, end, lo)
        return [m for m in marks[lo:hi] if m[1] <= end] if lo < hi else []

    def marks_of(self, label: str) -> list[Mark]:
        """The marks of a label in the sentence."""
        return self.marks_in(label, self.start, self.end)

    def modals_in(self, start: int, end: int) -> list[Modal]:
        """The marks of every modality inside `[start, end)`, as (start, end, label), in the
        order `_Analysis.modal_marks` gives."""
        marks, keys = self.whole.modal_marks
        if end > self.end:
            end = self.end
        lo = bisect_left(keys, start if start > self.start else self.start)
        hi = bisect_left(keys, end, lo)
        return [m for m in marks[lo:hi] if m[1] <= end] if lo < hi else []

    def mark_starts_at(self, label: str, pos: int) -> bool:
        """Whether a mark of the label starts at `pos`."""
        if label not in self.labels or pos < self.start:
            return False
        found = self.whole.label_marks[label]
        marks, keys = found
        k = bisect_left(keys, pos)  # the shortest mark starting at `pos` comes first
        return k < len(keys) and keys[k] == pos and marks[k][1] <= self.end

    def ents_in(self, labels: tuple[str, ...], start: int, end: int) -> list[_Ent]:
        """The entities of the labels inside `[start, end)`."""
        whole = self.whole
        index = whole._ents_of.get(labels)  # ents_of, without a call when the index is made
        ents, starts, ends = index if index is not None else whole.ents_of(labels)
        return ents[
            bisect_left(starts, start if start > self.start else self.start) : bisect_right(
                ends, end if end < self.end else self.end
            )
        ]

    def _inside(self, ent: _Ent | None) -> _Ent | None:
        return ent if ent is not None and self.start <= ent.start and ent.end <= self.end else None

    def ent_covering(self, pos: int) -> _Ent | None:
        """The entity that `pos` falls inside, if any."""
        k = bisect_right(self.whole.ent_starts, pos) - 1
        ent = self.whole.ents[k] if k >= 0 else None
        return self._inside(ent) if ent is not None and ent.end > pos else None

    def ent_at(self, pos: int) -> _Ent | None:
        """The entity that starts at `pos`, if any."""
        ent = self.ent_covering(pos)
        return ent if ent is not None and ent.start == pos else None

    def spans_of(self, label: str) -> set[tuple[int, int]]:
        """The (start, end) of the entities of a label, to test a span of the sentence."""
        return self.whole.spans_of(label)

    def level_ending_at(self, pos: int) -> _Ent | None:
        """The level word (上级, 同级 …) that ends at `pos`, if any."""
        return self._inside(self.whole.level_ending_at.get(pos))

    @property
    def unit_spans(self) -> set[tuple[int, int]]:
        """The (start, end) of the unit nouns, to test a span of the sentence."""
        return self.whole.unit_spans

    def known_starts(self, start: int, end: int) -> set[int]:
        """Where a rule match or an entity starts in `[start, end)`: words the rules know."""
        whole = self.whole
        start, end = max(start, self.start), min(end, self.end)
        keys = whole.mark_keys
        marks = whole.marks[bisect_left(keys, start) : bisect_left(keys, end)]
        out = {m[0] for m in marks if m[1] <= self.end}
        keys = whole.ent_starts
        ents = whole.ents[bisect_left(keys, start) : bisect_left(keys, end)]
        out.update(e.start for e in ents if e.end <= self.end)
        return out

    def _token(self, k: int) -> _Tok:
        return _Tok(self.words[k], self.bounds[k], self.bounds[k + 1])

    def token_at(self, pos: int) -> _Tok | None:
        """The token that starts at `pos`, if any."""
        span = self.word_span(pos, self.end) if pos >= self.start else range(0)
        return self._token(span[0]) if span and self.bounds[span[0]] == pos else None

    def has_tokens_in(self, start: int, end: int) -> bool:
        return bool(self.word_span(start, end))

    def tokens_in(self, start: int, end: int) -> list[_Tok]:
        return [self._token(k) for k in self.word_span(start, end)]


ENTITY_RULER = "ontology_entity_ruler"


def _register_entity_ruler() -> None:
    """spaCy's EntityRuler, set to annotate a document that has no entities yet.

    Before it keeps a match, the stock ruler looks at every token of the match for an entity set
    earlier, building a Token object each time; with nothing set earlier that check cannot fail,
    and it cost more than the matching. Matches are chosen as the stock ruler chooses them, with
    ties between labels broken by name rather than by hash order. The extraction asks it for
    the entities of jieba's words (`entities`), which it finds without making a Doc.
    """
    import numpy
    from spacy.attrs import ENT_ID, ENT_IOB, ENT_TYPE
    from spacy.language import Language
    from spacy.pipeline import EntityRuler
    from spacy.tokens import Doc

    if Language.has_factory(ENTITY_RULER):
        return

    class OntologyEntityRuler(EntityRuler):
        def match(self, doc: Doc) -> list[tuple[int, int, int]]:
            # Longest first, then leftmost, as the stock ruler; a span that two labels claim
            # (诫勉 is a measure and a sanction) goes to the first label by name, where the stock
            # ruler leaves it to the order of a hash set, which moves with token positions.
            strings = doc.vocab.strings
            return sorted(super().match(doc), key=lambda m: (m[1] - m[2], m[1], strings[m[0]]))

        _phrase_index: dict[str, list[tuple[int, list[str], str, str]]] | None = None

        def add_patterns(self, patterns: list[dict[str, Any]]) -> None:
            super().add_patterns(patterns)
            self._phrase_index = None

        def clear(self) -> None:
            super().clear()
            self._phrase_index = None

        def remove(self, ent_id: str) -> None:
            super().remove(ent_id)
            self._phrase_index = None

        def entities(self, words: list[str]) -> list[tuple[str, str, int, int]]:
            """(label, id, first token, end token) of the entities this ruler sets on a Doc of
            these words, in token order, found without building the Doc.

            The phrase patterns are looked up by their first word: the matches the
            PhraseMatcher finds on the Doc, where making the Doc (a lexeme for each word the
            vocabulary has not seen) cost more than the matching.
            """
            return [(label, ent_id, start, end) for start, end, label, ent_id in self.spans(words)]

        def spans(self, words: list[str]) -> list[tuple[int, int, str, str]]:
            """The entities of `entities`, as (first token, end token, label, id)."""
            if self.token_patterns:  # token patterns need the Matcher, which needs the Doc
                doc = Doc(self.nlp.vocab, words=words, spaces=[False] * len(words))
                chosen = self._chosen(self.match(doc))
            else:
                chosen = self._phrase_entities(words)
            chosen.sort()  # by first token: chosen entities do not share one
            return chosen

        def _phrase_entities(self, words: list[str]) -> list[tuple[int, int, str, str]]:
            """What `_chosen` keeps of the phrase patterns' matches in the words, as (first
            token, end token, label, id): longest first, then leftmost, each that overlaps no
            match kept before it.

            A phrase that several patterns share keeps only the one `match` puts first (by key
            name), so matches are distinct by span and sort without ties. Phrases of one word,
            most of them, come last in that order and in text order already: only the longer
            ones, few, are sorted."""
            index = self._phrases()
            longer: list[tuple[int, int, str, str]] = []
            single: list[tuple[int, int, str, str]] = []
            # Dictionary lookups in one C-level pass; most words start no phrase.
            for start in compress(range(len(words)), map(index.__contains__, words)):
                for width, phrase, label, ent_id in index[words[start]]:
                    if width == 1:
                        single.append((start, start + 1, label, ent_id))
                    elif words[start : start + width] == phrase:
                        longer.append((-width, start, label, ent_id))
            if not longer:
                return single
            longer.sort()
            taken = bytearray(len(words))  # tokens inside a kept match
            chosen = []
            for width, start, label, ent_id in longer:
                end = start - width
                if taken[start] or taken[end - 1]:  # the stock ruler tests both boundaries
                    continue
                taken[start:end] = b"\x01" * (end - start)
                chosen.append((start, end, label, ent_id))
            chosen.extend(m for m in single if not taken[m[0]])
            return chosen

        def _phrases(self) -> dict[str, list[tuple[int, list[str], str, str]]]:
            """The phrase patterns by their first word: (length, words, label, id), one per
            distinct phrase, with the label and id of the key name that sorts first."""
            if self._phrase_index is None:
                strings = self.nlp.vocab.strings
                best: dict[tuple[str, ...], tuple[str, int]] = {}
                for name, docs in self.phrase_patterns.items():
                    key = strings.add(name)
                    for pattern in docs:
                        phrase = tuple(token.text for token in pattern)
                        if phrase and (phrase not in best or (name, key) < best[phrase]):
                            best[phrase] = (name, key)
                index: dict[str, list[tuple[int, list[str], str, str]]] = {}
                for phrase, (_, key) in best.items():
                    label, ent_id = self._ent_ids.get(key, (key, ""))
                    label = strings[label] if isinstance(label, int) else label
                    index.setdefault(phrase[0], []).append(
                        (len(phrase), list(phrase), label, ent_id)
                    )
                self._phrase_index = index
            return self._phrase_index

        def _chosen(
            self, matches: Iterable[tuple[int, int, int]]
        ) -> list[tuple[int, int, str, str]]:
            """The matches the stock ruler keeps on a Doc without entities: each that overlaps
            no match kept before it, as (first token, end token, label, id)."""
            strings = self.nlp.vocab.strings
            seen: set[int] = set()
            chosen = []
            for match_id, start, end in matches:
                if start in seen or end - 1 in seen:  # the stock ruler tests both boundaries
                    continue
                label, ent_id = self._ent_ids.get(match_id, (match_id, ""))
                seen.update(range(start, end))
                chosen.append(
                    (start, end, strings[label] if isinstance(label, int) else label, ent_id)
                )
            return chosen

        def set_annotations(self, doc: Doc, matches: list[tuple[int, int, int]]) -> None:
            if doc.has_annotation("ENT_IOB") or self.overwrite:
                super().set_annotations(doc, matches)
                return
            # IOB, label and id per token, written in one array: the same entities the stock
            # ruler sets, without a Span or Token object per match.
            n = len(doc)
            iob, types, ids = [2] * n, [0] * n, [0] * n  # 2: O, outside any entity
            strings = doc.vocab.strings
            for start, end, label, ent_id in self._chosen(matches):
                width = end - start
                iob[start:end] = [3] + [1] * (width - 1)  # B, then I
                types[start:end] = [strings.add(label)] * width
                ids[start:end] = [strings.add(ent_id) if ent_id else 0] * width
            table = numpy.array([iob, types, ids], dtype="uint64").T
            doc.from_array([ENT_IOB, ENT_TYPE, ENT_ID], numpy.ascontiguousarray(table))  # type: ignore[arg-type]

    @Language.factory(ENTITY_RULER, default_config={"phrase_matcher_attr": None})
    def make_ruler(nlp: Language, name: str, phrase_matcher_attr: str | None) -> EntityRuler:
        return OntologyEntityRuler(nlp, name, phrase_matcher_attr=phrase_matcher_attr)


class NormExtractor:
    """The extraction pipeline; build once (it loads jieba's dictionary) and reuse."""

    def __init__(self, label_forms: list[tuple[str, str, str]] | None = None) -> None:
        import jieba
        import spacy
        from spacy.matcher import Matcher

        jieba.setLogLevel(60)
        if label_forms is None:
            label_forms = ontology_label_forms()
        self.label_forms = label_forms
        # User words first: patterns are tokenised when added, and must see the same tokens.
        weight = 10_000_000
        for _, form, _ in label_forms:
            # A form that starts with a qualifier (各级纪委) must not swallow the qualifier:
            # 各级纪委书记 is 各级 + 纪委书记. Such forms still match as token sequences.
            if "（" not in form and "、" not in form and not form.startswith(QUALIFIERS):
                jieba.add_word(form, freq=weight)
        for word in QUALIFIERS:
            jieba.add_word(word, freq=weight)
            for prep in PREPOSITIONS:  # 向上级 is 向 + 上级, not 向上 + 级
                jieba.suggest_freq((prep, word), tune=True)
        rules = load_token_rules()
        _split_modal_compounds(rules)
        for rule in rules:
            if rule.label in VERB_LABELS:
                # A rule's verb must be one jieba token (用好, not 用 + 好党纪…) for it to match.
                for word in _single_token_words(rule.pattern) or []:
                    if len(word) >= 2:
                        jieba.add_word(word)
        _split_adverb_compounds(rules)
        self.nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        _register_entity_ruler()
        ruler = self.nlp.add_pipe(ENTITY_RULER, config={"phrase_matcher_attr": "ORTH"})
        self.ruler: Any = ruler  # an OntologyEntityRuler
        patterns = [
            {"label": label, "pattern": form, "id": concept} for label, form, concept in label_forms
        ]
        ruler.add_patterns(patterns)  # type: ignore[attr-defined]
        self.matcher = Matcher(self.nlp.vocab)
        self.rule_labels: dict[str, str] = {}
        # Single-token rules ({"ORTH": …}) become a dictionary lookup: the same matches, without
        # the Matcher testing every token against every word list.
        self.token_rules: dict[str, list[tuple[str, str]]] = {}
        for rule in rules:
            words = _single_token_words(rule.pattern)
            if words is None:
                self.matcher.add(rule.id, [rule.pattern])
                self.rule_labels[rule.id] = rule.label
            else:
                for word in words:
                    self.token_rules.setdefault(word, []).append((rule.label, rule.id))
        _bodies()  # the ontology's organisations, read now rather than mid-extraction
        self.concept_schemes: dict[str, set[str]] = {}
        for label, _, concept in label_forms:
            self.concept_schemes.setdefault(f"{PK}{concept}", set()).add(label)
        # The IRI of each concept the ruler names, made once rather than for every entity.
        self.concept_iris = {concept: f"{PK}{concept}" for _, _, concept in label_forms}

    # ------------------------------------------------------------------ analysis

    def analyse(self, text: str) -> _Analysis:
        """Words, entities and rule matches of a text."""
        import jieba
        from spacy.tokens import Doc

        # jieba's words are the tokens as they are: they tile the text, so no whitespace needs
        # reconciling (spaCy's own zh tokenizer spends a fifth of its time so), and a Doc of
        # them is made only for rules of more than one token.
        words = jieba.lcut(text)
        bounds = list(accumulate(map(len, words), initial=0))
        bounds[-1] = len(text)  # where each word starts, then the end of the text
        # The entity ruler's entities as it would set them on a Doc of the words, mapped to
        # characters through the word offsets.
        iris = self.concept_iris
        ents = [
            _Ent(label, iris.get(ent_id) or f"{PK}{ent_id}", a, b, text[a:b])
            for first, last, label, ent_id in self.ruler.spans(words)
            for a, b in ((bounds[first], bounds[last]),)
        ]
        token_rules = self.token_rules
        # Dictionary lookups in one C-level pass; most words are no rule's.
        hits = list(compress(range(len(words)), map(token_rules.__contains__, words)))
        marks: list[Mark] = [
            (bounds[k], bounds[k + 1], rule_id, label)
            for k in hits
            for label, rule_id in token_rules[words[k]]
        ]
        if len(self.matcher):  # rules of more than one token
            doc = Doc(self.nlp.vocab, words=words, spaces=[False] * len(words))
            for match_id, start, end in self.matcher(doc):
                rule_id = self.nlp.vocab.strings[match_id]
                marks.append((bounds[start], bounds[end], rule_id, self.rule_labels[rule_id]))
        marks.sort()
        return _Analysis(text, words, bounds, ents, marks)

    # ------------------------------------------------------------------ extraction

    def extract_document(
        self, doc: Document, tree: Segment, *, attribute: Any = None
    ) -> list[Norm]:
        """All norms of a document, in text order."""
        norms: list[Norm] = []
        attribution = attribute or (lambda scope: doc.id)
        # One analysis of the whole clean text; sentences are views on it.
        whole = self.analyse(doc.normalised.text)
        regulation = doc.meta.kind == "regulation"
        # An interpretation's sections explain parts of another text: the actor a section opens
        # with is its topic, not the agent of what follows.
        described = doc.meta.kind not in ("regulation", "interpretation")
        section_of = _sections(tree) if described else {}
        section: Segment | None = None
        subject: tuple[Mention, ...] = ()
        for scope in _scopes(tree, regulation=regulation):
            if described and section_of.get(scope.iri) is not section:
                # A report's section speaks of one actor: the one its heading names
                # (石鼓区纪委监委：) or its first paragraph opens with, until another is named.
                section = section_of.get(scope.iri)
                subject = self._section_subject(doc, section, scope, whole) if section else ()
            norms.extend(self._extract_scope(doc, scope, attribution(scope), whole, subject))
        return norms

    def _section_subject(
        self, doc: Document, section: Segment, lead: Segment, whole: _Analysis
    ) -> tuple[Mention, ...]:
        """The actor a report section is about: named by its heading (X：) or as the subject
        of its first sentence (近年来，X认真履行…), not of a copula (X是…) or a dated event."""
        found: list[tuple[Mention, ...]] = []
        heading = next((c for c in section.children if c.kind == "heading"), None)
        if heading is not None and heading.text.rstrip().endswith(("：", ":")):
            an = whole.view(heading.clean_start, heading.clean_end)
            end = an.start + len(an.sentence_text.rstrip().rstrip("：:"))
            actors = _zone_actors(an, an.start, end)
            if actors and max(a.end for a, _ in actors) == end:
                found.append(self._mentions(doc, actors))
        sentence = next(iter(_sentences(lead)), None)
        if sentence is not None:
            an = whole.view(sentence.clean_start, sentence.clean_end)
            clauses = [(c.clean_start, c.clean_end) for c in sentence.children] or [
                (an.start, an.end)
            ]
            opener = an.text[an.start : clauses[0][1]].rstrip("，,：: ")
            # 日前，X带队调研…: an event, whose actor is not the section's agent.
            dated = POINT_IN_TIME.fullmatch(opener) is not None
            for c_start, c_end in [] if dated else clauses[:2]:
                actors = _zone_actors(an, c_start, c_end)
                after = _skip_actor_zone(an, c_start, c_end)
                if actors and not an.marks_in("DESCRIPTIVE", c_start, min(after + 2, c_end)):
                    found.append(self._mentions(doc, actors))
                if actors or c_end - c_start > TIME_OPENER_MAX:
                    break  # only a short opener (近年来，) may stand before the subject
        return found[-1] if found else ()

    @staticmethod
    def _mentions(doc: Document, actors: list[tuple[_Ent, str | None]]) -> tuple[Mention, ...]:
        out = []
        for ent, level in actors:
            a, b = doc.normalised.snap(ent.start, ent.end)
            out.append(
                Mention(
                    ent.concept, doc.normalised.text[a:b], *doc.normalised.raw_span(a, b), level
                )
            )
        return tuple(out)

    def _extract_scope(
        self,
        doc: Document,
        scope: Segment,
        attributed_to: str,
        whole: _Analysis,
        subject: tuple[Mention, ...] = (),
    ) -> list[Norm]:
        regulation = doc.meta.kind == "regulation"
        state = _ScopeState(
            bearers=subject,
            regulation_like=regulation,
            reported=not regulation,
            # A rule's numbered entries (1. …) are its provisions.
            in_provision=scope.kind == "provision" or (regulation and scope.kind == "item"),
        )
        norms: list[Norm] = []
        provision = scope.iri if scope.kind == "provision" else None
        sentences = _sentences(scope)
        state.sentences = len(sentences)
        opening = next((c for c in scope.children if c.kind == "paragraph"), None)
        alone = opening is not None and len(_sentences(opening)) == 1 and scope.kind == "provision"
        if (
            len(sentences) > 1
            and ((scope.kind == "item" and not regulation) or scope.heading)
            and scope.kind != "part"  # a part's heading is its marker line, not a sentence
            and not alone
        ):
            # The heading sentence sums up the provision, or the report's ★ item, that follows
            # it; an article (第一条) or a rule's numbered entry has none, and a provision or item
            # of one sentence is its own content — as is a provision's only sentence before its
            # list (（一）巡察组应当把“一把手”作为监督重点。 1．…).
            sentences = sentences[1:]
        elif scope.kind == "part" and not sentences:
            sentences = [scope]  # a numbered rule of one sentence: its text is the rule
        for sentence in sentences:
            an = whole.view(sentence.clean_start, sentence.clean_end)
            norms.extend(self._extract_sentence(doc, sentence, an, state, attributed_to, provision))
        return norms

    def _extract_sentence(
        self,
        doc: Document,
        sentence: Segment,
        an: _Sentence,
        state: _ScopeState,
        attributed_to: str,
        provision: str | None,
    ) -> list[Norm]:
        base = sentence.clean_start
        clauses = [(c.clean_start, c.clean_end, c.iri) for c in sentence.children] or [
            (base, base + len(sentence.text), sentence.iri)
        ]
        text = an.sentence_text
        norms: list[Norm] = []
        first_end = clauses[0][1]
        first_sentence, state.first_sentence = state.first_sentence, False
        modal_at = next((m[0] for m in an.modals_in(base, first_end)), first_end)
        # A marker after the clause's modal is inside what is required (应当把被巡察单位…).
        narrative = an.marks_in("NARRATIVE", base, modal_at)
        if state.reported or an.modals_in(base, an.end):
            # 提出了…: a report introducing measures; 被谈话人应当…, 对受到了处分的…应当…: a rule
            # whose clause binds. Neither is narration, but 以来 (since …) still is.
            narrative = [m for m in narrative if an.text[m[0] : m[1]] == "以来"]
        opener = an.text[base:first_end].rstrip("，,：: ")
        if state.reported and NEWS_TIME.fullmatch(opener) and "提出" not in text:
            return norms  # 近日，X印发…: an event, not a measure the rule provides
        if an.marks_in("REPORTED_SPEECH", base, first_end) or narrative:
            return norms  # someone's words, or narration of the past
        if text.rstrip(CLOSERS_TEXT).endswith(("？", "?")):
            return norms  # a question (如何有效防止…？) asks, it does not rule
        if (
            state.reported
            and text.startswith("《")
            and not text[text.find("》") + 1 :].startswith(INTRODUCING_VERBS)
        ):
            return norms  # 《八项措施》坚持…: the report characterises the rule
        if (
            state.reported
            and an.marks_in("DESCRIPTIVE", base, first_end)
            and not _starts_with(an, "MEANS_OPEN", base)
        ):
            return norms  # X之所以难，…: the report explains (聚焦…是…这个特性，… is a means)
        if state.reported and any(_is_topic(an, s, e) for s, e, _ in clauses):
            return norms  # 严格X，推动Y从A向B转变。: a heading announcing measures, not one
        if state.reported and first_sentence and _is_slogan(an, clauses, state.sentences):
            return norms  # the slogan a report paragraph opens with (细化措施重日常。)
        if _enacts_the_rule(an):
            return norms  # 为…，制定本办法。: the rule's purpose and basis, not its duties
        if text.count("越") >= 2 or any(
            m[2] == "S007" and an.text[m[0] : m[1]] == "只有" for m in an.marks_of("NON_ACTION")
        ):
            return norms  # 越…越要… / 只有…才能…: maxims, not rules
        modal: str | None = None
        quote_from: int | None = None  # an adverbial clause the next norm's quote starts at
        pending: Condition | None = None
        pending_span: tuple[int, int] | None = None
        pending_bearers: tuple[Mention, ...] = ()
        pending_frequency: _Ent | None = None  # a clause that is only a frequency (每届任期内，)
        chain_condition: Condition | None = None  # a condition opening a chain covers it up to ；
        sanction_chain: list[tuple[Norm, int]] = []  # the sanction just linked, to extend
        sentence_bearers: tuple[Mention, ...] = ()
        bearers_before = state.bearers
        first_break = min((text.find(b) for b in CLAUSE_BREAK if b in text), default=-1)
        enumeration = state.reported and "提出" in text[:first_break]
        normalised = doc.normalised

        def cite(s: int, e: int) -> tuple[str, int, int]:
            """Clean text and raw span of a text range, widened not to cut a doubled run."""
            a, b = normalised.snap(s, e)
            raw_start, raw_end = normalised.raw_span(a, b)
            return normalised.text[a:b], raw_start, raw_end

        def mention(ent: _Ent, level: str | None = None) -> Mention:
            return Mention(ent.concept, *cite(ent.start, ent.end), level)

        for number, (c_start, c_end, c_iri) in enumerate(clauses, start=1):
            if enumeration and number > 1 and an.text[clauses[number - 2][1] - 1] in CLAUSE_BREAK:
                # A report's …提出A；B；C lists measures: a subject named in one item is not
                # the next item's.
                sentence_bearers, state.bearers = (), bearers_before
            end = c_end
            while end > c_start and an.text[end - 1] in "，；：。！？,;:":
                end -= 1
            if end <= c_start:
                continue
            entry = INLINE_ENTRY.match(an.text, c_start, end)
            if entry is not None and an.char(c_start - 1) in ("：", "；"):
                c_start = entry.end()  # （一）… after 应当：: the entry's words, not its number
            elif c_start == 0 or an.text[c_start - 1] == "\n":
                numbered = ITEM_NUMBER.match(an.text, c_start, end)
                if numbered is not None and numbered.end() < end:
                    c_start = numbered.end()  # 1. … where no item was made of the line
            clause = _analyse_clause(an, c_start, end, self.concept_schemes)
            if clause.lead_in is not None:
                # 纪检机关应当：（一）…；（二）…: the subject and modal are the entries', which
                # follow in this sentence; the lead-in states nothing of its own. Nor does
                # X应当会同Y，… or X应当在…时，…, which the next clause's quote keeps.
                modal = clause.lead_in
                if clause.bearers:
                    sentence_bearers = tuple(mention(b, lvl) for b, lvl in clause.bearers)
                    state.bearers = sentence_bearers
                if clause.adjunct:
                    quote_from = c_start if quote_from is None else quote_from
                    if clause.bearers:  # written in the quote of the duty that follows
                        pending_bearers = sentence_bearers
                if not clause.condition_only:
                    continue
            elif (
                clause.modal is None
                and clause.frequency is not None
                and FREQUENCY_LEAD.fullmatch(
                    an.text[c_start:end].replace(clause.frequency.text, "", 1).strip("，, ")
                )
                and number < len(clauses)
            ):
                # 每届任期内，巡察机构应当…: how often the next clause's duty is done.
                pending_frequency = clause.frequency
                quote_from = c_start if quote_from is None else quote_from
                continue
            if clause.condition is not None:
                cs, ce = clause.condition
                grade = next((g.concept for g in an.ents_in(("GRADE",), cs, ce)), None)
                about = tuple(a.concept for a in an.ents_in(("ACTOR",), cs, ce))
                breach = bool(an.marks_in("BREACH", cs, ce))
                actors = tuple(mention(h, lvl) for h, lvl in _heads(an, an.ents_in(ACTOR, cs, ce)))
                condition: Condition | None = Condition(*cite(cs, ce), grade, about, breach, actors)
            else:
                condition = None
            if clause.condition_only:
                if number == 1 or chain_condition is None:
                    chain_condition = condition
                pending = condition
                pending_span = clause.condition
                pending_bearers = tuple(mention(b, lvl) for b, lvl in clause.bearers)
                continue
            if an.marks_in("NON_ACTION", c_start, end):
                break  # 必须清醒看到…: the rest of the sentence is what is to be seen
            if clause.modal is not None and _is_means(an, clause.verb_at, end):
                # 应当通过…等方式，推动…: the means clause carries its modal and bearer on.
                modal = clause.modal
                if clause.bearers:
                    pending_bearers = tuple(mention(b, lvl) for b, lvl in clause.bearers)
                    quote_from = clause.bearer_start
                else:
                    quote_from = c_start if quote_from is None else quote_from
                continue
            if (
                norms
                and clause.modal is None
                and not clause.bearers
                and (
                    (an.marks_in("CONTINUATION", c_start, end) and "是否" in norms[-1].action.text)
                    or (_open_frame(norms[-1].action.text) and norms[-1].action.concept is None)
                )
            ):
                _extend(doc, norms[-1], c_start, end)
                continue
            if clause.modal is None and _is_adjunct(
                an, clause, c_start, end, clauses, number, modal
            ):
                if _starts_with(an, "MEANS_OPEN", c_start) or an.marks_in(
                    "MEANS_END", c_start, end
                ):
                    quote_from = c_start if quote_from is None else quote_from
                if (
                    clause.bearers
                    and not clause.condition
                    and not an.marks_in("NARRATIVE", c_start, end)
                ):
                    # 为…，X…: X carries to what follows; but in “一把手”被赋予重要权力，
                    # 担负着…，必须…, the one described is not who must act.
                    sentence_bearers = tuple(mention(b, lvl) for b, lvl in clause.bearers)
                continue
            condition = condition or pending or chain_condition
            written_before = pending_bearers if (condition is None or condition is pending) else ()
            pending, pending_bearers = None, ()
            if _about_the_rule_itself(an, c_start, end, clause.modal):
                continue
            if clause.modal is not None:
                modal = clause.modal
            active = clause.modal or modal
            if active is None:
                opens = (
                    clause.imperative or condition is not None or clause.action_concept is not None
                )
                opens = opens or state.in_provision  # a provision's every clause binds
                # A report describes measures with a verb first (建立…, 推动…); other clauses
                # comment on them.
                described = clause.imperative and not _is_topic(an, c_start, end)
                if not (state.regulation_like and opens) and not (state.reported and described):
                    if clause.bearers:
                        state.bearers = tuple(mention(b, lvl) for b, lvl in clause.bearers)
                    continue
                active = "OBLIGATION"
            if (
                state.reported
                and modal == "OBLIGATION"
                and not (clause.bearers or written_before or sentence_bearers or state.bearers)
            ):
                continue  # a report's 必须… with no one bound: the author's principle, not a rule
            # A breach condition with a sanction as its consequence punishes an earlier duty.
            if condition is not None and condition.breach and clause.sanction is not None:
                cs, ce = clause.condition or pending_span or (c_start, c_start)
                breach_concepts = {e.concept for e in an.ents_in(("MEASURE",), cs, ce)}
                target_norms = _punished(
                    state.norms + norms,
                    condition.text,
                    breach_concepts,
                    stated=clause.modal is not None,
                )
                if target_norms:
                    # The sanction as written: the whole consequence (依规依纪严肃追究责任).
                    sanction = Mention(clause.sanction.concept, *cite(*clause.action))
                    sanction_chain = []
                    for norm in target_norms:
                        norm.sanctions.append(sanction)
                        sanction_chain.append((norm, len(norm.sanctions) - 1))
                    chain_condition = None
                    continue
            if sanction_chain and clause.sanction is not None and clause.modal is None:
                # …的，严肃处理，并公开通报: one consequence, written in two clauses.
                for norm, k in sanction_chain:
                    old_sanction = norm.sanctions[k]
                    a = doc.normalised.clean_position(old_sanction.start)
                    quoted, s_start, s_end = cite(a, end)
                    norm.sanctions[k] = Mention(old_sanction.concept, quoted, s_start, s_end)
                continue
            after_marker = (
                _actors_after_marker(an, clause.action[0], clause.action[1])
                if clause.modal in ("ENCOURAGEMENT", "PROHIBITION")
                else []
            )
            if clause.modal == "ENCOURAGEMENT" and after_marker:
                # 鼓励X…: X is encouraged.
                clause.bearers, clause.bearer_start = after_marker, after_marker[0][0].start
            elif (
                clause.modal == "PROHIBITION"
                and (
                    an.startswith("允许", clause.action[0])
                    or (
                        clause.modal_start is not None
                        and an.startswith(FORBIDDING, clause.modal_start)
                    )
                )
                and not clause.bearers
                and not (written_before or sentence_bearers or state.bearers)
                and after_marker
            ):
                # 决不允许X…, 严禁X…, 禁止X…, with no subject before it: X is forbidden.
                clause.bearers, clause.bearer_start = after_marker, after_marker[0][0].start
            if clause.bearers:
                bearers = tuple(mention(b, lvl) for b, lvl in clause.bearers)
                carried = False
            elif written_before:  # 组织部门发现…的，应当…: written in the condition clause
                bearers, carried = written_before, False
            else:
                bearers = sentence_bearers or state.bearers
                carried = True
            sentence_bearers = bearers
            state.bearers = bearers
            a_start, a_end = clause.action
            if a_end <= a_start:
                continue
            action = Mention(clause.action_concept, *cite(a_start, a_end))
            q_start = (
                clause.bearer_start
                if clause.bearers
                else (clause.condition[0] if clause.condition else clause.quote_start or c_start)
            )
            q_start = min(q_start, a_start)
            if QUOTE_LEAD.fullmatch(an.text, c_start, q_start):
                # 各级党委…, “一把手”要…: the subject's qualifier and opening mark are quoted.
                q_start = c_start
                mark = an.text[q_start]
                if mark in QUOTE_PAIRS and QUOTE_PAIRS[mark] not in an.text[q_start + 1 : a_end]:
                    q_start += 1  # an opening mark whose quotation runs past the norm
            if clause.modal_start is not None:
                # 决不允许领导班子成员…: the bearer follows the marker, which the quote keeps
                # (without it a prohibition would read as a permission).
                q_start = min(q_start, clause.modal_start)
            if quote_from is not None:
                q_start, quote_from = min(q_start, quote_from), None
            quote, qs, qe = cite(q_start, a_end)
            recipients, targets = _parties(an, a_start, a_end)
            how_often = clause.frequency or pending_frequency
            norm = Norm(
                iri=f"{c_iri.replace('/id/doc/', '/id/norm/')}/norm/{number}",
                doc_id=doc.id,
                attributed_to=attributed_to,
                segment=c_iri,
                provision=provision,
                modality=active.lower(),
                bearers=bearers,
                bearer_carried=carried,
                action=action,
                recipients=tuple(mention(r, lvl) for r, lvl in recipients),
                targets=tuple(mention(t, lvl) for t, lvl in targets)
                or _case_targets(condition, recipients, bearers, active),
                condition=condition,
                frequency=mention(how_often) if how_often is not None else None,
                text=quote,
                start=qs,
                end=qe,
            )
            norms.append(norm)
            sanction_chain = []
            if clause.ends_scope:
                modal, chain_condition = None, None
        state.norms.extend(norms)
        return norms


@dataclass
class _ScopeState:
    bearers: tuple[Mention, ...] = ()
    norms: list[Norm] = field(default_factory=list)
    regulation_like: bool = True
    reported: bool = False
    in_provision: bool = False
    first_sentence: bool = True
    sentences: int = 0  # how many sentences the scope has


@dataclass(slots=True)
class _Clause:
    modal: str | None = None
    bearers: list[tuple[_Ent, str | None]] = field(default_factory=list)
    bearer_start: int = 0
    condition: tuple[int, int] | None = None
    condition_only: bool = False
    action: tuple[int, int] = (0, 0)
    action_concept: str | None = None
    sanction: _Ent | None = None
    frequency: _Ent | None = None
    imperative: bool = False
    verb_at: int = 0
    required: bool = False  # 要求X…: what follows is required of X
    quote_start: int | None = None  # where the quote starts when an introduction is left out
    modal_start: int | None = None  # the deontic marker: a quote never starts after it
    lead_in: str | None = None  # 纪检机关应当：（一）…；（二）…: the modal the entries share
    adjunct: bool = False  # the lead-in says with whom or when (会同X，/ 在…时，), not what
    ends_scope: bool = False


def _analyse_clause(an: _Sentence, start: int, end: int, schemes: dict[str, set[str]]) -> _Clause:
    clause = _Clause()
    clause.ends_scope = an.char(end) in CLAUSE_BREAK if end < an.end else False
    if not an.has_tokens_in(start, end):
        clause.action = (start, start)
        return clause
    # The deontic marker: the first modal token (不 before it negates an obligation).
    modal_pos: tuple[int, int] | None = None
    for s, e, label in an.modals_in(start, end):  # the first by start, then by MODALITIES
        if any(a.start <= s and e <= a.end for a in an.ents_in(ACTOR, start, end)):
            continue  # 负责 in 有关负责同志 names an actor; it binds no one
        if _quoted_term(an, s, e):
            continue  # “不能腐”, “不敢腐”: a quoted term, not a modal
        modal_pos, clause.modal = (s, e), label
        break
    if modal_pos is not None and clause.modal == "OBLIGATION":
        before = an.text[max(start, modal_pos[0] - 1) : modal_pos[0]]
        if before == "不":
            clause.modal, modal_pos = "PROHIBITION", (modal_pos[0] - 1, modal_pos[1])
    # A modal that ends the clause is no modal (要求, 重要 are separate tokens; 是否要 …), and
    # neither is one inside an object after the verb (调整细化年度必须完成的任务).
    if modal_pos is not None:
        openers = [
            m
            for m in an.marks_in("IMPERATIVE", start, modal_pos[0])
            if an.ent_covering(m[0]) is None  # not inside a name (巡察组)
            and "的" not in an.text[m[1] : modal_pos[0]]  # inside a 的-phrase (发现…的可…)
        ]
        if modal_pos[1] >= end:
            if an.char(end) == "：":
                clause.lead_in = clause.modal
            clause.modal, modal_pos = None, None
        elif openers:
            # After a preposition (对…, 把…) the modal still says how binding the clause is
            # (对下级“一把手”可以开展谈话 permits), though the clause reads as one action.
            prepositions = {m[0] for m in an.marks_in("TARGET_PREP", start, end) if m[2] == "P002"}
            own = an.text[modal_pos[0] : modal_pos[1]] != "负责" and all(
                m[0] in prepositions for m in openers
            )
            clause.modal, modal_pos = (clause.modal if own else None), None

    clause.modal_start = modal_pos[0] if modal_pos else None
    # Condition frame.
    cond = _condition_frame(an, start, end, modal_pos)
    head_end = modal_pos[0] if modal_pos else end
    if cond is not None:
        clause.condition = cond
        if cond[1] >= end:
            clause.condition_only = True
    # The subject zone: from the clause start to the modal (or the condition / action start).
    zone_end = head_end
    if cond is not None:
        zone_end = min(zone_end, cond[0])
    subject_start = start
    subject_start = start + _connective_at(an, start)  # 提出各级纪委书记每年…: the subject follows
    subject_actors = _zone_actors(an, subject_start, zone_end)
    demand = an.text.find("要求", start, zone_end)
    if demand >= 0 and not cond:
        # 要求X V1，V2: X is the bearer of what is required.
        required = _actors_after_marker(an, demand + 2, zone_end, lead_max=12)
        if required:
            subject_actors = required
            clause.required = True
    elif not subject_actors and an.startswith(SUPERVISING_VERBS, start):
        # 强化上级X对下级Y的监督: the actor before 对 supervises.
        for verb in SUPERVISING_VERBS:
            if an.startswith(verb, start):
                agents = _actors_after_marker(an, start + len(verb), zone_end)
                after = agents[-1][0].end if agents else 0
                while after < zone_end and an.text[after] in QUOTE_MARKS:
                    after += 1  # 强化上级“一把手”对…: past the closing quote
                if agents and an.char(after) in ("对", "在"):
                    subject_actors = agents
                break
    if subject_actors:
        clause.bearers = subject_actors
        clause.bearer_start = subject_actors[0][0].start
    if clause.condition_only:
        return clause
    # The action: after the modal, or after the condition, or after the subject.
    if modal_pos is not None:
        a_start = modal_pos[1]
    elif cond is not None:
        a_start = cond[1]
    elif subject_actors:
        a_start = _skip_actor_zone(an, start, zone_end)
    else:
        a_start = start
    while a_start < end and an.text[a_start] in "，, ":
        a_start += 1
    a_start += _connective_at(an, a_start)  # 提出了建立…: the measure starts after the connective
    title_end = an.text.find("》", a_start, end) + 1
    for verb in INTRODUCING_VERBS if title_end else ():
        # 《十项措施》提出了建立…: the rule's measure starts after the verb that introduces it,
        # and so does its quote.
        if an.startswith(verb, title_end):
            a_start = title_end + len(verb)
            a_start += an.startswith("了", a_start)
            clause.quote_start = a_start
            break
    clause.action = (a_start, end)
    verb_at = a_start
    frequencies = an.spans_of("FREQUENCY")
    bounds = an.bounds
    for k in an.word_span(a_start, end):  # 着力改进…, 每年至少组织…: skip adverbs, frequencies
        word_end = bounds[k + 1]
        if bounds[k] != verb_at or not (
            an.words[k] in LEADING_ADVERBS
            or (verb_at, word_end) in frequencies
            or an.mark_starts_at("ADVERB", verb_at)
        ):
            break
        verb_at = word_end
    clause.verb_at = verb_at
    if an.startswith("由", verb_at) and not clause.bearers:
        # 由X进行约谈提醒: X does it.
        agents = _actors_after_marker(an, verb_at + 1, end)
        if agents:
            clause.bearers, clause.bearer_start = agents, agents[0][0].start
            verb_at = agents[-1][0].end
    lead = an.marks_in("IMPERATIVE", verb_at, end)
    measures = an.ents_in(MEASURES, a_start, end)
    # The measures after the verb (verb_at only moves forward from a_start).
    later = [e for e in measures if e.start >= verb_at] if measures else []
    measure_later = bool(later)
    imperative = bool(lead and lead[0][0] == verb_at)
    if not imperative and (measure_later or lead):  # 并向市委专题报告, 向X发放…
        imperative = (
            an.mark_starts_at("RECIPIENT_PREP", verb_at)
            or an.mark_starts_at("TARGET_PREP", verb_at)
            or any(  # 重大问题向市委报告: a topic first, then 向X and a report
                an.marks_in("RECIPIENT_PREP", verb_at, e.start)
                for e in later
                if e.label == "MEASURE"
            )
        )
    clause.imperative = (
        imperative
        or (verb_at > a_start and measure_later)  # 带头到…接受警示教育
        or an.startswith("由", clause.verb_at)
        or (bool(clause.bearers) and measure_later)  # a written subject doing a measure
        or clause.required
    )
    if measures:
        head = measures[-1]
        # The measure heads the action only near its end (…报告履职情况); a measure inside a
        # longer object (树立报告问题是本职…的意识) does not.
        if end - head.end <= HEAD_MAX_TAIL:
            clause.action_concept = head.concept
        # Only a pure sanction (追究责任, 严肃处理 …) punishes a breach; 约谈 or 诫勉 answer a problem.
        sanctions = [m for m in measures if schemes.get(m.concept, set()) == {"SANCTION"}]
        if sanctions:
            clause.sanction = sanctions[-1]
    freq = an.ents_in(("FREQUENCY",), start, end)
    clause.frequency = freq[0] if freq else None
    if clause.modal is not None and an.char(end) in ("，", ","):
        a_start, a_end = clause.action
        if _only_partners(an, a_start, a_end):
            clause.lead_in = clause.modal  # 纪委监委应当会同组织部门，每年…: with whom, not what
            clause.adjunct = True
        elif an.startswith("在", a_start) and an.marks_in("CONDITION_CLOSE", a_end - 2, a_end):
            # 巡察组组长应当在巡察反馈时，向…指出问题: when, not what
            clause.lead_in, clause.adjunct = clause.modal, True
            clause.condition, clause.condition_only = (a_start, a_end), True
    return clause


def _only_partners(an: _Sentence, start: int, end: int) -> bool:
    """会同组织部门, 联合纪检监察机关和组织部门: whom the bearer works with, and nothing done."""
    m = PARTNERS.match(an.text, start, end)
    if m is None:
        return False
    rest = an.text[m.end() : end]
    for actor in an.ents_in(ACTOR, m.end(), end):
        rest = rest.replace(actor.text, "", 1)
    return bool(an.ents_in(ACTOR, m.end(), end)) and not rest.strip("、和及与等（）()“”")


def _parties(
    an: _Sentence, start: int, end: int
) -> tuple[list[tuple[_Ent, str | None]], list[tuple[_Ent, str | None]]]:
    """The recipients (向X报告, 在X上述责) and targets (对X进行, 同X谈话) of an action: looked for
    only once the clause is known to state a norm."""
    if not an.ents_in(ACTOR, start, end):
        return [], []  # most actions name no actor: there is no one to send to or act on
    recipients = _prep_actors(an, "RECIPIENT_PREP", start, end) + _meeting_actors(an, start, end)
    taken = {(r.start, r.end) for r, _ in recipients}
    targets = [
        t
        for t in _prep_actors(an, "TARGET_PREP", start, end)
        if (t[0].start, t[0].end) not in taken
    ]
    return recipients, targets


def _case_targets(
    condition: Condition | None,
    recipients: list[tuple[_Ent, str | None]],
    bearers: tuple[Mention, ...],
    modality: str,
) -> tuple[Mention, ...]:
    """A response to a case about an actor acts on that actor: 发现领导班子成员有…问题的，及时
    进行提醒 — unless the norm reports (then the actor is what the report is about, and the
    recipient is who it goes to), forbids (a prohibition binds the bearer's own conduct), or
    the actor is the bearer itself."""
    if condition is None or recipients or condition.breach or modality == "PROHIBITION":
        return ()
    own = {b.concept for b in bearers}
    return tuple(a for a in condition.actors if a.concept and a.concept not in own)


def _is_slogan(an: _Sentence, clauses: list[tuple[int, int, str]], sentences: int) -> bool:
    """The heading a report paragraph opens with: a short sentence (细化措施重日常。), or, when
    more sentences follow, one of at most two clauses with no modal and no subject
    (加强监督检查，压实严的责任不懈怠。)."""
    size = an.end - an.start
    if size <= SLOGAN_MAX:
        return True
    return (
        sentences > 1
        and len(clauses) <= 2
        and size <= SLOGAN_LONG_MAX
        and not an.modals_in(an.start, an.end)
        and not _zone_actors(an, an.start, clauses[0][1])
        and not _starts_with(an, "CONDITION_OPEN", an.start)  # 对…问题，及时提醒。 is a measure
    )


def _quoted_term(an: _Sentence, start: int, end: int) -> bool:
    """Whether `[start, end)` lies inside a short quotation (“不能腐”): a term being named."""
    text = an.text
    opening = text.rfind("“", an.start, start)
    if opening < 0 or "”" in text[opening:start]:
        return False
    closing = text.find("”", end, an.end)
    return closing >= 0 and closing - opening <= QUOTED_TERM_MAX and "“" not in text[end:closing]


# What may stand before a clause's subject and belongs to it in a quote: an opening quotation
# mark, and the qualifiers of level and place (各级党委, 市纪委监委, 上级“一把手”).
QUOTE_LEAD = re.compile(
    r"[“\"‘]?(?:各级|各|全省|全市|全区|全县|省|市|区|县|镇|乡|上级|同级|下级|本级)*[“\"‘]?"
)
QUOTE_PAIRS = {"“": "”", "‘": "’", '"': '"'}
# What may stand before a frequency in a clause that is only a frequency (每届任期内，).
FREQUENCY_LEAD = re.compile(r"(?:每届|每一届|每个|每一个|每|本届|在)?")
PARTNERS = re.compile(r"(?:会同|联合|协同|商请)")
# A list entry's number inside a sentence (应当：（一）…；（二）…).
INLINE_ENTRY = re.compile(r"[（(](?:[一二三四五六七八九十]{1,3}|[0-9]{1,2})[）)]\s*|[①-⑳]\s*")


def _connective_at(an: _Sentence, pos: int) -> int:
    """The length of a report's connective (提出了, 比如, 如) at `pos`, or 0: a whole word or
    words, so the 如 of 如实 or 如期 is none."""
    if not an.startswith(REPORT_CONNECTIVES, pos):
        return 0
    for connective in REPORT_CONNECTIVES:
        if an.startswith(connective, pos) and an.token_at(pos + len(connective)) is not None:
            return len(connective)
    return 0


def _about_the_rule_itself(an: _Sentence, start: int, end: int, modal: str | None) -> bool:
    """本办法适用于…, 本办法自印发之日起施行, 本办法所称…, 制定本办法: the rule speaks of its
    scope, force, terms or enactment; no one is bound. 抓好本意见的贯彻落实 is a duty. With a
    modal, only what is done to the rule itself (本办法由市纪委负责解释) is about it; and a modal-less
    clause repealing a named rule (原《…办法》同时废止) binds no one either."""
    lifecycle = an.marks_in("RULE_LIFECYCLE", start, end)
    for m_start, _end, _id, _label in an.marks_in("SELF_REFERENCE", start, end):
        before = an.text[start:m_start].strip(" ，,")
        if modal is None and (not before or before.endswith("制定")):
            return True
        if not before and lifecycle:
            return True
    if modal is None:
        for m_start, _end, _id, _label in lifecycle:
            if an.text[start:m_start].rstrip(" 同时即行予以").endswith("》"):
                return True
    return False


def _enacts_the_rule(an: _Sentence) -> bool:
    """为…，根据…，结合实际，制定本办法。: a sentence that enacts the rule states its purpose and
    basis; none of its clauses is a duty (强化对“一把手”的监督 there is why the rule exists)."""
    return any(
        an.text[an.start : m_start].rstrip(" ").endswith("制定")
        for m_start, _end, _id, _label in an.marks_in("SELF_REFERENCE", an.start, an.end)
    )


def _starts_with(an: _Sentence, label: str, pos: int) -> bool:
    return an.mark_starts_at(label, pos)


def _is_means(an: _Sentence, start: int, end: int) -> bool:
    """A means or manner adverbial: 按照…, 本着…的态度, …等方式, 同…相结合."""
    if an.mark_starts_at("MEANS_OPEN", start) or an.marks_in("MEANS_END", max(start, end - 3), end):
        return True
    return an.text.startswith(("同", "与"), start, end) and an.text.endswith("相结合", start, end)


def _is_adjunct(
    an: _Sentence,
    clause: _Clause,
    start: int,
    end: int,
    clauses: list[tuple[int, int, str]],
    number: int,
    modal: str | None,
) -> bool:
    """A modal-less clause that is part of another norm or of none: purpose, means, outcome,
    narration, or the topic a sentence opens with."""
    a_start = clause.action[0]
    if an.mark_starts_at("PURPOSE", a_start) or _is_means(an, clause.verb_at, end):
        return True
    narrative = [
        m
        for m in an.marks_in("NARRATIVE", start, end)
        if not an.text[max(an.start, m[0] - 2) : m[0]].endswith("提出")
        and not INSTITUTED.search(an.text[max(start, m[0] - 4) : end])
    ]
    descriptive = [
        m
        for m in an.marks_in("DESCRIPTIVE", start, end)
        if an.text[max(an.start, m[0] - 2) : m[0]] not in ("特别", "尤其")
    ]
    if narrative or descriptive:
        return True
    if (
        number > 1
        and any(m[1] == end for m in an.marks_in("OUTCOME_END", max(start, end - 4), end))
        and not _starts_with(an, "IMPERATIVE", a_start)
    ):
        return True
    # A topic before a clause that opens with its modal: 破解…难题，必须明确监督重点.
    if number == 1 and modal is None and number < len(clauses):
        nxt_start = clauses[number][0]
        return any(an.mark_starts_at(label, nxt_start) for label in ("OBLIGATION", "PROHIBITION"))
    return False


def _actors_after_marker(
    an: _Sentence, start: int, end: int, *, lead_max: int = 3
) -> list[tuple[_Ent, str | None]]:
    """The actors a 鼓励 / 决不允许 / 要求 governs: those before the first verb that follows it.

    Only level words, quotes and 各 may come before them, or up to `lead_max` characters of
    modifiers ending in 、 (地方、部门和单位).
    """
    while start < end and an.startswith(("允许", "让"), start):
        start += 2 if an.startswith("允许", start) else 1
    verbs = [
        m[0]
        for label in ("IMPERATIVE", "TARGET_PREP", "RECIPIENT_PREP", "MEETING_OPEN")
        for m in an.marks_in(label, start, end)
    ] + [an.word_start(k) for k in an.word_span(start, end) if an.words[k] in LEADING_ADVERBS]
    stop = min([v for v in verbs if v > start], default=end)
    actors = an.ents_in(("ACTOR",), start, stop)
    if not actors:
        return []
    # What stands before the first actor, level words and quotes aside.
    lead = "".join(ch for ch in an.text[start : actors[0].start] if ch not in QUOTE_MARKS)
    for level in an.ents_in(("LEVEL",), start, actors[0].start):
        lead = lead.replace(level.text, "", 1)
    # The actors must open the phrase; modifiers may come first (地方、部门和单位).
    if lead not in ("", "各", "各级") and not (
        len(lead) <= lead_max and (lead_max > 3 or lead.endswith("、"))
    ):
        return []
    return _heads(an, actors)


def _is_topic(an: _Sentence, start: int, end: int) -> bool:
    """A heading of measures: a direction of change (推动X向Y延伸, 推动…从A向B转变), or what the
    measures are put forward as (突出把X作为…的关键途径)."""
    text = an.text[start:end].rstrip("，。；！？,;")
    return bool(DIRECTION_TOPIC.search(text) or EMPHASIS_TOPIC.match(text))


def _open_frame(action_text: str) -> bool:
    """An action whose 加强对…的监督 frame is still open (强化对A，B情况的监督): the next clause
    completes it."""
    pos = max(action_text.rfind("强化对"), action_text.rfind("加强对"))
    return pos >= 0 and "的" not in action_text[pos:]


def _extend(doc: Document, norm: Norm, clean_start: int, clean_end: int) -> None:
    """Stretch a norm's quote and action over a clause that completes it."""
    n = doc.normalised
    a, b = n.snap(n.clean_position(norm.start), clean_end)
    norm.text, (norm.start, norm.end) = n.text[a:b], n.raw_span(a, b)
    a2, b2 = n.snap(n.clean_position(norm.action.start), clean_end)
    norm.action = Mention(norm.action.concept, n.text[a2:b2], *n.raw_span(a2, b2))


def _condition_frame(
    an: _Sentence, start: int, end: int, modal_pos: tuple[int, int] | None
) -> tuple[int, int] | None:
    """The span of a condition frame in the clause, if there is one."""
    limit = modal_pos[0] if modal_pos else end
    candidates = an.marks_in("CONDITION_OPEN", start, limit)
    closes = an.marks_in("CONDITION_CLOSE", start, limit)
    span = an.word_span(start, end) if modal_pos is None else range(0)
    last = an.words[span[-1]] if span else None  # the clause's last word
    glued_close = last is not None and last.endswith(("后", "时"))
    # Where the head starts after the subject; found only when a frame may open or close.
    head = _skip_actor_zone(an, start, limit) if candidates or closes or glued_close else start
    opens = [
        m
        for m in candidates
        if (m[0] in (start, head) or an.text[head : m[0]] in ("在", "如", "一旦", "及时"))
        and an.char(m[1]) != "、"  # 及时发现、优先处置…: verbs, not a condition
    ]
    for o_start, o_end, *_ in opens:
        # The frame closes at the last 的 before the action (the modal, an adverb, a verb).
        close = _frame_close(an, o_end, limit, end)
        if close is not None:
            return (o_start, close)
        if (
            an.text[o_start:o_end] in OPEN_ENDED_CONDITIONS
        ):  # 发现… without 的: up to an adverb, a 向
            stop = _first_of(an, ["ADVERB", "RECIPIENT_PREP"], o_end, limit)
            return (o_start, stop if stop is not None else limit)
    # 对…问题，V… / 对于…的单位“一把手”，V…: a clause that is only the 对-phrase names the case
    # the next clause deals with.
    if (
        opens  # most clauses open no frame
        and modal_pos is None
        and an.char(end) in "，,"
        and any(an.text[m[0] : m[1]] in ("对", "对于") for m in opens if m[0] == start)
        and not any(
            "的" not in an.text[m[1] : end] for m in an.marks_in("IMPERATIVE", start + 1, end)
        )
        and not any(
            an.words[k] in GOVERNED_VERB_STOPS and "的" not in an.text[an.word_end(k) : end]
            for k in an.word_span(start + 1, end)
        )  # a verb inside a 的-phrase describes the case (对…在落实部署…存在的问题)
        and not any(e.end == end for e in an.ents_in(MEASURES, start, end))
    ):
        return (start, end)
    # …的由X…: the case, then who deals with it (排名靠后的由…进行约谈提醒).
    by = an.text.find("的由", start, limit)
    if by >= 0:
        return (start, by + 1)
    # …时 / …前 frames: at the end of the head (签署意见时，要…) or right at its start (进驻前向…).
    for _c_start, c_end, *_ in closes:
        if modal_pos and c_end == modal_pos[0]:
            # 巡察组进驻前应当…: the subject before the frame is the bearer, not part of it.
            return (head, c_end)
        if c_end == limit:
            if head > start and an.startswith("在", head):
                # X在作出重大决策前，应当…: X is who acts, 在…前 when.
                return (head, c_end)
            return (start, c_end)  # X听取汇报后，…: an event, its actor inside the frame
        if c_end - head <= 4:
            return (head, c_end)
    # 收到…后，V…: jieba may glue 后 to the noun before it (抄告单后), so the character decides.
    if glued_close and last is not None and last not in TIME_ADVERBS and an.char(end) in "，,":
        return (head, end)
    # A clause that ends in 的 without an opener is a condition too (…的，): 不报告或者不如实报告的，
    # 隐瞒不报的，… — the 的-phrase names the case the next clause answers.
    if modal_pos is None and an.text.endswith("的", start, end):
        return (start, end)
    return None


def _frame_close(an: _Sentence, from_pos: int, limit: int, end: int) -> int | None:
    for k in reversed(an.word_span(from_pos, limit)):
        if an.words[k] != "的":
            continue
        after = an.word_end(k)
        if after >= end:
            return after
        nxt = an.token_at(after)
        if nxt is None:
            continue
        measure = an.ent_at(after)
        follows = (
            after == limit
            or any(an.mark_starts_at(label, after) for label in ("ADVERB", "IMPERATIVE"))
            or (measure is not None and measure.label in MEASURES and measure.end >= end)
            or nxt.text
            in ("进行", "予以", "给予", "作出", "应当", "要", "可", "可以", "一律", "依规依纪")
        )
        if follows:
            return after
    return None


def _first_of(an: _Sentence, labels: list[str], start: int, end: int) -> int | None:
    found = [m[0] for label in labels for m in an.marks_in(label, start, end)]
    return min(found) if found else None


def _level_word(an: _Sentence, ent: _Ent) -> _Ent | None:
    """The level word (上级, 同级, 下级) right before an actor, quotes aside: 上级“一把手”."""
    pos = ent.start
    while pos > an.start and an.text[pos - 1] in QUOTE_MARKS:
        pos -= 1
    return an.level_ending_at(pos)


def _heads(an: _Sentence, actors: list[_Ent]) -> list[tuple[_Ent, str | None]]:
    """Coordinated actors are each kept; an actor directly followed by another modifies it."""
    heads: list[tuple[_Ent, str | None]] = []
    chain: int | None = None  # where the modifiers before the next head begin
    for k, ent in enumerate(actors):
        nxt = actors[k + 1] if k + 1 < len(actors) else None
        if nxt is not None:
            between = an.text[ent.end : nxt.start].strip(QUOTE_MARKS + " ")
            after = actors[k + 2] if k + 2 < len(actors) else None
            if (
                between in ("", "的")  # 党委 主要负责人 / 下级党委（党组）“一把手”
                or _shares_head(an, ent.end, nxt.start, between)  # 县委县政府主要领导
                or (
                    between in ("和", "、", "及")
                    and (
                        (
                            (ent.start, ent.end) in an.unit_spans
                            and (nxt.start, nxt.end) in an.unit_spans
                        )
                        or (_is_body(ent) and _is_body(nxt))
                    )
                    and after is not None
                    and an.text[nxt.end : after.start].strip(QUOTE_MARKS) == ""
                )  # 部门和单位党组织, 党委、政府分管领导: both bodies share the head
            ):
                chain = k if chain is None else chain
                continue
        # The phrase runs from its level word or first modifier to the head: 同级党委主要负责人.
        first_of_group = actors[chain] if chain is not None else ent
        chain = None
        own_level = _level_word(an, ent)
        group_level = own_level if first_of_group is ent else _level_word(an, first_of_group)
        level = (own_level.concept if own_level else None) or (
            group_level.concept if group_level else None
        )
        start = group_level.start if group_level else first_of_group.start
        while start < first_of_group.start and an.text[start] in QUOTE_MARKS:
            start += 1
        phrase = (
            ent
            if start == ent.start
            else _Ent(ent.label, ent.concept, start, ent.end, an.text[start : ent.end])
        )
        heads.append((phrase, level))
    return heads


def _is_body(ent: _Ent) -> bool:
    """An organisation rather than a person (党委, 政府, 纪检机关 — not 书记, 负责人, 成员)."""
    return ent.concept.rsplit("#", 1)[-1] in _bodies()


@lru_cache(maxsize=1)
def _bodies() -> frozenset[str]:
    """Concepts that are organisations: pk:Organization and its subclasses."""
    from kb.ontology import ancestors, load_ontology

    return frozenset(
        iri.rsplit("#", 1)[-1]
        for iri, ups in ancestors(load_ontology()).items()
        if f"{PK}Organization" in ups
    ) | {"Organization"}


def _shares_head(an: _Sentence, start: int, end: int, between: str) -> bool:
    """Whether the words between two actors are another body sharing the second actor as head:
    (、)政府 in 党委、政府分管领导 — a short noun no rule knows or a rank, after at most a
    conjunction."""
    body = between.lstrip("、和及与")
    if not body or len(body) > SHARED_BODY_MAX or len(between) - len(body) > 1 or "等" in body:
        return False  # X、Y等Z lists X, Y and Z
    if not HAN.fullmatch(body):
        return False
    gap = an.tokens_in(start, end)
    glue = SUBJECT_GLUE - CONJUNCTIONS - set(QUOTE_MARKS)
    # A rank or level between them qualifies the head too (被监督单位司局级“一把手”).
    qualifiers = {e.start for e in an.ents_in(("RANK", "LEVEL"), start, end)}
    conjunctions = {t.start for t in gap if t.text in CONJUNCTIONS}
    return not any(t.text in glue for t in gap) and not (
        an.known_starts(start, end) - conjunctions - qualifiers
    )


def _zone_actors(an: _Sentence, start: int, end: int) -> list[tuple[_Ent, str | None]]:
    """Actors of the subject zone, up to the first preposition or verb that is not a conjunction."""
    key = ("zone", start, end)
    if key not in an.memo:  # a clause asks for its subject zone several times
        an.memo[key] = _find_zone_actors(an, start, end)
    return list(an.memo[key])


def _find_zone_actors(an: _Sentence, start: int, end: int) -> list[tuple[_Ent, str | None]]:
    actors = an.ents_in(("ACTOR",), start, end)
    if not actors:
        return []
    levels = an.spans_of("LEVEL")
    kept: list[_Ent] = []
    pos = start
    words, bounds = an.words, an.bounds
    for ent in actors:
        if (
            not all(
                words[k] in SUBJECT_GLUE or (bounds[k], bounds[k + 1]) in levels
                for k in an.word_span(pos, ent.start)
            )
            and not _is_place(an, pos, ent.start)
            and not _is_posting(an, pos, ent.start)
        ):
            break
        kept.append(ent)
        pos = ent.end
    return _heads(an, kept)


def _is_place(an: _Sentence, start: int, end: int) -> bool:
    """Whether `[start, end)` is a place name (丰城区, 衡阳市衡东县): words no rule or label
    knows, ending in a place suffix."""
    if not PLACE_NAMES.fullmatch(an.text[start:end]):
        return False
    known = an.known_starts(start, end)
    return not any(
        t.start in known and t.text not in SUBJECT_GLUE for t in an.tokens_in(start, end)
    )


def _is_posting(an: _Sentence, start: int, end: int) -> bool:
    """Whether `[start, end)` says where an organ is posted (驻海关总署纪检监察组): 驻 and a
    short name no rule knows, right before the organ."""
    text = an.text[start:end]
    if not (2 <= len(text) <= POSTING_MAX and text.startswith("驻")):
        return False
    return not an.known_starts(start, end) and all(
        an.words[k] not in CONJUNCTIONS for k in an.word_span(start, end)
    )


def _skip_actor_zone(an: _Sentence, start: int, end: int) -> int:
    actors = _zone_actors(an, start, end)
    if not actors:
        return start
    last = max(a.end for a, _ in actors)
    while last < end and an.text[last] in QUOTE_MARKS:
        last += 1
    return last


def _prep_actors(an: _Sentence, label: str, start: int, end: int) -> list[tuple[_Ent, str | None]]:
    """Actors governed by a preposition: 向X报告, 对X的监督, 同X谈话 (up to the action noun)."""
    out: list[tuple[_Ent, str | None]] = []
    if not an.ents_in(ACTOR, start, end):
        return out  # most clauses name no actor after their verb
    for p_start, p_end, *_ in an.marks_in(label, start, end):
        if an.text[p_start:p_end] in DISPOSAL:
            # 把X作为重点 / 将X纳入…: X is the target only when X is the actor itself, not
            # something of the actor's (将“一把手”工作情况作为…).
            verb = next(
                (
                    an.word_start(k)
                    for k in an.word_span(p_end, end)
                    if an.words[k] in DISPOSAL_VERBS
                ),
                None,
            )
            if verb is None:
                continue
            actors = an.ents_in(ACTOR, p_end, verb)
            if not actors or an.text[actors[-1].end : verb].strip(QUOTE_MARKS):
                continue
            heads = _heads(an, actors)
        else:
            stop = next((e.start for e in an.ents_in(MEASURES, p_end, end)), end)
            verb_at = next(
                (
                    an.word_start(k)
                    for k in an.word_span(p_end, stop)
                    if an.words[k] in GOVERNED_VERB_STOPS
                ),
                stop,
            )
            heads = _heads(an, an.ents_in(ACTOR, p_end, min(stop, verb_at)))
        for head in heads:
            if head not in out:
                out.append(head)
    return out


def _meeting_actors(an: _Sentence, start: int, end: int) -> list[tuple[_Ent, str | None]]:
    """在X上述责述廉: the meeting X (its body) hears the report."""
    out: list[tuple[_Ent, str | None]] = []
    if not an.ents_in(ACTOR, start, end):
        return out
    for _s, m_end, *_ in an.marks_in("MEETING_OPEN", start, end):
        close = an.text.find("上", m_end, end)
        if close < 0 or not any(e.start == close + 1 for e in an.ents_in(("MEASURE",), close, end)):
            continue
        out.extend(_heads(an, an.ents_in(("ACTOR",), m_end, close)))
    return out


def _punished(
    candidates: list[Norm], breach_text: str, breach_concepts: set[str], *, stated: bool = False
) -> list[Norm]:
    """The earlier norms whose duty a breach condition names.

    Norms doing what the breach fails to do (不按要求报告的 → the duties to report), in the latest
    sentence that has one; else the norm sharing most words with the breach (履行…职责不担当的 →
    the duty to fulfil those responsibilities); else the norm just before, when the negated verb
    is its action's (隐瞒不报 → 反映和报告) or when the consequence is stated with its own modal
    (隐瞒不报的，要连带追究责任).
    """
    same_concept = [
        n
        for n in candidates
        if n.action.concept in breach_concepts and _shared_bigrams(breach_text, n.action.text)
    ]
    if same_concept:
        # Every duty to do what the breach fails to do, and the clauses that follow the last one
        # in its sentence (…报告，全面准确反映情况).
        last = same_concept[-1]
        sentence = last.segment.split("/clause/")[0]
        after = candidates[candidates.index(last) + 1 :]
        return same_concept + [n for n in after if n.segment.split("/clause/")[0] == sentence]
    scored = [(_shared_bigrams(breach_text, n.action.text), n) for n in candidates]
    best = max((s for s, _ in scored), default=0)
    if best:
        return [[n for s, n in scored if s == best][-1]]
    if candidates:
        negated = "".join(m.group(1) for m in re.finditer(r"(?:不|未|拒不|隐瞒不)(.)", breach_text))
        if stated or (negated and any(ch in candidates[-1].action.text for ch in negated)):
            return [candidates[-1]]
    return []


def _shared_bigrams(a: str, b: str) -> int:
    grams_a = {a[i : i + 2] for i in range(len(a) - 1)}
    grams_b = {b[i : i + 2] for i in range(len(b) - 1)}
    return len({g for g in grams_a & grams_b if all("\u4e00" <= ch <= "\u9fff" for ch in g)})


def _sentences(segment: Segment) -> list[Segment]:
    """The sentences in a segment, in order, without walking down into their clauses."""
    if segment.kind == "sentence":
        return [segment]
    out: list[Segment] = []

    def visit(seg: Segment) -> None:
        for child in seg.children:
            if child.kind == "sentence":
                out.append(child)
            else:
                visit(child)

    visit(segment)
    return out


def _above_sentences(segment: Segment) -> Iterator[Segment]:
    """A segment and its descendants in document order, leaving out sentences and their
    clauses: the units that group sentences, without walking the clauses (most segments)."""
    stack = [segment]
    while stack:
        seg = stack.pop()
        if seg.kind != "sentence":
            yield seg
            stack.extend(reversed(seg.children))


def _sections(tree: Segment) -> dict[str, Segment]:
    """The report section (a child of the document) of each unit above the sentences."""
    return {
        seg.iri: child
        for child in tree.children
        if child.kind == "section"
        for seg in _above_sentences(child)
    }


def _scopes(tree: Segment, *, regulation: bool) -> Iterator[Segment]:
    """The units whose sentences share a carried subject: provisions, or paragraphs and items."""
    if regulation and any(seg.kind == "provision" for seg in _above_sentences(tree)):
        for part in tree.children:
            if part.kind == "provision":  # a rule by articles, or with provisions before part 一
                yield part
            elif part.kind == "part":
                provisions = [c for c in part.children if c.kind == "provision"]
                if provisions:
                    # Words between the part's heading and its first provision are its own.
                    yield from (c for c in part.children if c.kind in TEXT_KINDS_NORMATIVE)
                    yield from provisions
                else:
                    yield part
            elif part.kind == "preamble" and any(
                ITEM_NUMBER.match(c.text) for c in part.children if c.kind == "paragraph"
            ):
                yield part  # numbered entries before the first article or provision are rules
        return
    for seg in _above_sentences(tree):
        if seg.kind in TEXT_KINDS_NORMATIVE:
            yield seg
        elif seg.kind == "part" and not any(
            s.kind in TEXT_KINDS_NORMATIVE for s in _above_sentences(seg)
        ):  # a short rule whose numbered parts hold their sentences directly
            yield seg


def ontology_label_forms() -> list[tuple[str, str, str]]:
    """(entity label, surface form, concept local name) for every zh label of the ontology."""
    from kb.ontology import labels

    out = []
    for label in labels():
        names = {
            SCHEME_LABELS[s.rsplit("#", 1)[-1]]
            for s in label.schemes
            if s.rsplit("#", 1)[-1] in SCHEME_LABELS
        }
        if not names:
            continue
        local = label.concept.rsplit("#", 1)[-1]
        for name in sorted(names):
            for form in label.forms:
                if len(form) >= 2:
                    out.append((name, form, local))
    return out


@lru_cache(maxsize=1)
def default_extractor() -> NormExtractor:
    """The extractor with the ontology's labels and the packaged rules (built once)."""
    return NormExtractor()


def extract_norms(doc: Document, tree: Segment, *, corpus: Corpus | None = None) -> list[Norm]:
    """Extract the norms of a document; local measures are attributed to the rule they describe.

    >>> from kb.corpus import load_corpus
    >>> from kb.segment import segment_document
    >>> doc = load_corpus().get("zhongyang-2021-yijian")
    >>> norms = extract_norms(doc, segment_document(doc))
    >>> any(n.modality == "permission" and "上级党组织" in n.action.text for n in norms)
    True
    """
    extractor = default_extractor()
    attribute = _attribution(doc, tree, corpus) if corpus is not None else None
    return extractor.extract_document(doc, tree, attribute=attribute)


def _attribution(doc: Document, tree: Segment, corpus: Corpus) -> Any:
    """For a report: the described rule a paragraph speaks of (by its 《title》), else the report.

    A rule named in a paragraph holds for the following paragraphs of the same section; a
    report that describes a single rule attributes all its measures to it.
    """
    described = [corpus.metas[d] for d in doc.meta.describes]
    if not described:
        return None
    default = described[0].id if len(described) == 1 else doc.id
    section_of = _sections(tree)
    state = {"section": "", "current": default}

    def attribute(scope: Segment) -> str:
        found = section_of.get(scope.iri)
        section = found.iri if found is not None else ""
        if section != state["section"]:
            state["section"], state["current"] = section, default
        for ref in [r for s in scope.walk() for r in s.references]:
            for meta in described:
                names = {meta.title, meta.short_title or meta.title}
                if any(ref.title in n or n in ref.title for n in names):
                    state["current"] = meta.id
                    return meta.id
        return state["current"]

    return attribute
