"""The `policykb` command: a thin layer over the Python API.

Each command parses its options, calls one API function and prints the result. Expected
failures (`KBError`) become one line on stderr and exit status 2 — never a traceback.
"""

from __future__ import annotations

import sys

import click

from kb.errors import KBError


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
