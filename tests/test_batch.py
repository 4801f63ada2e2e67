"""Batch classification: formats, bad rows, order, parallel runs, interruption and resume."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from communique.batch import classify_file
from communique.errors import InputError

from .conftest import TINY

STATEMENTS = [t for texts in TINY.values() for t in texts]


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def run(tmp_path, name: str, content: bytes, model, out="out.jsonl", **options):
    source = tmp_path / name
    source.write_bytes(content)
    summary = classify_file(str(source), str(tmp_path / out), model=model, **options)
    return summary, tmp_path / out


@pytest.mark.parametrize("name", ["in.txt", "in.csv", "in.jsonl", "in.txt.gz", "in.csv.gz", "in.jsonl.gz"])
@pytest.mark.parametrize("out", ["out.jsonl", "out.csv", "out.jsonl.gz"])
def test_formats_keep_fields_and_order(tmp_path, tiny_model, name, out):
    if ".txt" in name:
        content = "\n".join(STATEMENTS) + "\n"
    elif ".csv" in name:
        content = "id,text\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(STATEMENTS))
    else:
        content = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(STATEMENTS))
    data = content.encode()
    if name.endswith(".gz"):
        data = gzip.compress(data)
    summary, path = run(tmp_path, name, data, tiny_model, out=out, chunk_size=7)
    assert summary.rows == len(STATEMENTS) and summary.errors == 0
    if out.endswith(".csv"):
        import csv

        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        scores = [json.loads(r["scores"]) for r in rows]
    else:
        rows = read_jsonl(path)
        scores = [r["scores"] for r in rows]
    assert [r["text"] for r in rows] == STATEMENTS
    if ".txt" not in name:
        assert [str(r["id"]) for r in rows] == [str(i) for i in range(len(STATEMENTS))]
    expected = [p.label for p in tiny_model.predict(STATEMENTS)]
    assert [r["label"] for r in rows] == expected
    assert all(abs(sum(s.values()) - 1) < 1e-4 and set(s) == set(tiny_model.labels) for s in scores)
    assert not list(tmp_path.glob("*.partial*"))


BAD_INPUTS = {
    # name: (file name, content, line of the bad row, expected error text)
    "invalid-utf8": (
        "in.txt",
        b"We stand with you.\nbad \xff\xfe bytes\n",
        2,
        "invalid utf-8 (byte 0xff); pass the right --encoding",
    ),
    "empty-text": ("in.txt", b"We stand with you.\n   \n", 2, "field 'text' is empty"),
    "nul-byte": ("in.txt", b"We stand with you.\nnul\x00here\n", 2, "contains NUL bytes"),
    "ragged-csv": ("in.csv", b"id,text\n1,We stand with you.\n2,too,many\n", 3, "3 fields where the header has 2"),
    "short-csv": ("in.csv", b"id,text\n1,We stand with you.\n2\n", 3, "1 fields where the header has 2"),
    "not-json": ("in.jsonl", b'{"text": "We stand with you."}\n{oops\n', 2, "not valid JSON"),
    "json-list": ("in.jsonl", b'{"text": "We stand with you."}\n[1]\n', 2, "a JSON list, not an object"),
    "text-not-string": (
        "in.jsonl",
        b'{"text": "We stand with you."}\n{"text": 3}\n',
        2,
        "field 'text' is int, not a string",
    ),
    "missing-field": (
        "in.jsonl",
        b'{"text": "We stand with you."}\n{"body": "x"}\n',
        2,
        "no field 'text' (fields: body)",
    ),
    "too-long": ("in.txt", b"We stand with you.\n" + b"word " * 30_000 + b"\n", 2, "over the limit of 100,000"),
}


@pytest.mark.parametrize("name,content,line,message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_rows_keep_their_place(tmp_path, tiny_model, name, content, line, message):
    summary, path = run(tmp_path, name, content, tiny_model)
    rows = read_jsonl(path)
    assert len(rows) == 2 and summary.rows == 2 and summary.errors == 1
    assert rows[0]["label"] == "solidarity"
    assert rows[1]["label"] is None and rows[1]["error"].startswith(f"line {line}: ")
    assert message in rows[1]["error"]


@pytest.mark.parametrize("name,content,line,message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_strict_stops_at_first_bad_row(tmp_path, tiny_model, name, content, line, message):
    with pytest.raises(InputError, match=rf"in\.\w+:{line}: .*{__import__('re').escape(message)}"):
        run(tmp_path, name, content, tiny_model, strict=True)
    partial = tmp_path / "out.jsonl.partial"
    assert [r["label"] for r in read_jsonl(partial)] == ["solidarity"], "rows before the bad one are kept"
    assert not (tmp_path / "out.jsonl").exists()


def test_control_characters_are_classified(tmp_path, tiny_model):
    # Control characters other than NUL are not word characters: the text is still classified.
    summary, path = run(tmp_path, "in.txt", b"We stand\x07 with\x1b you.\x0b\n", tiny_model)
    row = read_jsonl(path)[0]
    assert summary.errors == 0 and row["label"] == "solidarity" and row["text"] == "We stand\x07 with\x1b you.\x0b"


def test_bom_crlf_and_encoding(tmp_path, tiny_model):
    summary, path = run(tmp_path, "in.csv", b"\xef\xbb\xbftext\r\nWe stand with you.\r\n", tiny_model)
    assert read_jsonl(path)[0] == {**read_jsonl(path)[0], "text": "We stand with you.", "label": "solidarity"}
    latin = "Nous sommes solidaires, café.\n".encode("latin-1")
    summary, path = run(tmp_path, "l.txt", latin, tiny_model, encoding="latin-1")
    assert read_jsonl(path)[0]["text"] == "Nous sommes solidaires, café."


def test_output_stays_valid_utf8(tmp_path, tiny_model):
    summary, path = run(tmp_path, "in.txt", b"ok statement here\nbad \xff bytes\n", tiny_model)
    assert read_jsonl(path)[1]["text"] == "bad \ufffd bytes"


def test_empty_file(tmp_path, tiny_model):
    for name in ("e.txt", "e.csv", "e.jsonl"):
        summary, path = run(tmp_path, name, b"", tiny_model, out=name + ".out.jsonl")
        assert summary.rows == 0 and path.read_bytes() == b""


def test_csv_without_text_column_is_fatal(tmp_path, tiny_model):
    with pytest.raises(
        InputError, match=r"in\.csv:1: no column 'text'; columns found: id, body \(choose one with --text-column\)"
    ):
        run(tmp_path, "in.csv", b"id,body\n1,x\n", tiny_model)


def test_ten_megabyte_line(tmp_path, tiny_model):
    big = b"We stand with you. " * 550_000  # about 10 MB on one line
    summary, path = run(tmp_path, "in.txt", big + b"\nWe condemn this attack.\n", tiny_model, max_chars=20_000_000)
    rows = read_jsonl(path)
    assert [r["label"] for r in rows] == ["solidarity", "condemnation"]


def test_two_jobs_give_identical_output(tmp_path, tiny_model_dir):
    content = "".join(
        json.dumps({"id": i, "text": STATEMENTS[i % len(STATEMENTS)] + f" {i}"}) + "\n" for i in range(3000)
    )
    (tmp_path / "in.jsonl").write_text(content)
    for jobs in (1, 2):
        classify_file(
            str(tmp_path / "in.jsonl"),
            str(tmp_path / f"out{jobs}.jsonl"),
            model=tiny_model_dir,
            jobs=jobs,
            chunk_size=100,
        )
    assert (tmp_path / "out1.jsonl").read_bytes() == (tmp_path / "out2.jsonl").read_bytes()


def test_resume_after_kill_is_byte_identical(tmp_path, tiny_model_dir):
    rows = 200_000  # long enough to outlast the first one-second checkpoint
    content = "".join(
        json.dumps({"id": i, "text": STATEMENTS[i % len(STATEMENTS)] + f" number {i}"}) + "\n" for i in range(rows)
    )
    source = tmp_path / "in.jsonl"
    source.write_text(content)
    command = [
        sys.executable,
        "-m",
        "communique",
        "predict",
        "--input",
        str(source),
        "--model",
        str(tiny_model_dir),
        "--chunk-size",
        "500",
        "--quiet",
    ]
    subprocess.run(command + ["--output", str(tmp_path / "whole.jsonl")], check=True, env={**os.environ})

    target = tmp_path / "cut.jsonl"
    process = subprocess.Popen(command + ["--output", str(target)])
    checkpoint = tmp_path / "cut.jsonl.partial.json"
    deadline = time.time() + 60
    while time.time() < deadline:
        if checkpoint.exists() and json.loads(checkpoint.read_text() or "{}").get("rows", 0) >= 2000:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not target.exists(), "a killed run leaves no file under the final name"
    done = json.loads(checkpoint.read_text())["rows"]
    assert 0 < done < rows
    result = subprocess.run(command + ["--output", str(target), "--resume"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
    assert not list(tmp_path.glob("cut.jsonl.partial*"))


def test_resume_refuses_another_input(tmp_path, tiny_model):
    (tmp_path / "out.jsonl.partial").write_text("")
    (tmp_path / "out.jsonl.partial.json").write_text(json.dumps({"fingerprint": "x", "rows": 1, "bytes": 0}))
    with pytest.raises(InputError, match="was written from another input, model or set of options"):
        run(tmp_path, "in.txt", b"We stand with you.\n", tiny_model, resume=True)


def test_resume_refuses_pipes(tiny_model):
    with pytest.raises(InputError, match="--resume needs a file for --input and for --output"):
        classify_file("-", "out.jsonl", model=tiny_model, resume=True)


def test_unknown_extension(tmp_path, tiny_model):
    with pytest.raises(InputError, match=r"cannot tell the format from the extension '\.xml'"):
        run(tmp_path, "in.xml", b"<x/>", tiny_model)
