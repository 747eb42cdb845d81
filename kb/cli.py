"""The `policykb` command: a thin layer over the Python API.

Each command parses its options, calls one API function and prints the result. Expected
failures (`KBError`) become one line on stderr and exit status 2 — never a traceback.
"""

from __future__ import annotations

import json
import sys

import click

from kb.cli_ontology import ontology
from kb.corpus import load_corpus, open_document
from kb.errors import KBError
from kb.segment import Segment, segment_document


class _Group(click.Group):
    """Turns every `KBError` raised by a command into one clear line and exit status 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KBError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


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
    type=int,
    default=-1,
    help="Levels below the document to show in text format (-1: all).",
)
@CORPUS_OPTION
def segment(document: str, fmt: str, depth: int, corpus_root: str | None) -> None:
    """Print the structure of DOCUMENT (a corpus id or a .txt file) with raw offsets."""
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
@CORPUS_OPTION
def eval_command(gold_dir: str | None, fmt: str, errors: bool, corpus_root: str | None) -> None:
    """Score norm extraction against the gold set: P/R/F1 per field and per document."""
    from kb.evaluate import evaluate, load_gold

    report = evaluate(load_corpus(corpus_root), load_gold(gold_dir))
    if not errors:
        report.errors = []
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(report.render())
