"""Named queries on the embedded pyoxigraph store against an rdflib in-memory Graph, same run.

The knowledge base is built once; for a larger scale its stated triples and its cross-check
results are copied under new document, norm and alignment IRIs (…/doc/<id>-copyN/…), the ontology
kept once, and the inference rules run again. Each named query is timed on both engines; p50 over the repeats and the ratio are printed.
rdflib needs about 1 GiB per million triples, so it is skipped above --rdflib-max-scale.

Run: .venv/bin/python bench/query_speed.py [--scales 1 10 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib

from kb.core import PREFIX_MAP, KnowledgeBase
from kb.query import named_queries, to_term
from kb.store import ALIGNMENT_GRAPH, ONTOLOGY_GRAPH, STATED_GRAPH, build, infer

PKD = "https://w3id.org/policykb/id/"


def scaled_store(base: ox.Store, scale: int) -> ox.Store:
    """An in-memory store holding `scale` copies of the stated triples and the cross-check
    results, then inferred again."""
    store = ox.Store()
    store.extend(base.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH))
    stated = list(base.quads_for_pattern(None, None, None, STATED_GRAPH))
    stated += base.quads_for_pattern(None, None, None, ALIGNMENT_GRAPH)
    for copy in range(scale):
        suffix = "" if copy == 0 else f"-copy{copy}"
        store.extend(_rename(q, suffix) for q in stated)
    infer(store)
    return store


def _rename(quad: ox.Quad, suffix: str) -> ox.Quad:
    def term(
        t: ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple,
    ) -> ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple:
        if (
            suffix
            and isinstance(t, ox.NamedNode)
            and t.value.startswith(PKD)
            and not t.value.startswith(PKD + "agent/")
        ):
            for kind in ("doc/", "norm/", "alignment/", "coverage/"):
                if t.value.startswith(PKD + kind):
                    rest = t.value[len(PKD + kind) :]
                    doc_id, _, tail = rest.partition("/")
                    head, sep, frag = doc_id.partition("#")
                    return ox.NamedNode(
                        f"{PKD}{kind}{head}{suffix}{sep}{frag}" + (f"/{tail}" if tail else "")
                    )
        return t

    return ox.Quad(term(quad.subject), quad.predicate, term(quad.object), quad.graph_name)  # type: ignore[arg-type]


def _rdflib_term(term: ox.NamedNode | ox.Literal) -> rdflib.term.Identifier:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    return rdflib.Literal(
        term.value, datatype=rdflib.URIRef(term.datatype.value) if term.datatype else None
    )


def to_rdflib(store: ox.Store) -> rdflib.ConjunctiveGraph:
    data = store.dump(format=ox.RdfFormat.N_QUADS) or b""
    graph = rdflib.ConjunctiveGraph()  # queries see the union of the graphs
    graph.parse(data=data, format="nquads")
    return graph


class _TimedOut(Exception):
    pass


def timed(function, repeat: int, limit: int = 0) -> float:  # type: ignore[no-untyped-def]
    """Median seconds over `repeat` runs; with `limit`, a run past it stops (SIGALRM) and
    the limit is returned as a lower bound."""

    def stop(_signum, _frame):  # type: ignore[no-untyped-def]
        raise _TimedOut

    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        if limit:
            signal.signal(signal.SIGALRM, stop)
            signal.alarm(limit)
        try:
            function()
        except _TimedOut:
            return float(limit)
        finally:
            if limit:
                signal.alarm(0)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rdflib-max-scale", type=int, default=10)
    parser.add_argument("--rdflib-timeout", type=int, default=30, help="seconds per rdflib query")
    parser.add_argument(
        "--disk-max-scale",
        type=int,
        default=1,
        help="also time an on-disk copy of the store, as `KnowledgeBase.open` serves it, up to "
        "this scale (0: never; loading 100× to disk takes a minute or two)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp), progress=False)
        base = KnowledgeBase.open(tmp).store
        queries = named_queries()
        prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIX_MAP.items())
        # Each named query runs with its default parameters, bound as the API binds them
        # (substitutions, and the same values inline as a planner hint).
        terms = {
            name: {p.name: to_term(p.default, p.kind) for p in q.parameters}
            for name, q in queries.items()
        }
        bindings = {
            name: {ox.Variable(k): term for k, term in terms[name].items()} for name in queries
        }
        for scale in args.scales:
            store = scaled_store(base, scale)
            graph = to_rdflib(store) if scale <= args.rdflib_max_scale else None
            note = "" if graph is not None else " (rdflib skipped: memory)"
            disk = None
            if scale <= args.disk_max_scale:
                disk = ox.Store(Path(tmp) / f"disk-{scale}")
                disk.bulk_extend(store)
                disk.flush()
            print(f"\nscale {scale}×: {len(store):,} quads, pyoxigraph in memory{note}")
            print(
                f"{'query':40s} {'rows':>7s} {'oxigraph p50':>14s} {'on disk':>10s}"
                f" {'rdflib p50':>12s} {'ratio':>8s}"
            )
            ratios = []
            ox_times = []
            disk_times = []
            for name, query in queries.items():
                text = prefixes + query.planned(terms[name])  # as KnowledgeBase.ask
                subs = bindings[name]
                ox_time = timed(
                    lambda t=text, s=store, b=subs: list(
                        s.query(t, use_default_graph_as_union=True, substitutions=b)
                    ),
                    args.repeat,
                )
                ox_times.append(ox_time)
                rows = len(
                    list(store.query(text, use_default_graph_as_union=True, substitutions=subs))
                )
                on_disk = "-"
                if disk is not None:
                    disk_time = timed(
                        lambda t=text, s=disk, b=subs: list(
                            s.query(t, use_default_graph_as_union=True, substitutions=b)
                        ),
                        args.repeat,
                    )
                    disk_times.append(disk_time)
                    on_disk = f"{disk_time * 1000:.1f}ms"
                if graph is not None:
                    init = {
                        rdflib.Variable(v.value): _rdflib_term(term) for v, term in subs.items()
                    }
                    rdf_time = timed(
                        lambda t=text, g=graph, b=init: list(g.query(t, initBindings=b)),
                        1,
                        args.rdflib_timeout,
                    )
                    ratio = rdf_time / ox_time if ox_time else float("inf")
                    ratios.append(ratio)
                    capped = ">" if rdf_time >= args.rdflib_timeout else " "
                    print(
                        f"{name:40s} {rows:7d} {ox_time * 1000:12.1f}ms {on_disk:>10s}"
                        f" {capped}{rdf_time * 1000:9.1f}ms {ratio:7.1f}×"
                    )
                else:
                    print(
                        f"{name:40s} {rows:7d} {ox_time * 1000:12.1f}ms {on_disk:>10s}"
                        f" {'-':>12s} {'-':>8s}"
                    )
            fast = sum(t <= 0.010 for t in ox_times)
            print(
                f"{'median over the named queries':40s} {statistics.median(ox_times) * 1000:12.1f}ms"
                f"  ({fast} of {len(ox_times)} at most 10 ms)"
            )
            if disk_times:
                print(
                    f"{'median on disk':40s} {statistics.median(disk_times) * 1000:12.1f}ms"
                    f"  ({sum(t <= 0.010 for t in disk_times)} of {len(disk_times)} at most 10 ms)"
                )
            if ratios:
                print(f"{'median speed-up over rdflib':40s} {statistics.median(ratios):27.1f}×")


if __name__ == "__main__":
    main()
