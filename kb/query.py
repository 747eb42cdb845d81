"""Named SPARQL queries (`queries/*.rq`), safe parameter binding, and result formats.

A named query is a file with a comment header:

    # title: Who reports problems of the 一把手, and to whom
    # title-zh: 领导班子成员发现“一把手”的问题，谁向谁报告？
    # description: …
    # param: actor iri pk:TopLeader — the actor whose problems are found

Parameters are bound with SPARQL substitutions (values, never text pasted into the query).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kb.errors import KBError
from kb.namespaces import PREFIXES
from kb.resources import REPO_DIR

QUERIES_DIR = REPO_DIR / "queries"
PATTERN_OPEN = re.compile(r"^WHERE\s*\{", re.MULTILINE)  # a named query's outermost pattern
PARAM_ZH_LINE = re.compile(r"^#\s*param-zh:\s*(\w+)\s+(.+)$")
PARAM_LINE = re.compile(r"^#\s*param:\s*(\w+)\s+(iri|string|integer)\s+(\S+)\s*(?:—|--|-)?\s*(.*)$")


class QuerySyntaxError(KBError):
    """A malformed SPARQL query; the message has the parser's line and column."""


class QueryNotFoundError(KBError):
    """No named query of that name; the message lists the names."""


class ParameterError(KBError):
    """A parameter value that cannot be used (an IRI with spaces, an unknown parameter …)."""


class RefusedQueryError(KBError):
    """A query the knowledge base will not run: an update, or a federated SERVICE call."""


# What a keyword scan must skip: comments, string literals, IRIs; then a keyword is a whole
# word that is no variable (?drop), prefixed name (ex:drop) or prefix (drop:x).
_SKIPPED = re.compile(
    r'#[^\n]*|"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>'
)
_UPDATE = re.compile(
    r"(?<![\w:?$])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:])", re.IGNORECASE
)
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:])", re.IGNORECASE)


def refuse_unsafe(sparql: str) -> None:
    """Refuse, before it runs, what a read-only knowledge base must not do: an update, or a
    SERVICE call that would make the server send requests to any address a client names.

    :raises RefusedQueryError: saying which, and what to do instead.
    """
    bare = _SKIPPED.sub(" ", sparql)
    update = _UPDATE.search(bare)
    if update is not None:
        raise RefusedQueryError(
            f"updates are refused ({update.group(1).upper()}): the knowledge base is read-only; "
            "change the corpus or the rules and run `policykb build`"
        )
    if _SERVICE.search(bare):
        raise RefusedQueryError(
            "SERVICE (a federated query) is refused: queries answer from this knowledge base "
            "only; query the other endpoint yourself (policykb query --endpoint URL)"
        )


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # iri | string | integer
    default: str
    description: str
    description_zh: str = ""


@dataclass(frozen=True)
class NamedQuery:
    """One `queries/<name>.rq` file: its header and its SPARQL text."""

    name: str
    title: str
    title_zh: str
    description: str
    parameters: tuple[Parameter, ...]
    sparql: str
    path: Path

    def planned(self, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
        """The query text with its bound parameters also stated in a VALUES block at the top of
        its pattern.

        pyoxigraph applies `substitutions` after it has planned the joins, so it plans as if a
        parameter were free (at 100× the corpus, a scan of every norm of every frequency); the same
        values inline let it start from them. The substitutions still bind them everywhere, so
        the answers are unchanged. Terms are written by pyoxigraph in N-Triples syntax, escaped.
        """
        if not bindings:
            return self.sparql
        match = PATTERN_OPEN.search(self.sparql)
        if match is None:
            return self.sparql
        names = " ".join(f"?{name}" for name in bindings)
        terms = " ".join(str(term) for term in bindings.values())
        values = f"\n  VALUES ({names}) {{ ({terms}) }}"
        return self.sparql[: match.end()] + values + self.sparql[match.end() :]


def load_named_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    params: list[Parameter] = []
    described: dict[str, str] = {}  # parameter → its description in Chinese (# param-zh:)
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = PARAM_LINE.match(line)
        if m:
            params.append(Parameter(m.group(1), m.group(2), m.group(3), m.group(4).strip()))
            continue
        zh = PARAM_ZH_LINE.match(line)
        if zh:
            described[zh.group(1)] = zh.group(2).strip()
            continue
        key, _, value = line.lstrip("# ").partition(":")
        if value:
            header.setdefault(key.strip(), value.strip())
    return NamedQuery(
        name=path.stem,
        title=header.get("title", path.stem),
        title_zh=header.get("title-zh", ""),
        description=header.get("description", ""),
        parameters=tuple(
            dataclasses.replace(p, description_zh=described.get(p.name, "")) for p in params
        ),
        sparql=text,
        path=path,
    )


def named_queries(folder: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query, by name."""
    folder = folder or QUERIES_DIR
    return {p.stem: load_named_query(p) for p in sorted(folder.glob("*.rq"))}


def get_named_query(name: str, folder: Path | None = None) -> NamedQuery:
    """:raises QueryNotFoundError: with the list of names."""
    queries = named_queries(folder)
    if name not in queries:
        raise QueryNotFoundError(
            f"no named query {name!r}; the named queries are: {', '.join(queries)}"
        )
    return queries[name]


def to_term(value: Any, kind: str = "auto") -> ox.NamedNode | ox.Literal:
    """A parameter value as an RDF term: a prefixed name or IRI for `iri`, else a literal.

    :raises ParameterError: an IRI that is not one (spaces, quotes, braces …).
    """
    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return value
    if kind == "integer" or (isinstance(value, int) and not isinstance(value, bool)):
        try:
            return ox.Literal(
                str(int(value)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
            )
        except ValueError:
            raise ParameterError(f"{value!r} is not an integer") from None
    text = str(value)
    if kind in ("iri", "auto"):
        iri = expand(text)
        if iri is not None:
            try:
                return ox.NamedNode(iri)
            except ValueError:
                raise ParameterError(
                    f"{text!r} is not a valid IRI; give pk:Name or <https://…>"
                ) from None
        if kind == "iri":
            raise ParameterError(
                f"{text!r} is not an IRI; give a prefixed name such as pk:TopLeader"
            )
    return ox.Literal(text)


def expand(text: str) -> str | None:
    """`pk:TopLeader` or `<https://…>` or `https://…` → a full IRI; anything else → None."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    if re.match(r"^https?://", text):
        return text
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES and re.fullmatch(r"[A-Za-z0-9_.\-/]*", local):
        return f"{PREFIXES[prefix]}{local}"
    return None


def parse_error(exc: Exception) -> QuerySyntaxError:
    """The parser's message, with line and column, as one line."""
    message = " ".join(str(exc).split())
    return QuerySyntaxError(f"malformed SPARQL query: {message}")


# ---------------------------------------------------------------- results


@dataclass
class QueryResult:
    """A SELECT result: variable names and rows of terms (None where unbound)."""

    variables: list[str]
    rows: list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode | None]] = field(
        default_factory=list
    )

    def values(self) -> list[dict[str, str | None]]:
        """Rows with plain string values (IRIs as strings, literals as their lexical form)."""
        return [
            {k: (v.value if v is not None else None) for k, v in row.items()} for row in self.rows
        ]

    def column(self, name: str) -> list[str | None]:
        return [row.get(name) for row in self.values()]

    def __len__(self) -> int:
        return len(self.rows)


def shorten(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(str(ns)):
            return f"{prefix}:{iri[len(str(ns)) :]}"
    return iri


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON."""
    bindings = []
    for row in result.rows:
        out: dict[str, Any] = {}
        for name, term in row.items():
            if term is None:
                continue
            if isinstance(term, ox.NamedNode):
                out[name] = {"type": "uri", "value": term.value}
            elif isinstance(term, ox.BlankNode):
                out[name] = {"type": "bnode", "value": term.value}
            else:
                item: dict[str, str] = {"type": "literal", "value": term.value}
                if term.language:
                    item["xml:lang"] = term.language
                elif (
                    term.datatype
                    and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string"
                ):
                    item["datatype"] = term.datatype.value
                out[name] = item
        bindings.append(out)
    return json.dumps(
        {"head": {"vars": result.variables}, "results": {"bindings": bindings}},
        ensure_ascii=False,
        indent=1,
    )


def to_delimited(result: QueryResult, delimiter: str, labels: dict[str, str] | None = None) -> str:
    buffer = io.StringIO()
    if delimiter == "\t":
        # TSV has no quoting: tabs and line breaks inside a value are escaped as SPARQL TSV
        # escapes them (\t, \n), so every row stays one line of as many fields as the header.
        lines = ["\t".join(result.variables)]
        for row in result.values():
            fields = (_display(row.get(v), labels, keep_lines=True) for v in result.variables)
            lines.append("\t".join(_tsv_escape(f) for f in fields))
        return "\n".join(lines) + "\n"
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(result.variables)
    for row in result.values():  # csv quotes a value with a line break: the value stays whole
        writer.writerow([_display(row.get(v), labels, keep_lines=True) for v in result.variables])
    return buffer.getvalue()


def _tsv_escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def to_table(result: QueryResult, labels: dict[str, str] | None = None, width: int = 60) -> str:
    """A plain text table; IRIs shown by their label (or prefixed name)."""
    header = result.variables
    rows = [[_display(row.get(v), labels) for v in header] for row in result.values()]
    rows = [
        [cell if len(cell) <= width else cell[: width - 1] + "…" for cell in row] for row in rows
    ]
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) for r in rows)
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines)


def _display(value: str | None, labels: dict[str, str] | None, keep_lines: bool = False) -> str:
    """A value as shown: a label or a short IRI; in a table, line breaks as ⏎."""
    if value is None:
        return ""
    if labels and value in labels:
        return labels[value]
    if value.startswith("http"):
        return shorten(value)
    return value if keep_lines else value.replace("\n", "⏎")


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
