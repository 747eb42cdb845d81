"""The ontology as a Python API: load it, check it with a DL reasoner, read its labels,
validate a knowledge base against its SHACL shapes, document it, and measure how well its
labels cover a corpus.

The ontology itself is data (``ontology/*.ttl``); this module only reads it. The labels
feed the extractor, so the same Turtle is both the public vocabulary and the lexicon.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kb.errors import OntologyError
from kb.namespaces import DISPLAY_PREFIXES, PK, PREFIXES, SH
from kb.resources import PACKAGE_DIR, REPO_DIR, rules_by_label

SHAPES_FILE = "shapes.ttl"
REFERENCE_PATH = Path("docs") / "ontology.md"
_ENV_DIR = "POLICYKB_ONTOLOGY_DIR"


# ---------------------------------------------------------------- files


def ontology_dir() -> Path:
    """The folder holding the ontology's Turtle files.

    Looked up, in order: ``$POLICYKB_ONTOLOGY_DIR``, ``ontology/`` next to the ``kb``
    package (a source checkout), ``kb/data/ontology`` (an installed wheel).

    :raises OntologyError: if none of them exists.

    >>> (ontology_dir() / "policykb.ttl").is_file()
    True
    """
    if os.environ.get(_ENV_DIR):
        # Asked for by name: never fall back silently to another ontology.
        chosen = Path(os.environ[_ENV_DIR])
        if not (chosen / "policykb.ttl").is_file():
            raise OntologyError(
                f"{_ENV_DIR}={chosen}: no policykb.ttl there; point it at the ontology's folder "
                "or unset it"
            )
        return chosen
    candidates = [REPO_DIR / "ontology", PACKAGE_DIR / "data" / "ontology"]
    for folder in candidates:
        if (folder / "policykb.ttl").is_file():
            return folder
    tried = ", ".join(str(c) for c in candidates)
    raise OntologyError(f"ontology not found (tried {tried}); set {_ENV_DIR} to its folder")


def ontology_files() -> list[Path]:
    """The Turtle files of the ontology proper (every ``*.ttl`` except the shapes), sorted."""
    return sorted(p for p in ontology_dir().glob("*.ttl") if p.name != SHAPES_FILE)


def _parse(paths: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many types; all mean "this file is bad"
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise OntologyError(f"{path}: not valid Turtle ({first})") from None
    return graph


@lru_cache(maxsize=4)
def _cached_triples(paths: tuple[Path, ...], stamp: tuple[float, ...]) -> tuple[Any, ...]:
    return tuple(_parse(paths))


def _load(paths: list[Path]) -> Graph:
    stamp = tuple(p.stat().st_mtime for p in paths)
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    for triple in _cached_triples(tuple(paths), stamp):
        graph.add(triple)
    return graph


def load_ontology() -> Graph:
    """The whole ontology (TBox and vocabularies, without the shapes) as a fresh graph.

    Parsed once per process and copied, so callers may modify what they get.

    :raises OntologyError: if a file is not valid Turtle (the message names the file).

    >>> (PK.TopLeader, RDFS.subClassOf, PK.LeadershipMember) in load_ontology()
    True
    """
    return _load(ontology_files())


def load_shapes() -> Graph:
    """The SHACL shapes a built knowledge base must satisfy (``ontology/shapes.ttl``)."""
    return _load([ontology_dir() / SHAPES_FILE])


def _copy(graph: Graph) -> Graph:
    out = Graph()
    for triple in graph:
        out.add(triple)
    return out


def _local(iri: Node | str) -> str:
    """`pk:TopLeader` for a pk IRI, the IRI itself otherwise (for messages and docs)."""
    text = str(iri)
    for prefix, ns in {**PREFIXES, **DISPLAY_PREFIXES}.items():
        if text.startswith(str(ns)) and len(text) > len(str(ns)):
            return f"{prefix}:{text[len(str(ns)) :]}"
    return text


# ---------------------------------------------------------------- DL consistency


@dataclass(frozen=True)
class ConsistencyReport:
    """What HermiT says about the ontology.

    ``subsumptions`` holds every pair (sub, super) of named pk classes after classification
    (transitively closed); ``inferred`` the pairs the reasoner added to what is asserted.
    """

    consistent: bool
    unsatisfiable: tuple[str, ...]
    subsumptions: frozenset[tuple[str, str]]
    inferred: frozenset[tuple[str, str]]
    seconds: float
    error: str = ""

    @property
    def ok(self) -> bool:
        """Consistent and without unsatisfiable classes: the state the ontology must be in."""
        return self.consistent and not self.unsatisfiable

    def holds(self, sub: str, sup: str) -> bool:
        """Whether ``sub`` ⊑ ``sup`` after classification (IRIs or ``pk:`` names)."""
        return (_expand(sub), _expand(sup)) in self.subsumptions

    def summary(self) -> str:
        """A few lines for the CLI."""
        lines = [
            f"consistent: {'yes' if self.consistent else 'NO'}"
            + (f" ({self.error})" if self.error else ""),
            f"unsatisfiable classes: {len(self.unsatisfiable)}",
        ]
        lines += [f"  {_local(c)}" for c in self.unsatisfiable]
        lines.append(
            f"subsumptions between pk classes: {len(self.subsumptions)}"
            f" ({len(self.inferred)} inferred beyond the asserted ones)"
        )
        lines += [f"  {_local(a)} ⊑ {_local(b)}" for a, b in sorted(self.inferred)]
        lines.append(f"reasoner time: {self.seconds:.1f} s")
        return "\n".join(lines)


def _expand(name: str) -> str:
    if name.startswith("pk:"):
        return str(PK) + name[3:]
    return name


def _class_view(graph: Graph) -> Graph:
    """The ontology without punning: classes keep only their class axioms.

    owlready2 applies HermiT's inferred superclasses to an entity it also sees as an
    individual (a class that is a skos:Concept) as rdf:type triples, so classification is
    read from this view; consistency is checked on the full graph.
    """
    classes = set(graph.subjects(RDF.type, OWL.Class))
    props = set(graph.subjects(RDF.type, OWL.ObjectProperty)) | set(
        graph.subjects(RDF.type, OWL.DatatypeProperty)
    )
    view = Graph()
    for s, p, o in graph:
        if s in classes and ((p == RDF.type and o != OWL.Class) or p in props):
            continue
        view.add((s, p, o))
    return view


def _java_available() -> bool:
    return shutil.which("java") is not None


def _hermit(graph: Graph, workdir: Path, name: str) -> tuple[Any, Any, str]:
    """Load ``graph`` into a fresh owlready2 world and run HermiT; returns (world, onto, error)."""
    import owlready2

    path = workdir / f"{name}.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    try:
        onto = world.get_ontology(path.as_uri()).load()
    except Exception as exc:
        raise OntologyError(f"owlready2 cannot read the ontology ({exc})") from None
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return world, onto, "HermiT found the ontology inconsistent"
    except owlready2.OwlReadyJavaError as exc:
        raise OntologyError(f"HermiT failed: {str(exc).strip().splitlines()[-1]}") from None
    return world, onto, ""


def _pk_closure(world: Any) -> set[tuple[str, str]]:
    import owlready2

    pairs = set()
    for cls in world.classes():
        if not cls.iri.startswith(str(PK)):
            continue
        for sup in cls.ancestors(include_self=False):
            if sup is not owlready2.Thing and sup.iri.startswith(str(PK)):
                pairs.add((cls.iri, sup.iri))
    return pairs


def check_consistency(graph: Graph | None = None) -> ConsistencyReport:
    """Run HermiT (through owlready2) on the ontology, or on ``graph`` if given.

    Returns whether it is consistent, its unsatisfiable classes, and the subsumptions
    between pk classes after classification (asserted and inferred).

    :raises OntologyError: if Java is not on PATH or HermiT cannot run.
    """
    if not _java_available():
        raise OntologyError(
            "the DL check needs Java (HermiT); install a JRE 11+ and put java on PATH"
        )
    graph = load_ontology() if graph is None else graph
    logging.getLogger("owlready2").setLevel(logging.ERROR)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="policykb-dl-") as tmp:
        _, _, error = _hermit(graph, Path(tmp), "full")
        world, _, class_error = _hermit(_class_view(graph), Path(tmp), "classes")
        asserted = _asserted_closure(graph)
        unsat = sorted(c.iri for c in world.inconsistent_classes() if hasattr(c, "iri"))
        closure = set() if class_error else _pk_closure(world)
    seconds = time.perf_counter() - start
    return ConsistencyReport(
        consistent=not (error or class_error),
        unsatisfiable=tuple(unsat),
        subsumptions=frozenset(closure),
        inferred=frozenset(closure - asserted),
        seconds=seconds,
        error=error or class_error,
    )


def ancestors(
    graph: Graph, predicates: Iterable[URIRef] = (RDFS.subClassOf,)
) -> dict[str, set[str]]:
    """Each IRI's ancestors along the asserted `predicates` (transitively), as IRI strings."""
    parents: dict[str, set[str]] = defaultdict(set)
    for predicate in predicates:
        for s, o in graph.subject_objects(predicate):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                parents[str(s)].add(str(o))
    closure = {}
    for node in list(parents):
        seen: set[str] = set()
        todo = list(parents[node])
        while todo:
            up = todo.pop()
            if up not in seen:
                seen.add(up)
                todo.extend(parents.get(up, ()))
        closure[node] = seen
    return closure


def _asserted_closure(graph: Graph) -> set[tuple[str, str]]:
    pk = str(PK)
    return {
        (cls, sup)
        for cls, sups in ancestors(graph).items()
        if cls.startswith(pk)
        for sup in sups
        if sup.startswith(pk)
    }


# ---------------------------------------------------------------- labels


@dataclass(frozen=True)
class Label:
    """One concept's Chinese surface forms, for the extractor's entity ruler.

    ``forms`` starts with the zh prefLabel, followed by the zh altLabels in file order
    sorted for stability; ``concept`` is the class (or individual) IRI.
    """

    concept: str
    schemes: tuple[str, ...]
    pref_zh: str
    pref_en: str
    forms: tuple[str, ...]
    is_class: bool


def _lang(graph: Graph, subject: Node, predicate: URIRef, lang: str) -> list[str]:
    return sorted(
        str(o)
        for o in graph.objects(subject, predicate)
        if isinstance(o, Literal) and o.language == lang
    )


def labels(graph: Graph | None = None) -> list[Label]:
    """Every SKOS concept of the ontology with its zh surface forms, IRI and scheme(s).

    >>> top = next(l for l in labels() if l.concept.endswith("#TopLeader"))
    >>> top.pref_zh, "主要负责人" in top.forms
    ('一把手', True)
    """
    graph = load_ontology() if graph is None else graph
    out = []
    for concept in sorted(set(graph.subjects(RDF.type, SKOS.Concept)), key=str):
        if not isinstance(concept, URIRef):
            continue
        pref_zh = _lang(graph, concept, SKOS.prefLabel, "zh")
        pref_en = _lang(graph, concept, SKOS.prefLabel, "en")
        alts = [a for a in _lang(graph, concept, SKOS.altLabel, "zh") if a not in pref_zh]
        schemes = tuple(sorted(str(s) for s in graph.objects(concept, SKOS.inScheme)))
        out.append(
            Label(
                concept=str(concept),
                schemes=schemes,
                pref_zh=pref_zh[0] if pref_zh else "",
                pref_en=pref_en[0] if pref_en else "",
                forms=tuple(pref_zh[:1] + alts),
                is_class=(concept, RDF.type, OWL.Class) in graph,
            )
        )
    return out


# ---------------------------------------------------------------- SHACL


@dataclass(frozen=True)
class ShaclResult:
    """One SHACL validation result, with IRIs shortened to ``prefix:name`` where possible."""

    focus: str
    path: str
    component: str
    shape: str
    severity: str
    message: str
    value: str


@dataclass(frozen=True)
class ShaclReport:
    """pyshacl's verdict on a data graph."""

    conforms: bool
    results: tuple[ShaclResult, ...]
    text: str

    def components(self) -> set[str]:
        """The constraint components that failed (e.g. ``sh:MinCountConstraintComponent``)."""
        return {r.component for r in self.results}


def _term(node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, BNode):
        return "_:b"
    return _local(node) if isinstance(node, URIRef) else str(node)


def validate(data_graph: Graph, *, ontology: Graph | None = None) -> ShaclReport:
    """Validate a knowledge base (or a fragment) against ``ontology/shapes.ttl``.

    The whole ontology is mixed into a copy of the data before validation (pyshacl's
    ``ont_graph`` would copy only RDFS/OWL axioms, not ``skos:inScheme``), so that
    ``sh:targetClass pk:Norm`` reaches a ``pk:Obligation`` and a bearer may be an actor
    concept of the ontology. The caller's graph is not modified.

    :raises OntologyError: if the shapes cannot be loaded.
    """
    import pyshacl

    mixed = load_ontology() if ontology is None else _copy(ontology)
    for triple in data_graph:
        mixed.add(triple)
    conforms, results_graph, text = pyshacl.validate(
        mixed,
        shacl_graph=load_shapes(),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=False,
    )
    results = []
    assert isinstance(results_graph, Graph)
    for res in results_graph.subjects(RDF.type, SH.ValidationResult):

        def one(p: URIRef, res: Node = res) -> Node | None:
            return results_graph.value(res, p)

        results.append(
            ShaclResult(
                focus=_term(one(SH.focusNode)),
                path=_term(one(SH.resultPath)),
                component=_term(one(SH.sourceConstraintComponent)),
                shape=_term(one(SH.sourceShape)),
                severity=_term(one(SH.resultSeverity)),
                message=str(one(SH.resultMessage) or ""),
                value=_term(one(SH.value)),
            )
        )
    results.sort(key=lambda r: (r.shape, r.component, r.focus, r.path, r.message))
    return ShaclReport(bool(conforms), tuple(results), str(text))


# ---------------------------------------------------------------- reference page


def reference_path() -> Path:
    """Where the reference page lives in the repository: ``docs/ontology.md``."""
    return REPO_DIR / REFERENCE_PATH


def write_reference(path: Path | str | None = None) -> None:
    """Write the Markdown reference of the ontology (default ``docs/ontology.md``)."""
    target = Path(path) if path is not None else reference_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_reference(), encoding="utf-8")


def reference_is_current(path: Path | str | None = None) -> bool:
    """Whether the reference page on disk is what :func:`render_reference` gives now."""
    target = Path(path) if path is not None else reference_path()
    return target.is_file() and target.read_text(encoding="utf-8") == render_reference()


def render_reference(graph: Graph | None = None) -> str:
    """The reference page as a string: deterministic, so a test can compare it with the file."""
    return _Reference(load_ontology() if graph is None else graph).render()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class _Reference:
    """Renders the ontology as Markdown: core classes, properties, alignments, vocabularies."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.concepts = set(graph.subjects(RDF.type, SKOS.Concept))
        self.seen: set[Node] = set()

    def zh(self, node: Node) -> str:
        found = _lang(self.g, node, SKOS.prefLabel, "zh") or _lang(self.g, node, RDFS.label, "zh")
        return found[0] if found else ""

    def en(self, node: Node) -> str:
        found = _lang(self.g, node, SKOS.prefLabel, "en") or _lang(self.g, node, RDFS.label, "en")
        return found[0] if found else ""

    def definition(self, node: Node) -> str:
        found = _lang(self.g, node, SKOS.definition, "en")
        return _md(found[0]) if found else ""

    def expr(self, node: Node) -> str:
        """A class expression in DL notation (named classes as `pk:Name`)."""
        if isinstance(node, URIRef):
            return f"`{_local(node)}`"
        for op, sign in ((OWL.unionOf, " ⊔ "), (OWL.intersectionOf, " ⊓ ")):
            members = self.g.value(node, op)
            if members is not None:
                from rdflib.collection import Collection

                return "(" + sign.join(self.expr(m) for m in Collection(self.g, members)) + ")"
        prop = self.g.value(node, OWL.onProperty)
        filler = self.g.value(node, OWL.someValuesFrom)
        if prop is not None and filler is not None:
            return f"∃`{_local(prop)}`.{self.expr(filler)}"
        return "(anonymous class)"

    def supers(self, node: Node) -> list[str]:
        return sorted(self.expr(o) for o in self.g.objects(node, RDFS.subClassOf))

    def pk_sorted(self, nodes: Iterable[Node]) -> list[URIRef]:
        return sorted(
            (n for n in nodes if isinstance(n, URIRef) and str(n).startswith(str(PK))), key=str
        )

    def render(self) -> str:
        out = [
            "# policykb ontology reference",
            "",
            "Generated from `ontology/*.ttl` by `policykb ontology docs`; do not edit by hand.",
            f"Namespace `pk:` = <{PK}>. Each vocabulary term is an OWL class (or individual) and "
            "a SKOS concept; its Chinese labels (preferred and aliases) are the forms the "
            "extractor recognises.",
            "",
        ]
        out += self.core_classes() + self.properties() + self.alignments() + self.vocabularies()
        return "\n".join(out).rstrip() + "\n"

    def core_classes(self) -> list[str]:
        classes = self.pk_sorted(set(self.g.subjects(RDF.type, OWL.Class)) - self.concepts)
        out = ["## Core classes", "", "| class | 中文 | English | subclass of | definition |"]
        out.append("|---|---|---|---|---|")
        for c in classes:
            out.append(
                f"| `{_local(c)}` | {self.zh(c)} | {self.en(c)} | {', '.join(self.supers(c))} "
                f"| {self.definition(c)} |"
            )
        return out + [""]

    def properties(self) -> list[str]:
        out = ["## Properties", ""]
        out.append("| property | 中文 | kind | domain | range | characteristics | definition |")
        out.append("|---|---|---|---|---|---|---|")
        kinds = {OWL.ObjectProperty: "object", OWL.DatatypeProperty: "datatype"}
        traits = {
            OWL.FunctionalProperty: "functional",
            OWL.TransitiveProperty: "transitive",
            OWL.SymmetricProperty: "symmetric",
        }
        props = self.pk_sorted(s for k in kinds for s in self.g.subjects(RDF.type, k))
        for p in props:
            kind = next(v for k, v in kinds.items() if (p, RDF.type, k) in self.g)
            chars = [v for k, v in traits.items() if (p, RDF.type, k) in self.g]
            chars += [f"inverse of `{_local(o)}`" for o in self.g.objects(p, OWL.inverseOf)]
            chars += [f"⊑ `{_local(o)}`" for o in self.g.objects(p, RDFS.subPropertyOf)]
            dom = ", ".join(sorted(self.expr(o) for o in self.g.objects(p, RDFS.domain)))
            rng = ", ".join(sorted(self.expr(o) for o in self.g.objects(p, RDFS.range)))
            out.append(
                f"| `{_local(p)}` | {self.zh(p)} | {kind} | {dom} | {rng} | {', '.join(chars)} "
                f"| {self.definition(p)} |"
            )
        return out + [""]

    def alignments(self) -> list[str]:
        out = ["## Alignments to other vocabularies", ""]
        out.append("| pk term | relation | external term |")
        out.append("|---|---|---|")
        rows = []
        for rel, name in (
            (SKOS.closeMatch, "skos:closeMatch"),
            (RDFS.subClassOf, "rdfs:subClassOf"),
            (RDFS.subPropertyOf, "rdfs:subPropertyOf"),
        ):
            for s, o in self.g.subject_objects(rel):
                if (
                    str(s).startswith(str(PK))
                    and isinstance(o, URIRef)
                    and not str(o).startswith(str(PK))
                ):
                    rows.append(f"| `{_local(s)}` | {name} | `{_local(o)}` |")
        return out + sorted(rows) + [""]

    def vocabularies(self) -> list[str]:
        out = ["## Vocabularies", ""]
        for scheme in self.pk_sorted(self.g.subjects(RDF.type, SKOS.ConceptScheme)):
            members = {c for c in self.g.subjects(SKOS.inScheme, scheme) if c in self.concepts}
            out.append(f"### {self.zh(scheme)} · {self.en(scheme)} (`{_local(scheme)}`)")
            out.append("")
            if self.definition(scheme):
                out += [self.definition(scheme), ""]
            ranked = sorted(
                (int(str(r)), self.zh(c)) for c in members for r in self.g.objects(c, PK.rank)
            )
            if ranked:
                out += ["Order, mildest first: " + " < ".join(zh for _, zh in ranked) + ".", ""]
            classes = {c for c in members if (c, RDF.type, OWL.Class) in self.g}
            individuals = self.pk_sorted(members - classes)
            self.seen = set()
            roots = [
                c
                for c in self.pk_sorted(classes)
                if not any(p in classes for p in self.g.objects(c, RDFS.subClassOf))
            ]
            for root in roots:
                out += self.tree(root, classes, 0)
            if individuals:
                out += ["", "| individual | 中文 | English | aliases | definition | rank / next |"]
                out.append("|---|---|---|---|---|---|")
                for i in individuals:
                    out.append(
                        f"| `{_local(i)}` | {self.zh(i)} | {self.en(i)} | {self.aliases(i)} "
                        f"| {self.definition(i)} | {self.order(i)} |"
                    )
            out.append("")
        return out

    def aliases(self, node: Node) -> str:
        pref = set(_lang(self.g, node, SKOS.prefLabel, "zh"))
        return "、".join(a for a in _lang(self.g, node, SKOS.altLabel, "zh") if a not in pref)

    def order(self, node: Node) -> str:
        parts = [f"rank {o}" for o in self.g.objects(node, PK.rank)]
        parts += [f"next `{_local(o)}`" for o in self.g.objects(node, PK.next)]
        parts += [f"{o} months" for o in self.g.objects(node, PK.periodInMonths)]
        return ", ".join(parts)

    def tree(self, node: URIRef, classes: set[Node], depth: int) -> list[str]:
        pad = "  " * depth
        if node in self.seen:
            return [f"{pad}- **{self.zh(node)}** `{_local(node)}` (see above)"]
        self.seen.add(node)
        line = f"{pad}- **{self.zh(node)}** · {self.en(node)} — `{_local(node)}`"
        extra = [self.definition(node)]
        others = [self.expr(p) for p in self.g.objects(node, RDFS.subClassOf) if p not in classes]
        others = sorted(o for o in others if o.startswith("`pk:") or o.startswith("∃"))
        if others:
            extra.append("Also ⊑ " + ", ".join(others) + ".")
        for eq in self.g.objects(node, OWL.equivalentClass):
            extra.append("≡ " + self.expr(eq) + ".")
        if self.aliases(node):
            extra.append("Aliases: " + self.aliases(node) + ".")
        if self.order(node):
            extra.append("Order: " + self.order(node) + ".")
        out = [line, f"{pad}  {' '.join(e for e in extra if e)}"]
        children = self.pk_sorted(c for c in self.g.subjects(RDFS.subClassOf, node) if c in classes)
        for child in children:
            out += self.tree(child, classes, depth + 1)
        return out


# ---------------------------------------------------------------- label coverage


@dataclass(frozen=True)
class LabelCount:
    """How often one surface form of a concept occurs (leftmost-longest, as a ruler matches)."""

    concept: str
    form: str
    count: int


@dataclass(frozen=True)
class Candidate:
    """An actor-like noun phrase that no combination of labels and proper names covers."""

    phrase: str
    count: int
    documents: tuple[str, ...]


@dataclass(frozen=True)
class CoverageReport:
    """Label occurrences in a set of texts, and the actor-like phrases no label covers."""

    counts: tuple[LabelCount, ...]
    unmatched: tuple[Candidate, ...]
    texts: int = 0
    characters: int = 0
    per_concept: Mapping[str, int] = field(default_factory=dict)

    def unused_concepts(self) -> list[str]:
        """Concepts none of whose forms occurs in the texts."""
        return sorted(c for c, n in self.per_concept.items() if n == 0)

    def format(self, *, all_labels: bool = False) -> str:
        """A plain-text report for the CLI: counts per form, then the unmatched phrases."""
        lines = [f"{self.texts} texts, {self.characters} characters"]
        lines.append(f"{'count':>6}  form  (concept)")
        for item in sorted(self.counts, key=lambda c: (-c.count, c.form)):
            if item.count or all_labels:
                lines.append(f"{item.count:>6}  {item.form}  ({_local(item.concept)})")
        unused = self.unused_concepts()
        lines.append(f"concepts with no occurrence: {len(unused)}")
        lines += [f"  {_local(c)}" for c in unused] if all_labels else []
        lines.append(f"actor-like phrases matching no label: {len(self.unmatched)}")
        for cand in self.unmatched:
            lines.append(f"{cand.count:>6}  {cand.phrase}  [{', '.join(cand.documents)}]")
        return "\n".join(lines)


def _count_forms(text: str, forms: Mapping[str, str], longest: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    i = 0
    while i < len(text):
        for size in range(min(longest, len(text) - i), 0, -1):
            piece = text[i : i + size]
            if piece in forms:
                counts[piece] += 1
                i += size
                break
        else:
            i += 1
    return counts


def _tokenizer(forms: Iterable[str]) -> Any:
    """A private jieba POS tokenizer with every label as a user word (jieba's global is untouched)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for form in sorted(forms, key=len):
        tokenizer.add_word(form, freq=None, tag="x_label")
    return jieba.posseg.POSTokenizer(tokenizer)


def _segmentable(phrase: str, pieces: set[str]) -> bool:
    """Whether ``phrase`` is a concatenation of ``pieces`` (labels and proper names)."""
    ok = [True] + [False] * len(phrase)
    for end in range(1, len(phrase) + 1):
        ok[end] = any(ok[start] and phrase[start:end] in pieces for start in range(end))
    return ok[-1]


def _head_covered(run: list[tuple[str, str]], forms: Mapping[str, str], proper: Any) -> bool:
    """Whether some tail of the token run, head included, is made of labels and proper names.

    The words before the covered tail are modifiers (广大, 部分, 有关 …) or verbs jieba tagged
    as nouns; what matters to the extractor is that the head of the phrase is recognised.
    """
    pieces = set(forms) | {w for w, f in run if proper.match(f)}
    for k in range(len(run) - 1, -1, -1):
        if _segmentable("".join(w for w, _ in run[k:]), pieces):
            return True
    return False


def _rule(label: str) -> Any:
    rules = rules_by_label("coverage").get(label)
    if not rules:
        raise OntologyError(f"kb/rules/coverage.jsonl has no {label} rule; reinstall policykb")
    return rules[0].pattern


def label_coverage(texts: Mapping[str, str], *, graph: Graph | None = None) -> CoverageReport:
    """Count every label in ``texts`` (id → clean text) and list actor-like phrases with no label.

    A candidate is a run of noun-like jieba tokens ending in an actor head (组, 部门, 机关,
    委员会, 书记, 成员, 负责人, 干部 …; ``kb/rules/coverage.jsonl``). It is covered when a
    tail of it that contains the head is a concatenation of label forms (levels and ranks
    included) and proper names (jieba tags of people, places, institutions), e.g.
    衡阳 + 市委 or 上级 + 纪委; otherwise it is reported with the whole run for context.

    >>> report = label_coverage({"t": "纪委书记应当向上级纪委报告"})
    >>> {c.form: c.count for c in report.counts if c.count}["纪委书记"]
    1
    """
    all_labels = labels(graph)
    forms: dict[str, str] = {}
    for label in all_labels:
        for form in label.forms:
            forms.setdefault(form, label.concept)
    longest = max((len(f) for f in forms), default=1)
    head = _rule("ACTOR_HEAD")
    nominal = _rule("NOMINAL_POS")
    proper = _rule("PROPER_NAME_POS")
    postok = _tokenizer(forms)

    totals: Counter[str] = Counter()
    found: Counter[str] = Counter()
    where: dict[str, set[str]] = defaultdict(set)
    covered_cache: dict[str, bool] = {}
    for doc_id, text in texts.items():
        totals.update(_count_forms(text, forms, longest))
        tokens = [(t.word, t.flag) for t in postok.cut(text)]
        for j, (word, flag) in enumerate(tokens):
            if not head.search(word) or not (nominal.match(flag) or word in forms):
                continue
            start = j
            while start > 0 and (
                nominal.match(tokens[start - 1][1]) or tokens[start - 1][0] in forms
            ):
                start -= 1
            run = tokens[start : j + 1]
            phrase = "".join(w for w, _ in run)
            if phrase not in covered_cache:
                covered_cache[phrase] = _head_covered(run, forms, proper)
            if not covered_cache[phrase]:
                found[phrase] += 1
                where[phrase].add(doc_id)

    counts = tuple(
        LabelCount(label.concept, form, totals.get(form, 0))
        for label in all_labels
        for form in label.forms
    )
    per_concept: dict[str, int] = defaultdict(int)
    for item in counts:
        per_concept[item.concept] += item.count
    unmatched = tuple(
        Candidate(phrase, n, tuple(sorted(where[phrase])))
        for phrase, n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return CoverageReport(
        counts=counts,
        unmatched=unmatched,
        texts=len(texts),
        characters=sum(len(t) for t in texts.values()),
        per_concept=dict(per_concept),
    )


def corpus_texts() -> dict[str, str]:
    """The clean text of every corpus document with text, by id (for the coverage report)."""
    from kb.corpus import load_corpus

    return {doc.id: doc.clean_text for doc in load_corpus().documents}
