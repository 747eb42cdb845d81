"""Building the knowledge base: atomic, deterministic, validated, with inference kept apart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kb.core import KnowledgeBase
from kb.errors import KBError
from kb.ontology import validate
from kb.store import CURRENT, BuildError, build

from .conftest import REPO_DIR


def test_store_build_reports_every_stage(built_kb) -> None:  # type: ignore[no-untyped-def]
    _kb, report, path = built_kb
    assert report.documents == 6 and report.norms > 500
    assert set(report.seconds) == {"ontology", "extract", "store", "align", "infer"}
    assert report.triples["stated"] > 50_000 and report.triples["inferred"] > 1000
    assert (path / CURRENT).is_symlink()


def test_store_inferred_triples_live_in_their_own_graph(built_kb) -> None:  # type: ignore[no-untyped-def]
    kb, _report, _path = built_kb
    rows = kb.query(
        """SELECT ?norm WHERE {
             GRAPH <https://w3id.org/policykb/id/graph/inferred> { ?norm pk:bearer pk:TopLeader }
             GRAPH <https://w3id.org/policykb/id/graph/stated> { ?norm pk:bearer pk:LeadershipMember }
           }"""
    )
    assert len(rows) > 0  # a duty of 领导班子成员 reaches the 一把手, marked as inferred
    stated = kb.query(
        """SELECT ?n WHERE { GRAPH <https://w3id.org/policykb/id/graph/stated> { ?n pk:inheritedBearer ?a } }"""
    )
    assert len(stated) == 0


def test_store_party_committee_or_group_binds_both(built_kb) -> None:  # type: ignore[no-untyped-def]
    kb, _report, _path = built_kb
    rows = kb.query(
        """SELECT ?norm WHERE { ?norm pk:bearer pk:PartyCommitteeOrLeadingGroup, pk:PartyCommittee, pk:LeadingPartyGroup }"""
    )
    assert len(rows) > 20


def test_store_reports_to_has_its_inverse(built_kb) -> None:  # type: ignore[no-untyped-def]
    kb, _report, _path = built_kb
    rows = kb.query(
        "SELECT ?a ?b WHERE { ?a pk:reportsTo ?b . FILTER NOT EXISTS { ?b pk:receivesReportsFrom ?a } }"
    )
    assert len(rows) == 0
    assert len(kb.query("SELECT ?b WHERE { pk:LeadershipMember pk:reportsTo ?b }")) > 0


def test_store_validates_against_the_shapes(built_kb) -> None:  # type: ignore[no-untyped-def]
    kb, _report, _path = built_kb
    graph = rdflib.Graph()
    data = ox.serialize(
        kb.raw_query(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/policykb/id/graph/stated> { ?s ?p ?o } }"
        ),
        format=ox.RdfFormat.N_TRIPLES,
    )
    graph.parse(data=data, format="nt")
    report = validate(graph)
    assert report.conforms, report.text[:3000]


def test_store_builds_are_deterministic(built_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kb, _report, _path = built_kb
    other, _ = KnowledgeBase.build(tmp_path, progress=False, jobs=2)
    # Documents, segments, norms and inferences: the same triples and IRIs, no blank node.
    for graph in ("stated", "inferred"):
        name = ox.NamedNode(f"https://w3id.org/policykb/id/graph/{graph}")
        ours = set(kb.store.quads_for_pattern(None, None, None, name))
        theirs = set(other.store.quads_for_pattern(None, None, None, name))
        assert ours == theirs and not any(isinstance(q.subject, ox.BlankNode) for q in ours)
    # The ontology's OWL lists are blank nodes: the same graph up to their labels.
    graphs = []
    for store in (kb.store, other.store):
        g = rdflib.Graph()
        query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/policykb/id/graph/ontology> { ?s ?p ?o } }"
        g.parse(data=ox.serialize(store.query(query), format=ox.RdfFormat.N_TRIPLES), format="nt")
        graphs.append(g)
    assert isomorphic(*graphs)


def test_store_failed_build_leaves_the_previous_knowledge_base(built_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build(tmp_path, progress=False)
    before = os.readlink(tmp_path / CURRENT)
    with pytest.raises(BuildError, match="stopped after stage 'store'"):
        build(tmp_path, progress=False, fail_after="store")
    assert os.readlink(tmp_path / CURRENT) == before
    assert [p.name for p in tmp_path.glob("store-*")] == [before]
    assert len(KnowledgeBase.open(tmp_path).ask("prohibitions")) > 0


def test_store_build_killed_with_sigkill_leaves_the_previous_knowledge_base(tmp_path: Path) -> None:
    build(tmp_path, progress=False)
    before = os.readlink(tmp_path / CURRENT)
    process = subprocess.Popen(
        [sys.executable, "-m", "kb", "build", "--kb", str(tmp_path), "--no-progress"],
        cwd=REPO_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2.0)  # part-way: the store is being written
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert os.readlink(tmp_path / CURRENT) == before
    kb = KnowledgeBase.open(tmp_path)
    assert len(kb.ask("who_reports_problems_of_top_leader")) > 0


def test_store_open_without_a_build_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(KBError, match="policykb build"):
        KnowledgeBase.open(tmp_path)


def test_store_is_copied_into_memory_only_when_small(built_kb) -> None:  # type: ignore[no-untyped-def]
    from kb.store import current_store_path, open_store

    target = current_store_path(built_kb[2])
    disk = open_store(target, 0)
    size = len(disk)
    extra = ox.Quad(
        ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.NamedNode("http://x/o")
    )
    for store in (disk, open_store(target, size - 1)):  # read-only, on disk
        with pytest.raises(RuntimeError, match="read-write"):
            store.add(extra)
    memory = open_store(target, size)
    assert len(memory) == size
    query = (
        "PREFIX pk: <https://w3id.org/policykb/ontology#>\n"
        + "SELECT ?n ?t WHERE { ?n a pk:Prohibition ; pk:actionText ?t } ORDER BY ?n ?t"
    )
    answer = [tuple(map(str, row)) for row in memory.query(query, use_default_graph_as_union=True)]
    assert answer == [
        tuple(map(str, row)) for row in disk.query(query, use_default_graph_as_union=True)
    ]
    memory.add(extra)  # a copy in memory, not the read-only store


def test_store_api_opened_in_memory_answers_as_on_disk(built_kb) -> None:  # type: ignore[no-untyped-def]
    from kb.core import KnowledgeBase

    on_disk = KnowledgeBase.open(built_kb[2])
    in_memory = KnowledgeBase.open(built_kb[2], memory_quads=10_000_000)
    assert len(in_memory.store) == len(on_disk.store)
    name = "who_reports_problems_of_top_leader"
    rows = sorted(map(repr, in_memory.ask(name).rows))  # ties in ORDER BY come in either order
    assert rows and rows == sorted(map(repr, on_disk.ask(name).rows))


def test_the_readme_python_example_runs_as_written(built_kb, capsys) -> None:  # type: ignore[no-untyped-def]
    """The README's API example — `from kb import KnowledgeBase` and the typed lookups — runs
    unchanged but for the folder, and finds （八）: a team member may report the 一把手's problems."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\nfrom kb import KnowledgeBase")
    code = readme[start + len("```python\n") : readme.index("```", start + 10)]
    _kb, _report, path = built_kb
    exec(compile(code.replace('"kb-data"', repr(str(path))), "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert any(line.startswith("八 ") and "直接向上级党组" in line for line in printed)


def test_store_a_second_build_into_the_same_folder_is_refused_while_one_runs(
    tmp_path: Path,
) -> None:
    """Two builds into one folder would remove each other's new store: the second is told."""
    import fcntl

    with open(tmp_path / ".build.lock", "w") as held:  # as a running build holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BuildError, match="another build is running into"):
            build(tmp_path)
    assert not list(tmp_path.glob("store-*")) and not (tmp_path / CURRENT).exists()
