"""The command line, driven as a user would with CliRunner: outputs, errors and exit codes."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from communique import __version__
from communique.cli import main

from .conftest import ROOT

COMMANDS = [
    ["predict"],
    ["train"],
    ["evaluate"],
    ["annotate"],
    ["corpus"],
    ["corpus", "check"],
    ["corpus", "suspects"],
    ["corpus", "sample"],
    ["corpus", "agreement"],
]


@pytest.fixture
def runner():
    return CliRunner()


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"communique, version {__version__}"


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")
    assert "Example" in result.output or "loop" in result.output


def test_predict_table(runner, tiny_model_dir):
    result = runner.invoke(
        main, ["predict", "--model", str(tiny_model_dir), "We stand with you.", "These accusations are groundless."]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["label", "confidence", "text"]
    assert lines[1].split()[0] == "solidarity" and lines[2].split()[0] == "denial"


def test_predict_marks_text_with_no_known_word(runner, tiny_model_dir):
    result = runner.invoke(main, ["predict", "-m", str(tiny_model_dir), "xyzzy plugh"])
    assert result.output.splitlines()[1].split()[0].endswith("?")


def test_predict_jsonl_and_csv(runner, tiny_model_dir):
    result = runner.invoke(main, ["predict", "-m", str(tiny_model_dir), "--format", "jsonl", "We stand with you."])
    row = json.loads(result.output)
    assert row["label"] == "solidarity" and row["acts"] == {"solidarity": row["confidence"]} and row["error"] is None
    assert set(row["scores"]) == {"condemnation", "denial", "other", "sanction_threat", "solidarity"}
    result = runner.invoke(main, ["predict", "-m", str(tiny_model_dir), "--format", "csv", "We stand with you."])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[0]["label"] == "solidarity" and rows[0]["text"] == "We stand with you."


def test_predict_reads_stdin_keeping_blank_lines_in_place(runner, tiny_model_dir):
    result = runner.invoke(
        main,
        ["predict", "-m", str(tiny_model_dir), "-f", "jsonl", "-"],
        input="We stand with you.\n\nWe reserve the right to take countermeasures.\n",
    )
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["label"] for r in rows] == ["solidarity", None, "sanction_threat"]
    assert rows[1]["error"] == "statement 2: field 'text' is empty"


def test_predict_explain(runner, tiny_model_dir):
    result = runner.invoke(main, ["predict", "-m", str(tiny_model_dir), "--explain", "We stand with you."])
    line = next(line for line in result.output.splitlines() if "because of:" in line)
    assert line.startswith("    solidarity because of: ") and "'with' +" in line
    result = runner.invoke(
        main, ["predict", "-m", str(tiny_model_dir), "--explain", "-f", "jsonl", "We stand with you."]
    )
    explanation = json.loads(result.output)["explanation"]["solidarity"]
    assert explanation and all(e["weight"] > 0 for e in explanation)


@pytest.mark.parametrize("suffix", ["txt", "csv", "jsonl"])
def test_predict_input_output(runner, tiny_model_dir, tmp_path, suffix):
    source = tmp_path / f"in.{suffix}"
    texts = ["We stand with you.", "These accusations are groundless."]
    if suffix == "txt":
        source.write_text("\n".join(texts) + "\n")
    elif suffix == "csv":
        source.write_text("body,n\n" + "".join(f"{t},{i}\n" for i, t in enumerate(texts)))
    else:
        source.write_text("".join(json.dumps({"statement": t, "n": i}) + "\n" for i, t in enumerate(texts)))
    options = {"csv": ["--text-column", "body"], "jsonl": ["--text-field", "statement"], "txt": []}[suffix]
    args = [
        "predict",
        "-m",
        str(tiny_model_dir),
        "--input",
        str(source),
        "--output",
        str(tmp_path / "out.jsonl"),
        *options,
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["label"] for r in rows] == ["solidarity", "denial"]
    assert "2 rows in" in result.stderr


def test_predict_whole_files_as_documents(runner, tiny_model_dir, tmp_path):
    (tmp_path / "a.txt").write_text("We stand with you.\nThese accusations are groundless.\n")
    (tmp_path / "b.txt").write_text("The talks ended on Friday.")
    result = runner.invoke(
        main,
        [
            "predict",
            "-m",
            str(tiny_model_dir),
            "--document",
            str(tmp_path / "a.txt"),
            "--document",
            str(tmp_path / "b.txt"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"== {tmp_path / 'a.txt'}" in result.output
    assert "document: denial  acts: denial (sentences 2); solidarity (sentences 1)" in result.output
    assert "document: other" in result.output
    result = runner.invoke(main, ["predict", "-m", str(tiny_model_dir), "-d", str(tmp_path / "a.txt"), "-f", "jsonl"])
    row = json.loads(result.output)
    assert row["document"] == str(tmp_path / "a.txt") and [s["sentence"] for s in row["sentences"]] == [1, 2]
    packed = tmp_path / "docs.jsonl.gz"
    result = runner.invoke(
        main, ["predict", "-m", str(tiny_model_dir), "-d", str(tmp_path / "a.txt"), "-o", str(packed)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(gzip.decompress(packed.read_bytes()))["sentences"][1]["label"] == "denial"


USER_ERRORS = {
    # name: (arguments, exit code, the exact start of the error line)
    "nothing": (["predict"], 2, "Error: nothing to classify"),
    "both": (
        ["predict", "x", "--input", "f.txt"],
        2,
        "Error: give statements as arguments, --input FILE or --document FILE, only one of them",
    ),
    "jobs-zero": (
        ["predict", "--input", "f.txt", "--jobs", "0"],
        2,
        "Error: Invalid value for '-j' / '--jobs': 0 is not a positive number",
    ),
    "jobs-negative": (
        ["predict", "--input", "f.txt", "--jobs", "-2"],
        2,
        "Error: Invalid value for '-j' / '--jobs': -2 is not a positive number",
    ),
    "chunk-zero": (
        ["predict", "--input", "f.txt", "--chunk-size", "0"],
        2,
        "Error: Invalid value for '--chunk-size': 0 is not in the range x>=1.",
    ),
    "max-chars-zero": (
        ["predict", "--input", "f.txt", "--max-chars", "0"],
        2,
        "Error: Invalid value for '--max-chars': 0 is not in the range x>=1.",
    ),
    "missing-file": (
        ["predict", "--input", "nowhere.txt", "-o", "o.jsonl"],
        1,
        "Error: nowhere.txt: cannot open (No such file or directory)",
    ),
    "bad-model": (["predict", "--model", "nowhere", "x"], 1, "Error: "),
    "bad-corpus": (
        ["train", "--corpus", "nowhere.jsonl", "--output", "m"],
        1,
        "Error: nowhere.jsonl: no such corpus file",
    ),
    "bad-ngrams": (
        ["train", "--corpus", "c.jsonl", "--output", "m", "--word-ngrams", "x"],
        2,
        "Error: Invalid value for '--word-ngrams': 'x': give two numbers like 1,2",
    ),
    "format-disagrees": (
        ["predict", "--input", "in.txt", "--output", "o.csv", "--format", "jsonl"],
        1,
        "Error: o.csv: the extension says csv but --format says jsonl",
    ),
    "document-format-disagrees": (
        ["predict", "--document", "in.txt", "--output", "o.csv", "--format", "jsonl"],
        1,
        "Error: o.csv: the extension says csv but --format says jsonl",
    ),
    "document-table-to-file": (
        ["predict", "--document", "in.txt", "--output", "o.jsonl", "--format", "table"],
        2,
        "Error: --format table prints to the terminal",
    ),
}


@pytest.mark.parametrize("args,code,message", USER_ERRORS.values(), ids=USER_ERRORS.keys())
def test_user_errors_are_one_line_with_the_right_exit_code(runner, tmp_path, monkeypatch, args, code, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.txt").write_text("We stand with you.\n")
    result = runner.invoke(main, args)
    assert result.exit_code == code, result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(error_lines) == 1 and error_lines[0].startswith(message), result.output
    assert "this is a bug" not in result.output and not isinstance(result.exception, (TypeError, AttributeError))


FOLDER_ERRORS = {
    "input": (["predict", "--input", "{dir}", "-o", "o.jsonl"], "is a folder"),
    "corpus": (["train", "--corpus", "{dir}", "--output", "m"], "is a folder; give the corpus file"),
    "check": (["corpus", "check", "{dir}"], "is a folder; give the corpus file"),
    "output": (["predict", "--input", "in.txt", "--output", "{dir}"], "is a folder; give a file name for the output"),
    "under-a-file": (["predict", "--input", "in.txt", "--output", "in.txt/o.jsonl"], "is a file, not a folder"),
    "report": (
        ["evaluate", "--input", "in.jsonl", "--report", "in.txt"],
        "in.txt: is a file; the report is written into a folder",
    ),
    "train-output": (
        ["train", "--corpus", "in.jsonl", "--output", "in.txt"],
        "in.txt: is a file; the model is written into a folder",
    ),
}


@pytest.mark.parametrize("args,message", FOLDER_ERRORS.values(), ids=FOLDER_ERRORS.keys())
def test_paths_of_the_wrong_kind_are_named_before_any_work(
    runner, tmp_path, monkeypatch, tiny_model_dir, args, message
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.txt").write_text("We stand with you.\n")
    (tmp_path / "in.jsonl").write_text(json.dumps({"text": "We stand with you.", "label": "solidarity"}) + "\n")
    (tmp_path / "folder").mkdir()
    args = [a.replace("{dir}", "folder") for a in args]
    if args[0] in ("predict", "evaluate"):
        args += ["-m", str(tiny_model_dir)]
    result = runner.invoke(main, args)
    assert result.exit_code == 1, result.output
    assert message in result.output and result.output.count("Error: ") == 1
    assert not list(tmp_path.glob("*.partial*"))


def test_overwrite_is_needed_to_replace(runner, tmp_path, tiny_model_dir):
    source = tmp_path / "in.txt"
    source.write_text("We stand with you.\n")
    base = ["predict", "-m", str(tiny_model_dir), "-q", "--input", str(source)]
    assert runner.invoke(main, [*base, "-o", str(tmp_path / "o.jsonl")]).exit_code == 0
    again = runner.invoke(main, [*base, "-o", str(tmp_path / "o.jsonl")])
    assert again.exit_code == 1 and "already exists; pass --overwrite to replace it" in again.output
    assert runner.invoke(main, [*base, "-o", str(tmp_path / "o.jsonl"), "--overwrite"]).exit_code == 0


def test_strict_error_gives_advice_that_works(runner, tiny_model_dir, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "We stand with you."}\n{"text": 7}\n')
    args = ["predict", "-m", str(tiny_model_dir), "-i", str(source), "-o", str(tmp_path / "o.jsonl"), "--strict"]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {source}:2: field 'text' is int, not a string")
    assert "fix the row and rerun the same command with --resume" in result.output
    assert len(result.output.strip().splitlines()) == 1
    source.write_text('{"text": "We stand with you."}\n{"text": "These accusations are groundless."}\n')
    result = runner.invoke(main, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["label"] for line in (tmp_path / "o.jsonl").read_text().splitlines()] == [
        "solidarity",
        "denial",
    ]


def test_internal_error_prints_one_line_and_keeps_trace(runner, monkeypatch, tiny_model_dir):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("communique.models.model.Model.predict", broken)
    result = runner.invoke(main, ["predict", "-m", str(tiny_model_dir), "x"])
    assert result.exit_code == 3
    assert "Error: internal error (RuntimeError: boom)" in result.output and "Full trace in" in result.output
    trace = result.output.split("Full trace in ")[1].split(";")[0]
    assert "RuntimeError: boom" in Path(trace).read_text()
    result = runner.invoke(main, ["--debug", "predict", "-m", str(tiny_model_dir), "x"])
    assert isinstance(result.exception, RuntimeError)


def test_train_and_evaluate(runner, tiny_corpus, tmp_path):
    result = runner.invoke(
        main,
        [
            "train",
            "--corpus",
            str(tiny_corpus),
            "--output",
            str(tmp_path / "m"),
            "--min-examples",
            "5",
            "--decision",
            "single",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Held-out" in result.output and "macro-F1" in result.output
    assert "held-out F1" in result.output and "lift" in result.output  # lift over the baselines, per class
    assert (tmp_path / "m" / "report.md").exists()
    args = [
        "evaluate",
        "--model",
        str(tmp_path / "m"),
        "--input",
        str(tiny_corpus),
        "--report",
        str(tmp_path / "r"),
        "--errors",
        str(tmp_path / "e.jsonl"),
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "true \\ predicted" in result.output and "exact act set" in result.output
    assert "is the corpus this model was trained on" in result.stderr
    assert (tmp_path / "r" / "report.md").read_text().startswith("# Evaluation report")
    assert (tmp_path / "e.jsonl").exists()
    again = runner.invoke(main, args)
    assert again.exit_code == 1 and "already holds a report; pass --overwrite to replace it" in again.output


def test_train_lists_every_corpus_problem(runner, tmp_path):
    (tmp_path / "c.jsonl").write_text('{"text": "a", "label": "x"}\nnope\n{"text": "", "label": "x"}\n')
    result = runner.invoke(main, ["train", "--corpus", str(tmp_path / "c.jsonl"), "--output", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "c.jsonl:2: not valid JSON" in result.output and "c.jsonl:3: field text is empty" in result.output
    assert "nothing was trained" in result.output


def test_corpus_check(runner, tiny_corpus):
    result = runner.invoke(main, ["corpus", "check", str(tiny_corpus), "--min-examples", "5"])
    assert result.exit_code == 0, result.output
    assert "rows: 32" in result.output and "near_duplicates: 0" in result.output
    result = runner.invoke(main, ["corpus", "check", str(tiny_corpus)])
    assert result.exit_code == 1 and "at least 10 are needed" in result.output


def test_corpus_sample_and_agreement(runner, tiny_model_dir, tmp_path):
    (tmp_path / "feed.txt").write_text("We stand with you.\nThe talks ended.\nThese claims are baseless.\n")
    result = runner.invoke(
        main,
        [
            "corpus",
            "sample",
            str(tmp_path / "feed.txt"),
            "--n",
            "2",
            "-m",
            str(tiny_model_dir),
            "--output",
            str(tmp_path / "s.jsonl"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "s.jsonl").read_text().splitlines()) == 2
    (tmp_path / "a.jsonl").write_text('{"id": 1, "label": "x"}\n{"id": 2, "label": "y"}\n')
    (tmp_path / "b.jsonl").write_text('{"id": 1, "label": "x"}\n{"id": 2, "label": "x"}\n{"id": 3, "label": "x"}\n')
    result = runner.invoke(
        main,
        [
            "corpus",
            "agreement",
            str(tmp_path / "a.jsonl"),
            str(tmp_path / "b.jsonl"),
            "--output",
            str(tmp_path / "d.jsonl"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 rows labelled by both: raw agreement 0.500, Cohen's kappa 0.000" in result.output
    assert "1 row(s) only in B: 3" in result.stderr
    assert json.loads((tmp_path / "d.jsonl").read_text())["id"] == 2


def test_root_scripts_run_the_same_commands(tiny_model_dir):
    result = subprocess.run(
        [sys.executable, str(ROOT / "predict.py"), "-m", str(tiny_model_dir), "-f", "jsonl", "We stand with you."],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout)["label"] == "solidarity"
    result = subprocess.run(
        [sys.executable, str(ROOT / "train.py"), "--help"], capture_output=True, text=True, check=True
    )
    assert "--corpus" in result.stdout
