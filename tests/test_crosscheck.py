"""The cross-check of a local rule against the central 意见: verdicts, evidence, coverage, inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.corpus import load_corpus, read_docx
from kb.crosscheck import (
    CENTRAL_ID,
    VERDICTS,
    annotator_agreement,
    concepts_in,
    crosscheck,
    evaluate_alignment,
    held_out_verdicts,
    local_rules,
    parameters,
    read_local,
    related,
    render,
    render_held_out,
)
from kb.errors import KBError
from kb.resources import RULES_DIR
from kb.segment import segment_document

from .conftest import LIST_ENTRIES_RULE, rule_file

GOLD = Path(__file__).parent / "gold"

# A local rule written for this test: rule 二 turns the central 应当 of （十四） (纪委书记 reports
# to 上级纪委) into 可以; nothing keeps （八）'s 不能“一签了之”, though （八） is carried out.
DEPARTING_RULE = """关于加强对一把手监督的若干规定

一、领导班子成员发现一把手存在问题的，可以向上级党组织报告。
二、纪委书记发现同级党委主要负责人存在问题的，可以向上级纪委报告。
三、每半年召开一次领导班子会议，听取班子成员履行全面从严治党责任情况汇报。
"""


@pytest.fixture(scope="module")
def departing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    path = tmp_path_factory.mktemp("local") / "rule.txt"
    path.write_text(DEPARTING_RULE, encoding="utf-8")
    return path, crosscheck(str(path))


@pytest.fixture(scope="module")
def baxiang() -> object:
    return crosscheck("guangzhou-2021-baxiang-cuoshi")


def test_concepts_fold_synonyms_and_relate_through_the_hierarchy() -> None:
    assert "TopLeader" in concepts_in("党委主要负责人")
    assert concepts_in("一把手") == concepts_in("主要负责人")
    assert related("TopLeader", "LeadershipMember") or related("LeadershipMember", "TopLeader")
    assert not related("HigherPartyOrganisation", "Family")


def test_weaker_modality_is_a_departure(departing: tuple[Path, object]) -> None:
    _, result = departing
    # Each numbered line is split into clauses: rule 二's norm is its 可以 clause, 纪委书记 its bearer.
    rule_two = next(
        a for a in result.alignments if "DisciplineCommissionSecretary" in a.local.bearers
    )
    assert rule_two.local.text == "可以向上级纪委报告"
    assert rule_two.verdict == "departs"
    assert rule_two.provision is not None and rule_two.provision.key == "provision/14"
    assert any("obligation → permission" in r for r in rule_two.reasons)
    assert rule_two.central_norm is not None and rule_two.central_norm.modality == "obligation"


def test_permission_kept_as_permission_implements(departing: tuple[Path, object]) -> None:
    _, result = departing
    rule_one = next(a for a in result.alignments if a.local.bearers == ("LeadershipMember",))
    assert rule_one.local.text == "可以向上级党组织报告"
    assert rule_one.provision is not None and rule_one.provision.key == "provision/8"
    assert rule_one.verdict == "implements"


def test_frequency_is_a_refinement(departing: tuple[Path, object]) -> None:
    _, result = departing
    rule_three = next(a for a in result.alignments if "每半年" in a.local.text)
    assert rule_three.verdict == "refines"
    assert any("每半年" in r for r in rule_three.reasons)


def test_dropped_prohibition_is_a_departure(departing: tuple[Path, object]) -> None:
    _, result = departing
    dropped = [o for o in result.omissions if o.provision and o.provision.key == "provision/8"]
    assert dropped, "（八）'s 不能“一签了之” is not kept by the local rule"
    assert all(o.verdict == "departs" and o.central_norm.modality == "prohibition" for o in dropped)
    assert any("一签了之" in o.central_norm.text for o in dropped)
    # The headline tells the drafter's departing measures from the prohibitions left out.
    first = render(result, "table").splitlines()[0]
    assert "departs 2 (1 local measure, 1 central prohibition left out)" in first
    # Provisions the local rule does not touch are "not covered", not "departed from".
    assert not any(o.provision.key == "provision/20" for o in result.omissions)


def test_spans_of_a_user_file_slice_the_file(departing: tuple[Path, object]) -> None:
    path, result = departing
    raw = path.read_text(encoding="utf-8")
    assert result.alignments
    for a in result.alignments:
        assert raw[a.local.start : a.local.end] == a.local.text


def test_every_span_of_a_corpus_crosscheck_is_exact(baxiang: object) -> None:
    corpus = load_corpus()
    central = corpus.get("zhongyang-2021-yijian")
    report = corpus.get("guangzhou-2021-baxiang-jiedu")
    assert baxiang.alignments
    for a in baxiang.alignments + baxiang.omissions:
        if a.local is not None:
            assert report.normalise_span(a.local.start, a.local.end) == a.local.text
        if a.central_norm is not None:
            cn = a.central_norm
            assert central.normalise_span(cn.start, cn.end) == cn.text
    for row in baxiang.coverage:
        p = row.provision
        assert central.normalise_span(p.start, p.end) == p.text


def test_coverage_matrix_has_every_central_provision(baxiang: object) -> None:
    keys = [row.provision.key for row in baxiang.coverage]
    assert keys == ["part/1"] + [f"provision/{n}" for n in range(1, 26)]
    statuses = {row.status for row in baxiang.coverage}
    assert statuses <= {"covered", "partly covered", "not covered"}
    assert "not covered" in statuses and statuses - {"not covered"}
    for row in baxiang.coverage:
        assert (row.status == "not covered") == (not row.alignments)
        assert 0 <= row.norms_covered <= len(row.provision.norms)


def test_evidence_for_every_verdict(baxiang: object) -> None:
    data = json.loads(render(baxiang, "json"))
    assert set(data["counts"]) == set(VERDICTS)
    for a in data["alignments"]:
        assert a["verdict"] in VERDICTS and a["reasons"] and a["local"]["quote"]
        assert 0.0 <= a["score"] <= 1.0 and len(a["candidates"]) == 3
        if a["verdict"] != "extends":
            assert a["provision"] and a["central"]["quote"]
            assert a["shared"] or a["text_score"] > 0


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self.details = 0
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "tr" and values.get("data-provision"):
            self.rows.append(values["data-provision"] or "")
        if tag == "details":
            self.details += 1
        for name in ("src", "href"):
            if values.get(name):
                self.external.append(values[name] or "")


def test_html_report_is_self_contained_with_quotes_per_row(baxiang: object) -> None:
    page = render(baxiang, "html")
    parser = _Rows()
    parser.feed(page)
    assert parser.rows == [row.provision.key for row in baxiang.coverage]
    assert parser.details == len(baxiang.alignments) - baxiang.counts()["extends"] + len(
        baxiang.omissions
    )
    assert parser.external == []


def test_markdown_and_table_reports(baxiang: object) -> None:
    md = render(baxiang, "markdown")
    assert md.startswith("# Cross-check of guangzhou-2021-baxiang-cuoshi")
    assert md.count("\n| ") >= len(baxiang.alignments) + 26
    table = render(baxiang, "table")
    assert "（十四）" in table and "not covered" in table


def test_docx_cross_checked_end_to_end(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("某市关于加强对一把手监督的实施办法", level=1)
    for line in DEPARTING_RULE.splitlines()[2:]:
        if line.strip():
            document.add_paragraph(line)
    path = tmp_path / "办法.docx"
    document.save(str(path))
    text = read_docx(path)
    assert "纪委书记发现同级党委主要负责人存在问题的" in text

    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["crosscheck", str(path), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    verdicts = {a["local"]["quote"]: a for a in data["alignments"]}
    departs = [a for q, a in verdicts.items() if q == "可以向上级纪委报告"]  # rule 二's 可以 clause
    assert (
        departs and departs[0]["verdict"] == "departs" and departs[0]["provision"] == "provision/14"
    )
    assert departs[0]["local"]["place"] == "二、"
    for a in data["alignments"]:
        assert text[a["local"]["start"] : a["local"]["end"]] == a["local"]["quote"]
    assert any("一签了之" in o["central"]["quote"] for o in data["omissions"])


def test_json_gives_the_exact_file_text_of_every_quote(tmp_path: Path) -> None:
    """A quote is clean text; `exact` is what its offsets slice from the file, line breaks and
    spaces included, for every local and central quote (a drafter's wrapped lines, 15 日内)."""
    path = tmp_path / "办法.txt"
    path.write_bytes(
        "某县办法\r\n\r\n第一条　纪检机关、组织部门应当每季度对信访举报情况开展一次\r\n"
        "分析研判，会后 15 日内形成整改清单。\r\n第二条　领导班子成员可以交换意见。\r\n".encode()
    )
    data = json.loads(render(crosscheck(str(path)), "json"))
    raw = path.read_bytes().decode("utf-8")
    central = load_corpus().get(CENTRAL_ID).file_text
    quotes = [a["local"] for a in data["alignments"]]
    quotes += [a["central"] for a in data["alignments"] + data["omissions"] if a["central"]]
    assert any("\r\n" in q["exact"] for q in quotes)
    for q in quotes:
        source = raw if q["source"] == path.name else central
        assert source[q["start"] : q["end"]] == q["exact"]
        assert "".join(q["exact"].split()) == "".join(q["quote"].split())


def test_docx_tables_are_read_in_place_a_row_a_line(tmp_path: Path) -> None:
    """A table between two articles is read there, not after the last one; a row is one line
    (its duty keeps its unit and frequency), a merged cell is read once, and a header row of
    column labels is no measure."""
    import docx

    document = docx.Document()
    document.add_paragraph("第一条 纪委书记应当每年向同级党委报告履职情况。")
    table = document.add_table(rows=3, cols=3)
    for cell, text in zip(table.rows[0].cells, ["监督事项", "责任单位", "频次"], strict=True):
        cell.text = text
    for cell, text in zip(
        table.rows[1].cells, ["纪委应当通报廉洁自律情况", "区纪委", "每半年"], strict=True
    ):
        cell.text = text
    merged = table.rows[2].cells[0].merge(table.rows[2].cells[1])
    merged.text = "组织部门应当督促检查民主生活会"
    table.rows[2].cells[2].text = "每年"
    document.add_paragraph("第二条 党委应当听取汇报。")
    path = tmp_path / "办法.docx"
    document.save(str(path))
    assert read_docx(path).splitlines() == [
        "第一条 纪委书记应当每年向同级党委报告履职情况。",
        "纪委应当通报廉洁自律情况｜区纪委｜每半年",
        "组织部门应当督促检查民主生活会｜每年",
        "第二条 党委应当听取汇报。",
    ]
    result = crosscheck(str(path))
    quotes = [(a.local.place, a.local.text) for a in result.alignments if a.local]
    assert ("第一条", "纪委应当通报廉洁自律情况｜区纪委｜每半年") in quotes
    assert sum("督促检查民主生活会" in q for _, q in quotes) == 1
    assert not any(q.startswith("监督事项") for _, q in quotes)


def test_docx_paragraphs_stay_paragraphs(tmp_path: Path) -> None:
    """Word's paragraphs are the drafter's: lines of similar length ending in 。 are not taken
    for one paragraph wrapped across lines, as in a PDF extraction."""
    import docx

    document = docx.Document()
    paragraphs = [
        "县委每年至少听取一次县纪委监委关于一把手履行责任情况的专题汇报。",
        "纪委书记发现同级党委主要负责人存在问题的，可以向上级纪委报告。",
        "领导班子成员发现一把手存在重要问题的，应当向上级党组织报告。",
    ]
    for text in paragraphs:
        document.add_paragraph(text)
    path = tmp_path / "办法.docx"
    document.save(str(path))
    tree = segment_document(read_local(path))
    assert [p.text for p in tree.find("paragraph")] == paragraphs


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("rule.pdf", b"%PDF-1.4", "unsupported file type '.pdf'"),
        ("rule.docx", b"not a zip file", "is not a readable .docx"),
        ("rule.txt", b"", "the file is empty"),
        ("rule.txt", "\ufeff".encode(), "holds only blank space"),
        ("rule.txt", "\n\u3000\u3000\r\n".encode(), "holds only blank space"),
        ("rule.txt", "规定".encode("gbk"), "is not UTF-8"),
    ],
)
def test_bad_local_files_get_one_line(tmp_path: Path, name: str, content: bytes, says: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["crosscheck", str(path)])
    assert result.exit_code == 2
    assert says in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_report_into_a_missing_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    local = tmp_path / "办法.txt"
    local.write_text(DEPARTING_RULE, encoding="utf-8")
    target = tmp_path / "no-such-folder" / "report.html"
    result = CliRunner().invoke(
        main, ["crosscheck", str(local), "--format", "html", "-o", str(target)]
    )
    assert result.exit_code == 2 and "there is no folder" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_empty_docx_is_refused(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "empty.docx"
    docx.Document().save(str(path))
    result = CliRunner().invoke(main, ["crosscheck", str(path)])
    assert result.exit_code == 2 and "has no text" in result.output


def test_unknown_document_id_lists_the_known_ones() -> None:
    result = CliRunner().invoke(main, ["crosscheck", "no-such-rule"])
    assert result.exit_code == 2 and "zhongyang-2021-yijian" in result.output


@pytest.fixture(scope="module")
def alignment_score() -> object:
    return evaluate_alignment(GOLD / "alignment.jsonl", GOLD / "norms" / "local.jsonl")


def test_alignment_accuracy_holds_its_measured_level(alignment_score: object) -> None:
    """A floor just under the measured level (top-1 0.564, top-3 0.762, verdicts 0.711), so it
    cannot get worse unseen. Extraction that finds more local measures moves these figures too."""
    assert alignment_score.entries == 121
    assert alignment_score.ratio("top1") >= 0.55, alignment_score.render()
    assert alignment_score.ratio("top3") >= 0.75, alignment_score.render()
    assert alignment_score.ratio("verdicts") >= 0.70, alignment_score.render()


def test_held_out_verdicts_choose_thresholds_without_the_document_they_score() -> None:
    grid = {"novel_share_refines": (0.4, 0.6), "novel_words_refines": (1, 4)}
    folds = held_out_verdicts(GOLD / "alignment.jsonl", GOLD / "norms" / "local.jsonl", grid=grid)
    assert [f["document"] for f in folds] == [
        "guangzhou-2020-ruogan-jiedu",
        "guangzhou-2021-baxiang-jiedu",
        "hengyang-2020-jiandu-baodao",
    ]
    assert sum(f["entries"] for f in folds) == 121
    for fold in folds:
        assert 0 < fold["right"] <= fold["entries"]
        assert fold["chosen"]["novel_share_refines"] in (0.4, 0.6)
    # The overrides are gone afterwards: the file's thresholds hold again.
    written = json.loads((RULES_DIR / "alignment.json").read_text(encoding="utf-8"))
    assert parameters() == written


@pytest.mark.xfail(
    strict=True, reason="issue 7's goal is not reached: top-1 0.56, top-3 0.76 (verdicts 0.71 are)"
)
def test_alignment_accuracy_reaches_the_goal(alignment_score: object) -> None:
    assert alignment_score.ratio("top1") >= 0.75
    assert alignment_score.ratio("top3") >= 0.9
    assert alignment_score.ratio("verdicts") >= 0.7


def test_annotator_agreement_is_scored_as_the_aligner_is(tmp_path: Path) -> None:
    rows = [
        ("a", ["provision/2", "provision/5"], "refines"),
        ("b", ["provision/6"], "implements"),
        ("c", [], "extends"),
    ]
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        "".join(json.dumps({"id": i, "central": c, "verdict": v}) + "\n" for i, c, v in rows),
        encoding="utf-8",
    )
    second = tmp_path / "second.jsonl"
    answers = [
        ("a", ["provision/5"], "refines"),  # first among the gold's: top-1
        ("b", ["provision/3", "provision/6"], "refines"),  # second place: top-3 only
        ("c", ["provision/9"], "extends"),  # no gold provision: counts for verdicts only
    ]
    second.write_text(
        "".join(json.dumps({"id": i, "central": c, "verdict": v}) + "\n" for i, c, v in answers),
        encoding="utf-8",
    )
    agreement = annotator_agreement(gold, second)
    assert agreement == {"entries": 3, "top1": 0.5, "top3": 1.0, "verdict_accuracy": 2 / 3}
    second.write_text(second.read_text(encoding="utf-8").replace('"b"', '"x"'), encoding="utf-8")
    with pytest.raises(KBError, match="not those of"):
        annotator_agreement(gold, second)


def test_the_gold_is_reproducible_by_a_second_blind_annotation() -> None:
    """The second annotation (tests/gold/alignment_second.jsonl, written without seeing the gold
    or the aligner's output) agrees with the gold far above the aligner: the goal is a reader's
    level, and the gold is not one annotator's idiosyncrasy."""
    agreement = annotator_agreement(GOLD / "alignment.jsonl", GOLD / "alignment_second.jsonl")
    assert agreement["entries"] == 121
    assert agreement["top1"] >= 0.9 and agreement["top3"] >= 0.9
    assert agreement["verdict_accuracy"] >= 0.9


def test_eval_prints_the_second_annotation_beside_the_aligner() -> None:
    result = CliRunner().invoke(main, ["eval", "--alignment", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["second_annotation"] == annotator_agreement(
        GOLD / "alignment.jsonl", GOLD / "alignment_second.jsonl"
    )
    assert data["top1"] < data["second_annotation"]["top1"]


def test_crosscheck_is_the_same_in_every_process() -> None:
    """Scores and verdicts do not depend on Python's string hashing (PYTHONHASHSEED): no sum
    over a set, no concept named by whichever vocabulary's Person came first. Seeds 1 and 2
    gave different scores before both were fixed."""
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-m", "kb", "crosscheck", "hengyang-2020-tongji-jiandu-yijian"]
        done = subprocess.run(
            [*command, "--format", "json"], capture_output=True, text=True, env=env, check=True
        )
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("numbering", ["第{}条 ", "（{}）", "{n}. ", "{}、"])
def test_a_rule_numbered_any_way_is_cross_checked_alike(tmp_path: Path, numbering: str) -> None:
    """The departing rule, numbered as drafters number rules — articles, （一） provisions
    without parts, a 1. list, 一、 — gives the same norms and verdicts."""
    rules = [line for line in DEPARTING_RULE.splitlines()[2:] if line]
    text = "关于加强对一把手监督的若干规定\n\n" + "".join(
        numbering.format("一二三"[k], n=k + 1) + line[2:] + "\n" for k, line in enumerate(rules)
    )
    path = tmp_path / "rule.txt"
    path.write_text(text, encoding="utf-8")
    result = crosscheck(str(path))
    found = [(a.local.text, a.local.bearers, a.verdict) for a in result.alignments]
    assert found == [
        ("可以向上级党组织报告", ("LeadershipMember",), "implements"),
        ("可以向上级纪委报告", ("DisciplineCommissionSecretary",), "departs"),
        ("每半年召开一次领导班子会议", (), "refines"),
        ("听取班子成员履行全面从严治党责任情况汇报", (), "implements"),
    ]
    # Each verdict says where in the drafter's text it is, numbered as the drafter numbered it.
    places = [numbering.format("一二三"[k], n=k + 1).strip() for k in (0, 1, 2, 2)]
    assert [a.local.place for a in result.alignments] == places
    assert all(places[0] in line for line in render(result, "table").splitlines()[2:3])
    raw = path.read_text(encoding="utf-8")
    assert all(raw[a.local.start : a.local.end] == a.local.text for a in result.alignments)


def test_a_list_entry_is_placed_under_its_provision(tmp_path: Path) -> None:
    path = rule_file(tmp_path, LIST_ENTRIES_RULE)
    result = crosscheck(str(path))
    assert [(a.local.place, a.local.text) for a in result.alignments] == [
        ("一、（一）", "县委书记每年与乡镇党委书记谈话"),
        ("一、（一）1.", "谈话应当有记录"),
        ("一、（一）2.", "应当及时提醒"),
    ]


def test_places_in_a_markdown_draft_come_from_its_numbered_headings(tmp_path: Path) -> None:
    path = tmp_path / "draft.md"
    path.write_text(
        "# 某区措施\n\n## 一、上级监督\n\n- 区委应当每半年听取一次汇报。\n\n"
        "## 二、同级监督\n\n1. “一把手”要带头开展批评和自我批评。\n",
        encoding="utf-8",
    )
    places = [(a.local.place, a.local.text) for a in crosscheck(str(path)).alignments]
    assert places == [
        ("一、", "区委应当每半年听取一次汇报"),
        ("二、1.", "“一把手”要带头开展批评和自我批评"),
    ]


@pytest.mark.parametrize(
    ("text", "places"),
    [
        # （一） restarts under each 一、, so a place names its part: 一、（一） is not 二、（一）.
        (
            "某县方案\n\n一、日常监督\n\n（一）纪委书记应当每年向同级党委报告履职情况。\n"
            "二、巡察监督\n\n（一）巡察组应当把“一把手”作为监督重点。\n1．巡察报告应当单列“一把手”情况。\n",
            ["一、（一）", "二、（一）", "二、（一）1．"],
        ),
        # An article's items are placed under it.
        (
            "某市办法\n\n第二条 党委应当履行下列职责：\n（一）每年听取纪委关于“一把手”监督情况的汇报；\n"
            "（二）定期与下级“一把手”开展谈话。\n",
            ["第二条", "第二条（一）", "第二条（二）"],
        ),
    ],
)
def test_places_follow_the_drafters_numbering(tmp_path: Path, text: str, places: list[str]) -> None:
    path = rule_file(tmp_path, text)
    assert [a.local.place for a in crosscheck(str(path)).alignments] == places


def test_terminal_table_columns_line_up_in_display_columns(
    departing: tuple[Path, object],
) -> None:
    """Chinese characters take two terminal columns: the reasons start at one column in every
    row, however long the provision label or the quote."""
    from kb.normalise import display_width

    _, result = departing
    rows = render(result, "table").splitlines()[2 : 2 + len(result.alignments)]
    starts = set()
    for row, a in zip(rows, result.alignments, strict=True):
        reasons = "; ".join(a.reasons)
        starts.add(display_width(row[: row.rindex(reasons)].replace(" ", "x")))
    assert len(starts) == 1, rows


def test_every_numbered_measure_of_a_drafters_list_is_aligned(tmp_path: Path) -> None:
    """A local text written as 一、… lines, one measure each: every line yields aligned norms
    with its bearer, none is skipped as if it were a heading."""
    lines = [
        "县委每年至少听取一次县纪委监委关于各乡镇党委“一把手”履行全面从严治党责任情况的专题汇报。",
        "县纪委书记应当每半年与各乡镇党委书记进行一次谈话提醒，发现问题的，应当及时向县委主要负责人报告。",
        "县委巡察工作实现对乡镇党委一届任期内全覆盖，巡察组进驻前应当向县纪委监委了解“一把手”情况。",
        "建立乡镇“一把手”廉政档案，每年更新一次。",
    ]
    numbers = "一二三四"
    text = "某县实施办法\n\n" + "".join(
        f"{n}、{line}\n" for n, line in zip(numbers, lines, strict=True)
    )
    path = tmp_path / "measures.txt"
    path.write_text(text, encoding="utf-8")
    result = crosscheck(str(path))
    raw = path.read_text(encoding="utf-8")
    for number, line in zip(numbers, lines, strict=True):
        start = raw.index(f"{number}、") + 2
        inside = [
            a
            for a in result.alignments
            if start <= a.local.start and a.local.end <= start + len(line)
        ]
        assert inside, f"measure {number} was not aligned"
        assert all(raw[a.local.start : a.local.end] == a.local.text for a in inside)
    bearers = {a.local.text: a.local.bearers for a in result.alignments}
    assert bearers["县纪委书记应当每半年与各乡镇党委书记进行一次谈话提醒"] == (
        "DisciplineCommissionSecretary",
    )


# ---------------------------------------------------------------- in the knowledge base


def test_alignments_are_stored_and_queryable(built_kb) -> None:  # type: ignore[no-untyped-def]
    kb = built_kb[0]
    expected = crosscheck("guangzhou-2021-baxiang-cuoshi")
    rows = kb.ask("provisions_not_covered", rule="pkd:doc/guangzhou-2021-baxiang-cuoshi").values()
    assert [r["provision"].rsplit("/", 2)[-2:] for r in rows] == [
        p.key.split("/") for p in expected.uncovered()
    ]
    corpus = load_corpus()
    central = corpus.get("zhongyang-2021-yijian")
    for r in rows:
        start, end = int(r["start"]), int(r["end"])
        assert central.normalise_span(start, end).startswith(f"（{r['number']}）")

    stored = kb.ask("alignments", rule="pkd:doc/guangzhou-2021-baxiang-cuoshi").values()
    assert len(stored) == len(expected.alignments) + len(expected.omissions)
    report = corpus.get("guangzhou-2021-baxiang-jiedu")
    for r in stored:
        assert 0 <= float(r["score"]) <= 1
        assert report.file_text[int(r["start"]) : int(r["end"])] == r["localQuote"]
    relations = {r["relation"].rsplit("#", 1)[-1] for r in stored}
    assert (
        relations <= {"Implements", "Refines", "Extends", "Departs"} and "Implements" in relations
    )


def test_alignments_live_in_their_own_graph(built_kb) -> None:  # type: ignore[no-untyped-def]
    kb = built_kb[0]
    result = kb.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a a pk:Alignment } } GROUP BY ?g"
    )
    assert [r["g"] for r in result.values()] == ["https://w3id.org/policykb/id/graph/alignment"]
    rules = kb.query(
        "SELECT DISTINCT ?rule WHERE { ?c a pk:ProvisionCoverage ; pk:localDocument ?rule }"
    )
    assert len(rules) == 4


@pytest.mark.parametrize(
    ("against", "says"),
    [("renmin-2021-yijian-jiedu", "no numbered parts or provisions"), ("no-such", "no document")],
)
def test_against_must_be_a_regulation_with_provisions(
    departing: tuple[Path, object], against: str, says: str
) -> None:
    path, _ = departing
    result = CliRunner().invoke(main, ["crosscheck", str(path), "--against", against])
    assert result.exit_code == 2 and says in result.output


def test_held_out_without_alignment_is_refused_in_one_line() -> None:
    result = CliRunner().invoke(main, ["eval", "--held-out"])
    assert result.exit_code == 2
    assert "--alignment" in result.output and "Traceback" not in result.output


def test_render_held_out_totals_over_the_documents() -> None:
    folds = [
        {"document": "a", "chosen": {"novel_words_refines": 4}, "right": 3, "entries": 4},
        {"document": "b", "chosen": {"novel_words_refines": 5}, "right": 1, "entries": 4},
    ]
    lines = render_held_out(folds).splitlines()
    assert (
        lines[0].startswith("a")
        and "0.750  (3/4" in lines[0]
        and "novel_words_refines=4" in lines[0]
    )
    assert lines[-1].startswith("held-out verdict accuracy") and lines[-1].endswith("0.500  (4/8)")


# ---------------------------------------------------------------- joining the corpus when asked


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    import shutil

    from kb.corpus import DEFAULT_CORPUS

    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS, target)
    return target


def _add(local: Path, corpus: Path, *extra: str) -> object:
    return CliRunner().invoke(
        main,
        ["crosscheck", str(local), "--corpus", str(corpus), "--format", "json", *extra],
    )


def test_a_file_joins_the_corpus_only_when_asked(corpus_copy: Path, tmp_path: Path) -> None:
    local = tmp_path / "办法.txt"
    local.write_text(DEPARTING_RULE, encoding="utf-8")
    before = sorted(p.name for p in corpus_copy.iterdir())
    assert _add(local, corpus_copy).exit_code == 0
    assert (
        sorted(p.name for p in corpus_copy.iterdir()) == before
    )  # a plain cross-check adds nothing

    args = ["--add-to-corpus", "moushi-2024-banfa", "--issuer", "某市纪委", "--date", "2024"]
    result = _add(local, corpus_copy, *args, "--level", "municipal")
    assert result.exit_code == 0, result.output
    assert "added moushi-2024-banfa" in result.output
    assert (corpus_copy / "moushi-2024-banfa.txt").read_bytes() == local.read_bytes()
    corpus = load_corpus(corpus_copy)
    meta = corpus.metas["moushi-2024-banfa"]
    assert (meta.title, meta.kind, meta.relation, meta.relates_to) == (
        "关于加强对一把手监督的若干规定",
        "regulation",
        "implements",
        "zhongyang-2021-yijian",
    )
    assert "moushi-2024-banfa" in local_rules(corpus)
    doc = corpus.get("moushi-2024-banfa")
    for seg in segment_document(doc).walk():
        assert doc.normalise_span(seg.start, seg.end) == seg.text

    # The next build extracts it and stores its cross-check, queryable like the others.
    from kb.core import KnowledgeBase

    kb, _ = KnowledgeBase.build(tmp_path / "kb", corpus_root=corpus_copy, progress=False)
    stored = kb.ask("alignments", rule="pkd:doc/moushi-2024-banfa").values()
    expected = crosscheck("moushi-2024-banfa", corpus_root=str(corpus_copy))
    assert len(stored) == len(expected.alignments) + len(expected.omissions) > 0
    raw = (corpus_copy / "moushi-2024-banfa.txt").read_text(encoding="utf-8")
    assert all(raw[int(r["start"]) : int(r["end"])] == r["localQuote"] for r in stored)


def test_a_word_file_joins_as_its_text(corpus_copy: Path, tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("某市办法", level=1)
    document.add_paragraph("第一条 纪委书记发现同级党委主要负责人存在问题的，可以向上级纪委报告。")
    local = tmp_path / "办法.docx"
    document.save(str(local))
    args = ["--add-to-corpus", "moushi-2024-word", "--issuer", "某市纪委", "--date", "2024-05"]
    result = _add(local, corpus_copy, *args, "--level", "county", "--title", "某市办法（草案）")
    assert result.exit_code == 0, result.output
    assert (corpus_copy / "moushi-2024-word.txt").read_text(encoding="utf-8") == read_docx(local)
    assert load_corpus(corpus_copy).metas["moushi-2024-word"].title == "某市办法（草案）"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--add-to-corpus", "Bad_Id", "--issuer", "x", "--date", "2024", "--level", "county"],
         "not a document id"),
        (["--add-to-corpus", "zhongyang-2021-yijian", "--issuer", "x", "--date", "2024",
          "--level", "county"], "has this id already"),
        (["--add-to-corpus", "moushi-2024-banfa", "--issuer", "x"], "needs --date, --level"),
        (["--add-to-corpus", "moushi-2024-banfa", "--issuer", "x", "--date", "去年",
          "--level", "county"], "date must be a year, year-month or date"),
        (["--add-to-corpus", "moushi-2024-banfa", "--issuer", "x", "--date", "2024-13",
          "--level", "county"], "date must be a year, year-month or date"),
        (["--issuer", "x"], "give --add-to-corpus ID too"),
    ],
)  # fmt: skip
def test_adding_to_the_corpus_refuses_bad_requests_and_writes_nothing(
    corpus_copy: Path, tmp_path: Path, args: list[str], says: str
) -> None:
    local = tmp_path / "办法.txt"
    local.write_text(DEPARTING_RULE, encoding="utf-8")
    before = sorted(p.name for p in corpus_copy.iterdir())
    result = _add(local, corpus_copy, *args)
    assert result.exit_code == 2 and says in result.output
    assert "verdict" not in result.output  # refused before any work
    assert sorted(p.name for p in corpus_copy.iterdir()) == before


def _numbered_docx(path: Path, fmt: str, text: str, paragraphs: list[tuple[int, str]]) -> None:
    """A Word file whose paragraphs Word numbers itself (the numbers are not in their text)."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
            f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>'
        ),
    )
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )
    for level, words in paragraphs:
        paragraph = document.add_paragraph(words)
        paragraph._p.get_or_add_pPr().append(
            parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'
            )
        )
    document.save(str(path))


def test_docx_numbers_that_word_draws_are_read(tmp_path: Path) -> None:
    """Articles numbered by Word (第%1条 in Chinese counting) keep their numbers, and so their
    structure and places; a second level restarts under each entry."""
    path = tmp_path / "办法.docx"
    _numbered_docx(
        path,
        "chineseCounting",
        "第%1条",
        [
            (0, "纪委书记应当每年向同级党委报告履职情况。"),
            (0, "党委应当履行下列职责："),
            (1, "听取汇报；"),
            (1, "督促整改。"),
            (0, "巡察组应当把“一把手”作为监督重点。"),
        ],
    )
    assert read_docx(path).splitlines() == [
        "第一条 纪委书记应当每年向同级党委报告履职情况。",
        "第二条 党委应当履行下列职责：",
        "（一）听取汇报；",
        "（二）督促整改。",
        "第三条 巡察组应当把“一把手”作为监督重点。",
    ]
    places = [a.local.place for a in crosscheck(str(path)).alignments]
    assert places[0] == "第一条" and places[-1] == "第三条"
    assert "第二条（一）" in places


def test_docx_list_number_style_keeps_its_numbers(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("某县措施")
    for text in ("纪委书记应当每年报告履职情况。", "", "巡察组应当把“一把手”作为监督重点。"):
        document.add_paragraph(text, style="List Number")
    path = tmp_path / "措施.docx"
    document.save(str(path))
    # Word numbers the empty entry too: the third is 3.
    assert read_docx(path).splitlines() == [
        "某县措施",
        "1. 纪委书记应当每年报告履职情况。",
        "3. 巡察组应当把“一把手”作为监督重点。",
    ]


@pytest.mark.parametrize(
    "text",
    [
        # numbered entries before the first provision
        "1. 上级“一把手”应当每年约谈下级“一把手”一次。\n2. 纪委监委主要负责人可以约谈同级党委领导班子成员。\n"
        "（一）领导干部不得插手招投标。\n",
        # entries under a part that has no provisions, then a part that has
        "一、总体要求\n1. 上级“一把手”应当每年约谈下级“一把手”一次。\n"
        "2. 纪委监委主要负责人可以约谈同级党委领导班子成员。\n二、其他\n（一）领导干部不得插手招投标。\n",
    ],
)
def test_no_measure_is_lost_to_mixed_numbering(tmp_path: Path, text: str) -> None:
    path = tmp_path / "rule.txt"
    path.write_text(text, encoding="utf-8")
    quotes = [a.local.text for a in crosscheck(str(path)).alignments if a.local]
    assert quotes == [
        "上级“一把手”应当每年约谈下级“一把手”一次",
        "纪委监委主要负责人可以约谈同级党委领导班子成员",
        "领导干部不得插手招投标",
    ]


def test_a_dropped_prohibition_that_carries_its_marker_names_the_clause_it_is_in(
    tmp_path: Path,
) -> None:
    """搞暗箱操作和利益输送 is forbidden by the 不得 of 不得以权谋私 before it: the omission says so,
    or its quote would read as a duty."""
    path = tmp_path / "rule.txt"
    path.write_text(
        "某县办法\n\n第一条 “一把手”要带头落实“亲”、“清”要求，管住管好自己的家属亲友。\n",
        encoding="utf-8",
    )
    omissions = {o.central_norm.text: o for o in crosscheck(str(path)).omissions if o.central_norm}
    dropped = omissions["搞暗箱操作和利益输送"]
    assert "its prohibition is written in the clause before: 不得以权谋私" in dropped.reasons
    assert len(omissions["不得以权谋私"].reasons) == 1
