"""Document trees: the 意见's parts and provisions, report items, and exact spans everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.corpus import Corpus, load_text_document
from kb.segment import Segment, segment_document, split_units

from .conftest import LIST_ENTRIES_RULE, rule_file

DOC_IDS = [
    "zhongyang-2021-yijian",
    "renmin-2021-yijian-jiedu",
    "guangzhou-2021-baxiang-jiedu",
    "guangzhou-2020-ruogan-jiedu",
    "zgjjjc-2023-23-haiguan",
    "hengyang-2020-jiandu-baodao",
]


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_segment_every_raw_span_normalises_to_the_segment_text(
    corpus: Corpus, trees: dict[str, Segment], doc_id: str
) -> None:
    doc = corpus.get(doc_id)
    segments = list(trees[doc_id].walk())
    assert len(segments) > 100
    for seg in segments:
        assert doc.raw_start <= seg.start < seg.end <= doc.raw_end, seg.iri
        assert doc.normalise_span(seg.start, seg.end) == seg.text, seg.iri


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_segment_iris_are_unique_and_readable(trees: dict[str, Segment], doc_id: str) -> None:
    iris = [seg.iri for seg in trees[doc_id].walk()]
    assert len(iris) == len(set(iris))
    assert all(iri.startswith(f"https://w3id.org/policykb/id/doc/{doc_id}") for iri in iris)


def test_segment_yijian_has_five_parts_and_25_provisions_in_order(
    trees: dict[str, Segment], yijian_gold: dict
) -> None:
    tree = trees["zhongyang-2021-yijian"]
    parts = [c for c in tree.children if c.kind == "part"]
    assert [p.ordinal for p in parts] == [1, 2, 3, 4, 5]
    assert [p.heading for p in parts] == [g["heading"] for g in yijian_gold["parts"]]
    for part, gold in zip(parts, yijian_gold["parts"], strict=True):
        assert [c.ordinal for c in part.children if c.kind == "provision"] == gold["provisions"]
    provisions = tree.find("provision")
    assert [p.ordinal for p in provisions] == list(range(1, 26))
    for seg, gold in zip(provisions, yijian_gold["provisions"], strict=True):
        assert (seg.number, seg.heading) == (gold["number"], gold["heading"])
        last = seg.find("sentence")[-1]
        assert last.text == gold["last_sentence"]


def test_segment_yijian_keeps_title_date_preamble_and_part_one(
    trees: dict[str, Segment], yijian_gold: dict
) -> None:
    tree = trees["zhongyang-2021-yijian"]
    kinds = [c.kind for c in tree.children]
    assert kinds[:3] == ["title", "date", "preamble"]
    assert tree.children[0].text == yijian_gold["title"]
    preamble = tree.children[2]
    assert preamble.find("sentence")[0].text == yijian_gold["preamble_first_sentence"]
    part_one = tree.find("part")[0]
    assert not part_one.find("provision")
    assert len(part_one.find("paragraph")) >= 3
    assert part_one.iri.endswith("/doc/zhongyang-2021-yijian/part/1")


def test_segment_provision_iris_follow_the_design(trees: dict[str, Segment]) -> None:
    p14 = trees["zhongyang-2021-yijian"].find("provision")[13]
    assert p14.iri == "https://w3id.org/policykb/id/doc/zhongyang-2021-yijian/provision/14"
    sentences = p14.find("sentence")
    assert sentences[1].iri == p14.iri + "/sentence/2"
    assert sentences[1].text == "纪委书记应当牢固树立报告问题是本职、该报告不报告是失职的意识。"
    assert [c.kind for c in sentences[1].children] == []  # one clause: not split
    clauses = sentences[2].children
    assert [c.text for c in clauses] == [
        "发现领导班子成员有苗头性、倾向性问题的，",
        "及时进行提醒。",
    ]


def test_segment_ruogan_star_items_are_each_a_segment(trees: dict[str, Segment]) -> None:
    items = trees["guangzhou-2020-ruogan-jiedu"].find("item")
    assert len(items) == 10
    assert all(item.text.startswith("★") for item in items)
    assert all("★" not in item.text[1:] for item in items)
    assert items[-1].text.endswith("重大问题向市委报告。")


def test_segment_reports_record_references_to_local_rules(trees: dict[str, Segment]) -> None:
    titles = {r.title for r in trees["hengyang-2020-jiandu-baodao"].references}
    assert "加强和改进对“一把手”监督的十项措施" in titles
    assert "加强和改进纪委对同级党委（党组）监督的意见（试行）" in titles
    titles = {r.title for r in trees["guangzhou-2021-baxiang-jiedu"].references}
    assert "关于进一步加强和改进同级监督的八项措施" in titles and "八项措施" in titles


def test_segment_reference_spans_are_exact(corpus: Corpus, trees: dict[str, Segment]) -> None:
    for doc_id, tree in trees.items():
        doc = corpus.get(doc_id)
        for ref in tree.references:
            assert doc.normalise_span(ref.start, ref.end) == f"《{ref.title}》"


def test_segment_trailing_headings_close_their_sections(trees: dict[str, Segment]) -> None:
    sections = [
        s for s in trees["guangzhou-2021-baxiang-jiedu"].find("section") if s.placement == "after"
    ]
    assert [s.heading for s in sections] == [
        "坚持 从日常监督抓起，提升主动监督意识。",
        "坚持 从具体事情抓起，增强相互监督氛围。",
        "坚持 从基础制度严起，强化监督制度刚性。",
    ]
    assert sections[0].children[-1].kind == "heading"
    assert sections[0].children[0].text.startswith("同级监督不是抽象的") is False


def test_segment_text_without_structure_gives_paragraphs_and_sentences(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(
        "第一段说明监督。要及时报告问题。\n\n第二段没有编号，也没有标题。\n", encoding="utf-8"
    )
    tree = segment_document(load_text_document(path))
    assert [c.kind for c in tree.children] == ["paragraph", "paragraph"]
    assert [s.text for s in tree.find("sentence")] == [
        "第一段说明监督。",
        "要及时报告问题。",
        "第二段没有编号，也没有标题。",
    ]


def test_segment_split_units_keeps_quotations_whole() -> None:
    text = "他说：“要报告。不得隐瞒。”然后离开。不能“一签了之”。"
    units = [text[s:e] for s, e in split_units(text, 0, len(text), "。")]
    # A full stop inside a quotation does not split it; 。” closes the sentence.
    assert units == ["他说：“要报告。不得隐瞒。”", "然后离开。", "不能“一签了之”。"]


NUMBERED_MEASURES = (
    "某县关于加强对“一把手”和领导班子监督的实施办法\n\n"
    "一、县委每年至少听取一次县纪委监委关于各乡镇党委“一把手”履行全面从严治党责任情况的专题汇报。\n"
    "二、县纪委书记应当每半年与各乡镇党委书记进行一次谈话提醒，发现问题的，应当及时向县委主要负责人报告。\n"
    "三、县委巡察工作实现对乡镇党委一届任期内全覆盖，巡察组进驻前应当向县纪委监委了解“一把手”情况。\n"
    "四、领导班子成员发现“一把手”存在问题的，可以向县纪委反映。\n"
)


def test_segment_numbered_lines_without_body_are_entries_with_sentences(tmp_path: Path) -> None:
    """A drafter's 一、… list: each numbered line is a measure, not a heading over nothing, so
    its words are split into sentences and clauses like a provision's (and extraction sees
    them); its number stays out of the text."""
    path = tmp_path / "measures.txt"
    path.write_text(NUMBERED_MEASURES, encoding="utf-8")
    doc = load_text_document(path)
    tree = segment_document(doc)
    parts = tree.find("part")
    assert [p.number for p in parts] == ["一", "二", "三", "四"]
    for part in parts:
        [paragraph] = part.children
        assert paragraph.iri.endswith(f"part/{part.ordinal}/paragraph/1")
        assert part.text.startswith(f"{part.number}、" + paragraph.text)
        assert paragraph.find("sentence")
    assert [s.text for s in parts[1].find("sentence")] == [
        "县纪委书记应当每半年与各乡镇党委书记进行一次谈话提醒，发现问题的，应当及时向县委主要负责人报告。"
    ]
    assert len(parts[2].find("clause")) == 2
    for seg in tree.walk():
        assert doc.normalise_span(seg.start, seg.end) == seg.text, seg.iri


@pytest.mark.parametrize(
    ("lines", "kind", "numbers"),
    [
        (
            ["第一条 为加强监督，制定本办法。", "第二条 党委每年听取一次汇报。"],
            "provision",
            ["一", "二"],
        ),
        (["（一）党委每年听取一次汇报。", "（二）纪委书记应当报告。"], "provision", ["一", "二"]),
        (["1. 党委每年听取一次汇报。", "2、纪委书记应当报告。"], "item", ["1", "2"]),
        (["- 党委每年听取一次汇报。", "* 纪委书记应当报告。"], "item", [None, None]),
        (["（1）党委每年听取一次汇报。", "（2）纪委书记应当报告。"], "item", ["1", "2"]),
        (["①党委每年听取一次汇报。", "②纪委书记应当报告。"], "item", ["1", "2"]),
    ],
)
def test_segment_a_drafters_numbered_rule_keeps_every_entry(
    tmp_path: Path, lines: list[str], kind: str, numbers: list[str]
) -> None:
    """Articles (第一条), （一） provisions with no part above them, and 1. lists: each entry is
    a segment of its own under the document, numbered, its words apart from its number."""
    path = tmp_path / "rule.txt"
    path.write_text("某县实施办法\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    doc = load_text_document(path)
    tree = segment_document(doc)
    entries = [c for c in tree.children if c.kind == kind]
    assert [e.number for e in entries] == numbers
    for entry, line in zip(entries, lines, strict=True):
        assert line.endswith(entry.text)
        if kind == "item":  # an item's number or bullet stays out of its text
            assert entry.text[0] not in "0123456789-*（①②"
        assert entry.find("sentence")
    iris = [s.iri for s in tree.walk()]
    assert len(iris) == len(set(iris))
    for seg in tree.walk():
        assert doc.normalise_span(seg.start, seg.end) == seg.text, seg.iri


def test_segment_articles_have_no_heading_and_large_numbers(tmp_path: Path) -> None:
    path = tmp_path / "rule.txt"
    path.write_text("办法\n\n第一百零一条 本办法自印发之日起施行。\n", encoding="utf-8")
    [article] = segment_document(load_text_document(path)).find("provision")
    assert (article.number, article.ordinal, article.heading) == ("一百零一", 101, None)
    assert article.iri.endswith("/provision/101")


def test_typed_file_title_says_nothing_of_wrapping(tmp_path: Path) -> None:
    """A typed file's title and blank line are no evidence that single newlines are wraps:
    its one-line articles stay apart."""
    path = tmp_path / "rule.txt"
    path.write_text(
        "某市办法\n\n第一条 为加强监督，制定本办法。\n第二条 纪委书记应当报告。\n", encoding="utf-8"
    )
    doc = load_text_document(path)
    assert doc.file_layout.wrap_gap == 1
    assert len(segment_document(doc).find("provision")) == 2


def test_segment_chapters_hold_their_articles(tmp_path: Path) -> None:
    path = rule_file(
        tmp_path,
        "某市办法\n\n第一章 总则\n第一条 为加强监督，制定本办法。\n第二条 本办法适用于各级党组织。\n"
        "第二章 监督措施\n第三条 纪委书记应当报告。\n",
    )
    doc = load_text_document(path)
    tree = segment_document(doc)
    chapters = tree.find("part")
    assert [(c.number, c.heading) for c in chapters] == [("一", "总则"), ("二", "监督措施")]
    assert [[p.number for p in c.children] for c in chapters] == [["一", "二"], ["三"]]
    assert [p.iri.rsplit("/", 2)[-2:] for p in tree.find("provision")] == [
        ["provision", "1"],
        ["provision", "2"],
        ["provision", "3"],
    ]
    assert [c.text for c in tree.children if c.kind == "title"] == ["某市办法"]
    for seg in tree.walk():
        assert doc.normalise_span(seg.start, seg.end) == seg.text, seg.iri


def test_segment_markdown_headings_end_their_line(tmp_path: Path) -> None:
    """A Markdown heading is one line: the bulleted rules under it are items, not its tail."""
    path = tmp_path / "rule.md"
    path.write_text(
        "# 某县监督措施\n\n## 一、日常监督\n\n- 纪委书记应当报告。\n- 党委每年听取一次汇报。\n",
        encoding="utf-8",
    )
    doc = load_text_document(path)
    tree = segment_document(doc)
    assert [h.text for h in tree.find("heading")] == ["一、日常监督"]
    assert [i.text for i in tree.find("item")] == ["纪委书记应当报告。", "党委每年听取一次汇报。"]
    for seg in tree.walk():
        assert doc.normalise_span(seg.start, seg.end) == seg.text, seg.iri


def test_segment_markdown_markup_is_no_text_and_spans_stay_exact(tmp_path: Path) -> None:
    """A quotation's > and the ** around emphasised words are markup: the text leaves them out,
    and every span still slices the file to its words."""
    path = tmp_path / "rule.md"
    path.write_text(
        "# 某县措施\n\n> 起草说明：供讨论。\n\n## 一、日常监督\n\n- **巡察报告**应当单列“一把手”情况。\n",
        encoding="utf-8",
    )
    doc = load_text_document(path)
    tree = segment_document(doc)
    assert [i.text for i in tree.find("item")] == ["巡察报告应当单列“一把手”情况。"]
    assert [p.text for p in tree.find("paragraph")] == ["起草说明：供讨论。"]
    for seg in tree.walk():
        if seg.kind != "document":  # its slice starts after the title's #, so reads differently
            assert doc.normalise_span(seg.start, seg.end) == seg.text, seg.iri


def test_segment_numbered_entries_under_a_provision_are_its_items(tmp_path: Path) -> None:
    path = rule_file(tmp_path, LIST_ENTRIES_RULE)
    doc = load_text_document(path)
    [provision] = segment_document(doc).find("provision")
    assert [(c.kind, c.number, c.text) for c in provision.children] == [
        ("paragraph", None, "强化谈话监督。县委书记每年与乡镇党委书记谈话。"),
        ("item", "1", "谈话应当有记录。"),
        ("item", "2", "发现问题的，应当及时提醒。"),
    ]
    assert provision.children[1].iri.endswith("/provision/1/item/1")
    for seg in provision.walk():
        assert doc.normalise_span(seg.start, seg.end) == seg.text, seg.iri


def test_segment_an_articles_enumeration_is_its_items(tmp_path: Path) -> None:
    """（一） after 第二条 is an item of the article (a 项), not a provision of its own: no
    second provision/1, and the article's subject reaches its items."""
    path = rule_file(
        tmp_path,
        "某市办法\n\n第一条 为加强监督，制定本办法。\n第二条 党委应当履行下列职责：\n"
        "（一）每年听取纪委关于“一把手”监督情况的汇报；\n（二）定期与下级“一把手”开展谈话。\n"
        "第三条 纪委书记应当报告。\n",
    )
    doc = load_text_document(path)
    tree = segment_document(doc)
    assert [p.number for p in tree.find("provision")] == ["一", "二", "三"]
    items = tree.find("item")
    assert [(i.number, i.text) for i in items] == [
        ("一", "每年听取纪委关于“一把手”监督情况的汇报；"),
        ("二", "定期与下级“一把手”开展谈话。"),
    ]
    iris = [s.iri for s in tree.walk()]
    assert len(iris) == len(set(iris))
    from kb.extract import extract_norms

    norms = extract_norms(doc, tree)
    on_items = [n for n in norms if any(i.start <= n.start < i.end for i in items)]
    assert [[b.text for b in n.bearers] for n in on_items] == [["党委"], ["党委"]]
