"""Named queries, the Python API and the CLI on the built knowledge base: answers, not counts."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.core import KnowledgeBase
from kb.errors import KBError
from kb.query import QuerySyntaxError, RefusedQueryError, named_queries, to_term

PK = "https://w3id.org/policykb/ontology#"


@pytest.fixture(scope="module")
def kb(built_kb) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    return built_kb[0]


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_queries_every_named_query_is_documented_and_runs(kb: KnowledgeBase, name: str) -> None:
    query = named_queries()[name]
    assert query.title and query.title_zh and query.description
    for param in query.parameters:
        assert f"?{param.name}" in query.sparql.split("WHERE")[0], "parameters must be projected"
    assert len(kb.ask(name)) > 0


@pytest.mark.parametrize("name", sorted(n for n, q in named_queries().items() if q.parameters))
def test_queries_planner_hint_changes_no_answer(kb: KnowledgeBase, name: str) -> None:
    """`ask` also states its bound parameters in a VALUES block so that pyoxigraph can plan from
    them; the answers must be those of the substitutions alone, rows and order."""
    query = named_queries()[name]
    bindings = {p.name: to_term(p.default, p.kind) for p in query.parameters}
    planned = query.planned(bindings)
    assert planned != query.sparql and "VALUES (" in planned.split("WHERE {", 1)[1]
    assert kb.query(planned, **bindings).values() == kb.query(query.sparql, **bindings).values()
    assert kb.ask(name).values() == kb.query(query.sparql, **bindings).values()


def _rows(kb: KnowledgeBase, name: str, **params: str) -> list[dict[str, str | None]]:
    return kb.ask(name, **params).values()


def test_queries_headline_who_reports_problems_of_the_top_leader(kb: KnowledgeBase) -> None:
    rows = _rows(kb, "who_reports_problems_of_top_leader")
    answers = {(r["provision"], r["bearer"], r["recipient"], r["modality"]) for r in rows}
    # （八） a leadership-team member may report the 一把手's important problems to the superior organisation
    assert (
        "八",
        PK + "LeadershipMember",
        PK + "SuperiorPartyOrganization",
        PK + "Permission",
    ) in answers
    # （十四） the discipline commission secretary reports to the superior commission and the
    # same-level committee's top leader
    assert (
        "十四",
        PK + "DisciplineCommissionSecretary",
        PK + "DisciplineInspectionCommission",
        PK + "Obligation",
    ) in answers
    assert (
        "十四",
        PK + "DisciplineCommissionSecretary",
        PK + "TopLeader",
        PK + "Obligation",
    ) in answers
    texts = {r["recipientText"] for r in rows if r["provision"] == "十四"}
    assert texts == {"上级纪委", "同级党委主要负责人"}
    p8 = next(r for r in rows if r["provision"] == "八" and r["bearer"] == PK + "LeadershipMember")
    assert p8["aboutTopLeader"] == "true"
    assert p8["quote"] is not None and "可直接向上级党组" in p8["quote"]


def test_queries_headline_through_the_api_and_raw_sparql(kb: KnowledgeBase) -> None:
    norms = kb.who_must("pk:Reporting", when="pk:TopLeader")
    p8 = [n for n in norms if n.provision == "八"]
    assert (
        p8
        and p8[0].modality == "permission"
        and PK + "SuperiorPartyOrganization" in p8[0].recipients
    )
    raw = kb.query(
        """SELECT ?quote WHERE {
             ?n a pk:Permission ; pk:bearer pk:LeadershipMember ; pk:recipient pk:SuperiorPartyOrganization ;
                pk:condition/pk:aboutActor pk:TopLeader ; pk:span/oa:hasSelector/oa:exact ?quote }"""
    )
    assert any("上级党组" in (q or "") for q in raw.column("quote"))


def test_queries_headline_through_the_cli(built_kb) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        main, ["ask", "who_reports_problems_of_top_leader", "--kb", str(built_kb[2])]
    )
    assert result.exit_code == 0, result.output
    assert "上级党组织" in result.output and "同级党委主要负责人" in result.output


def test_queries_duties_of_the_top_leader_include_inherited_ones(kb: KnowledgeBase) -> None:
    rows = _rows(kb, "duties_of_actor", actor="pk:TopLeader")
    inherited = [r for r in rows if r["inherited"] == "true"]
    own = [r for r in rows if r["inherited"] == "false"]
    assert inherited and own
    assert any(r["statedFor"] == PK + "LeadershipMember" for r in inherited)
    assert any("带头开展批评和自我批评" in (r["actionText"] or "") for r in own)


def test_queries_graded_response_is_ordered_by_severity(kb: KnowledgeBase) -> None:
    rows = _rows(kb, "graded_response")
    ranks = [int(r["rank"] or 0) for r in rows]
    assert ranks == sorted(ranks)
    by_grade = {(r["grade"], r["action"]) for r in rows}
    assert (PK + "IncipientProblem", PK + "CriticismAndEducation") in by_grade
    assert (PK + "MinorViolation", PK + "Admonition") in by_grade


def test_queries_sanctions_and_duties_without_one(kb: KnowledgeBase) -> None:
    rows = _rows(kb, "sanctions_for_duties")
    provisions = {r["provision"] for r in rows}
    assert {"四", "九", "十二", "十四", "二十一"} <= provisions
    assert any(r["sanction"] == "连带追究责任" for r in rows)
    places = _rows(kb, "sanction_places")
    assert [r["provision"] for r in places] == ["四", "九", "十二", "十四", "二十一"]
    without = _rows(kb, "duties_without_sanction")
    assert without and all(r["norm"] not in {x["norm"] for x in rows} for r in without)


def test_queries_prohibitions_and_permissions(kb: KnowledgeBase) -> None:
    prohibitions = {r["actionText"] for r in _rows(kb, "prohibitions")}
    assert any("一签了之" in (t or "") for t in prohibitions)
    assert any("拒绝监督" in (t or "") for t in prohibitions)
    permissions = _rows(kb, "permissions")
    assert any(r["provision"] == "十九" for r in permissions)
    assert any(r["provision"] == "八" for r in permissions)


def test_queries_who_supervises_whom_and_reporting_chain(kb: KnowledgeBase) -> None:
    pairs = {(r["bearer"], r["target"]) for r in _rows(kb, "who_supervises_whom")}
    assert (PK + "TopLeader", PK + "TopLeader") not in pairs
    assert any(t == PK + "TopLeader" for _, t in pairs)
    chain = _rows(kb, "reporting_chain", **{"from": "pk:LeadershipMember"})
    targets = {r["to"] for r in chain}
    assert PK + "SuperiorPartyOrganization" in targets and PK + "PartyOrganization" in targets


def test_queries_by_frequency(kb: KnowledgeBase) -> None:
    yearly = _rows(kb, "by_frequency")
    assert any("述职" in (r["actionText"] or "") for r in yearly)
    regular = _rows(kb, "by_frequency", frequency="pk:Regularly")
    assert regular and {r["frequency"] for r in regular} == {PK + "Regularly"}


def test_queries_counts_of_what_the_yijian_asks_of_each_body(kb: KnowledgeBase) -> None:
    counts = {r["body"]: int(r["norms"] or 0) for r in _rows(kb, "asks_of_bodies")}
    committee = counts[PK + "PartyCommitteeOrLeadingGroup"]
    discipline = counts[PK + "DisciplineInspectionOrgan"]
    working = counts[PK + "PartyWorkingOrgan"]
    # The interpretation states 39, 18 and 11 measures; clause-level norms are finer (README).
    assert committee > discipline > working >= 11
    assert discipline >= 18 and committee >= 39


def test_queries_search_uses_synonyms(kb: KnowledgeBase) -> None:
    rows = kb.search("一把手")
    forms = {r["form"] for r in rows}
    assert {"一把手", "主要负责人"} <= forms
    assert any(
        "主要负责人" in (r["text"] or "") and "一把手" not in (r["text"] or "") for r in rows
    )


def test_queries_norms_lookup_and_sanctions_for(kb: KnowledgeBase) -> None:
    prohibitions = kb.norms(modality="prohibition")
    assert prohibitions and all(n.modality == "prohibition" for n in prohibitions)
    reporting = kb.norms(bearer="pk:DisciplineCommissionSecretary", action="pk:Reporting")
    assert any("上级纪委" in n.action_text for n in reporting)
    p14 = next(n for n in reporting if n.provision == "十四")
    sanctions = kb.sanctions_for(p14.iri)
    assert [s["sanction"] for s in sanctions] == ["依规依纪严肃追究责任"]
    graded = kb.norms(condition="轻微违纪")
    assert graded and all("轻微违纪" in (n.condition or "") for n in graded)


def test_queries_provenance_of_any_resource(kb: KnowledgeBase) -> None:
    prov = kb.provenance("pkd:doc/zhongyang-2021-yijian/provision/14")
    assert prov.provision == "十四" and prov.source_file == "corpus/zhongyang-2021-yijian.txt"
    assert prov.quote is not None and prov.quote.startswith("（十四）")


HOSTILE = [
    '"} ; DROP ALL ; {"',
    "a'b\"c{}",
    "<http://x y>",
    "pk:Top Leader",
    "x" * 5000,
    "\\u0000",
    "?x .",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_queries_hostile_values_are_plain_values(kb: KnowledgeBase, value: str) -> None:
    before = len(kb.store)
    # As a string parameter: simply no match (the text is searched for as it is).
    assert len(kb.ask("segments_mentioning", term=value)) == 0
    assert kb.norms(condition=value) == []
    # As an IRI parameter: either no match or a clear refusal, never a changed query.
    for call in (
        lambda: kb.ask("duties_of_actor", actor=value),
        lambda: kb.norms(bearer=value),
        lambda: kb.who_must(value),
    ):
        try:
            assert len(call()) == 0
        except KBError as exc:
            assert "IRI" in str(exc)
    assert len(kb.store) == before


def test_queries_errors_are_clear(kb: KnowledgeBase) -> None:
    with pytest.raises(QuerySyntaxError, match=r"error at 1:\d+"):
        kb.query("SELECT ?x WHERE { ?x a pk:Norm ")
    with pytest.raises(KBError, match="the named queries are"):
        kb.ask("no_such_query")
    with pytest.raises(KBError, match="has no parameter"):
        kb.ask("prohibitions", actor="pk:TopLeader")
    # A value bound to a variable the SELECT does not return: what to do, not a RuntimeError.
    with pytest.raises(KBError, match=r"\?who is not among the variables the SELECT returns"):
        kb.query("SELECT ?n WHERE { ?n pk:bearer ?who }", who="pk:TopLeader")
    assert len(kb.query("SELECT ?n ?who WHERE { ?n pk:bearer ?who }", who="pk:TopLeader")) > 0


@pytest.mark.parametrize(
    ("sparql", "says"),
    [
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "updates are refused (INSERT)"),
        ("DELETE WHERE { ?s ?p ?o }", "updates are refused (DELETE)"),
        ("LOAD <http://127.0.0.1:9/x.ttl>", "updates are refused (LOAD)"),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("select * where { service <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
    ],
)
def test_queries_updates_and_service_calls_are_refused(
    kb: KnowledgeBase, sparql: str, says: str
) -> None:
    before = len(kb.store)
    with pytest.raises(RefusedQueryError, match=re.escape(says)):
        kb.query(sparql)
    with pytest.raises(RefusedQueryError):
        kb.raw_query(sparql)
    assert len(kb.store) == before


@pytest.mark.parametrize(
    "sparql",
    [
        'SELECT ?drop WHERE { ?drop pk:text "INSERT DATA" } # SERVICE in a comment',
        "PREFIX load: <https://example.org/service/> SELECT * WHERE { ?s load:x ?o }",
        "SELECT * WHERE { <https://example.org/DELETE> ?p ?o }",
    ],
)
def test_queries_keywords_inside_names_strings_and_iris_are_no_updates(
    kb: KnowledgeBase, sparql: str
) -> None:
    kb.query(sparql)  # runs: no keyword here is an operation


@pytest.mark.parametrize(
    ("params", "says"),
    [
        (["--param", "actor="], "--param actor= has no value"),
        (["--param", "actor=pk:TopLeader", "--param", "actor=pk:PartyCommittee"], "given twice"),
    ],
)
def test_queries_cli_empty_or_repeated_parameters_are_refused(
    built_kb, params: list[str], says: str
) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["ask", "duties_of_actor", *params, "--kb", str(built_kb[2])])
    assert result.exit_code == 2 and says in result.output


def test_queries_a_damaged_store_is_one_line(built_kb, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    copy = tmp_path / "kb"
    shutil.copytree(built_kb[2], copy, symlinks=True)
    store = (copy / "current").resolve()
    (store / "CURRENT").write_text("junk\n")
    result = CliRunner().invoke(main, ["ask", "documents", "--kb", str(copy)])
    assert result.exit_code == 2 and "rebuild it with: policykb build" in result.output


RUNAWAY = "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_queries_cli_stops_a_query_at_its_time_limit_and_at_ctrl_c(built_kb) -> None:  # type: ignore[no-untyped-def]
    import signal
    import subprocess
    import sys
    import time

    command = [sys.executable, "-m", "kb", "query", "--kb", str(built_kb[2]), "-e", RUNAWAY]
    started = time.monotonic()
    done = subprocess.run([*command, "--timeout", "1"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and time.monotonic() - started < 30
    assert done.stderr.strip().splitlines() == [
        "error: the query ran past the time limit of 1 s and was stopped; narrow it (fewer "
        "joins, a LIMIT) or give a longer --timeout"
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    time.sleep(6)  # past start-up (about 1.5 s), into the query
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 130
    assert "interrupted" in (process.stderr.read() if process.stderr else "")


def test_queries_cli_formats_and_exit_codes(built_kb) -> None:  # type: ignore[no-untyped-def]
    path = str(built_kb[2])
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "query",
            "-e",
            "SELECT ?n WHERE { ?n a pk:Prohibition } LIMIT 2",
            "--kb",
            path,
            "--format",
            "json",
        ],
    )
    assert (
        result.exit_code == 0 and '"head": {' in result.output and '"type": "uri"' in result.output
    )
    result = runner.invoke(main, ["ask", "documents", "--kb", path, "--format", "csv"])
    assert result.exit_code == 0 and result.output.splitlines()[0].startswith("document,title")
    result = runner.invoke(
        main, ["query", "-e", "SELECT ?n WHERE { ?n a pk:Nothing }", "--kb", path]
    )
    assert result.exit_code == 1
    result = runner.invoke(main, ["query", "-e", "SELECT ?n WHERE {", "--kb", path])
    assert result.exit_code == 2 and "malformed SPARQL query" in result.output
    result = runner.invoke(
        main, ["show", "pkd:doc/zhongyang-2021-yijian/provision/8", "--kb", path]
    )
    assert result.exit_code == 0 and "⟦（八）" in result.output
    result = runner.invoke(main, ["ask", "--kb", path])
    assert "who_reports_problems_of_top_leader" in result.output


def test_queries_documents_problem_grades_provisions_and_local_measures(kb: KnowledgeBase) -> None:
    documents = {r["document"]: r for r in _rows(kb, "documents")}
    assert len(documents) == 10
    yijian = documents["https://w3id.org/policykb/id/doc/zhongyang-2021-yijian"]
    assert (yijian["issued"], yijian["level"], yijian["file"]) == (
        "2021-03-27",
        PK + "Central",
        "corpus/zhongyang-2021-yijian.txt",
    )
    reported = [r for r in documents.values() if r["textForm"] == "known through report"]
    assert len(reported) == 4 and all(r["file"] is None for r in reported)

    grades = _rows(kb, "problem_grades")
    assert [r["label"] for r in grades] == [
        "苗头性倾向性问题",
        "轻微违纪问题",
        "一般性问题",
        "重要问题",
        "严重违纪违法问题",
    ]
    assert [int(r["moreSevereGrades"] or 0) for r in grades] == [4, 3, 2, 1, 0]

    p8 = _rows(kb, "norms_of_provision", ordinal="8")
    assert {r["modality"] for r in p8} >= {PK + "Obligation", PK + "Prohibition", PK + "Permission"}
    assert any(r["recipient"] == PK + "SuperiorPartyOrganization" for r in p8)

    local = _rows(kb, "local_measures")
    rules = {r["rule"] for r in local}
    assert {
        "https://w3id.org/policykb/id/doc/guangzhou-2020-ruogan-cuoshi",
        "https://w3id.org/policykb/id/doc/hengyang-2020-shixiang-cuoshi",
    } <= rules
    assert all(r["level"] == PK + "Municipal" for r in local)


def test_queries_csv_keeps_values_whole_and_tsv_escapes_them(kb: KnowledgeBase) -> None:
    import csv
    import io

    from kb.query import to_delimited

    result = kb.query('SELECT ?x ?y WHERE { BIND("a\\nb,\\tc" AS ?x) BIND("z" AS ?y) }')
    assert list(csv.reader(io.StringIO(to_delimited(result, ",")))) == [
        ["x", "y"],
        ["a\nb,\tc", "z"],
    ]
    assert to_delimited(result, "\t").splitlines() == ["x\ty", "a\\nb,\\tc\tz"]


def test_queries_every_parameter_is_described_in_both_languages() -> None:
    for query in named_queries().values():
        for parameter in query.parameters:
            assert parameter.description and parameter.description_zh, (query.name, parameter.name)
