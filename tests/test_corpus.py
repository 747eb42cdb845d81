"""The corpus: files byte-for-byte, metadata complete and validated, bad input refused clearly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kb.corpus import KINDS, LEVELS, Corpus, load_corpus, parse_metadata, read_text_file
from kb.errors import CorpusError, MetadataError

from .conftest import REPO_DIR, SEEDS_DIR

SEED_FILES = {
    "000_0da114c5519d0631.txt": "guangzhou-2021-baxiang-jiedu.txt",
    "001_8a1ccc78a66cce7e.txt": "guangzhou-2020-ruogan-jiedu.txt",
    "002_541bac1a2ae9974c.txt": "zhongyang-2021-yijian.txt",
    "003_1691e3b79e48d6e5.txt": "zgjjjc-2023-23-haiguan.txt",
    "004_804c8c32c4381b8e.txt": "hengyang-2020-jiandu-baodao.txt",
}


@pytest.mark.parametrize("seed,name", sorted(SEED_FILES.items()))
def test_corpus_files_are_the_seeds_byte_for_byte(seed: str, name: str) -> None:
    ours = (REPO_DIR / "corpus" / name).read_bytes()
    seed_path = SEEDS_DIR / seed
    if not seed_path.exists():
        pytest.skip("shared/seeds is not beside this checkout")
    assert ours == seed_path.read_bytes()


def test_corpus_metadata_is_complete(corpus: Corpus) -> None:
    assert len(corpus.documents) == 6  # five files; one holds two documents
    for meta in corpus.metas.values():
        assert meta.level in LEVELS and meta.kind in KINDS
        assert meta.title and meta.issuer and meta.date and meta.source_publication
    yijian = corpus.metas["zhongyang-2021-yijian"]
    assert (yijian.level, yijian.kind, yijian.date) == ("central", "regulation", "2021-03-27")
    jiedu = corpus.metas["renmin-2021-yijian-jiedu"]
    assert jiedu.kind == "interpretation" and jiedu.relates_to == "zhongyang-2021-yijian"


def test_corpus_one_file_holds_the_yijian_and_its_interpretation(corpus: Corpus) -> None:
    yijian = corpus.get("zhongyang-2021-yijian")
    jiedu = corpus.get("renmin-2021-yijian-jiedu")
    assert yijian.source_path == jiedu.source_path
    assert yijian.raw_end == jiedu.raw_start
    assert jiedu.raw_text.startswith("《人民日报》")
    assert "人民日报" not in yijian.clean_text
    assert yijian.clean_text.endswith("不断增强监督实效。")
    assert jiedu.raw_end == len(jiedu.file_text)


def test_corpus_rules_known_through_reports(corpus: Corpus) -> None:
    reported = {m.id: m for m in corpus.metas.values() if m.text_form == "known through report"}
    assert set(reported) == {
        "guangzhou-2021-baxiang-cuoshi",
        "guangzhou-2020-ruogan-cuoshi",
        "hengyang-2020-shixiang-cuoshi",
        "hengyang-2020-tongji-jiandu-yijian",
    }
    for meta in reported.values():
        assert not meta.has_text and meta.kind == "regulation"
        report = corpus.metas[meta.known_through or ""]
        assert meta.id in report.describes
    with pytest.raises(CorpusError, match="known through"):
        corpus.get("guangzhou-2021-baxiang-cuoshi")


def test_corpus_sha256_is_of_the_source_file(corpus: Corpus) -> None:
    doc = corpus.get("zhongyang-2021-yijian")
    assert doc.sha256 == hashlib.sha256(doc.source_path.read_bytes()).hexdigest()


# --- bad input -------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"\n \n", "empty"),
        ("binary.txt", bytes(range(256)) * 4, "binary"),
        ("gbk.txt", "加强对一把手的监督。".encode("gbk"), "GBK"),
        ("utf16.txt", "加强对一把手的监督。".encode("utf-16"), "UTF-16"),
    ],
)
def test_corpus_bad_files_give_one_clear_line(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(CorpusError) as info:
        read_text_file(_write(tmp_path, name, data))
    text = str(info.value)
    assert message in text and "\n" not in text and name in text


def test_corpus_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file"):
        read_text_file(tmp_path / "nothing.txt")


GOOD_META = """id = "x"
title = "标题"
issuer = "中共某市委"
date = "2021"
level = "municipal"
kind = "regulation"
source_publication = "某报"
text_form = "full text"
source_file = "x.txt"
"""


@pytest.mark.parametrize(
    "edit,field",
    [
        (lambda s: s.replace('issuer = "中共某市委"\n', ""), "issuer"),
        (lambda s: s.replace('level = "municipal"', 'level = "city"'), "level"),
        (lambda s: s.replace('kind = "regulation"', 'kind = "law"'), "kind"),
        (lambda s: s.replace('id = "x"', 'id = "y"'), "id"),
        (lambda s: s.replace('date = "2021"', "date = 2021"), "date"),
        (lambda s: s.replace('date = "2021"', 'date = "去年"'), "date"),
        (lambda s: s.replace('date = "2021"', 'date = "2021-02-30"'), "date"),
        (lambda s: s + 'colour = "red"\n', "colour"),
        (lambda s: s + "raw_range = [5, 2]\n", "raw_range"),
        (lambda s: s.replace('source_file = "x.txt"\n', ""), "source_file"),
        (lambda s: s + 'relation = "copies"\n', "relation"),
        (
            lambda s: s.replace('source_file = "x.txt"', 'source_file = "../../etc/passwd"'),
            "source_file",
        ),
        (
            lambda s: s.replace('source_file = "x.txt"', 'source_file = "/etc/hostname"'),
            "source_file",
        ),
    ],
)
def test_corpus_bad_metadata_names_the_field(tmp_path: Path, edit, field: str) -> None:
    path = _write(tmp_path, "x.toml", edit(GOOD_META).encode("utf-8"))
    with pytest.raises(MetadataError) as info:
        parse_metadata(path)
    text = str(info.value)
    assert f"'{field}'" in text and "x.toml" in text and "\n" not in text


def test_corpus_good_metadata_parses(tmp_path: Path) -> None:
    meta = parse_metadata(_write(tmp_path, "x.toml", GOOD_META.encode("utf-8")))
    assert meta.id == "x" and meta.level == "municipal"


def test_corpus_folder_with_a_bad_reference_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "x.toml", (GOOD_META + 'relates_to = "nobody"\n').encode("utf-8"))
    _write(tmp_path, "x.txt", "一、总则\n（一）要加强监督。\n".encode("utf-8"))
    with pytest.raises(MetadataError, match="relates_to"):
        load_corpus(tmp_path)


def test_corpus_raw_range_past_the_end_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "x.toml", (GOOD_META + "raw_range = [0, 9999]\n").encode("utf-8"))
    _write(tmp_path, "x.txt", "要加强监督。\n".encode("utf-8"))
    with pytest.raises(MetadataError, match="raw_range"):
        load_corpus(tmp_path)
