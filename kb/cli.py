"""The `policykb` command: a thin layer over the Python API.

Each command parses its options, calls one API function and prints the result. Expected
failures (`KBError`) become one line on stderr and exit status 2 — never a traceback.
"""

from __future__ import annotations

import errno
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kb.cli_ontology import ontology
from kb.core import KnowledgeBase
from kb.corpus import LEVELS, load_corpus, open_document
from kb.errors import KBError
from kb.query import QueryResult, named_queries, shorten, to_delimited, to_json, to_table
from kb.resources import REPO_DIR
from kb.segment import Segment, segment_document
from kb.store import SERVER_MEMORY_QUADS


class _Group(click.Group):
    """Turns every `KBError` raised by a command into one clear line and exit status 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """click's usage errors too are one line (click prints usage, a hint and the error)."""
        if kwargs.get("standalone_mode", True) is False:
            return super().main(*args, **kwargs)
        run: Any = super().main  # typed as never returning: true only in standalone mode
        try:
            return run(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            if exc.ctx is not None and exc.format_message().startswith("Usage:"):
                click.echo(exc.ctx.get_help())  # no command given: the help, as click gives it
                sys.exit(0)
            where = f" (policykb {exc.ctx.info_name} --help)" if exc.ctx and exc.ctx.parent else ""
            click.echo(f"error: {_one_line(exc.format_message())}{where}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"error: {_one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)

    def invoke(self, ctx: click.Context) -> object:
        try:
            if any("\udc80" <= ch <= "\udcff" for arg in sys.argv[1:] for ch in arg):
                # Bytes that are not UTF-8 arrive as lone surrogates, which no store accepts.
                raise KBError("an argument is not valid UTF-8 text; give it in UTF-8")
            return super().invoke(ctx)
        except KBError as exc:
            click.echo(f"error: {_one_line(str(exc))}", err=True)
            sys.exit(2)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT):
                raise
            click.echo(f"error: cannot write the output ({exc.strerror})", err=True)
            sys.exit(2)


def _one_line(message: str, limit: int = 600) -> str:
    """An error as one line of reasonable length, whatever a user's value put in it."""
    flat = message.replace("\r", " ").replace("\n", " ")
    return flat if len(flat) <= limit else f"{flat[: limit // 2]} … {flat[-limit // 3 :]}"


def _check_output(output: str, keep: tuple[Path, ...] = ()) -> None:
    """Refuse, before any work, an output file whose folder is missing, or that is (or lies in)
    something the command reads and must not overwrite: its input, the knowledge base."""
    folder = Path(output).parent
    if not folder.is_dir():
        raise KBError(f"{output}: there is no folder {folder}; create it or write elsewhere")
    target = Path(output).resolve()
    for path in keep:
        kept = path.resolve()
        if target == kept or kept in target.parents:
            raise KBError(
                f"{output}: would overwrite {path}, which this command reads; write elsewhere"
            )


def _write_output(output: str, data: bytes) -> None:
    """Write a report or an export, with one line on what went wrong (no traceback)."""
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise KBError(f"{output}: cannot be written ({exc.strerror}); write elsewhere") from None


@click.group(cls=_Group)
@click.version_option(package_name="policykb")
def main() -> None:
    """policykb — a knowledge base of Chinese Party supervision rules, with exact provenance."""


CORPUS_OPTION = click.option(
    "--corpus",
    "corpus_root",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Corpus folder (default: the project's corpus/).",
)


def _tree_lines(segment: Segment, depth: int, level: int = 0) -> list[str]:
    label = segment.kind
    if segment.number is not None:
        label += f" {segment.number}"
    shown = segment.heading if segment.heading is not None else segment.text
    shown = shown.replace("\n", " ⏎ ")
    if len(shown) > 60:
        shown = shown[:59] + "…"
    lines = [f"{'  ' * level}{label} [{segment.start}, {segment.end}) {shown}"]
    if depth < 0 or level < depth:
        for child in segment.children:
            lines.extend(_tree_lines(child, depth, level + 1))
    return lines


@main.command()
@click.argument("document")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: an indented tree; json: every segment with IRI, text and raw offsets.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=-1),
    default=-1,
    help="Levels below the document to show in text format (-1: all).",
)
@CORPUS_OPTION
def segment(document: str, fmt: str, depth: int, corpus_root: str | None) -> None:
    """Print the structure of DOCUMENT (a corpus id, or a .txt, .md or .docx file) with raw
    offsets."""
    doc = open_document(document, corpus_root=corpus_root)
    tree = segment_document(doc)
    if fmt == "json":
        payload = {"document": doc.id, "source_file": str(doc.source_path), "tree": tree.to_dict()}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=1))
        return
    click.echo(f"{doc.id} — {doc.meta.title} ({doc.source_path.name})")
    click.echo("\n".join(_tree_lines(tree, depth)))


@main.command("corpus")
@CORPUS_OPTION
def corpus_command(corpus_root: str | None) -> None:
    """List the corpus documents: id, level, kind, date, and how each is known."""
    corpus = load_corpus(corpus_root)
    for meta in corpus.metas.values():
        where = meta.source_file or f"known through {meta.known_through}"
        click.echo(f"{meta.id}\t{meta.level}\t{meta.kind}\t{meta.date}\t{where}\t{meta.title}")


main.add_command(ontology)


@main.command("eval")
@click.option(
    "--gold",
    "gold_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Folder of gold *.jsonl files (default: tests/gold/norms).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--errors/--no-errors", default=True, help="List every miss and false positive.")
@click.option(
    "--alignment",
    is_flag=True,
    help="Score the cross-check instead: top-1 / top-3 provision and verdict accuracy "
    "(gold: tests/gold/alignment.jsonl).",
)
@click.option(
    "--held-out",
    is_flag=True,
    help="With --alignment: verdict accuracy on each local document with the verdict "
    "thresholds chosen on the other documents (tries every setting of the grid; slow).",
)
@CORPUS_OPTION
def eval_command(
    gold_dir: str | None,
    fmt: str,
    errors: bool,
    alignment: bool,
    held_out: bool,
    corpus_root: str | None,
) -> None:
    """Score norm extraction against the gold set: P/R/F1 per field and per document."""
    from kb.evaluate import evaluate, load_gold

    if held_out and not alignment:
        raise KBError("--held-out scores the cross-check: use it with --alignment")
    if alignment:
        from kb.crosscheck import (
            annotator_agreement,
            evaluate_alignment,
            held_out_verdicts,
            render_held_out,
        )

        gold = Path(gold_dir) if gold_dir else REPO_DIR / "tests" / "gold"
        for name in ("alignment.jsonl", "norms/local.jsonl"):
            if not (gold / name).is_file():
                raise KBError(f"{gold / name}: no alignment gold here; pass --gold FOLDER")
        if held_out:
            folds = held_out_verdicts(
                gold / "alignment.jsonl", gold / "norms" / "local.jsonl", corpus_root
            )
            _echo(fmt, folds, lambda: render_held_out(folds))
            return
        score = evaluate_alignment(
            gold / "alignment.jsonl", gold / "norms" / "local.jsonl", corpus_root
        )
        if (gold / "alignment_second.jsonl").is_file():
            score.second_annotation = annotator_agreement(
                gold / "alignment.jsonl", gold / "alignment_second.jsonl"
            )
        if not errors:
            score.errors = []
        _echo(fmt, score.to_dict(), score.render)
        return
    report = evaluate(load_corpus(corpus_root), load_gold(gold_dir))
    if not errors:
        report.errors = []
    _echo(fmt, report.to_dict(), report.render)


def _echo(fmt: str, data: Any, render: Callable[[], str]) -> None:
    """Print a score as JSON or as the text a reader scans."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=1) if fmt == "json" else render())


# ---------------------------------------------------------------- knowledge base

KB_OPTION = click.option(
    "--kb",
    "kb_path",
    type=click.Path(file_okay=False, path_type=str),
    default="kb-data",
    show_default=True,
    help="Folder of the knowledge base.",
)
FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv"]),
    default="table",
    show_default=True,
    help="json is the SPARQL 1.1 JSON results format.",
)
LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Label language.",
)


def _print_result(kb: KnowledgeBase | None, result: QueryResult, fmt: str, lang: str) -> None:
    if fmt == "json":
        click.echo(to_json(result))
        if not result.rows:
            sys.exit(1)
        return
    labels = kb.labels(lang) if kb is not None else {}
    if fmt in ("csv", "tsv"):
        click.echo(to_delimited(result, "," if fmt == "csv" else "\t", labels), nl=False)
    else:
        click.echo(to_table(result, labels))
    if not result.rows:
        sys.exit(1)


@main.command("build")
@KB_OPTION
@CORPUS_OPTION
@click.option("--jobs", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Worker processes.")  # fmt: skip
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
def build_command(kb_path: str, corpus_root: str | None, jobs: int, progress: bool | None) -> None:
    """Build the knowledge base: corpus → segments → norms → RDF → inference → store (atomic)."""
    from kb.store import build

    report = build(kb_path, corpus_root=corpus_root, jobs=jobs, progress=progress)
    click.echo(report.summary())


ENDPOINT_OPTION = click.option(
    "--endpoint",
    default=None,
    help="Run at this SPARQL 1.1 endpoint instead of the embedded store.",
)


TIMEOUT_OPTION = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds the query may run (Ctrl-C stops it sooner).",
)


def _within(seconds: float, call: Callable[[], Any]) -> Any:
    """Run a query under a time limit. pyoxigraph cannot be interrupted, but it releases the
    GIL: the query runs in a thread, and past the limit, or at Ctrl-C, the process says so in
    one line and ends without waiting for it."""
    import os
    import threading

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 — re-raised in the calling thread
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        worker.join(seconds)
    except KeyboardInterrupt:
        click.echo("error: interrupted; the query was stopped", err=True)
        os._exit(130)
    if worker.is_alive():
        click.echo(
            f"error: the query ran past the time limit of {seconds:g} s and was stopped; "
            "narrow it (fewer joins, a LIMIT) or give a longer --timeout",
            err=True,
        )
        sys.stdout.flush()
        os._exit(2)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _local_kb(kb_path: str) -> KnowledgeBase | None:
    """The local knowledge base, for labels, when there is one."""
    try:
        return KnowledgeBase.open(kb_path)
    except KBError:
        return None


@main.command("query")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=str))
@click.option("-e", "--expression", help="A SPARQL query given on the command line.")
@KB_OPTION
@ENDPOINT_OPTION
@FORMAT_OPTION
@LANG_OPTION
@TIMEOUT_OPTION
def query_command(
    file: str | None,
    expression: str | None,
    kb_path: str,
    endpoint: str | None,
    fmt: str,
    lang: str,
    timeout: float,
) -> None:
    """Run a SPARQL SELECT query from FILE.rq or -e; the project's prefixes are predeclared."""
    if (file is None) == (expression is None):
        raise KBError("give a query file or -e 'SPARQL', not both and not neither")
    if expression is not None:
        sparql = expression
    else:
        path = Path(file or "")
        if not path.is_file():
            hint = " (to give the query itself, use -e 'SPARQL')" if not path.suffix else ""
            raise KBError(f"{file}: no such query file{hint}")
        try:
            sparql = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise KBError(f"{file}: is not UTF-8 text; save the query as UTF-8") from None
    if endpoint:
        from kb.remote import query_endpoint

        result = _within(timeout, lambda: query_endpoint(endpoint, sparql))
        _print_result(_local_kb(kb_path), result, fmt, lang)
        return
    kb = KnowledgeBase.open(kb_path)
    _print_result(kb, _within(timeout, lambda: kb.query(sparql)), fmt, lang)


@main.command("ask")
@click.argument("name", required=False)
@click.option("--param", "params", multiple=True, help="k=v, e.g. --param actor=pk:TopLeader")
@KB_OPTION
@ENDPOINT_OPTION
@FORMAT_OPTION
@LANG_OPTION
@TIMEOUT_OPTION
def ask_command(
    name: str | None,
    params: tuple[str, ...],
    kb_path: str,
    endpoint: str | None,
    fmt: str,
    lang: str,
    timeout: float,
) -> None:
    """Run a named query (queries/NAME.rq); without NAME, list them with their questions."""
    if name is None:
        for query in named_queries().values():
            click.echo(f"{query.name}\n    {query.title_zh}\n    {query.title}")
            for p in query.parameters:
                click.echo(
                    f"    --param {p.name}=… ({p.kind}, default {p.default}) {p.description}"
                    + (f" · {p.description_zh}" if p.description_zh else "")
                )
        return
    values: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise KBError(f"--param {item!r} is not k=v; e.g. --param actor=pk:TopLeader")
        if not value.strip():
            raise KBError(
                f"--param {key}= has no value; give one, or leave {key} out for its default"
            )
        if key in values:
            raise KBError(f"--param {key} is given twice; give it once")
        values[key] = value
    if endpoint:
        from kb.remote import ask_endpoint

        result = _within(timeout, lambda: ask_endpoint(endpoint, name, **values))
        _print_result(_local_kb(kb_path), result, fmt, lang)
        return
    kb = KnowledgeBase.open(kb_path)
    _print_result(kb, _within(timeout, lambda: kb.ask(name, **values)), fmt, lang)


@main.command("show")
@click.argument("iri")
@KB_OPTION
@click.option(
    "--context",
    type=click.IntRange(min=0),
    default=40,
    show_default=True,
    help="Characters shown around the span.",
)
def show_command(iri: str, kb_path: str, context: int) -> None:
    """Show a resource's properties and its source text with the cited span marked ⟦…⟧."""
    from kb.query import expand

    kb = KnowledgeBase.open(kb_path)
    full = expand(iri) or iri
    labels = kb.labels()
    rows = kb.query("SELECT ?p ?o ?r WHERE { ?r ?p ?o }", r=full).values()
    if not rows:
        raise KBError(
            f"nothing is known about {iri}; IRIs look like pkd:doc/zhongyang-2021-yijian/provision/8"
        )
    for row in rows:
        p, o = row["p"] or "", row["o"] or ""
        click.echo(
            f"{shorten(p):28s} {labels.get(o) or (shorten(o) if o.startswith('http') else o)}"
        )
    try:
        prov = kb.provenance(full)
    except KBError:
        return
    if prov.source_file and prov.start is not None and prov.end is not None:
        text = (REPO_DIR / prov.source_file).read_text(encoding="utf-8")
        before = text[max(0, prov.start - context) : prov.start]
        after = text[prov.end : prov.end + context]
        click.echo(f"\n{prov.source_file} [{prov.start}, {prov.end})")
        click.echo(f"…{before}⟦{text[prov.start : prov.end]}⟧{after}…")


@main.command("search")
@click.argument("text")
@KB_OPTION
@FORMAT_OPTION
def search_command(text: str, kb_path: str, fmt: str) -> None:
    """Sentences that mention TEXT or a synonym the ontology gives for it."""
    if not text.strip():
        raise KBError("search needs a word or phrase to look for, e.g. policykb search 一把手")
    kb = KnowledgeBase.open(kb_path)
    _print_result(kb, kb.ask("segments_mentioning", term=text), fmt, "zh")


@main.command("export")
@KB_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["ttl", "nq", "jsonld"]), default="nq", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str), default="-")
def export_command(kb_path: str, fmt: str, output: str) -> None:
    """Export the knowledge base: N-Quads (all graphs), Turtle or JSON-LD (their union)."""
    from kb.core import export

    if output != "-":
        _check_output(output, keep=(Path(kb_path),))
    data = export(KnowledgeBase.open(kb_path), fmt)
    if output == "-":
        click.echo(data.decode("utf-8"), nl=False)
    else:
        _write_output(output, data)


@main.command("serve")
@KB_OPTION
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default)."
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port (0: any free port).")  # fmt: skip
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="Seconds per query.")  # fmt: skip
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Query worker processes.")  # fmt: skip
@click.option(
    "--max-result-bytes",
    type=click.IntRange(min=1),
    default=10_000_000,
    show_default=True,
    help="Cap on a result's size.",
)
@click.option(
    "--cache-bytes",
    type=int,
    default=64_000_000,
    show_default=True,
    help="Answers kept until the next build (0: no cache).",
)
@click.option(
    "--memory-quads",
    type=int,
    default=SERVER_MEMORY_QUADS,
    show_default=True,
    help="Each worker copies a store of at most this many quads into memory, where queries run "
    "3-4x faster (0: always from disk).",
)
def serve_command(
    kb_path: str,
    host: str,
    port: int,
    timeout: float,
    workers: int,
    max_result_bytes: int,
    cache_bytes: int,
    memory_quads: int,
) -> None:
    """Serve a read-only SPARQL 1.1 Protocol endpoint at /query (and /health)."""
    from kb.web import serve

    serve(
        kb_path,
        host=host,
        port=port,
        timeout=timeout,
        workers=workers,
        max_result_bytes=max_result_bytes,
        cache_bytes=cache_bytes,
        memory_quads=memory_quads,
    )


@main.command("push")
@KB_OPTION
@click.option(
    "--endpoint", required=True, help="The store's Graph Store Protocol URL (Oxigraph: …/store)."
)
@click.option("--graph", default=None, help="Load everything into this one named graph.")
@click.option(
    "--update",
    "update_url",
    default=None,
    help="SPARQL Update URL, used where the store lacks GSP.",
)
def push_command(kb_path: str, endpoint: str, graph: str | None, update_url: str | None) -> None:
    """Load the built knowledge base (ontology, stated, alignment and inferred graphs) into an external store."""
    from kb.remote import push

    sent = push(KnowledgeBase.open(kb_path), endpoint, graph=graph, update_url=update_url)
    for target, count in sent.items():
        click.echo(f"{count:>8,} triples → {target}")


@main.command("crosscheck")
@click.argument("local")
@click.option(
    "--against",
    default="zhongyang-2021-yijian",
    show_default=True,
    help="The central document to check against (a corpus id).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "html", "json"]),
    default="table",
    show_default=True,
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Write the report to a file instead of standard output.")  # fmt: skip
@click.option(
    "--add-to-corpus",
    "add_id",
    metavar="ID",
    default=None,
    help="Also add the file to the corpus under this id (as a rule implementing --against), so "
    "the next build extracts it and stores its cross-check. Needs --issuer, --date, --level.",
)
@click.option("--title", default=None, help="With --add-to-corpus: the rule's title "
              "(default: the file's first line).")  # fmt: skip
@click.option("--issuer", default=None, help="With --add-to-corpus: who issued the rule.")
@click.option("--date", default=None, help="With --add-to-corpus: when, e.g. 2021-06 or 2021.")
@click.option("--level", type=click.Choice(list(LEVELS)), default=None,
              help="With --add-to-corpus: the issuer's level.")  # fmt: skip
@CORPUS_OPTION
def crosscheck_command(
    local: str,
    against: str,
    fmt: str,
    output: str | None,
    add_id: str | None,
    title: str | None,
    issuer: str | None,
    date: str | None,
    level: str | None,
    corpus_root: str | None,
) -> None:
    """Cross-check LOCAL (a corpus id, or a .txt / .md / .docx file) against the central 意见.

    Every local norm gets a verdict (implements, refines, extends, departs) with both quotes and
    their spans; every central provision is covered, partly covered or not covered. A file
    joins the corpus only when asked, with --add-to-corpus.
    """
    from kb.corpus import add_document, check_new_document
    from kb.crosscheck import crosscheck, render

    if output is not None:
        _check_output(output, keep=(Path(local),) if Path(local).exists() else ())
    if add_id is None and any(v is not None for v in (title, issuer, date, level)):
        raise KBError("--title, --issuer, --date and --level describe a file being added: "
                      "give --add-to-corpus ID too")  # fmt: skip
    if add_id is not None:
        missing = [f"--{n}" for n, v in (("issuer", issuer), ("date", date), ("level", level))
                   if v is None]  # fmt: skip
        if missing:
            raise KBError(f"--add-to-corpus needs {', '.join(missing)} to describe the rule")
        assert issuer is not None and date is not None and level is not None
        if not Path(local).is_file():
            raise KBError(f"{local}: --add-to-corpus adds a file; this is not one")
        check_new_document(
            add_id, level=level, date=date, relates_to=against, corpus_root=corpus_root
        )
    report = render(crosscheck(local, against=against, corpus_root=corpus_root), fmt)
    if output is None:
        click.echo(report)
    else:
        _write_output(output, (report + "\n").encode("utf-8"))
        click.echo(f"wrote {output}", err=True)
    if add_id is not None:
        assert issuer is not None and date is not None and level is not None
        meta = add_document(Path(local), add_id, title=title, issuer=issuer, date=date,
                            level=level, relates_to=against, corpus_root=corpus_root)  # fmt: skip
        click.echo(
            f"added {meta.id} to the corpus ({meta.metadata_path}); run `policykb build` to "
            "store its norms and cross-check in the knowledge base",
            err=True,
        )
