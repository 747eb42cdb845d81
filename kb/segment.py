"""Segment a normalised document into a tree with stable IRIs and exact raw spans.

Regulations: title, date, preamble, parts (`一、`), provisions (`（一）`, with number, ordinal and
heading sentence), paragraphs, sentences, clauses. Articles and reports: headings and sections,
paragraphs, ★ items, comments, captions, sentences, clauses. Every segment carries its clean
text and the raw `[start, end)` it came from; `《…》` references are recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kb.corpus import Document
from kb.namespaces import document_iri
from kb.normalise import Block, Normalised

SENTENCE_END = "。！？!?"
CLAUSE_END = "，；：,;:"
CLOSERS = "”’」』）)"
OPENERS = {"“": "”", "‘": "’", "（": "）", "《": "》", "「": "」", "『": "』", "(": ")"}
REFERENCE = re.compile(r"《([^《》\n]{1,80})》")
# A part: 一、 in a 意见, or a chapter 第一章 in a rule drafted by articles.
PART_MARKER = re.compile(r"^(?:([一二三四五六七八九十]{1,3})、|第([一二三四五六七八九十]{1,3})章)")
# A provision: （一） in a 意见, or an article 第一条 in a rule drafted by articles.
PROVISION_MARKER = re.compile(
    r"^(?:[（(]([一二三四五六七八九十]{1,4})[）)]|第([一二三四五六七八九十百零〇]{1,6})条(?![件款例]))"
)
# The marker of a list entry — a number (1. … 2、… （1）… ①…) or a bullet (- …, • …) — with
# the spaces after it; see `entry_number` for its number.
ITEM_NUMBER = re.compile(
    r"(?:([0-9０-９]{1,3})[.．、)）](?![0-9０-９])|[（(]([0-9０-９]{1,3})[）)]|([①-⑳])|[-*+•])"
    r"[ \u00a0\u3000]*"
)
DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int:
    """Value of a Chinese numeral up to 999.

    >>> [chinese_number(t) for t in ("八", "十", "十四", "二十", "二十五", "一百零一", "一百二十")]
    [8, 10, 14, 20, 25, 101, 120]
    """
    if "百" in text:
        hundreds, _, rest = text.partition("百")
        rest = rest.lstrip("零〇")
        return DIGITS[hundreds] * 100 + (chinese_number(rest) if rest else 0)
    if "十" not in text:
        return DIGITS[text]
    tens, _, ones = text.partition("十")
    return (DIGITS[tens] if tens else 1) * 10 + (DIGITS[ones] if ones else 0)


def entry_number(m: re.Match[str]) -> str | None:
    """The number of an ITEM_NUMBER match (1, （1）, ① → "1"); None for a bullet."""
    if m.group(3):
        return str(ord(m.group(3)) - ord("①") + 1)
    return m.group(1) or m.group(2)


def provision_number(m: re.Match[str]) -> str:
    """The numeral of a PROVISION_MARKER or PART_MARKER match: （八） or 第八条, 一、 or 第一章."""
    return m.group(1) or m.group(2)


@dataclass(frozen=True)
class Reference:
    """A `《…》` title mentioned in a segment, with its raw span."""

    title: str
    start: int
    end: int


@dataclass
class Segment:
    """One node of a document tree: its kind, IRI, clean text and raw `[start, end)`."""

    kind: str
    iri: str
    text: str
    start: int
    end: int
    clean_start: int
    clean_end: int
    number: str | None = None
    ordinal: int | None = None
    heading: str | None = None
    placement: str | None = None
    children: list[Segment] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)

    def walk(self) -> Iterator[Segment]:
        """This segment and all its descendants, in document order."""
        stack = [self]  # a stack, not nested generators: trees are walked on every extraction
        while stack:
            segment = stack.pop()
            yield segment
            stack.extend(reversed(segment.children))

    def find(self, kind: str) -> list[Segment]:
        """All descendants (and self) of a kind."""
        return [s for s in self.walk() if s.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the `--format json` output)."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "iri": self.iri,
            "start": self.start,
            "end": self.end,
        }
        for name in ("number", "ordinal", "heading", "placement"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out["text"] = self.text
        if self.references:
            out["references"] = [r.__dict__ for r in self.references]
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out


class _Builder:
    """Makes segments from clean ranges of one normalised document."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.norm: Normalised = doc.normalised
        self.text = self.norm.text
        self.base = document_iri(doc.id)

    def make(self, kind: str, path: str, start: int, end: int, **extra: Any) -> Segment | None:
        start, end = self._trim(start, end)
        if start >= end:
            return None
        raw_start, raw_end = self.norm.raw_span(start, end)
        seg = Segment(
            kind=kind,
            iri=f"{self.base}/{path}" if path else self.base,
            text=self.text[start:end],
            start=raw_start,
            end=raw_end,
            clean_start=start,
            clean_end=end,
            **extra,
        )
        return seg

    def _trim(self, start: int, end: int) -> tuple[int, int]:
        while start < end and self.text[start] in " \n":
            start += 1
        while end > start and self.text[end - 1] in " \n":
            end -= 1
        return start, end

    def references(self, start: int, end: int) -> list[Reference]:
        refs = []
        for m in REFERENCE.finditer(self.text, start, end):
            raw_start, raw_end = self.norm.raw_span(m.start(), m.end())
            refs.append(Reference(m.group(1), raw_start, raw_end))
        return refs

    def sentences(self, parent: Segment, prefix: str, counter: list[int]) -> None:
        """Split `parent` into sentences (numbered through `counter`) and clauses."""
        for s_start, s_end in split_units(
            self.text, parent.clean_start, parent.clean_end, SENTENCE_END
        ):
            counter[0] += 1
            path = f"{prefix}/sentence/{counter[0]}"
            sentence = self.make("sentence", path, s_start, s_end)
            if sentence is None:
                counter[0] -= 1
                continue
            sentence.references = self.references(sentence.clean_start, sentence.clean_end)
            parent.children.append(sentence)
            clauses = split_units(self.text, sentence.clean_start, sentence.clean_end, CLAUSE_END)
            if len(clauses) < 2:
                continue
            for k, (c_start, c_end) in enumerate(clauses, start=1):
                clause = self.make("clause", f"{path}/clause/{k}", c_start, c_end)
                if clause is not None:
                    sentence.children.append(clause)


def split_units(text: str, start: int, end: int, enders: str) -> list[tuple[int, int]]:
    """Split `text[start:end]` after each ender outside brackets and quotes.

    Closing quotes and brackets right after an ender stay with the unit they close.

    >>> t = "甲要报告。乙说：“不能，不得。”丙可以"
    >>> [t[s:e] for s, e in split_units(t, 0, len(t), "。")]
    ['甲要报告。', '乙说：“不能，不得。”', '丙可以']
    """
    units: list[tuple[int, int]] = []
    stack: list[str] = []
    unit_start = start
    i = start
    while i < end:
        ch = text[i]
        if ch == "\n":
            if unit_start < i:
                units.append((unit_start, i))
            unit_start = i + 1
            stack.clear()
        elif ch in OPENERS:
            stack.append(OPENERS[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif ch in enders and (not stack or _only_quotes(stack) and ch in SENTENCE_END):
            j = i + 1
            while j < end and text[j] in CLOSERS:
                j += 1
            if stack and ch in SENTENCE_END:
                # A sentence ending inside a quotation ends with the quotation.
                if j == i + 1 or text[i + 1] not in CLOSERS:
                    i += 1
                    continue
                stack.clear()
            units.append((unit_start, j))
            unit_start = j
            i = j
            continue
        i += 1
    if unit_start < end:
        units.append((unit_start, end))
    return [(s, e) for s, e in units if text[s:e].strip()]


def _only_quotes(stack: list[str]) -> bool:
    return all(c in "”’" for c in stack)


def _block_text(norm: Normalised, block: Block) -> str:
    return norm.text[block.start : block.end]


def segment_document(doc: Document) -> Segment:
    """The document tree: regulations by parts and provisions, other texts by layout.

    >>> from kb.corpus import load_corpus
    >>> tree = segment_document(load_corpus().get("zhongyang-2021-yijian"))
    >>> [p.number for p in tree.find("part")]
    ['一', '二', '三', '四', '五']
    """
    builder = _Builder(doc)
    norm = builder.norm
    root = builder.make("document", "", 0, len(norm.text))
    if root is None:
        raise ValueError(f"{doc.id}: no text")
    root.references = builder.references(0, len(norm.text))
    blocks = list(norm.blocks)
    has_structure = any(b.kind in ("part", "provision") for b in blocks)
    if doc.meta.kind == "regulation" and has_structure:
        _segment_regulation(builder, root, blocks)
    else:
        _segment_article(builder, root, blocks)
    return root


def _segment_regulation(builder: _Builder, root: Segment, blocks: list[Block]) -> None:
    norm = builder.norm
    first_structural = next(i for i, b in enumerate(blocks) if b.kind in ("part", "provision"))
    front = blocks[:first_structural]
    preamble_blocks: list[Block] = []
    for block in front:
        if block.kind == "date":
            seg = builder.make("date", "date", block.start, block.end)
        elif block.kind in ("heading", "header") and not preamble_blocks and not root.children:
            seg = builder.make("title", "title", block.start, block.end)
        elif block.kind in ("heading",) and not preamble_blocks:
            title = next((c for c in root.children if c.kind == "title"), None)
            seg = None
            if title is not None:  # a title printed over several blocks
                extended = builder.make("title", "title", title.clean_start, block.end)
                if extended is not None:
                    root.children[root.children.index(title)] = extended
        else:
            preamble_blocks.append(block)
            seg = None
        if seg is not None:
            root.children.append(seg)
    if preamble_blocks:
        preamble = builder.make(
            "preamble", "preamble", preamble_blocks[0].start, preamble_blocks[-1].end
        )
        if preamble is not None:
            _paragraphs(builder, preamble, preamble_blocks, "preamble")
            root.children.append(preamble)

    # Parts hold provisions; a part without provisions (part 一) holds paragraphs. Provisions
    # before any part — a rule drafted by articles (第一条) or （一） items alone — stand under
    # the document itself.
    parts: list[tuple[Block, re.Match[str], list[Block]]] = []
    leading: list[Block] = []
    for block in blocks[first_structural:]:
        text = _block_text(norm, block)
        m = PART_MARKER.match(text) if block.kind == "part" else None
        if m is not None:
            parts.append((block, m, []))
        elif parts:
            parts[-1][2].append(block)
        else:
            leading.append(block)
    root.children.extend(_provision(builder, group) for group in _provision_groups(norm, leading))
    # Where （一） restarts under each part (一、…（一）…二、…（一）…), a provision's IRI names its
    # part, or two provisions would share one; numbered through (the 意见), it does not.
    numbers: list[str] = []
    for _head, _m, members in parts:
        for block in members:
            if _is_provision(norm, block):
                marker = PROVISION_MARKER.match(_block_text(norm, block))
                assert marker is not None
                numbers.append(provision_number(marker))
    restarts = len(numbers) != len(set(numbers))
    for head, m, members in parts:
        ordinal = chinese_number(provision_number(m))
        end = members[-1].end if members else head.end
        heading = _block_text(norm, head)[m.end() :].strip()
        part = builder.make(
            "part",
            f"part/{ordinal}",
            head.start,
            end,
            number=provision_number(m),
            ordinal=ordinal,
            heading=heading,
        )
        if part is None:
            continue
        loose = members[
            : next((i for i, b in enumerate(members) if _is_provision(norm, b)), len(members))
        ]
        groups = _provision_groups(norm, members[len(loose) :])
        if loose:
            _paragraphs(builder, part, loose, f"part/{ordinal}")
        elif not members:
            # A numbered line with nothing under it is a list entry (一、县委每年听取…汇报。), not
            # a heading: its words are its content, in sentences like a provision's.
            body = builder.make(
                "paragraph", f"part/{ordinal}/paragraph/1", head.start + m.end(), head.end
            )
            if body is not None:
                builder.sentences(body, f"part/{ordinal}", [0])
                part.children.append(body)
        prefix = f"part/{ordinal}/" if restarts else ""
        part.children.extend(_provision(builder, group, prefix) for group in groups)
        root.children.append(part)


def _is_provision(norm: Normalised, block: Block) -> bool:
    return (
        block.kind == "provision" and PROVISION_MARKER.match(_block_text(norm, block)) is not None
    )


def _provision_groups(norm: Normalised, blocks: list[Block]) -> list[list[Block]]:
    """Each provision with the paragraphs that follow it; `blocks` open with a provision. In a
    rule drafted by articles, （一） after 第二条 is an item of the article, not a provision."""
    groups: list[list[Block]] = []
    articles = False
    for block in blocks:
        m = PROVISION_MARKER.match(_block_text(norm, block)) if block.kind == "provision" else None
        if m is not None and not (articles and m.group(1) and groups):
            articles = articles or m.group(2) is not None
            groups.append([block])
        elif groups:
            groups[-1].append(block)
    return groups


def _entry_marker(norm: Normalised, block: Block) -> tuple[str | None, int] | None:
    """A list entry's number and where its words start: 1. … (an item block), or （一） … (a
    provision block inside an article); None for other blocks."""
    text = _block_text(norm, block)
    if block.kind == "item":
        listed = ITEM_NUMBER.match(text)
        return (entry_number(listed), block.start + listed.end()) if listed else None
    if block.kind == "provision":
        m = PROVISION_MARKER.match(text)
        return (m.group(1), block.start + m.end()) if m else None
    return None


def _provision(builder: _Builder, group: list[Block], prefix: str = "") -> Segment:
    norm = builder.norm
    first = _block_text(norm, group[0])
    m = PROVISION_MARKER.match(first)
    assert m is not None
    ordinal = chinese_number(provision_number(m))
    path = f"{prefix}provision/{ordinal}"
    body_start = group[0].start + m.end()
    sentences = split_units(norm.text, body_start, group[0].end, SENTENCE_END)
    # （一）'s first sentence is its heading; an article (第一条) has none.
    heading = norm.text[sentences[0][0] : sentences[0][1]] if sentences and m.group(1) else None
    seg = builder.make(
        "provision",
        path,
        group[0].start,
        group[-1].end,
        number=provision_number(m),
        ordinal=ordinal,
        heading=heading,
    )
    assert seg is not None
    counter = [0]
    paragraphs = items = 0
    for k, block in enumerate(group, start=1):
        start = body_start if k == 1 else block.start
        entry = _entry_marker(norm, block) if k > 1 else None
        if entry is not None:  # 1. … or （一） under a provision: an entry, its number apart
            items += 1
            number, words_start = entry
            child = builder.make(
                "item", f"{path}/item/{items}", words_start, block.end, number=number
            )
        else:
            paragraphs += 1
            child = builder.make("paragraph", f"{path}/paragraph/{paragraphs}", start, block.end)
        if child is None:
            continue
        builder.sentences(child, path, counter)
        seg.children.append(child)
    return seg


def _paragraphs(builder: _Builder, parent: Segment, blocks: list[Block], prefix: str) -> None:
    counter = [0]
    for k, block in enumerate(blocks, start=1):
        para = builder.make("paragraph", f"{prefix}/paragraph/{k}", block.start, block.end)
        if para is None:
            continue
        builder.sentences(para, prefix, counter)
        parent.children.append(para)


TEXT_KINDS = {
    "body": "paragraph",
    "item": "item",
    "comment": "comment",
    "caption": "caption",
    "provision": "paragraph",
    "part": "paragraph",
}


def _segment_article(builder: _Builder, root: Segment, blocks: list[Block]) -> None:
    """Headings open sections; headings printed after their paragraphs close them."""
    counters: dict[str, int] = {}

    def number(kind: str) -> int:
        counters[kind] = counters.get(kind, 0) + 1
        return counters[kind]

    def leaf(block: Block) -> Segment | None:
        kind = TEXT_KINDS.get(block.kind, block.kind)
        if kind == "heading":
            kind = "heading"
        n = number(kind)
        start, numeral = block.start, None
        entry = _entry_marker(builder.norm, block) if block.kind == "item" else None
        if entry is not None:
            # 1. …, （1）…, ① …, - …: the entry's number or bullet is kept apart from its words
            numeral, start = entry
        seg = builder.make(kind, f"{kind}/{n}", start, block.end, number=numeral)
        if seg is None:
            return None
        seg.references = builder.references(seg.clean_start, seg.clean_end)
        if kind in ("paragraph", "item", "comment", "caption"):
            builder.sentences(seg, f"{kind}/{n}", [0])
        return seg

    title_done = False
    section: Segment | None = None
    pending: list[Segment] = []  # content since the last section boundary

    def open_section(heading_block: Block, content: list[Segment], after: bool) -> Segment | None:
        n = number("section")
        heading_text = builder.text[heading_block.start : heading_block.end].strip()
        starts = [heading_block.start] + [c.clean_start for c in content]
        ends = [heading_block.end] + [c.clean_end for c in content]
        seg = builder.make(
            "section",
            f"section/{n}",
            min(starts),
            max(ends),
            heading=heading_text,
            placement="after" if after else "before",
        )
        if seg is None:
            return None
        heading = builder.make(
            "heading", f"section/{n}/heading", heading_block.start, heading_block.end
        )
        children = list(content)
        if heading is not None:
            children = [heading, *children] if not after else [*children, heading]
        seg.children = children
        return seg

    def flush(section: Segment | None, content: list[Segment]) -> None:
        """Close the open section with the content since its heading (or keep it loose)."""
        if section is None:
            root.children.extend(content)
            return
        section.children.extend(content)
        _refit(builder, section)
        root.children.append(section)

    for block in blocks:
        if block.kind == "heading" and not title_done and not pending and section is None:
            title = builder.make("title", "title", block.start, block.end)
            if title is not None:
                root.children.append(title)
            title_done = True
            continue
        if block.kind == "heading" and block.placement == "after":
            # Closes the content since the last boundary (it was printed after it).
            if section is not None:
                root.children.append(section)
                section = None
            made = open_section(block, pending, after=True)
            pending = []
            if made is not None:
                root.children.append(made)
            continue
        if block.kind == "heading" and block.placement == "before":
            flush(section, pending)
            pending = []
            section = open_section(block, [], after=False)
            continue
        seg = leaf(block)
        if seg is not None:
            pending.append(seg)
    flush(section, pending)


def _refit(builder: _Builder, section: Segment) -> None:
    """Stretch a section over the children added after it was opened."""
    end = max([section.clean_end] + [c.clean_end for c in section.children])
    refit = builder.make(
        section.kind,
        section.iri.removeprefix(builder.base + "/"),
        section.clean_start,
        end,
        heading=section.heading,
        placement=section.placement,
    )
    if refit is not None:
        refit.children = section.children
        section.__dict__.update(refit.__dict__)
