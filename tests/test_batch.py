"""Batch classification: formats, bad rows, order, parallel runs, outputs, interruption and resume."""

from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path

import pytest

from communique.batch import classify_file
from communique.errors import InputError, OutputError

from .conftest import STATEMENTS


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f.read().split("\n") if line]


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
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        scores = [json.loads(r["scores"]) for r in rows]
    else:
        rows = read_jsonl(path)
        scores = [r["scores"] for r in rows]
    assert [r["text"] for r in rows] == STATEMENTS
    if ".txt" not in name:
        assert [str(r["id"]) for r in rows] == [str(i) for i in range(len(STATEMENTS))]
    predictions = tiny_model.predict(STATEMENTS)
    assert [r["label"] for r in rows] == [p.label for p in predictions]
    assert all(set(s) == set(tiny_model.classes_) for s in scores)
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
    assert rows[0]["label"] == "solidarity" and rows[0]["error"] is None
    assert rows[1]["label"] is None and rows[1]["error"].startswith(f"line {line}: ")
    assert message in rows[1]["error"]


@pytest.mark.parametrize("name,content,line,message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_strict_stops_at_first_bad_row(tmp_path, tiny_model, name, content, line, message):
    with pytest.raises(InputError, match=rf"in\.\w+:{line}: .*{re.escape(message)}"):
        run(tmp_path, name, content, tiny_model, strict=True)
    partial = tmp_path / "out.jsonl.partial"
    assert [r["label"] for r in read_jsonl(partial)] == ["solidarity"], "rows before the bad one are kept"
    assert not (tmp_path / "out.jsonl").exists()


def test_strict_run_resumes_after_the_bad_row_is_fixed(tmp_path, tiny_model):
    source = tmp_path / "in.txt"
    source.write_text("We stand with you.\n\nWe reserve the right to take countermeasures.\n")
    with pytest.raises(InputError, match=r"in\.txt:2: field 'text' is empty"):
        classify_file(str(source), str(tmp_path / "out.jsonl"), model=tiny_model, strict=True)
    source.write_text(
        "We stand with you.\nThese accusations are groundless.\nWe reserve the right to take countermeasures.\n"
    )
    summary = classify_file(str(source), str(tmp_path / "out.jsonl"), model=tiny_model, strict=True, resume=True)
    assert summary.resumed_rows == 1
    assert [r["label"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["solidarity", "denial", "sanction_threat"]


def test_resume_refuses_when_finished_rows_changed(tmp_path, tiny_model):
    source = tmp_path / "in.txt"
    source.write_text("We stand with you.\n\nWe reserve the right to take countermeasures.\n")
    with pytest.raises(InputError):
        classify_file(str(source), str(tmp_path / "out.jsonl"), model=tiny_model, strict=True)
    source.write_text("We condemn it.\n\nWe reserve the right to take countermeasures.\n")
    with pytest.raises(InputError, match="its first 1 rows changed since the interrupted run; rerun with --overwrite"):
        classify_file(str(source), str(tmp_path / "out.jsonl"), model=tiny_model, resume=True)


def test_output_fields_replace_input_fields(tmp_path, tiny_model):
    row = {
        "text": "We stand with you.",
        "label": "gold",
        "error": "old",
        "acts": 1,
        "scores": 2,
        "confidence": 3,
        "keep": "x",
    }
    for out in ("out.jsonl", "out.csv"):
        summary, path = run(
            tmp_path, "in.jsonl", (json.dumps(row) + "\n").encode(), tiny_model, out=out, overwrite=True
        )
        if out.endswith(".csv"):
            lines = path.read_text().splitlines()
            assert lines[0].split(",") == [
                "text",
                "keep",
                "label",
                "confidence",
                "scores",
                "acts",
                "known_terms",
                "error",
            ]
            got = next(csv.DictReader(path.open()))
            assert got["label"] == "solidarity" and got["error"] == "" and got["keep"] == "x"
        else:
            line = path.read_text()
            assert line.count('"label"') == 1 and line.count('"error"') == 1
            got = json.loads(line)
            assert got["label"] == "solidarity" and got["error"] is None and got["keep"] == "x"


@pytest.mark.parametrize(
    "options", [{}, {"explain": True}, {"by_sentence": True}], ids=["plain", "explain", "by-sentence"]
)
def test_every_output_path_rounds_and_has_acts(tmp_path, tiny_model, options):
    content = "".join(json.dumps({"text": t}) + "\n" for t in STATEMENTS[:4])
    summary, path = run(tmp_path, "in.jsonl", content.encode(), tiny_model, **options)
    for row in read_jsonl(path):
        assert "acts" in row and "known_terms" in row and "error" in row
        numbers = re.findall(
            r"\d+\.\d+", json.dumps({k: row[k] for k in ("confidence", "scores", "acts") if row[k] is not None})
        )
        assert numbers and all(len(n.split(".")[1]) <= 6 for n in numbers)
    summary, path = run(tmp_path, "in.jsonl", content.encode(), tiny_model, out="out.csv", **options)
    header = path.read_text().splitlines()[0].split(",")
    assert header[:3] == ["text", "label", "confidence"] and "acts" in header


def test_control_characters_are_classified(tmp_path, tiny_model):
    # Control characters other than NUL are not word characters: the text is still classified.
    summary, path = run(tmp_path, "in.txt", b"We stand\x07 with\x1b you.\x0b\n", tiny_model)
    row = read_jsonl(path)[0]
    assert summary.errors == 0 and row["label"] == "solidarity" and row["text"] == "We stand\x07 with\x1b you.\x0b"


def test_bom_crlf_and_encoding(tmp_path, tiny_model):
    summary, path = run(tmp_path, "in.csv", b"\xef\xbb\xbftext\r\nWe stand with you.\r\n", tiny_model)
    assert read_jsonl(path)[0]["text"] == "We stand with you." and read_jsonl(path)[0]["label"] == "solidarity"
    latin = "Nous sommes solidaires, café.\n".encode("latin-1")
    summary, path = run(tmp_path, "l.txt", latin, tiny_model, out="l.jsonl", encoding="latin-1")
    assert read_jsonl(path)[0]["text"] == "Nous sommes solidaires, café."


def test_output_stays_valid_utf8(tmp_path, tiny_model):
    summary, path = run(tmp_path, "in.txt", b"ok statement here\nbad \xff bytes\n", tiny_model)
    assert read_jsonl(path)[1]["text"] == "bad \ufffd bytes"


def test_empty_file(tmp_path, tiny_model):
    for name in ("e.txt", "e.csv", "e.jsonl"):
        summary, path = run(tmp_path, name, b"", tiny_model, out=name + ".out.jsonl")
        assert summary.rows == 0 and path.read_bytes() == b""


def test_csv_without_text_column_is_refused_at_once(tmp_path, tiny_model):
    with pytest.raises(
        InputError, match=r"in\.csv:1: no column 'text'; columns found: id, body \(choose one with --text-column\)"
    ):
        run(tmp_path, "in.csv", b"id,body\n1,x\n", tiny_model)
    assert not list(tmp_path.glob("out*"))


def test_jsonl_without_text_field_is_refused_at_once(tmp_path, tiny_model):
    content = b"\n" + b'{"body": "x", "id": 1}\n' * 3
    with pytest.raises(
        InputError, match=r"in\.jsonl:2: no field 'text'; fields found: body, id \(choose one with --text-field\)"
    ):
        run(tmp_path, "in.jsonl", content, tiny_model)
    assert not list(tmp_path.glob("out*")), "nothing was written"


def test_ten_megabyte_line(tmp_path, tiny_model):
    big = b"We stand with you. " * 550_000  # about 10 MB on one line
    summary, path = run(tmp_path, "in.txt", big + b"\nWe condemn this attack.\n", tiny_model, max_chars=20_000_000)
    assert [r["label"] for r in read_jsonl(path)] == ["solidarity", "condemnation"]


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


class Crash(Exception):
    """Stands for a kill: raised from inside the run, after a known number of rows."""


def test_resume_after_a_crash_is_byte_identical(tmp_path, tiny_model, monkeypatch):
    monkeypatch.setattr("communique.batch.run.CHECKPOINT_SECONDS", 0.0)  # a checkpoint after every chunk
    rows = 5000
    content = "".join(
        json.dumps({"id": i, "text": STATEMENTS[i % len(STATEMENTS)] + f" number {i}"}) + "\n" for i in range(rows)
    )
    source = tmp_path / "in.jsonl"
    source.write_text(content)
    classify_file(str(source), str(tmp_path / "whole.jsonl.gz"), model=tiny_model, chunk_size=250)

    def crash_after_2000(done: int) -> None:
        if done >= 2000:
            raise Crash

    target = tmp_path / "cut.jsonl.gz"
    with pytest.raises(Crash):
        classify_file(str(source), str(target), model=tiny_model, chunk_size=250, on_chunk=crash_after_2000)
    assert not target.exists(), "an interrupted run leaves no file under the final name"
    assert json.loads((tmp_path / "cut.jsonl.gz.partial.json").read_text())["rows"] == 2000
    with pytest.raises(
        OutputError,
        match=r"cut\.jsonl\.gz\.partial: holds [\d,]+ finished rows of an interrupted run; rerun with --resume to continue it, or with --overwrite to start again",
    ):
        classify_file(str(source), str(target), model=tiny_model, chunk_size=250)
    summary = classify_file(str(source), str(target), model=tiny_model, chunk_size=250, resume=True)
    assert summary.resumed_rows == 2000
    assert target.read_bytes() == (tmp_path / "whole.jsonl.gz").read_bytes()
    assert not list(tmp_path.glob("cut.jsonl.gz.partial*"))


def test_resume_refuses_another_input(tmp_path, tiny_model):
    (tmp_path / "out.jsonl.partial").write_text("")
    (tmp_path / "out.jsonl.partial.json").write_text(json.dumps({"fingerprint": "x", "rows": 1, "bytes": 0}))
    with pytest.raises(
        InputError, match="was written from another input, model or set of options; rerun with --overwrite"
    ):
        run(tmp_path, "in.txt", b"We stand with you.\n", tiny_model, resume=True)


def test_resume_refuses_pipes(tiny_model):
    with pytest.raises(InputError, match="--resume needs a file for --input and for --output"):
        classify_file("-", "out.jsonl", model=tiny_model, resume=True)


OUTPUT_MISTAKES = {
    "folder": (lambda p: p.mkdir(), "is a folder; give a file name for the output"),
    "under-a-file": (lambda p: None, "is a file, not a folder"),
    "exists": (lambda p: p.write_text("precious"), "already exists; pass --overwrite to replace it"),
}


@pytest.mark.parametrize("prepare,message", OUTPUT_MISTAKES.values(), ids=OUTPUT_MISTAKES.keys())
def test_bad_outputs_are_refused_before_any_work(tmp_path, tiny_model, prepare, message):
    (tmp_path / "in.txt").write_text("We stand with you.\n")
    (tmp_path / "blocker").write_text("x")
    target = tmp_path / ("blocker/out.jsonl" if "under" in message or "file, not" in message else "out.jsonl")
    prepare(target)
    with pytest.raises(OutputError, match=re.escape(message)):
        classify_file(str(tmp_path / "in.txt"), str(target), model=tiny_model)
    assert not list(tmp_path.glob("*.partial*"))
    if target.is_file():
        assert target.read_text() == "precious"


def test_input_is_not_replaced_unless_asked(tmp_path, tiny_model):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"text": "We stand with you."}) + "\n")
    with pytest.raises(OutputError, match="is also the input; pass --overwrite to replace the input with the results"):
        classify_file(str(source), str(source), model=tiny_model)
    classify_file(str(source), str(source), model=tiny_model, overwrite=True)
    assert read_jsonl(source)[0]["label"] == "solidarity"


@pytest.mark.parametrize("option,value", [("jobs", 0), ("jobs", -2), ("chunk_size", 0), ("max_chars", 0)])
def test_bad_numbers_are_refused(tiny_model, option, value):
    with pytest.raises(ValueError, match=option):
        classify_file("in.txt", "out.jsonl", model=tiny_model, **{option: value})


def test_folder_as_input(tmp_path, tiny_model):
    with pytest.raises(InputError, match=rf"{tmp_path}: is a folder"):
        classify_file(str(tmp_path), str(tmp_path / "out.jsonl"), model=tiny_model, input_format="txt")


def test_unknown_extension(tmp_path, tiny_model):
    with pytest.raises(InputError, match=r"cannot tell the format from the extension '\.xml'"):
        run(tmp_path, "in.xml", b"<x/>", tiny_model)


def test_format_that_disagrees_with_extension(tmp_path, tiny_model):
    with pytest.raises(InputError, match=r"out\.csv: the extension says csv but --format says jsonl"):
        run(tmp_path, "in.txt", b"x\n", tiny_model, out="out.csv", output_format="jsonl")
