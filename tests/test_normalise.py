"""The normaliser repairs each class of damage and keeps an exact, monotonic offset map."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kb.corpus import Corpus
from kb.normalise import (
    ASCII_TO_WIDE,
    Normalised,
    _doubled_runs,
    display_width,
    infer_layout,
    normalise,
    slice_prefix,
)


def blocks_of(n: Normalised) -> list[tuple[str, str]]:
    return [(b.kind, n.text[b.start : b.end]) for b in n.blocks]


def assert_map_is_valid(raw: str, n: Normalised) -> None:
    assert len(n.starts) == len(n.ends) == len(n.text)
    assert all(a < b for a, b in zip(n.starts, n.starts[1:], strict=False))
    for i, ch in enumerate(n.text):
        source = raw[n.starts[i]]
        assert n.ends[i] > n.starts[i]
        assert (
            ch == source or ch == ASCII_TO_WIDE.get(source) or (ch in " \n" and source.isspace())
        ), (i, ch, source)


# --- each class of damage, on text written for the test ----------------------------------------


def test_normalise_rejoins_words_quotes_and_numbers_broken_across_lines() -> None:
    raw = (
        "各级党委要加强对“一\n\n把手”的监督，纪检机关要把监督下级领导\n\n"
        "干部情况作为每年述职的重点内容，全文共出现了 6\n\n0 次。\n"
    )
    n = normalise(raw)
    assert (
        n.text
        == "各级党委要加强对“一把手”的监督，纪检机关要把监督下级领导干部情况作为每年述职的重点内容，全文共出现了60次。"
    )
    assert_map_is_valid(raw, n)


def test_normalise_drops_stray_page_numbers() -> None:
    raw = "组织部门应当加强对下级党委和中央\n\n\n\n12\n\n单位主要负责人的监督检查工作，\n\n及时提出整改意见。\n\n3"
    n = normalise(raw)
    assert (
        n.text == "组织部门应当加强对下级党委和中央单位主要负责人的监督检查工作，及时提出整改意见。"
    )
    assert "12" not in n.text and "3" not in n.text


def test_normalise_joins_spread_characters_but_keeps_phrase_spaces() -> None:
    n = normalise(
        "把完善权力运行机制作为\n实 施 规 划 的 基 础 性 建\n设。\n\n坚持 从具体事情抓起\n"
    )
    assert "实施规划的基础性建设。" in n.text
    assert "坚持 从具体事情抓起" in n.text


def test_normalise_makes_a_vertical_headline_one_line() -> None:
    raw = "上一段正文结束了。\n\n立\n足\n新\n起\n点\n\n下一段正文开始。\n"
    n = normalise(raw)
    assert ("heading", "立足新起点") in blocks_of(n)


def test_normalise_undoubles_overprinted_runs() -> None:
    raw = "近日近日，，市委再次以市委再次以20212021年年11号文印发号文印发《《若干措施若干措施》。》。\n"
    n = normalise(raw)
    assert n.text == "近日，市委再次以2021年1号文印发《若干措施》。"
    # The last character of each run cites both printed copies.
    start, end = n.raw_span(0, 3)
    assert raw[start:end] == "近日近日，，"
    assert_map_is_valid(raw, n)


def test_normalise_leaves_ordinary_repetition_alone() -> None:
    text = "领导班子成员人人有责，层层压实责任，常常开展谈心谈话，一级抓一级。"
    assert normalise(text).text == text


def test_normalise_unifies_punctuation_width_and_spaces() -> None:
    n = normalise("关于监督的意见(试行)规定:纪委书记要报告,不得隐瞒;\u00a0按规定执行。\n")
    assert n.text == "关于监督的意见（试行）规定：纪委书记要报告，不得隐瞒；按规定执行。"
    assert normalise("On 2021-06-02 (Beijing), a b\n").text == "On 2021-06-02 (Beijing), a b"


def test_normalise_sets_boxes_captions_and_attributions_apart() -> None:
    raw = (
        "正文第一段讲监督工作的总体要求，内容\n比较长，一直写到这一行结束。\n\n"
        "★建立谈话提醒制度。对苗头性问题及时提\n醒。\n\n"
        "这项制度很有针对性，值得推广。\n\n——某某大学政治学院教授 张三\n\n"
        "图为某地召开监督工作会议。\n"
    )
    kinds = [k for k, _ in blocks_of(normalise(raw))]
    assert kinds == ["body", "item", "comment", "attribution", "caption"]


def test_normalise_marks_headings_printed_after_their_paragraphs() -> None:
    raw = (
        "第一节的正文写在这里，讲日常监督\n怎样开展，写到这里结束。\n\n"
        "坚持 从日常监督抓起，提升主动监督意识。\n\n"
        "第二节的正文写在这里，讲具体事情\n怎样监督，写到这里结束。\n\n"
        "坚持 从具体事情抓起，增强相互监督氛围。\n"
    )
    n = normalise(raw)
    headings = [b for b in n.blocks if b.kind == "heading"]
    assert len(headings) == 2 and all(b.placement == "after" for b in headings)


# --- the corpus -------------------------------------------------------------------------------


def test_normalise_corpus_maps_are_valid(corpus: Corpus) -> None:
    for doc in corpus:
        assert_map_is_valid(doc.file_text, _absolute(doc.normalised))


def _absolute(n: Normalised) -> Normalised:
    if not n.offset:
        return n
    return Normalised(
        n.raw,
        n.text,
        tuple(s + n.offset for s in n.starts),
        tuple(e + n.offset for e in n.ends),
        n.blocks,
        n.layout,
    )


def test_normalise_yijian_counts_yibashou_as_the_interpretation_does(corpus: Corpus) -> None:
    doc = corpus.get("zhongyang-2021-yijian")
    assert doc.raw_text.count("一把手") == 55  # a naive search misses words broken by lines
    assert doc.clean_text.count("一把手") == 60  # the figure the interpretation states


def test_normalise_guangzhou_doubled_run_is_undoubled(corpus: Corpus) -> None:
    doc = corpus.get("guangzhou-2021-baxiang-jiedu")
    assert "近日近日" in doc.raw_text
    assert "近日近日" not in doc.clean_text and "，，" not in doc.clean_text
    assert (
        "广州市委再次以2021年1号文印发《关于进一步加强和改进同级监督的八项措施》" in doc.clean_text
    )


def test_normalise_guangzhou_vertical_headline_is_one_line(corpus: Corpus) -> None:
    n = corpus.get("guangzhou-2021-baxiang-jiedu").normalised
    vertical = [
        n.text[b.start : b.end]
        for b in n.blocks
        if b.kind == "heading" and b.end - b.start >= 8 and "\n" not in n.text[b.start : b.end]
    ]
    assert "立足新的起点完善监督体系" in vertical


def test_normalise_spread_characters_in_the_corpus_are_joined(corpus: Corpus) -> None:
    text = corpus.get("guangzhou-2021-baxiang-jiedu").clean_text
    assert "实施规划的基础性建设" in text and "清华大学廉政与治理研究中心副主任 宋伟" in text
    text = corpus.get("guangzhou-2020-ruogan-jiedu").clean_text
    assert "对一把手监督和同级监督难题。管住“关键事”" in text


def test_normalise_every_block_slice_normalises_to_the_block(corpus: Corpus) -> None:
    for doc in corpus:
        n = doc.normalised
        for block in n.blocks:
            start, end = n.raw_span(block.start, block.end)
            assert doc.normalise_span(start, end) == n.text[block.start : block.end]


# --- property-based: generated damaged text ------------------------------------------------------

ALPHABET = "监督党委纪检机关组织部门领导班子成员报告谈话提醒责任制度工作要求加强落实问题情况"
WORDS = [
    "党委",
    "纪检机关",
    "组织部门",
    "领导班子",
    "成员",
    "及时报告",
    "谈话",
    "提醒",
    "落实责任",
    "监督检查",
    "制度",
    "每年",
    "定期",
    "问题线索",
    "上级",
    "同级",
    "下级",
    "主要负责人",
    "严肃处理",
    "考核",
    "巡视巡察",
    "民主生活会",
    "函询",
    "审计",
    "廉政档案",
    "专项督查",
]


@st.composite
def paragraphs(draw: st.DrawFn) -> list[str]:
    out = []
    for _ in range(draw(st.integers(1, 4))):
        sentences = []
        for _ in range(draw(st.integers(1, 3))):
            words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5, unique=True))
            sentences.append("，".join(words) + "。")
        out.append("".join(sentences))
    # Text that reads as printed twice is ambiguous by nature: keep it out of the sample
    # (paragraphs may be read as one block, so the joined text must not repeat a phrase either).
    for text in [*out, "".join(out)]:
        doubled = sum(2 * length for _, length in _doubled_runs(text))
        assume(doubled == 0 if len(text) < 16 else doubled < 0.3 * len(text))
    assume(all(length < 3 for _, length in _doubled_runs("".join(out))))
    return out


@st.composite
def damaged(draw: st.DrawFn) -> tuple[list[str], str]:
    """Paragraphs wrapped at a column width, with page numbers, spread lines and spaces.

    Lines end with one newline and paragraphs with a blank line, or (as in PDF extractions
    such as the 意见) every line is followed by a blank line.
    """
    paras = draw(paragraphs())
    width = draw(st.integers(8, 20))
    line_end = draw(st.sampled_from(["\n", "\n\n"]))
    pieces: list[str] = []
    for para in paras:
        chunks = [para[i : i + width] for i in range(0, len(para), width)]
        for k, chunk in enumerate(chunks):
            if draw(st.integers(0, 9)) == 0:
                chunk = " ".join(chunk)  # spread characters
            if draw(st.integers(0, 9)) == 0:
                chunk = "\u00a0" + chunk  # a stray non-breaking space
            pieces.append(chunk + line_end)
            if k + 1 < len(chunks) and draw(st.integers(0, 9)) == 0:
                pieces.append(f"\n{draw(st.integers(1, 300))}\n\n")  # a page number
        if line_end == "\n":
            pieces.append("\n")  # the blank line after a paragraph
    return paras, "".join(pieces)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(damaged())
def test_normalise_property_recovers_text_and_maps_every_character(
    case: tuple[list[str], str],
) -> None:
    paras, raw = case
    n = normalise(raw)
    assert n.text.replace("\n", "") == "".join(paras)
    assert_map_is_valid(raw, n)
    layout = infer_layout(raw)
    for block in n.blocks:
        start, end = n.raw_span(block.start, block.end)
        sliced = normalise(raw[start:end], layout=layout, prefix=slice_prefix(raw, start))
        assert sliced.text == n.text[block.start : block.end]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET + "，。、：“”（）()12 ab\n\u00a0★#", max_size=200))
def test_normalise_property_any_text_gives_a_valid_map(raw: str) -> None:
    n = normalise(raw)
    assert_map_is_valid(raw, n)
    for block in n.blocks:
        assert 0 <= block.start < block.end <= len(n.text)


def test_a_typed_title_and_sentence_show_no_column() -> None:
    """Two lines of a typed file are no wrapped column: the title stays apart from the rule
    (a tie between widths goes to the wider line, not the first), and the title's blank line is
    no evidence that single newlines are wraps."""
    raw = "关于巡察的规定\n\n巡察组进驻前应当向县纪委监委了解情况。\n"
    layout = infer_layout(raw)
    assert layout.wrap_gap == 1 and layout.line_width > display_width("关于巡察的规定")
    assert normalise(raw).text == "关于巡察的规定\n巡察组进驻前应当向县纪委监委了解情况。"
