"""Build the knowledge base into an embedded, on-disk SPARQL store (pyoxigraph), atomically.

corpus → normalise → segment → extract → RDF → inference → store. A build writes a new store
directory beside the current one and then swaps a symbolic link (`current`) with one atomic
rename, so a failed or killed build leaves the previous knowledge base as it was, and a server
reading the old store keeps reading it until it reopens.

Graphs: the ontology, the stated triples (documents, segments, norms) and the inferred triples,
each in its own named graph; queries see their union by default.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kb.corpus import load_corpus
from kb.errors import KBError
from kb.namespaces import PKD
from kb.resources import RULES_DIR

ONTOLOGY_GRAPH = ox.NamedNode(f"{PKD}graph/ontology")
STATED_GRAPH = ox.NamedNode(f"{PKD}graph/stated")
INFERRED_GRAPH = ox.NamedNode(f"{PKD}graph/inferred")
ALIGNMENT_GRAPH = ox.NamedNode(f"{PKD}graph/alignment")
CURRENT = "current"
MAX_INFERENCE_ROUNDS = 10


class BuildError(KBError):
    """The build failed; the previous knowledge base is untouched."""


@dataclass
class BuildReport:
    """What a build did: triples per graph, norms, and seconds per stage."""

    path: Path
    documents: int = 0
    norms: int = 0
    triples: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items())
        graphs = ", ".join(f"{k} {v:,}" for k, v in self.triples.items())
        return f"built {self.path}: {self.documents} documents, {self.norms} norms; triples: {graphs}; {stages}"


def _document_triples(args: tuple[str, str]) -> tuple[str, list[str], int]:
    """One document's triples as N-Triples lines (runs in a worker process)."""
    corpus_root, doc_id = args
    from kb.extract import extract_norms
    from kb.graph import SegmentIndex, document_triples, norm_triples
    from kb.ontology import labels
    from kb.segment import segment_document

    corpus = load_corpus(corpus_root)
    doc = corpus.get(doc_id)
    tree = segment_document(doc)
    actor_forms = _actor_lookup(labels())
    triples = document_triples(doc, tree, actor_type=actor_forms)
    norms = extract_norms(doc, tree, corpus=corpus)
    index = SegmentIndex(tree)
    for norm in norms:
        triples.extend(norm_triples(doc, norm, index))
    return doc_id, [f"{t} ." for t in triples], len(norms)


def _actor_lookup(all_labels: list[Any]) -> Callable[[str], str | None]:
    """Issuer name → actor class, by the longest actor label it ends with (中共广州市委 → 市委)."""
    forms: dict[str, str] = {}
    for label in all_labels:
        if any(s.endswith("#ActorScheme") for s in label.schemes):
            for form in label.forms:
                forms.setdefault(form, label.concept)
    ordered = sorted(forms, key=len, reverse=True)

    def lookup(name: str) -> str | None:
        plain = name.split("（")[0]
        for form in ordered:
            if plain.endswith(form) or plain == form:
                return forms[form]
        return None

    return lookup


def _progress(enabled: bool) -> Callable[[str, int, int], None]:
    def show(stage: str, done: int, total: int) -> None:
        if not enabled:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r{stage:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _load_ontology(store: ox.Store) -> int:
    from kb.ontology import ontology_files

    count = 0
    for path in ontology_files():
        before = len(store)
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
        count += len(store) - before
    return count


def inference_rules() -> list[tuple[str, str]]:
    """(name, CONSTRUCT query) of every inference rule, in file order."""
    folder = RULES_DIR / "inference"
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.rq"))]


def infer(store: ox.Store) -> int:
    """Apply the CONSTRUCT rules to a fixpoint; new triples go to the inferred graph.

    :returns: the number of inferred triples.
    """
    rules = inference_rules()
    for _ in range(MAX_INFERENCE_ROUNDS):
        added = 0
        for _name, query in rules:
            result = store.query(query, use_default_graph_as_union=True)
            new = [
                ox.Quad(t.subject, t.predicate, t.object, INFERRED_GRAPH)
                for t in result  # type: ignore[union-attr]
                if not any(store.quads_for_pattern(t.subject, t.predicate, t.object))
            ]
            if new:
                store.extend(new)
                added += len(new)
        if not added:
            break
    return sum(1 for _ in store.quads_for_pattern(None, None, None, INFERRED_GRAPH))


def build(
    out_dir: Path | str,
    *,
    corpus_root: Path | str | None = None,
    jobs: int = 1,
    progress: bool | None = None,
    fail_after: str | None = None,
) -> BuildReport:
    """Build the knowledge base under `out_dir` and make it current, atomically.

    :param jobs: worker processes for the per-document stages.
    :param progress: show a progress bar (default: when stderr is a terminal).
    :param fail_after: for tests of atomicity only: raise after the named stage.
    :raises BuildError: nothing is swapped in; the previous knowledge base stays current.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with _build_lock(out):
        return _build(out, corpus_root, jobs, progress, fail_after)


@contextlib.contextmanager
def _build_lock(out: Path) -> Iterator[None]:
    """One build at a time per folder: a second would find its new store removed by the first
    one's clean-up. The lock goes with the process, however it ends."""
    import fcntl

    with open(out / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(
                f"another build is running into {out}; wait for it to finish, or build elsewhere "
                "with --kb"
            ) from None
        yield


def _build(
    out: Path,
    corpus_root: Path | str | None,
    jobs: int,
    progress: bool | None,
    fail_after: str | None,
) -> BuildReport:
    show = _progress(sys.stderr.isatty() if progress is None else progress)
    corpus = load_corpus(corpus_root)
    root = str(corpus.root)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"
    target = out / f"store-{stamp}"
    report = BuildReport(path=out / CURRENT)
    try:
        store = ox.Store(str(target))
        started = time.perf_counter()
        report.triples["ontology"] = _load_ontology(store)
        report.seconds["ontology"] = time.perf_counter() - started
        _maybe_fail(fail_after, "ontology")

        started = time.perf_counter()
        ids = sorted(doc.id for doc in corpus)
        results = list(_map_documents(root, ids, jobs, show))
        report.seconds["extract"] = time.perf_counter() - started
        _maybe_fail(fail_after, "extract")

        started = time.perf_counter()
        from kb.graph import metadata_triples

        lines: list[str] = []
        for _doc_id, doc_lines, norms in results:
            lines.extend(doc_lines)
            report.norms += norms
        for meta in corpus.metas.values():
            if not meta.has_text:
                lines.extend(f"{t} ." for t in metadata_triples(meta))
        before = len(store)
        store.load(
            input="\n".join(sorted(set(lines))).encode("utf-8"),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=STATED_GRAPH,
        )
        report.triples["stated"] = len(store) - before
        report.documents = len(ids)
        report.seconds["store"] = time.perf_counter() - started
        _maybe_fail(fail_after, "store")

        started = time.perf_counter()
        report.triples["alignment"] = _align(store, corpus, root)
        report.seconds["align"] = time.perf_counter() - started
        _maybe_fail(fail_after, "align")

        started = time.perf_counter()
        report.triples["inferred"] = infer(store)
        report.seconds["infer"] = time.perf_counter() - started
        _maybe_fail(fail_after, "infer")
        store.flush()
        del store
    except BaseException as exc:
        shutil.rmtree(target, ignore_errors=True)
        if isinstance(exc, KBError):
            raise
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise BuildError(f"build failed ({exc}); the previous knowledge base is unchanged") from exc
    _swap(out, target)
    return report


def _align(store: ox.Store, corpus: Any, root: str) -> int:
    """Cross-check every local rule against the central 意见; the verdicts and the coverage
    matrix go to their own graph, apart from what the texts state."""
    from kb.crosscheck import CENTRAL_ID, alignment_triples, crosscheck_rules, local_rules

    if CENTRAL_ID not in {d.id for d in corpus}:
        return 0
    quads = []
    for result in crosscheck_rules(local_rules(corpus), corpus_root=root).values():
        for t in alignment_triples(result):
            quads.append(ox.Quad(t.subject, t.predicate, t.object, ALIGNMENT_GRAPH))
    store.extend(quads)
    return len(quads)


def _maybe_fail(fail_after: str | None, stage: str) -> None:
    if fail_after == stage:
        raise BuildError(f"build stopped after stage '{stage}' on request")


def _map_documents(
    root: str, ids: list[str], jobs: int, show: Callable[[str, int, int], None]
) -> Iterator[tuple[str, list[str], int]]:
    show("documents", 0, len(ids))
    if jobs <= 1:
        for k, doc_id in enumerate(ids, start=1):
            yield _document_triples((root, doc_id))
            show("documents", k, len(ids))
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for k, result in enumerate(pool.map(_document_triples, [(root, d) for d in ids]), start=1):
            show("documents", k, len(ids))
            yield result


def _swap(out: Path, target: Path) -> None:
    """Point `current` at the new store with one atomic rename; remove stores no longer current."""
    link = out / CURRENT
    tmp_link = out / f".{CURRENT}-{target.name}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(target.name)
    previous = link.resolve() if link.is_symlink() else None
    os.replace(tmp_link, link)
    for old in out.glob("store-*"):
        if old.name != target.name and (previous is None or old != previous):
            shutil.rmtree(old, ignore_errors=True)


def current_store_path(out_dir: Path | str) -> Path:
    """The directory of the current store.

    :raises KBError: no knowledge base has been built here.
    """
    link = Path(out_dir) / CURRENT
    if not link.exists():
        raise KBError(f"no knowledge base in {out_dir}; build one with: policykb build")
    return link.resolve()


# A server keeps a store of up to this many quads in memory (the corpus makes about 83,000).
SERVER_MEMORY_QUADS = 1_000_000


class _TooLarge(Exception):
    pass


def open_store(target: Path, memory_quads: int) -> ox.Store:
    """The store at `target`, copied into memory when it holds at most `memory_quads` quads.

    The on-disk store answers the named queries 3–4 times slower than the same triples in
    memory: a server's worker, or a program making many lookups, serves one store for long
    enough that a small one is worth the half second its copy takes. A larger one is served
    from disk, as is any with `memory_quads` 0 (a one-off CLI command).
    """
    try:
        disk = ox.Store.read_only(str(target))
    except (OSError, RuntimeError, ValueError) as exc:
        raise KBError(
            f"the knowledge base in {target} cannot be opened ({' '.join(str(exc).split())[:200]}); "
            "rebuild it with: policykb build"
        ) from None
    if memory_quads <= 0:
        return disk

    def capped() -> Iterator[Any]:
        for count, quad in enumerate(disk.quads_for_pattern(None, None, None, None), 1):
            if count > memory_quads:
                raise _TooLarge
            yield quad

    memory = ox.Store()
    try:
        memory.bulk_extend(capped())
    except _TooLarge:
        return disk
    return memory
