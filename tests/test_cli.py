"""The command line, driven as a user would with CliRunner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from communique import __version__
from communique.cli import main

COMMANDS = [["predict"], ["train"], ["evaluate"], ["corpus"], ["corpus", "check"]]


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
    if command != ["corpus"]:
        assert "Example" in result.output


def test_predict_table(runner, tiny_model_dir):
    result = runner.invoke(
        main, ["predict", "--model", str(tiny_model_dir), "We stand with you.", "These accusations are groundless."]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["label", "confidence", "text"]
    assert lines[1].split()[0] == "solidarity" and lines[2].split()[0] == "denial"


def test_predict_jsonl_and_csv(runner, tiny_model_dir):
    result = runner.invoke(main, ["predict", "-m", str(tiny_model_dir), "--format", "jsonl", "We stand with you."])
    row = json.loads(result.output)
    assert row["label"] == "solidarity" and set(row["scores"]) == {
        "condemnation",
        "denial",
        "other",
        "sanction_threat",
        "solidarity",
    }
    result = runner.invoke(main, ["predict", "-m", str(tiny_model_dir), "--format", "csv", "We stand with you."])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[0]["label"] == "solidarity" and rows[0]["text"] == "We stand with you."


def test_predict_reads_stdin(runner, tiny_model_dir):
    result = runner.invoke(
        main,
        ["predict", "-m", str(tiny_model_dir), "-f", "jsonl", "-"],
        input="We stand with you.\n\nWe reserve the right to take countermeasures.\n",
    )
    assert [json.loads(line)["label"] for line in result.output.splitlines()] == ["solidarity", "sanction_threat"]


def test_predict_explain(runner, tiny_model_dir):
    result = runner.invoke(main, ["predict", "-m", str(tiny_model_dir), "--explain", "We stand with you."])
    assert "because of: 'stand'" in result.output or "because of: 'with'" in result.output
    result = runner.invoke(
        main, ["predict", "-m", str(tiny_model_dir), "--explain", "-f", "jsonl", "We stand with you."]
    )
    explanation = json.loads(result.output)["explanation"]
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
    result = runner.invoke(
        main,
        [
            "predict",
            "-m",
            str(tiny_model_dir),
            "--input",
            str(source),
            "--output",
            str(tmp_path / "out.jsonl"),
            *options,
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["label"] for r in rows] == ["solidarity", "denial"]
    assert "2 rows in" in result.stderr


def test_predict_input_to_stdout(runner, tiny_model_dir, tmp_path):
    (tmp_path / "in.txt").write_text("We stand with you.\n")
    result = runner.invoke(main, ["predict", "-m", str(tiny_model_dir), "-i", str(tmp_path / "in.txt"), "-q"])
    assert json.loads(result.stdout)["label"] == "solidarity"


USER_ERRORS = {
    "nothing": (["predict"], "nothing to classify"),
    "both": (["predict", "x", "--input", "f.txt"], "give statements as arguments or --input FILE, not both"),
    "missing-file": (
        ["predict", "--input", "nowhere.txt"],
        "Error: nowhere.txt: cannot open (No such file or directory)",
    ),
    "bad-model": (["predict", "--model", "nowhere", "x"], "no such model folder"),
    "bad-corpus": (
        ["train", "--corpus", "nowhere.jsonl", "--output", "m"],
        "Error: nowhere.jsonl: no such corpus file",
    ),
    "bad-ngrams": (
        ["train", "--corpus", "c.jsonl", "--output", "m", "--word-ngrams", "x"],
        "give two numbers like 1,2",
    ),
}


@pytest.mark.parametrize("args,message", USER_ERRORS.values(), ids=USER_ERRORS.keys())
def test_user_errors_are_one_line(runner, args, message):
    result = runner.invoke(main, args)
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert "Traceback" not in result.output


def test_strict_error_is_one_line_naming_file_and_line(runner, tiny_model_dir, tmp_path):
    (tmp_path / "in.jsonl").write_text('{"text": "We stand with you."}\n{"text": 7}\n')
    result = runner.invoke(
        main,
        [
            "predict",
            "-m",
            str(tiny_model_dir),
            "-i",
            str(tmp_path / "in.jsonl"),
            "-o",
            str(tmp_path / "o.jsonl"),
            "--strict",
        ],
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {tmp_path / 'in.jsonl'}:2: field 'text' is int, not a string")
    assert len(result.output.strip().splitlines()) == 1


def test_internal_error_prints_one_line_and_keeps_trace(runner, monkeypatch, tiny_model_dir):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("communique.model.Model.predict", broken)
    result = runner.invoke(main, ["predict", "-m", str(tiny_model_dir), "x"])
    assert result.exit_code == 2
    assert "Error: internal error (RuntimeError: boom)" in result.output and "Full trace in" in result.output
    trace = result.output.split("Full trace in ")[1].split(";")[0]
    assert "RuntimeError: boom" in Path(trace).read_text()
    result = runner.invoke(main, ["--debug", "predict", "-m", str(tiny_model_dir), "x"])
    assert isinstance(result.exception, RuntimeError)


def test_train_and_evaluate(runner, tiny_corpus, tmp_path):
    result = runner.invoke(
        main, ["train", "--corpus", str(tiny_corpus), "--output", str(tmp_path / "m"), "--min-examples", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "Held-out" in result.output and "macro-F1" in result.output
    assert "held-out F1" in result.output and "lift" in result.output  # lift over the baselines, per class
    assert (tmp_path / "m" / "report.md").exists()
    result = runner.invoke(
        main,
        [
            "evaluate",
            "--model",
            str(tmp_path / "m"),
            "--input",
            str(tiny_corpus),
            "--report",
            str(tmp_path / "r"),
            "--errors",
            str(tmp_path / "e.jsonl"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "true \\ predicted" in result.output
    assert "is the corpus this model was trained on" in result.stderr
    assert (tmp_path / "r" / "report.md").read_text().startswith("# Evaluation report")
    assert (tmp_path / "e.jsonl").exists()


def test_train_lists_every_corpus_problem(runner, tmp_path):
    (tmp_path / "c.jsonl").write_text('{"text": "a", "label": "x"}\nnope\n{"text": "", "label": "x"}\n')
    result = runner.invoke(main, ["train", "--corpus", str(tmp_path / "c.jsonl"), "--output", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "c.jsonl:2: not valid JSON" in result.output and "c.jsonl:3: field text is empty" in result.output
    assert "nothing was trained" in result.output


def test_corpus_check(runner, tiny_corpus):
    result = runner.invoke(main, ["corpus", "check", str(tiny_corpus), "--min-examples", "5"])
    assert result.exit_code == 0, result.output
    assert "rows: 30" in result.output and "near_duplicates: 0" in result.output
    result = runner.invoke(main, ["corpus", "check", str(tiny_corpus)])
    assert result.exit_code == 1 and "at least 10 are needed" in result.output


def test_root_scripts_run_the_same_commands(tiny_model_dir):
    import subprocess
    import sys

    from .conftest import ROOT

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
