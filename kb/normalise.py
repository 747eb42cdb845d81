"""Normalise a damaged PDF/web extraction into clean text, keeping an exact offset map.

Every clean character knows the raw `[start, end)` it came from, so any span found in the clean
text can be cited as a slice of the raw corpus file. The rules look only at layout and character
classes (line widths, gaps, markers from `kb/rules/layout.jsonl`), never at particular sentences:

- lines broken at the column edge are rejoined (inside words, quotes and numbers);
- stray page numbers on their own line are dropped;
- characters spread with spaces are joined; other runs of (non-breaking) spaces collapse;
- vertical headlines printed one character per line become one line;
- runs doubled by overprinted PDF layers (``近日近日，，``) are undoubled;
- ASCII punctuation inside Chinese text becomes full-width (``(试行)`` → ``（试行）``);
- every block gets a layout kind: body, heading, item, caption, comment, attribution, …,
  and headings printed after their paragraphs are marked so the segmenter can put them first.

Only deletions and one-to-one substitutions are made, so the offset map is monotonic.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from kb.resources import rules_by_label

HSPACE = " \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"
TERMINAL = "。！？；：!?;…"
CLOSERS = "”’』」）)】》"
INNER_PUNCT = "，。、；：,;:"
ASCII_TO_WIDE = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
PAGE_NUMBER = re.compile(r"^[0-9]{1,3}$")
DOUBLED_MIN_COVERAGE = 0.5
DOUBLED_MIN_LENGTH = 16
DOUBLED_SHORT_LENGTH = 4
DOUBLED_SHORT_COVERAGE = 0.8
DOUBLED_MAX_RUN = 60
WIDTH_TOLERANCE = 3
FULL_RATIO = 0.85
LOOSE_RATIO = 0.6
TOC_MIN_RUN = 8
VERTICAL_MIN_RUN = 4
LABEL_MAX = 12
CAPTION_MAX = 60
CAPTION_RATIO = 0.8


def is_ideograph(ch: str) -> bool:
    """A CJK unified ideograph (the characters whose spreading and doubling we repair)."""
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def is_wide(ch: str) -> bool:
    """Occupies two cells in Chinese typesetting: ideographs and full-width punctuation."""
    if ch in "“”‘’—…·":
        return True
    return unicodedata.east_asian_width(ch) in ("W", "F")


def display_width(text: str) -> int:
    """Width in cells, ignoring spaces, so spread and unspread lines compare fairly."""
    return sum(2 if is_wide(ch) else 1 for ch in text if ch not in HSPACE)


def _is_terminal(text: str) -> bool:
    stripped = text.rstrip(HSPACE + CLOSERS)
    return bool(stripped) and stripped[-1] in TERMINAL


@dataclass(frozen=True)
class Layout:
    """How a file was laid out; inferred once per file and reused to normalise its slices."""

    wrap_gap: int
    line_width: int
    wrapped: bool


@dataclass(frozen=True)
class Block:
    """A run of clean text that the layout sets apart: a paragraph, heading, item, caption …

    `start`/`end` are clean-text offsets. `placement` is "after" for a heading printed after
    the paragraphs it heads, "detached" for headings with no content of their own.
    """

    kind: str
    start: int
    end: int
    placement: str = "before"


@dataclass(frozen=True)
class Normalised:
    """Clean text plus, for every clean character, the raw `[start, end)` it came from."""

    raw: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    blocks: tuple[Block, ...]
    layout: Layout
    offset: int = 0
    units: tuple[tuple[int, int], ...] = ()  # undoubled runs: spans must not cut them

    def snap(self, start: int, end: int) -> tuple[int, int]:
        """Widen a clean span so it does not cut an undoubled run (so it can be cited exactly)."""
        for a, b in self.units:
            if a < start < b:
                start = a
            if a < end < b:
                end = b
        return start, end

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw `[start, end)` covering the clean span `[start, end)` (which must be non-empty).

        Offsets are absolute in the source file (`offset` is added for a file slice).
        """
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad clean span [{start}, {end}) for text of {len(self.text)}")
        return self.starts[start] + self.offset, self.ends[end - 1] + self.offset

    def clean_position(self, raw_offset: int) -> int:
        """The first clean character whose raw start is at or after `raw_offset`."""
        from bisect import bisect_left

        return bisect_left(self.starts, raw_offset - self.offset)


@dataclass
class _Line:
    start: int  # raw offset of the first non-space character
    end: int  # raw offset after the last non-space character
    gap: int  # newlines between the previous kept line and this one
    text: str
    prefix: str = ""  # the line's part before a slice began ("" for whole lines)

    @property
    def width(self) -> int:
        return display_width(self.prefix + self.text)

    @property
    def has_punct(self) -> bool:
        return any(ch in INNER_PUNCT for ch in self.prefix + self.text)


@dataclass
class _Cells:
    """Characters with their raw spans: the working representation of every transformation."""

    chars: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def add(self, ch: str, start: int, end: int) -> None:
        self.chars.append(ch)
        self.starts.append(start)
        self.ends.append(end)

    def text(self) -> str:
        return "".join(self.chars)

    def keep(self, mask: list[bool]) -> _Cells:
        out = _Cells()
        for ch, s, e, k in zip(self.chars, self.starts, self.ends, mask, strict=True):
            if k:
                out.add(ch, s, e)
        return out


def _split_lines(raw: str, prefix: str = "") -> list[_Line]:
    """Non-empty lines with their gaps; page-number lines removed (their gaps merged).

    `prefix` is the first line's part that lies before `raw` (for a file slice).
    """
    lines: list[_Line] = []
    pos = 0
    newlines = 0
    candidates: list[_Line] = []
    for piece in raw.split("\n"):
        content = piece.strip(HSPACE + "\r")
        if content:
            indent = len(piece) - len(piece.lstrip(HSPACE + "\r"))
            start = pos + indent
            candidates.append(_Line(start, start + len(content), newlines, content))
            newlines = 1
        else:
            newlines += 1
        pos += len(piece) + 1
    trailing_gap = newlines
    if candidates and prefix and candidates[0].start == 0:
        candidates[0].prefix = prefix
    for i, line in enumerate(candidates):
        if PAGE_NUMBER.match(line.text):
            # The edges of the file count as blank lines.
            gap_after = candidates[i + 1].gap if i + 1 < len(candidates) else max(trailing_gap, 2)
            first = i == 0
            if (line.gap >= 2 or first) and gap_after >= 2:
                if i + 1 < len(candidates):
                    candidates[i + 1].gap = max(candidates[i + 1].gap, line.gap, gap_after)
                continue
        lines.append(line)
    return lines


def slice_prefix(file_text: str, start: int) -> str:
    """The text on `start`'s line before it: the context a slice's first line needs."""
    line_start = file_text.rfind("\n", 0, start) + 1
    return file_text[line_start:start]


def infer_layout(raw: str) -> Layout:
    """Infer the wrap gap and the typical full-line width of a file from its lines."""
    lines = _split_lines(raw)
    widths = [line.width for line in lines]
    counted = Counter(w for w in widths if w >= 12)
    # The most frequent width; between equally frequent ones the widest, as a column's lines
    # are its longest (a typed file's title is not its column).
    line_width = max(counted, key=lambda w: (counted[w], w)) if counted else 40
    # The gap after a line broken mid-sentence is the wrap gap. The first line, a title, is
    # no evidence: a typed file's title and blank line say nothing of how its paragraphs are
    # separated.
    gaps = Counter(
        b.gap for a, b in zip(lines[1:], lines[2:], strict=False) if not _is_terminal(a.text)
    )
    wrap_gap = min(gaps.most_common(1)[0][0], 2) if gaps else 1
    near = sum(1 for w in widths if abs(w - line_width) <= WIDTH_TOLERANCE + 1)
    wrapped = bool(widths) and line_width <= 120 and near / len(widths) >= 0.25
    return Layout(wrap_gap=wrap_gap, line_width=line_width, wrapped=wrapped)


def _markers() -> dict[str, tuple[re.Pattern[str], ...]]:
    return {k: tuple(r.pattern for r in v) for k, v in rules_by_label("layout").items()}


def _matches(label: str, text: str) -> bool:
    return any(p.search(text) for p in _markers().get(label, ()))


_STARTS_BLOCK = (
    "PART",
    "PROVISION",
    "ITEM",
    "NUMBERED_ITEM",
    "MARKDOWN_BULLET",
    "MARKDOWN_HEADING",
    "DASH_LINE",
    "DATE_LINE",
    "SOURCE_LINE",
    "BYLINE",
)


def _starts_block(text: str) -> bool:
    return any(_matches(label, text) for label in _STARTS_BLOCK)


def _is_vertical(line: _Line) -> bool:
    return len(line.text) == 1 and is_ideograph(line.text)


def _vertical_run_end(lines: list[_Line], i: int) -> int:
    j = i
    while j < len(lines) and _is_vertical(lines[j]) and (j == i or lines[j].gap <= 2):
        j += 1
    return j


def _group_lines(lines: list[_Line], layout: Layout) -> list[tuple[list[_Line], bool]]:
    """Group lines into blocks; the flag marks a vertical (one character per line) headline."""
    groups: list[tuple[list[_Line], bool]] = []
    i = 0
    while i < len(lines):
        # A vertical headline: four or more one-character lines in a row.
        j = _vertical_run_end(lines, i)
        if j - i >= VERTICAL_MIN_RUN:
            groups.append((lines[i:j], True))
            i = j
            continue
        block = [lines[i]]
        i += 1
        while (
            i < len(lines)
            and _vertical_run_end(lines, i) - i < VERTICAL_MIN_RUN
            and _joins(block, lines[i], lines[i + 1] if i + 1 < len(lines) else None, layout)
        ):
            block.append(lines[i])
            i += 1
        groups.append((block, False))
    return groups


def _is_full(width: int, reference: int, ratio: float = FULL_RATIO) -> bool:
    """A line reaches the column edge (allowing for narrow punctuation and digits)."""
    return width >= ratio * reference


def _ends_block(text: str) -> bool:
    """Lines that are complete by themselves: attributions, dates, publication lines, Markdown
    headings, and dash subtitles closed by a bracket or quote."""
    if any(
        _matches(label, text)
        for label in ("ATTRIBUTION", "DATE_LINE", "SOURCE_LINE", "BYLINE", "MARKDOWN_HEADING")
    ):
        return True  # a Markdown heading is one line
    return _matches("DASH_LINE", text) and text.rstrip(HSPACE)[-1:] in CLOSERS


def _is_display_line(line: _Line, after: _Line | None, layout: Layout) -> bool:
    """A short line with no punctuation, set off from a full line below: a title or heading.

    Where paragraphs are separated by blank lines, a heading is too.
    """
    return (
        after is not None
        and (layout.wrap_gap > 1 or after.gap > layout.wrap_gap or after.width >= 2 * line.width)
        and not _is_full(line.width, layout.line_width)
        and not line.has_punct
        and not _is_terminal(line.text)
        and _is_full(after.width, layout.line_width)
    )


def _joins(block: list[_Line], nxt: _Line, after: _Line | None, layout: Layout) -> bool:
    """Does `nxt` continue the block (a wrapped line) rather than start a new one?"""
    a = block[-1]
    if _starts_block(nxt.text):
        return False
    if _ends_block(a.text):
        return False
    if not layout.wrapped:
        return nxt.gap < layout.wrap_gap
    width_a = a.width
    reference = block[-2].width if len(block) > 1 else layout.line_width
    if _is_terminal(a.text):
        # A sentence ends here: the paragraph goes on only if the line was full.
        return (
            nxt.gap <= layout.wrap_gap
            and _is_full(width_a, reference)
            and not _is_display_line(nxt, after, layout)
        )
    has_punct = a.has_punct
    if nxt.gap > layout.wrap_gap:
        # A blank line mid-sentence: a column break if the line was full or is plainly
        # mid-sentence; a short unpunctuated line is a heading.
        ratio = LOOSE_RATIO if len(block) > 1 else FULL_RATIO
        return has_punct or _is_full(width_a, layout.line_width, ratio)
    if len(block) > 1:
        # Narrow boxes shrink or grow a little line by line; a heading's tail is much shorter.
        return _is_full(width_a, reference, LOOSE_RATIO)
    if has_punct or _is_full(width_a, reference):
        return True
    return not _is_display_line(a, nxt, layout)


def _block_cells(raw: str, group: list[_Line]) -> _Cells:
    cells = _Cells()
    for k, line in enumerate(group):
        if k:
            prev = cells.chars[-1] if cells.chars else ""
            if (
                prev.isascii()
                and prev.isalpha()
                and line.text[0].isascii()
                and line.text[0].isalpha()
            ):
                # Keep a word boundary between two Latin words broken across lines.
                nl = raw.index("\n", group[k - 1].end)
                cells.add(" ", nl, nl + 1)
        for offset, ch in enumerate(line.text):
            cells.add(ch, line.start + offset, line.start + offset + 1)
    return cells


# Markdown's strong emphasis: every ** goes (paired or not, so that a slice of the text, which
# may hold one of a pair, normalises as the whole does); __ may be a blank to fill in (____年).
_MD_EMPHASIS = re.compile(r"\*\*")


def _strip_markdown(cells: _Cells) -> _Cells:
    """Markdown's markup, not the drafter's words: a heading's #, a quotation's >, and the
    ** around emphasised words (**巡察报告**应当…). The words keep their raw offsets."""
    text = cells.text()
    mask = [True] * len(text)
    m = re.match(r"#{1,6}[" + HSPACE + r"]+|>[" + HSPACE + r"]*", text)
    if m:
        for k in range(m.end()):
            mask[k] = False
    for e in _MD_EMPHASIS.finditer(text):
        for k in range(e.start(), e.end()):
            mask[k] = False
    if all(mask):
        return cells
    return cells.keep(mask)


def _fix_spaces(cells: _Cells) -> _Cells:
    """Join spread characters, drop spaces beside CJK, collapse the rest to one space."""
    text = cells.text()
    mask = [True] * len(text)
    out_chars = list(cells.chars)
    for m in re.finditer(f"[{HSPACE}]+", text):
        i, j = m.start(), m.end()
        if i == 0 or j == len(text):
            for k in range(i, j):
                mask[k] = False
            continue
        left, right = text[i - 1], text[j]
        if left.isascii() and right.isascii():
            out_chars[i] = " "
            for k in range(i + 1, j):
                mask[k] = False
            continue
        if is_wide(left) and is_wide(right):
            left_token = re.split(f"[{HSPACE}]", text[:i])[-1]
            right_token = re.split(f"[{HSPACE}]", text[j:])[0]
            spread = (
                min(sum(map(is_ideograph, left_token)), sum(map(is_ideograph, right_token))) <= 1
            )
            if not spread:
                out_chars[i] = " "
                for k in range(i + 1, j):
                    mask[k] = False
                continue
        for k in range(i, j):
            mask[k] = False
    fixed = _Cells(out_chars, list(cells.starts), list(cells.ends))
    return fixed.keep(mask)


def _widen_punctuation(cells: _Cells) -> _Cells:
    """ASCII punctuation next to Chinese text becomes full-width (1:1, offsets unchanged)."""
    chars = cells.chars
    for i, ch in enumerate(chars):
        wide = ASCII_TO_WIDE.get(ch)
        if wide is None:
            continue
        prev = chars[i - 1] if i else ""
        nxt = chars[i + 1] if i + 1 < len(chars) else ""
        if ch == "(":
            near = is_wide(nxt) or (is_wide(prev) and nxt != "")
        elif ch == ")":
            near = is_wide(prev) or (is_wide(nxt) and prev != "")
        else:
            near = (prev != "" and is_wide(prev)) or (nxt != "" and is_wide(nxt))
        if near:
            chars[i] = wide
    return cells


def _doubled_runs(text: str) -> list[tuple[int, int]]:
    """Greedy longest `XX` runs: (start, length of X) for every doubled run found."""
    runs: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        best = 0
        for length in range(min(DOUBLED_MAX_RUN, (n - i) // 2), 0, -1):
            if text[i : i + length] == text[i + length : i + 2 * length]:
                best = length
                break
        if best:
            runs.append((i, best))
            i += 2 * best
        else:
            i += 1
    return runs


def _undouble(cells: _Cells) -> tuple[_Cells, list[tuple[int, int]]]:
    """Undouble a block printed twice by overprinted layers, if most of it is doubled.

    Returns the cells and the undoubled runs as ranges of the new cells: a span that cuts a run
    cannot be cited exactly (its raw slice holds part of one copy and all of the other).
    """
    text = cells.text()
    if len(text) < DOUBLED_SHORT_LENGTH:
        return cells, []
    runs = _doubled_runs(text)
    covered = sum(2 * length for _, length in runs)
    # Short texts (a clause cut from a doubled block) must be doubled almost throughout.
    needed = DOUBLED_MIN_COVERAGE if len(text) >= DOUBLED_MIN_LENGTH else DOUBLED_SHORT_COVERAGE
    if covered < needed * len(text):
        return cells, []
    mask = [True] * len(text)
    ends = list(cells.ends)
    units: list[tuple[int, int]] = []
    removed = 0
    for start, length in runs:
        for k in range(start + length, start + 2 * length):
            mask[k] = False
        ends[start + length - 1] = cells.ends[start + 2 * length - 1]
        if length > 1:
            units.append((start - removed, start - removed + length))
        removed += length
    return _Cells(list(cells.chars), list(cells.starts), ends).keep(mask), units


def _classify(text: str, group: list[_Line], vertical: bool, layout: Layout) -> str:
    if vertical:
        return "heading"
    first = group[0].text
    for label, kind in (
        ("MARKDOWN_HEADING", "heading"),
        ("PART", "part"),
        ("PROVISION", "provision"),
        ("DATE_LINE", "date"),
        ("SOURCE_LINE", "source"),
        ("BYLINE", "byline"),
    ):
        if _matches(label, first):
            return kind
    if (
        first.startswith("★")
        or _matches("NUMBERED_ITEM", first)
        or _matches("MARKDOWN_BULLET", first)
    ):
        return "item"
    if _matches("ATTRIBUTION", text):
        return "attribution"
    if first.startswith("——"):
        return "subtitle"
    if _matches("CAPTION", text) or _is_narrow_box(text, group, layout):
        return "caption"
    if len(text) <= LABEL_MAX and text.endswith(("：", ":")):
        return "heading"
    width = display_width(text)
    if len(group) == 1 and _matches("SPACED_HEADLINE", text):
        return "heading"
    if not _is_terminal(text) and width < max(layout.line_width, 80) and len(text) <= 40:
        return "heading"
    return "body"


def _is_narrow_box(text: str, group: list[_Line], layout: Layout) -> bool:
    """A short one-sentence block set in lines well narrower than the body: a photo caption."""
    if not layout.wrapped or len(group) < 2 or len(text) > CAPTION_MAX:
        return False
    if sum(text.count(p) for p in "。！？") != 1 or not _is_terminal(text):
        return False
    limit = CAPTION_RATIO * layout.line_width
    return all(line.width <= limit for line in group)


def normalise(
    raw: str, *, layout: Layout | None = None, offset: int = 0, prefix: str = ""
) -> Normalised:
    """Normalise `raw` (a whole file, or a slice of it starting at `offset` in the file).

    For a slice, pass the file's `layout` and the `prefix` of the first line that lies before
    the slice (see `slice_prefix`), so the slice's lines are measured as the whole file's were.

    >>> raw = "各级党委要加强对“一\\n把手”的日常监督，\\n\\n6\\n\\n纪检机关要实 施 规 划。"
    >>> n = normalise(raw)
    >>> n.text
    '各级党委要加强对“一把手”的日常监督，纪检机关要实施规划。'
    >>> start, end = n.raw_span(8, 13)
    >>> raw[start:end]
    '“一\\n把手”'
    """
    layout = layout or infer_layout(raw)
    lines = _split_lines(raw, prefix)
    groups = _group_lines(lines, layout)
    out = _Cells()
    kinds: list[tuple[str, int, int, int]] = []
    units: list[tuple[int, int]] = []
    for group, vertical in groups:
        cells = _block_cells(raw, group)
        cells = _strip_markdown(cells)
        cells = _fix_spaces(cells)
        cells = _widen_punctuation(cells)
        cells, block_units = _undouble(cells)
        if not cells.chars:
            continue
        if out.chars:
            gap_at = out.ends[-1]
            out.add("\n", gap_at, gap_at + 1)
        begin = len(out.chars)
        units.extend((begin + a, begin + b) for a, b in block_units)
        for ch, s, e in zip(cells.chars, cells.starts, cells.ends, strict=True):
            out.add(ch, s, e)
        widths = sorted(line.width for line in group)
        kind = _classify(cells.text(), group, vertical, layout)
        kinds.append((kind, begin, len(out.chars), widths[len(widths) // 2]))
    blocks = _finish_blocks(kinds, out.text(), layout)
    return Normalised(
        raw=raw,
        text=out.text(),
        starts=tuple(out.starts),
        ends=tuple(out.ends),
        blocks=blocks,
        layout=layout,
        offset=offset,
        units=tuple(units),
    )


def _finish_blocks(
    kinds: list[tuple[str, int, int, int]], text: str, layout: Layout
) -> tuple[Block, ...]:
    """Second pass over block kinds: headers, tables of contents, comments, trailing headings.

    Each entry of `kinds` is (kind, clean start, clean end, median line width of the block).
    """
    kind_list = [k for k, _, _, _ in kinds]
    n = len(kind_list)
    # A first block that is very short, or spaced out like a masthead, is a running header.
    if n > 1 and kind_list[0] == "heading":
        first = text[kinds[0][1] : kinds[0][2]]
        if len(first) <= 4 or first.count(" ") >= 2:
            kind_list[0] = "header"
    # Long runs of headings and subtitles are a table of contents; the last heading of the run
    # is the article's own title when an author line follows it.
    i = 0
    while i < n:
        j = i
        while j < n and kind_list[j] in ("heading", "subtitle"):
            j += 1
        if j - i >= TOC_MIN_RUN:
            last = j - 1 if j < n and kind_list[j] in ("attribution", "byline") else j
            for k in range(i, last):
                kind_list[k] = "toc"
        i = max(j, i + 1)
    # The paragraph right before an attribution is the attributed comment.
    for k in range(1, n):
        if kind_list[k] == "attribution" and kind_list[k - 1] == "body":
            kind_list[k - 1] = "comment"
    placements = ["before"] * n
    for k in range(n):
        if kind_list[k] != "heading":
            continue
        prev = kind_list[k - 1] if k else ""
        nxt = kind_list[k + 1] if k + 1 < n else ""
        spaced = _matches("SPACED_HEADLINE", text[kinds[k][1] : kinds[k][2]])
        if spaced and prev == "body":
            placements[k] = "after"
        elif spaced and (nxt in ("heading", "") or prev in ("heading", "attribution")):
            placements[k] = "detached"
    return tuple(
        Block(kind, s, e, placement)
        for kind, (_, s, e, _w), placement in zip(kind_list, kinds, placements, strict=True)
    )
