"""`policykb ontology …`: document, check and measure the ontology.

Thin over :mod:`kb.ontology`: each command calls one API function and prints its result.
Exit status 1 means a failed check (stale page, inconsistent ontology); `KBError` is turned
into one line and status 2 by the main group.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb import ontology as api


@click.group("ontology")
def ontology() -> None:
    """The OWL ontology: reference page, DL consistency check, label coverage."""


@ontology.command("docs")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the page (default: docs/ontology.md in the repository).",
)
@click.option("--check", is_flag=True, help="Do not write; exit 1 if the page is out of date.")
def docs_command(output: Path | None, check: bool) -> None:
    """Write the Markdown reference of the ontology (hierarchy, labels, properties)."""
    target = output if output is not None else api.reference_path()
    if check:
        if api.reference_is_current(target):
            click.echo(f"{target} is up to date")
            return
        click.echo(f"{target} is out of date; run: policykb ontology docs", err=True)
        sys.exit(1)
    api.write_reference(target)
    click.echo(f"wrote {target}")


@ontology.command("check")
def check_command() -> None:
    """Run HermiT on the ontology: consistency, unsatisfiable classes, inferred subsumptions."""
    report = api.check_consistency()
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@ontology.command("coverage")
@click.option("--all", "all_labels", is_flag=True, help="Also list labels that never occur.")
def coverage_command(all_labels: bool) -> None:
    """How often each label occurs in the corpus's clean text; actor-like phrases with no label."""
    report = api.label_coverage(api.corpus_texts())
    click.echo(report.format(all_labels=all_labels))
