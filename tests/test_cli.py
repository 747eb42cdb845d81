"""The command line: thin over the API, one clear line and exit status 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point in a fresh process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_segment_prints_the_yijian_structure() -> None:
    result = CliRunner().invoke(main, ["segment", "zhongyang-2021-yijian", "--depth", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum(1 for line in lines if line.startswith("  part ")) == 5
    assert sum(1 for line in lines if line.startswith("    provision ")) == 25
    assert (
        "    provision 八 [3268, 3620) 加强领导班子成员相互监督，认真开展批评和自我批评。" in lines
    )


def test_cli_segment_reads_a_word_file(tmp_path: Path) -> None:
    """`segment` takes a drafter's .docx as `crosscheck` does; offsets refer to its text."""
    import docx

    document = docx.Document()
    document.add_heading("某市办法", level=1)
    document.add_paragraph("第一条 纪委书记应当报告。")
    document.add_paragraph("第二条 党委每年听取一次汇报。")
    path = tmp_path / "办法.docx"
    document.save(str(path))
    result = CliRunner().invoke(main, ["segment", str(path), "--depth", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        "document [0, 34) 某市办法 ⏎ 第一条 纪委书记应当报告。 ⏎ 第二条 党委每年听取一次汇报。",
        "  title [0, 4) 某市办法",
        "  provision 一 [5, 18) 第一条 纪委书记应当报告。",
        "  provision 二 [19, 34) 第二条 党委每年听取一次汇报。",
    ]


def test_cli_segment_json_has_every_segment_with_offsets() -> None:
    result = CliRunner().invoke(
        main, ["segment", "guangzhou-2020-ruogan-jiedu", "--format", "json"]
    )
    assert result.exit_code == 0
    payload = json.loads(result.output)
    raw = Path(payload["source_file"]).read_text(encoding="utf-8")

    def walk(node: dict) -> list[dict]:
        return [node, *(n for c in node.get("children", []) for n in walk(c))]

    nodes = walk(payload["tree"])
    items = [n for n in nodes if n["kind"] == "item"]
    assert len(items) == 10
    for node in items:
        assert raw[node["start"] : node["end"]].startswith("★")


def test_cli_corpus_lists_documents_and_reported_rules() -> None:
    result = CliRunner().invoke(main, ["corpus"])
    assert result.exit_code == 0
    assert "hengyang-2020-shixiang-cuoshi\tmunicipal\tregulation" in result.output
    assert "known through hengyang-2020-jiandu-baodao" in result.output


@pytest.mark.parametrize(
    "name,data,expected",
    [
        ("empty.txt", b"", "empty"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
        ("gbk.txt", "对一把手的监督。".encode("gbk"), "GBK"),
        ("utf16.txt", "对一把手的监督。".encode("utf-16"), "UTF-16"),
    ],
)
def test_cli_bad_files_give_one_line_and_exit_2(
    tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = run("segment", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_cli_bad_metadata_gives_one_line(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text('id = "x"\ntitle = "t"\n', encoding="utf-8")
    result = run("corpus", "--corpus", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "'issuer' is missing" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_unknown_document_lists_the_known_ones() -> None:
    result = run("segment", "no-such-doc")
    assert result.returncode == 2
    assert "known:" in result.stderr and "zhongyang-2021-yijian" in result.stderr


def test_cli_structureless_text_gives_a_paragraph_tree(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("没有任何编号的一段话，只有句子。还有第二句。\n", encoding="utf-8")
    result = run("segment", str(path))
    assert result.returncode == 0, result.stderr
    assert "  paragraph [0, 22)" in result.stdout
    assert "    sentence [0, 16) 没有任何编号的一段话，只有句子。" in result.stdout


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"a": 1}\n', "a gold norm needs the fields doc, quote, modality"),
        (b"[1, 2]\n", "a gold norm needs the fields"),
        (b"\xff\xfe", "is not UTF-8 text"),
        (b"\n", "the gold files hold no norm"),
    ],
)
def test_cli_a_bad_gold_file_is_one_line(tmp_path: Path, content: bytes, says: str) -> None:
    (tmp_path / "gold.jsonl").write_bytes(content)
    result = run("eval", "--gold", str(tmp_path))
    assert result.returncode == 2 and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_cli_an_argument_that_is_not_utf8_is_one_line() -> None:
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"kb", b"search", b"abc\xff"],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert (
        result.stderr.decode().strip()
        == "error: an argument is not valid UTF-8 text; give it in UTF-8"
    )


def test_cli_serving_on_a_taken_port_is_one_line(built_kb) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--kb", str(built_kb[2]), "--port", str(port))
    assert result.returncode == 2 and "Address already in use" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_output_that_cannot_be_written_is_one_line(built_kb) -> None:  # type: ignore[no-untyped-def]
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "kb", "export", "--kb", str(built_kb[2])],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == "error: cannot write the output (No space left on device)"


def test_cli_output_never_overwrites_what_the_command_reads(tmp_path: Path, built_kb) -> None:  # type: ignore[no-untyped-def]
    rule = tmp_path / "rule.txt"
    rule.write_text(
        "某县办法\n\n第一条 纪委书记应当每年向同级党委报告履职情况。\n", encoding="utf-8"
    )
    before = rule.read_bytes()
    result = run("crosscheck", str(rule), "-o", str(rule))
    assert result.returncode == 2 and "would overwrite" in result.stderr
    assert rule.read_bytes() == before
    store_file = Path(built_kb[2]) / "current" / "CURRENT"
    kept = store_file.read_bytes()
    result = run("export", "--kb", str(built_kb[2]), "-o", str(store_file))
    assert result.returncode == 2 and "would overwrite" in result.stderr
    assert store_file.read_bytes() == kept


def test_cli_errors_stay_one_line_of_reasonable_length(tmp_path: Path) -> None:
    result = run("show", "pkd:doc/x\ny")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    result = run("show", "pkd:doc/" + "x" * 5000)
    assert result.returncode == 2 and len(result.stderr) < 700
    result = run("segment", str(tmp_path))
    assert result.returncode == 2 and "is a directory" in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["ask", "documents", "--format", "xml"], "Invalid value for '--format'"),
        (["build", "--jobs", "abc"], "Invalid value for '--jobs'"),
        (["serve", "--port", "99999"], "Invalid value for '--port'"),
        (["nosuch"], "No such command 'nosuch'"),
    ],
)
def test_cli_usage_errors_are_one_line(args: list[str], says: str) -> None:
    result = run(*args)
    assert result.returncode == 2 and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")


def test_cli_without_a_command_shows_its_help() -> None:
    result = run()
    assert result.returncode == 0 and result.stdout.startswith("Usage: ")


def test_cli_search_for_nothing_is_refused() -> None:
    result = run("search", "  ")
    assert result.returncode == 2 and "search needs a word or phrase" in result.stderr
