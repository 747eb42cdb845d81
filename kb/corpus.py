"""The corpus: source files byte-for-byte, each described by a TOML metadata file.

A metadata file may describe a slice of a source file (`raw_range`), so one file can hold two
documents (the 意见 and the interpretation printed after it), and a document may have no file
at all when it is known only through a report that describes it (`known_through`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from kb.errors import CorpusError, DocumentNotFoundError, MetadataError
from kb.normalise import Layout, Normalised, infer_layout, normalise, slice_prefix
from kb.resources import REPO_DIR

LEVELS = ("central", "provincial", "municipal", "county")
KINDS = ("regulation", "interpretation", "news report", "article")
TEXT_FORMS = ("full text", "report", "known through report")
# A document's relation to the document named in `relates_to` (usually the central 意见).
RELATIONS = ("implements", "interprets", "precedes", "related")
REQUIRED = ("id", "title", "issuer", "date", "level", "kind", "source_publication", "text_form")
OPTIONAL_STR = ("title_en", "short_title", "relation", "relates_to", "known_through", "source_file")
DEFAULT_CORPUS = REPO_DIR / "corpus"


@dataclass(frozen=True)
class DocumentMeta:
    """What a metadata file says of a document."""

    id: str
    title: str
    issuer: str
    date: str
    level: str
    kind: str
    source_publication: str
    text_form: str
    source_file: str | None = None
    raw_range: tuple[int, int] | None = None
    title_en: str | None = None
    short_title: str | None = None
    relation: str | None = None
    relates_to: str | None = None
    known_through: str | None = None
    describes: tuple[str, ...] = ()
    metadata_path: Path | None = None

    @property
    def has_text(self) -> bool:
        """False for a rule known only through a report about it."""
        return self.source_file is not None


def _field_error(path: Path, name: str, what: str) -> MetadataError:
    return MetadataError(f"{path}: field '{name}' {what}")


DATE_FORMS = (("%Y-%m-%d", r"\d{4}-\d{2}-\d{2}"), ("%Y-%m", r"\d{4}-\d{2}"), ("%Y", r"\d{4}"))


def is_date(value: str) -> bool:
    """A year, year-month or full date that exists (2021, 2021-06, 2021-06-02): what the
    knowledge base types as xsd:gYear, xsd:gYearMonth or xsd:date."""
    from datetime import datetime

    for form, shape in DATE_FORMS:
        if re.fullmatch(shape, value):
            try:
                datetime.strptime(value, form)
            except ValueError:
                return False
            return True
    return False


def parse_metadata(path: Path) -> DocumentMeta:
    """Read and validate one metadata file; every problem is one line naming the field.

    :raises MetadataError: a missing, misspelt or ill-typed field.
    """
    try:
        data = tomllib.loads(read_text_file(path))
    except tomllib.TOMLDecodeError as exc:
        raise MetadataError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    for name in REQUIRED:
        if name not in data:
            raise _field_error(path, name, "is missing; add it (see corpus/*.toml for examples)")
        if not isinstance(data[name], str) or not data[name].strip():
            raise _field_error(path, name, "must be a non-empty string")
    known = set(REQUIRED) | set(OPTIONAL_STR) | {"raw_range", "describes"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise _field_error(
            path, unknown[0], f"is not a known field (known: {', '.join(sorted(known))})"
        )
    for name, allowed in (
        ("level", LEVELS),
        ("kind", KINDS),
        ("text_form", TEXT_FORMS),
        ("relation", RELATIONS),
    ):
        if name in data and data[name] not in allowed:
            raise _field_error(
                path, name, f"must be one of {', '.join(allowed)} (got {data[name]!r})"
            )
    if not is_date(data["date"]):
        raise _field_error(
            path,
            "date",
            f"must be a year, year-month or date such as 2021-06-02 (got {data['date']!r})",
        )
    if data["id"] != path.stem:
        raise _field_error(
            path, "id", f"must equal the file name {path.stem!r} (got {data['id']!r})"
        )
    for name in OPTIONAL_STR:
        if name in data and (not isinstance(data[name], str) or not data[name].strip()):
            raise _field_error(path, name, "must be a non-empty string")
    if data["text_form"] == "known through report":
        if "known_through" not in data or "source_file" in data:
            raise _field_error(
                path,
                "known_through",
                "is required, and source_file forbidden, for a rule known only through a report",
            )
    elif "source_file" not in data:
        raise _field_error(path, "source_file", "is missing; name the text file in corpus/")
    elif Path(data["source_file"]).name != data["source_file"] or data["source_file"] in (
        ".",
        "..",
    ):
        raise _field_error(
            path, "source_file", "must be a file name in the corpus folder, with no folder in it"
        )
    raw_range: tuple[int, int] | None = None
    if "raw_range" in data:
        value = data["raw_range"]
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and v >= 0 for v in value)
            or value[0] >= value[1]
        ):
            raise _field_error(path, "raw_range", "must be [start, end] with 0 <= start < end")
        raw_range = (value[0], value[1])
    describes = data.get("describes", [])
    if not isinstance(describes, list) or not all(isinstance(d, str) for d in describes):
        raise _field_error(path, "describes", "must be a list of document ids")
    return DocumentMeta(
        id=data["id"],
        title=data["title"],
        issuer=data["issuer"],
        date=data["date"],
        level=data["level"],
        kind=data["kind"],
        source_publication=data["source_publication"],
        text_form=data["text_form"],
        source_file=data.get("source_file"),
        raw_range=raw_range,
        title_en=data.get("title_en"),
        short_title=data.get("short_title"),
        relation=data.get("relation"),
        relates_to=data.get("relates_to"),
        known_through=data.get("known_through"),
        describes=tuple(describes),
        metadata_path=path,
    )


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:4096]:
        return True
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls > len(sample) // 20


def read_text_file(path: Path) -> str:
    """Read a UTF-8 text file, or say in one line why it cannot be read and what to do.

    :raises CorpusError: missing, empty, binary, UTF-16 or not UTF-8 (e.g. GBK).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentNotFoundError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CorpusError(f"{path}: is a directory; give a text file") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise CorpusError(
            f"{path}: the file is empty; give a UTF-8 text file with the document's text"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CorpusError(
            f"{path}: is UTF-16 (it starts with a byte-order mark); save it as UTF-8, "
            f"e.g. iconv -f UTF-16 -t UTF-8 {path.name} > {path.stem}.utf8{path.suffix}"
        )
    if _looks_binary(data):
        raise CorpusError(f"{path}: looks like a binary file, not text; give a UTF-8 .txt file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            data.decode("gb18030")
            hint = " (it looks like GBK/GB18030)"
        except UnicodeDecodeError:
            pass
        raise CorpusError(
            f"{path}: is not UTF-8{hint}: byte {exc.start} cannot be decoded; convert it, e.g. "
            f"iconv -f GB18030 -t UTF-8 {path.name} > {path.stem}.utf8{path.suffix}"
        ) from None
    if not text.lstrip("\ufeff").strip():  # a byte-order mark, full-width spaces, blank lines
        raise CorpusError(
            f"{path}: the file holds only blank space; give a UTF-8 text file with the document's text"
        )
    return text


@dataclass
class Document:
    """A document with text: its metadata, the raw source file and its normalised slice."""

    meta: DocumentMeta
    source_path: Path
    file_text: str
    raw_start: int
    raw_end: int
    file_layout: Layout
    _normalised: Normalised | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def raw_text(self) -> str:
        """The document's own raw characters (a slice of the source file)."""
        return self.file_text[self.raw_start : self.raw_end]

    @property
    def normalised(self) -> Normalised:
        """Clean text and offset map; offsets are absolute in the source file."""
        if self._normalised is None:
            self._normalised = self.normalise_raw(self.raw_start, self.raw_end)
        return self._normalised

    @property
    def clean_text(self) -> str:
        return self.normalised.text

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the whole source file's bytes, so a reader can check they have our file."""
        return hashlib.sha256(self.source_path.read_bytes()).hexdigest()

    def normalise_raw(self, start: int, end: int) -> Normalised:
        """Normalise the raw file slice `[start, end)` in the context of its file."""
        return normalise(
            self.file_text[start:end],
            layout=self.file_layout,
            offset=start,
            prefix=slice_prefix(self.file_text, start),
        )

    def normalise_span(self, start: int, end: int) -> str:
        """The clean text of a raw span: what a cited `[start, end)` says once normalised."""
        return self.normalise_raw(start, end).text


def _document_from(meta: DocumentMeta, path: Path, text: str) -> Document:
    start, end = meta.raw_range or (0, len(text))
    if end > len(text):
        raise MetadataError(
            f"{meta.metadata_path}: field 'raw_range' ends at {end}, past the end of "
            f"{path.name} ({len(text)} characters)"
        )
    return Document(meta, path, text, start, end, infer_layout(text))


@dataclass
class Corpus:
    """All metadata of a corpus folder, and the documents that have text."""

    root: Path
    metas: dict[str, DocumentMeta]
    documents: list[Document]

    def get(self, doc_id: str) -> Document:
        """The document with text called `doc_id`.

        :raises DocumentNotFoundError: with the list of known ids.
        """
        for doc in self.documents:
            if doc.id == doc_id:
                return doc
        if doc_id in self.metas:
            meta = self.metas[doc_id]
            raise DocumentNotFoundError(
                f"{doc_id} has no text of its own: it is known through {meta.known_through}"
            )
        known = ", ".join(sorted(d.id for d in self.documents))
        raise DocumentNotFoundError(f"no document {doc_id!r} in {self.root}; known: {known}")

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)


def load_corpus(root: Path | str | None = None) -> Corpus:
    """Load every `*.toml` metadata file of a corpus folder and the texts they name.

    >>> corpus = load_corpus()
    >>> corpus.get("zhongyang-2021-yijian").meta.level
    'central'

    :raises MetadataError: a bad metadata file (named, with the field).
    :raises CorpusError: a text file that cannot be read.
    """
    root = Path(root) if root is not None else DEFAULT_CORPUS
    if not root.is_dir():
        raise CorpusError(f"{root}: no corpus folder here; pass the folder holding *.toml files")
    metas: dict[str, DocumentMeta] = {}
    for path in sorted(root.glob("*.toml")):
        meta = parse_metadata(path)
        metas[meta.id] = meta
    if not metas:
        raise CorpusError(f"{root}: no metadata files (*.toml); add one per document")
    for meta in metas.values():
        for ref_name, ref in (
            ("known_through", meta.known_through),
            ("relates_to", meta.relates_to),
        ):
            if ref is not None and ref not in metas:
                raise _field_error(
                    meta.metadata_path or root, ref_name, f"names unknown document {ref!r}"
                )
        for ref in meta.describes:
            if ref not in metas:
                raise _field_error(
                    meta.metadata_path or root, "describes", f"names unknown document {ref!r}"
                )
    texts: dict[str, str] = {}
    documents: list[Document] = []
    for meta in metas.values():
        if meta.source_file is None:
            continue
        path = root / meta.source_file
        if meta.source_file not in texts:
            texts[meta.source_file] = read_text_file(path)
        documents.append(_document_from(meta, path, texts[meta.source_file]))
    return Corpus(root, metas, documents)


def load_text_document(path: Path | str, *, doc_id: str | None = None) -> Document:
    """A user's file as a document (no metadata): for `segment` and `crosscheck`. A Word file
    (.docx) is read paragraph by paragraph; anything else must be UTF-8 text.

    :raises CorpusError: the file cannot be read as UTF-8 text or as a Word file.
    """
    path = Path(path)
    if path.suffix.lower() == ".docx":
        return text_document(path, read_docx(path), doc_id=doc_id, lines_are_paragraphs=True)
    return text_document(path, read_text_file(path), doc_id=doc_id)


def read_docx(path: Path) -> str:
    """The paragraphs (and table cells) of a Word file, one per line; spans refer to this text."""
    import zipfile

    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
        from docx.table import Table
    except ImportError:  # pragma: no cover - python-docx is a dependency
        raise CorpusError("reading .docx needs python-docx: pip install python-docx") from None
    if not path.exists():
        raise CorpusError(f"{path}: no such file")
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise CorpusError(
            f"{path}: is not a readable .docx file ({exc}); save it again from Word"
        ) from None
    lines: list[str] = []
    numbering = _WordNumbering(document)
    for block in document.iter_inner_content():  # paragraphs and tables, in reading order
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
        else:
            label = numbering.label(block)  # Word counts an empty numbered paragraph too
            if block.text.strip():
                lines.append(label + block.text)
    text = "\n".join(line for line in lines if line.strip())
    if not text.strip():
        raise CorpusError(f"{path}: the document has no text; give a .docx with the rule's text")
    return text


_CHINESE_DIGITS = "零一二三四五六七八九"


def _chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五: how Word's Chinese counting writes them."""
    if n < 10:
        return _CHINESE_DIGITS[n]
    if n < 20:
        return "十" + (_CHINESE_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CHINESE_DIGITS[n // 10] + "十" + (_CHINESE_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = (
        "" if not rest else ("零" + _CHINESE_DIGITS[rest] if rest < 10 else _chinese_numeral(rest))
    )
    return _CHINESE_DIGITS[n // 100] + "百" + tail


def _format_number(n: int, fmt: str) -> str:
    if fmt.startswith(("chinese", "ideograph", "taiwanese")):
        return _chinese_numeral(n)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= 20:
        return chr(ord("①") + n - 1)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    return str(n)


class _WordNumbering:
    """The numbers Word draws before its numbered paragraphs (第一条, （一）, 1.) and keeps
    out of their text: without them a rule numbered by Word loses its articles and items."""

    def __init__(self, document: Any) -> None:
        from docx.oxml.ns import qn

        self._qn = qn
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # numId → level → format
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return  # no numbering part: nothing is numbered
        try:
            self._read(root)
        except ValueError:  # a numbering part Word would not write: read the text unnumbered
            self.levels = {}

    def _read(self, root: Any) -> None:
        qn = self._qn
        abstract: dict[str, dict[int, tuple[int, str, str]]] = {}
        for definition in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in definition.findall(qn("w:lvl")):
                start, fmt, text = (
                    lvl.find(qn("w:start")),
                    lvl.find(qn("w:numFmt")),
                    lvl.find(qn("w:lvlText")),
                )
                levels[int(lvl.get(qn("w:ilvl"), "0"))] = (
                    int(start.get(qn("w:val"), "1")) if start is not None else 1,
                    fmt.get(qn("w:val"), "decimal") if fmt is not None else "decimal",
                    text.get(qn("w:val"), "") if text is not None else "",
                )
            abstract[definition.get(qn("w:abstractNumId"), "")] = levels
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is not None:
                self.levels[num.get(qn("w:numId"), "")] = abstract.get(ref.get(qn("w:val"), ""), {})

    def _num_pr(self, paragraph: Any) -> tuple[str, int] | None:
        """The paragraph's list and level, set on it or on its style (List Number)."""
        qn = self._qn
        holders = [paragraph._p.pPr]
        style = paragraph.style
        while style is not None:
            holders.append(style.element.pPr)
            style = style.base_style
        for pPr in holders:
            num_pr = pPr.find(qn("w:numPr")) if pPr is not None else None
            if num_pr is None:
                continue
            num_id = num_pr.find(qn("w:numId"))
            level = num_pr.find(qn("w:ilvl"))
            if num_id is None:
                continue
            return num_id.get(qn("w:val"), ""), int(
                level.get(qn("w:val"), "0")
            ) if level is not None else 0
        return None

    def label(self, paragraph: Any) -> str:
        found = self._num_pr(paragraph)
        if found is None or found[0] == "0" or found[0] not in self.levels:
            return ""
        num_id, level = found
        levels = self.levels[num_id]
        if level not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        counters[level] = counters.get(level, levels[level][0] - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]  # a new entry restarts the levels below it
        start, fmt, text = levels[level]
        if fmt == "bullet":
            return "• "
        if fmt == "none":
            return ""

        def number(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            return _format_number(
                counters.get(k, levels.get(k, (1, "", ""))[0]), levels.get(k, (1, "decimal", ""))[1]
            )

        label = re.sub(r"%([1-9])", number, text)
        return label + ("" if label.endswith(("、", "）", ")", "．", " ", "\u3000")) else " ")


TABLE_CELL_SEPARATOR = "｜"
_SENTENCE_MARKS = re.compile(r"[。；！？，：]|应当|必须|不得|可以")


def _table_lines(table: Any) -> list[str]:
    """A Word table as text: a row per line, its cells joined by ｜, a merged cell once (Word
    repeats it in every grid column it spans), so a row's duty keeps its unit and frequency
    (纪委应当…通报…｜区纪委｜每半年). A first row of labels only (监督事项｜责任单位｜频次) names the
    columns and is left out: it states no rule, and each label would read as a bare duty."""
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            text = " ".join(cell.text.split())
            if text:
                cells.append(text)
        rows.append(cells)
    if (
        len(rows) > 1
        and rows[0]
        and all(len(c) <= 10 and not _SENTENCE_MARKS.search(c) for c in rows[0])
    ):
        rows = rows[1:]
    return [TABLE_CELL_SEPARATOR.join(cells) for cells in rows if cells]


def text_document(
    path: Path, text: str, *, doc_id: str | None = None, lines_are_paragraphs: bool = False
) -> Document:
    """A user's text (read from `path`, e.g. out of a .docx) as a document with no metadata.

    With `lines_are_paragraphs` (a Word file's paragraphs, one per line) no line is a wrapped
    continuation of the one before; otherwise the layout is inferred, as for the corpus."""
    meta = DocumentMeta(
        id=doc_id or path.stem,
        title=path.stem,
        issuer="unknown",
        date="unknown",
        level="municipal",
        kind="regulation",
        source_publication=str(path),
        text_form="full text",
        source_file=path.name,
    )
    layout = infer_layout(text)
    if lines_are_paragraphs:
        layout = Layout(wrap_gap=1, line_width=layout.line_width, wrapped=False)
    return Document(meta, path, text, 0, len(text), layout)


DOCUMENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,80}")


def _toml_string(value: str) -> str:
    """A TOML basic string holding `value` exactly."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\t", "\\t") + '"'


def check_new_document(
    doc_id: str,
    *,
    level: str,
    date: str | None = None,
    relates_to: str = "zhongyang-2021-yijian",
    corpus_root: Path | str | None = None,
) -> Path:
    """Whether a document can be added under `doc_id` (before any work is done); the corpus
    folder if so.

    :raises CorpusError: a bad id, level or date, an id already used, an unknown `relates_to`.
    """
    root = Path(corpus_root) if corpus_root is not None else DEFAULT_CORPUS
    corpus = load_corpus(root)
    if not DOCUMENT_ID.fullmatch(doc_id):
        raise CorpusError(
            f"{doc_id!r}: not a document id; use lower-case letters, digits and hyphens, "
            "e.g. hengyang-2021-shishi-banfa"
        )
    if doc_id in corpus.metas or (root / f"{doc_id}.txt").exists():
        raise CorpusError(f"{doc_id}: the corpus has this id already; choose another")
    if relates_to not in corpus.metas:
        raise CorpusError(f"{relates_to}: no such corpus document to relate the rule to")
    if level not in LEVELS:
        raise CorpusError(f"level must be one of {', '.join(LEVELS)} (got {level!r})")
    if date is not None and not is_date(date):
        raise CorpusError(
            f"date must be a year, year-month or date such as 2021-06-02 (got {date!r})"
        )
    return root


def add_document(
    source: Path | str,
    doc_id: str,
    *,
    title: str | None = None,
    issuer: str,
    date: str,
    level: str,
    relates_to: str = "zhongyang-2021-yijian",
    corpus_root: Path | str | None = None,
) -> DocumentMeta:
    """Add a drafter's rule to the corpus: its text as `ID.txt` (a .txt or .md byte for byte,
    a .docx as the text read from it, so spans slice the corpus file) and `ID.toml` saying it
    implements `relates_to`. The next `policykb build` extracts it and cross-checks it. The title
    defaults to the text's first line. Nothing is written unless both files are valid; an
    existing id is never overwritten.

    :raises CorpusError: a bad id or field, an id already used, or an unreadable file.
    """
    root = check_new_document(
        doc_id, level=level, date=date, relates_to=relates_to, corpus_root=corpus_root
    )
    source = Path(source)
    document = load_text_document(source, doc_id=doc_id)  # reads and checks the file
    if title is None:
        lines = (line.strip() for line in document.clean_text.splitlines())
        title = next((line for line in lines if line), source.stem)
    for name, value in (("title", title), ("issuer", issuer), ("date", date)):
        if not value.strip():
            raise CorpusError(f"{name} must not be empty")
    data = (
        source.read_bytes()
        if source.suffix.lower() != ".docx"
        else document.file_text.encode("utf-8")
    )
    fields = {
        "id": doc_id,
        "title": title,
        "issuer": issuer,
        "date": date,
        "level": level,
        "kind": "regulation",
        "source_publication": f"added from {source.name}",
        "source_file": f"{doc_id}.txt",
        "text_form": "full text",
        "relation": "implements",
        "relates_to": relates_to,
    }
    toml = "".join(f"{k} = {_toml_string(v)}\n" for k, v in fields.items())
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".adding-{doc_id}-", dir=root))
    except OSError as exc:
        raise CorpusError(f"{root}: cannot write the corpus folder ({exc.strerror})") from None
    try:
        (staging / f"{doc_id}.txt").write_bytes(data)
        (staging / f"{doc_id}.toml").write_text(toml, encoding="utf-8")
        meta = parse_metadata(staging / f"{doc_id}.toml")
        (staging / f"{doc_id}.txt").replace(root / f"{doc_id}.txt")
        (staging / f"{doc_id}.toml").replace(root / f"{doc_id}.toml")
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()
    return dataclasses.replace(meta, metadata_path=root / f"{doc_id}.toml")


def open_document(ref: str, *, corpus_root: Path | str | None = None) -> Document:
    """A corpus document by id, or a user's file (.txt, .md, .docx) by path."""
    candidate = Path(ref)
    if candidate.is_dir():
        raise CorpusError(f"{ref}: is a directory; give a .txt, .md or .docx file or a corpus id")
    if candidate.suffix and (
        candidate.exists() or "/" in ref or candidate.suffix in (".txt", ".md", ".docx")
    ):
        return load_text_document(candidate)
    return load_corpus(corpus_root).get(ref)
