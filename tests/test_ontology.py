"""The ontology: DL consistency, key subsumptions, labels, SHACL shapes, reference page, coverage."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kb import ontology as api
from kb.cli import main
from kb.cli_ontology import ontology as ontology_group
from kb.errors import OntologyError
from kb.namespaces import ELI, LRML, ODRL, PK

SHAPES_DIR = Path(__file__).resolve().parent / "fixtures" / "shapes"

needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="HermiT needs Java and `java` is not on PATH"
)


@pytest.fixture(scope="module")
def onto() -> Graph:
    return api.load_ontology()


@pytest.fixture(scope="module")
def dl_report() -> api.ConsistencyReport:
    if shutil.which("java") is None:
        pytest.skip("HermiT needs Java and `java` is not on PATH")
    return api.check_consistency()


@pytest.fixture(scope="module")
def cli() -> CliRunner:
    main.add_command(ontology_group)
    return CliRunner()


def pk_subjects(graph: Graph, rdf_type: URIRef) -> list[URIRef]:
    return sorted(
        s
        for s in graph.subjects(RDF.type, rdf_type)
        if isinstance(s, URIRef) and str(s).startswith(str(PK))
    )


def langs(graph: Graph, node: URIRef, prop: URIRef) -> list[str]:
    return [o.language or "" for o in graph.objects(node, prop) if isinstance(o, Literal)]


# ---------------------------------------------------------------- DL reasoning


@needs_java
def test_ontology_hermit_finds_it_consistent_with_no_unsatisfiable_class(
    dl_report: api.ConsistencyReport,
) -> None:
    assert dl_report.consistent, dl_report.error
    assert dl_report.unsatisfiable == ()
    assert dl_report.ok


KEY_SUBSUMPTIONS = [
    ("TopLeader", "LeadershipMember"),  # 一把手 ⊑ 领导班子成员
    ("OtherLeadershipMember", "LeadershipMember"),  # 领导班子其他成员 ⊑ 领导班子成员
    ("DisciplineCommissionSecretary", "LeadershipMember"),  # 纪委书记 ⊑ 领导班子成员
    ("DisciplineCommissionSecretary", "DisciplineOfficial"),  # … and a discipline official
    ("PartySecretary", "TopLeader"),  # 党委书记 ⊑ 一把手
    # 中央纪委 ⊑ 纪委 ⊑ 纪检机关; 纪委监委 ⊑ 纪委 is inferred from its definition
    ("CentralCommissionForDisciplineInspection", "DisciplineInspectionCommission"),
    ("CentralCommissionForDisciplineInspection", "DisciplineInspectionOrgan"),
    ("DisciplineSupervisionCommission", "DisciplineInspectionCommission"),
    ("DisciplineSupervisionCommission", "DisciplineSupervisionOrgan"),  # 纪委监委 ⊑ 纪检监察机关
    ("CCDIAndNSC", "DisciplineSupervisionCommission"),  # 中央纪委国家监委 ⊑ 纪委监委 (inferred)
    ("DispatchedDisciplineGroup", "DisciplineSupervisionAgency"),  # 派驻纪检监察组 ⊑ 纪检监察机构
    ("DispatchingOrgan", "DisciplineSupervisionOrgan"),  # 派出机关 ⊑ 纪检监察机关 (inferred)
    ("CentralOrganizationDepartment", "OrganizationDepartment"),  # 中央组织部 ⊑ 组织部门
    ("CentralOrganizationDepartment", "PartyWorkingOrgan"),  # 中央组织部 ⊑ 党的工作机关
    ("PartyCommittee", "PartyCommitteeOrLeadingGroup"),  # 党委 ⊑ 党委（党组） (inferred)
    ("LeadingPartyGroup", "PartyCommitteeOrLeadingGroup"),  # 党组 ⊑ 党委（党组） (inferred)
    ("TourInspectionTeam", "InspectionTeam"),  # 巡视组 ⊑ 巡视巡察组
    ("JointLiability", "Accountability"),  # 连带追究责任 ⊑ 追究责任
    ("StrictAccountability", "Accountability"),  # 严肃问责 ⊑ 追究责任
    ("AppointmentTalk", "Talk"),  # 任职谈话 ⊑ 谈话
    ("SupervisoryTalk", "Talk"),  # 监督谈话 ⊑ 谈话
    ("HeartToHeartTalk", "Talk"),  # 谈心谈话 ⊑ 谈话
    ("ReminderTalk", "Talk"),  # 提醒谈话 ⊑ 谈话
    ("AdmonitoryTalk", "Talk"),  # 约谈 ⊑ 谈话
    ("AdmonitoryTalk", "Sanction"),  # 约谈 as a sanction
    ("CollectiveTalk", "Talk"),  # 集体谈话 ⊑ 谈话
    ("IntegrityTalk", "Talk"),  # 廉政谈话 ⊑ 谈话
    ("HomeVisit", "Talk"),  # 家访 ⊑ 谈话
    ("Talk", "TalkOrLetterInquiry"),  # 谈话 ⊑ 谈话函询
    ("ThreeAccounts", "AccountabilityReport"),  # 三述 ⊑ 述责述廉
    ("RequestForInstructions", "Reporting"),  # 请示报告 ⊑ 报告
    ("MobileInspection", "Inspection"),  # 机动巡察 ⊑ 巡视巡察
    ("SpecialSupervisoryCheck", "SupervisoryCheck"),  # 专项督查 ⊑ 督查
    ("Admonition", "FirstForm"),  # 诫勉 belongs to the first form
    ("FirstForm", "FourForms"),
    ("MinorViolation", "DisciplinaryViolation"),
    ("Obligation", "Norm"),
    ("Encouragement", "Norm"),
    ("Clause", "Segment"),
    ("ReportedDocument", "Document"),
]


@needs_java
@pytest.mark.parametrize(("sub", "sup"), KEY_SUBSUMPTIONS)
def test_ontology_key_subsumptions_hold_after_classification(
    dl_report: api.ConsistencyReport, sub: str, sup: str
) -> None:
    assert dl_report.holds(f"pk:{sub}", f"pk:{sup}")


@needs_java
def test_ontology_hermit_infers_the_defined_classes(dl_report: api.ConsistencyReport) -> None:
    inferred = {(a.split("#")[1], b.split("#")[1]) for a, b in dl_report.inferred}
    assert ("CCDIAndNSC", "DisciplineSupervisionCommission") in inferred
    assert ("DispatchingOrgan", "DisciplineSupervisionOrgan") in inferred
    assert ("PartyCommittee", "PartyCommitteeOrLeadingGroup") in inferred


@needs_java
def test_ontology_discipline_family_is_not_lumped(dl_report: api.ConsistencyReport) -> None:
    # 纪委 is not a 纪检监察机关 unless merged; 纪检监察机构 is not a 纪委; 监委 is no Party organ
    assert not dl_report.holds("pk:DisciplineInspectionCommission", "pk:DisciplineSupervisionOrgan")
    assert not dl_report.holds(
        "pk:DisciplineSupervisionAgency", "pk:DisciplineInspectionCommission"
    )
    assert not dl_report.holds("pk:SupervisoryCommission", "pk:PartyOrganization")
    assert not dl_report.holds("pk:DisciplineInspectionOrgan", "pk:PartyWorkingOrgan")


@needs_java
def test_ontology_hermit_reports_an_unsatisfiable_class(onto: Graph) -> None:
    broken = api.load_ontology()
    broken.add((PK.Impossible, RDF.type, OWL.Class))
    broken.add((PK.Impossible, RDFS.subClassOf, PK.TopLeader))
    broken.add((PK.Impossible, RDFS.subClassOf, PK.OtherLeadershipMember))
    report = api.check_consistency(broken)
    assert str(PK.Impossible) in report.unsatisfiable
    assert not report.ok


@needs_java
def test_ontology_hermit_reports_an_inconsistent_graph() -> None:
    broken = api.load_ontology()
    broken.add((PK.someone, RDF.type, PK.TopLeader))
    broken.add((PK.someone, RDF.type, PK.OtherLeadershipMember))
    report = api.check_consistency(broken)
    assert not report.consistent
    assert "inconsistent" in report.error


# ---------------------------------------------------------------- labels and documentation


def test_ontology_every_class_and_concept_has_zh_en_labels_and_a_definition(onto: Graph) -> None:
    missing = []
    for node in sorted(set(pk_subjects(onto, OWL.Class)) | set(pk_subjects(onto, SKOS.Concept))):
        pref = langs(onto, node, SKOS.prefLabel)
        if sorted(pref) != ["en", "zh"]:
            missing.append(f"{node}: prefLabel languages {pref}")
        if langs(onto, node, SKOS.definition) != ["en"]:
            missing.append(f"{node}: needs one skos:definition@en")
    assert missing == []


def test_ontology_every_property_has_label_definition_domain_and_range(onto: Graph) -> None:
    props = pk_subjects(onto, OWL.ObjectProperty) + pk_subjects(onto, OWL.DatatypeProperty)
    assert len(props) > 30
    for prop in props:
        assert "en" in langs(onto, prop, RDFS.label), prop
        assert "en" in langs(onto, prop, SKOS.definition), prop
        assert onto.value(prop, RDFS.domain) is not None, prop
        assert onto.value(prop, RDFS.range) is not None, prop


def test_ontology_every_concept_is_in_a_scheme_and_every_vocabulary_class_is_a_concept(
    onto: Graph,
) -> None:
    for concept in pk_subjects(onto, SKOS.Concept):
        scheme = onto.value(concept, SKOS.inScheme)
        assert scheme is not None and (scheme, RDF.type, SKOS.ConceptScheme) in onto, concept
    roots = [PK.Actor, PK.Measure, PK.Sanction, PK.ProblemGrade]
    for cls in pk_subjects(onto, OWL.Class):
        ancestors = set(onto.transitive_objects(cls, RDFS.subClassOf))
        if any(root in ancestors for root in roots):
            assert (cls, RDF.type, SKOS.Concept) in onto, f"{cls} is a vocabulary class"


def test_ontology_pref_and_alt_labels_are_disjoint_and_no_form_names_two_concepts() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for label in api.labels():
        assert label.pref_zh and label.pref_en, label.concept
        assert len(set(label.forms)) == len(label.forms), label
        for form in label.forms:
            owners[form].add(label.concept)
    shared = {form: sorted(c) for form, c in owners.items() if len(c) > 1}
    assert shared == {}
    onto = api.load_ontology()
    for concept in onto.subjects(RDF.type, SKOS.Concept):
        pref = set(onto.objects(concept, SKOS.prefLabel))
        assert not pref & set(onto.objects(concept, SKOS.altLabel)), concept  # SKOS S13


# Every actor, measure and sanction issue 3 lists, and the forms DESIGN.md and the brief name.
ISSUE_FORMS = """
党中央 中共中央 党委（党组） 党委 党组 常委会 纪检机关 纪委 纪委监委 纪检监察机关 纪检监察机构
派驻纪检监察组 纪检监察组 中央纪委 组织部门 中央组织部 党的工作机关 巡视巡察组 上级党组织 基层党组织
一把手 主要负责人 主要领导干部 主要负责同志 正职 领导班子成员 领导班子其他成员 纪委书记
派驻纪检监察组组长 中央政治局委员 中央委员会成员 领导干部 高级干部 受请托人 党员
谈话 任职谈话 监督谈话 谈心谈话 提醒谈话 约谈 集体谈话 廉政谈话 家访 报告 反映 请示报告 报备
述责述廉 三述 巡视巡察 专项巡察 提级巡察 机动巡察 专项督查 驻点调研 民主生活会 组织生活会 函询
考核 审计 廉政档案 党风廉政意见回复 政治生态分析研判
追究责任 连带追究责任 严肃问责 诫勉 批评教育 通报曝光 责令重新召开 严肃处理 党纪政务处分 组织处理
留置 四种形态 第一种形态 第二种形态 第三种形态 第四种形态
苗头性倾向性问题 轻微违纪问题 一般性问题 重要问题 严重违纪违法问题
每年 每半年 每季度 每月 定期 经常 一个任期内 上级 同级 下级
""".split()


@pytest.mark.parametrize("form", ISSUE_FORMS)
def test_ontology_labels_include_every_form_the_issue_lists(form: str) -> None:
    forms = {f for label in api.labels() for f in label.forms}
    assert form in forms


VOCABULARY_CONTRACT = """
Norm Obligation Prohibition Permission Encouragement bearer action actionText recipient target
bearerLevel targetLevel recipientLevel Superior SameLevel Subordinate condition Condition
problemGrade aboutActor sanction frequency Actor Measure Sanction ProblemGrade span Segment Part
Provision Paragraph Sentence Clause partOf number ordinal text heading Document issuer level
Central Provincial Municipal County documentKind sourceFile sha256 Alignment localSegment
centralProvision relation Implements Refines Extends Departs score TopLeader LeadershipMember
SuperiorPartyOrganization Reporting ImportantProblem PartyCentralCommittee
""".split()


@pytest.mark.parametrize("name", VOCABULARY_CONTRACT)
def test_ontology_defines_every_name_of_the_vocabulary_contract(onto: Graph, name: str) -> None:
    assert (PK[name], RDF.type, None) in onto


def test_ontology_levels_are_individuals_not_classes(onto: Graph) -> None:
    for level in (PK.Superior, PK.SameLevel, PK.Subordinate):
        assert (level, RDF.type, PK.RelativeLevel) in onto
        assert (level, RDF.type, OWL.Class) not in onto
    # no actor class per level combination: only 上级党组织, which the contract names
    # (同级监督, same-level supervision, is a measure, not a leveled actor)
    level_words = ("上级", "同级", "下级")
    actors = [label for label in api.labels() if str(PK.ActorScheme) in label.schemes]
    classes = {label.pref_zh: label.concept for label in actors if label.is_class}
    leveled = {zh for zh in classes if zh.startswith(level_words)}
    assert leveled == {"上级党组织"}


def test_ontology_problem_grades_are_ordered_and_less_severe_than_is_transitive(
    onto: Graph,
) -> None:
    order = [
        PK.IncipientProblem,
        PK.MinorViolation,
        PK.GeneralProblem,
        PK.ImportantProblem,
        PK.SeriousViolation,
    ]
    assert [int(onto.value(g, PK.rank)) for g in order] == [1, 2, 3, 4, 5]
    assert (PK.lessSevereThan, RDF.type, OWL.TransitiveProperty) in onto
    rows = onto.query(
        "SELECT ?b WHERE { pk:IncipientProblem pk:lessSevereThan+ ?b }", initNs={"pk": PK}
    )
    assert {row[0] for row in rows} == set(order[1:])


def test_ontology_four_forms_are_a_ladder(onto: Graph) -> None:
    forms = [PK.FirstForm, PK.SecondForm, PK.ThirdForm, PK.FourthForm]
    assert [int(onto.value(f, PK.rank)) for f in forms] == [1, 2, 3, 4]
    assert [onto.value(f, PK.next) for f in forms] == forms[1:] + [None]


def test_ontology_external_alignments_are_present(onto: Graph) -> None:
    expected = [
        (PK.Obligation, LRML.Obligation),
        (PK.Obligation, ODRL.Duty),
        (PK.Prohibition, LRML.Prohibition),
        (PK.Prohibition, ODRL.Prohibition),
        (PK.Permission, LRML.Permission),
        (PK.Permission, ODRL.Permission),
        (PK.Sanction, LRML.Penalty),
        (PK.Condition, LRML.Violation),
        (PK.Document, ELI.LegalResource),
        (PK.Segment, ELI.LegalResourceSubdivision),
    ]
    for term, external in expected:
        assert (term, SKOS.closeMatch, external) in onto
    assert (PK.implementsDocument, RDFS.subPropertyOf, ELI.based_on) in onto


def test_ontology_labels_api_gives_forms_iri_and_scheme() -> None:
    by_iri = {label.concept: label for label in api.labels()}
    top = by_iri[str(PK.TopLeader)]
    assert top.pref_zh == "一把手" and top.pref_en == "top leader" and top.is_class
    assert {"主要负责人", "主要领导干部", "主要负责同志", "正职"} <= set(top.forms)
    assert top.schemes == (str(PK.ActorScheme),)
    assert by_iri[str(PK.PartyCommitteeOrLeadingGroup)].pref_zh == "党委（党组）"
    talk = by_iri[str(PK.AdmonitoryTalk)]
    assert set(talk.schemes) == {str(PK.MeasureScheme), str(PK.SanctionScheme)}
    assert not by_iri[str(PK.Annually)].is_class


def test_ontology_bad_turtle_raises_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "policykb.ttl").write_text("@prefix pk: <x#> .\npk:a pk:b .\n", encoding="utf-8")
    monkeypatch.setenv("POLICYKB_ONTOLOGY_DIR", str(tmp_path))
    with pytest.raises(OntologyError, match=r"policykb\.ttl: not valid Turtle") as info:
        api.load_ontology()
    assert "\n" not in str(info.value)


def test_ontology_folder_named_but_missing_is_an_error_not_a_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYKB_ONTOLOGY_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(OntologyError, match="no policykb.ttl there"):
        api.ontology_dir()


# ---------------------------------------------------------------- SHACL


def shapes_graph(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.parse(SHAPES_DIR / name)
    return graph


def test_ontology_shapes_accept_the_valid_graph() -> None:
    report = api.validate(shapes_graph("valid.ttl"))
    assert report.conforms, report.text
    assert report.results == ()


def test_ontology_validate_leaves_the_data_graph_alone() -> None:
    data = shapes_graph("valid.ttl")
    before = len(data)
    api.validate(data)
    assert len(data) == before


# file → (constraint component, result path, words of the shape's message)
INVALID = {
    "norm-no-modality": ("QualifiedMinCount", "rdf:type", "exactly one of pk:Obligation"),
    "norm-two-modalities": ("QualifiedMaxCount", "rdf:type", "exactly one of pk:Obligation"),
    "norm-no-bearer": ("MinCount", "pk:bearer", "at least one pk:bearer"),
    "norm-bearer-not-actor": ("Node", "pk:bearer", "at least one pk:bearer"),
    "norm-no-action": ("MinCount", "pk:action", "needs a pk:action"),
    "norm-no-derivation": ("MinCount", "prov:wasDerivedFrom", "prov:wasDerivedFrom the pk:Segment"),
    "norm-derived-from-document": ("Class", "prov:wasDerivedFrom", "the pk:Segment"),
    "norm-no-span": ("MinCount", "pk:span", "exactly one pk:span"),
    "norm-bad-level": ("In", None, "level qualifier"),
    "norm-bad-frequency": ("Class", "pk:frequency", "pk:Frequency individual"),
    "span-start-not-before-end": ("LessThan", "oa:start", "oa:start must be less than"),
    "span-empty": ("LessThan", "oa:start", "oa:start must be less than"),
    "span-no-quote": ("QualifiedMinCount", "oa:hasSelector", "oa:TextQuoteSelector"),
    "span-no-position": ("QualifiedMinCount", "oa:hasSelector", "oa:TextPositionSelector"),
    "segment-no-text": ("MinCount", "pk:text", "segment needs exactly one pk:text"),
    "segment-no-span": ("MinCount", "pk:span", "segment needs exactly one pk:span"),
    "document-no-title": ("MinCount", "dcterms:title", "dcterms:title"),
    "document-no-issuer": ("MinCount", "pk:issuer", "pk:issuer"),
    "document-no-date": ("MinCount", "dcterms:issued", "dcterms:issued"),
    "document-bad-date": ("Or", "dcterms:issued", "xsd:date, xsd:gYearMonth or xsd:gYear"),
    "document-no-source-file": ("Or", None, "needs one pk:sourceFile"),
    "document-no-sha256": ("Or", None, "needs the pk:sha256"),
    "document-bad-sha256": ("Pattern", "pk:sha256", "64 lower-case hex"),
    "reported-document-with-source-file": ("MaxCount", "pk:sourceFile", "has no pk:sourceFile"),
    "reported-document-no-report": ("MinCount", "pk:knownThrough", "pk:knownThrough"),
    "text-form-unknown": ("In", "pk:textForm", "pk:textForm is"),
    "condition-no-text": ("MinCount", "pk:text", "condition needs its pk:text"),
    "condition-bad-grade": ("Node", "pk:problemGrade", "problem grade concept"),
    "alignment-bad-relation": ("In", "pk:relation", "Implements, Refines, Extends or Departs"),
}


def test_ontology_every_invalid_fixture_is_tested() -> None:
    files = {p.name[len("invalid-") : -len(".ttl")] for p in SHAPES_DIR.glob("invalid-*.ttl")}
    assert files == set(INVALID)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_ontology_shapes_report_each_violation(name: str) -> None:
    component, path, words = INVALID[name]
    report = api.validate(shapes_graph("valid.ttl", f"invalid-{name}.ttl"))
    assert not report.conforms
    wanted = [
        r
        for r in report.results
        if r.component == f"sh:{component}ConstraintComponent"
        and (path is None or r.path == path)
        and words in r.message
    ]
    assert wanted, report.text
    # nothing else is broken: other results only re-report this value through sh:node / sh:or
    nested = {"sh:NodeConstraintComponent", "sh:OrConstraintComponent"}
    assert [r for r in report.results if words not in r.message and r.component not in nested] == []


# ---------------------------------------------------------------- reference page


def test_ontology_reference_page_is_up_to_date() -> None:
    assert api.reference_is_current(), "run: policykb ontology docs"


def test_ontology_reference_page_shows_hierarchy_labels_and_properties() -> None:
    page = api.render_reference()
    assert "- **一把手** · top leader — `pk:TopLeader`" in page
    assert "| `pk:bearer` | 义务主体 | object | `pk:Norm` | `pk:Actor` |" in page
    assert "Aliases: " in page and "主要负责人" in page


def test_ontology_cli_docs_check_fails_on_a_stale_page(cli: CliRunner, tmp_path: Path) -> None:
    stale = tmp_path / "ontology.md"
    stale.write_text("old\n", encoding="utf-8")
    result = cli.invoke(main, ["ontology", "docs", "--check", "--output", str(stale)])
    assert result.exit_code == 1
    result = cli.invoke(main, ["ontology", "docs", "--output", str(stale)])
    assert result.exit_code == 0, result.output
    result = cli.invoke(main, ["ontology", "docs", "--check", "--output", str(stale)])
    assert result.exit_code == 0, result.output


@needs_java
def test_ontology_cli_check_prints_the_summary(cli: CliRunner) -> None:
    result = cli.invoke(main, ["ontology", "check"])
    assert result.exit_code == 0, result.output
    assert "consistent: yes" in result.output
    assert "unsatisfiable classes: 0" in result.output


# ---------------------------------------------------------------- label coverage

# Actor-like phrases of the corpus that no label covers, each with the reason it stays.
EXPLAINED_UNMATCHED = {
    "市监委主任刘泽友任组长": (
        "hengyang report: jieba cuts 任组长 (serves as group leader) as one token; the phrase "
        "is 市监委主任 + a name + 任 + 组长, and both 监委主任 and 组长 are labels"
    ),
}


@pytest.fixture(scope="module")
def corpus_coverage() -> api.CoverageReport:
    return api.label_coverage(api.corpus_texts())


def test_ontology_coverage_leaves_no_unexplained_actor_phrase(
    corpus_coverage: api.CoverageReport,
) -> None:
    assert {c.phrase for c in corpus_coverage.unmatched} == set(EXPLAINED_UNMATCHED)


def test_ontology_coverage_counts_the_central_actors(corpus_coverage: api.CoverageReport) -> None:
    counts = {c.form: c.count for c in corpus_coverage.counts}
    assert counts["一把手"] > 100
    assert counts["党委（党组）"] > 20
    assert counts["纪检机关"] > 10
    assert counts["受请托人"] == 1
    assert counts["连带追究责任"] >= 1


def test_ontology_coverage_flags_an_unknown_actor_and_accepts_composed_ones() -> None:
    report = api.label_coverage({"t": "审计委员会应当向上级纪委报告，衡阳市委书记要带头。"})
    assert [c.phrase for c in report.unmatched] == ["审计委员会"]
    counts = {c.form: c.count for c in report.counts if c.count}
    assert counts["纪委"] == 1 and counts["上级"] == 1 and counts["报告"] == 1


def test_ontology_coverage_counts_leftmost_longest() -> None:
    report = api.label_coverage({"t": "纪委书记和纪委"})
    counts = {c.form: c.count for c in report.counts if c.count}
    assert counts == {"纪委书记": 1, "纪委": 1}


def test_ontology_cli_coverage_prints_counts_and_unmatched(cli: CliRunner) -> None:
    result = cli.invoke(main, ["ontology", "coverage"])
    assert result.exit_code == 0, result.output
    assert "一把手" in result.output
    assert "actor-like phrases matching no label: 1" in result.output


def test_ontology_labels_are_blank_node_free(onto: Graph) -> None:
    # labels feed the extractor: every concept is a named IRI, never a blank node
    assert not any(isinstance(c, BNode) for c in onto.subjects(RDF.type, SKOS.Concept))
