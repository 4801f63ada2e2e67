"""Corpus reading and checking: every problem named with its line."""

from __future__ import annotations

import json
import re

import pytest

from communique.corpus import check_corpus, heldout_events, read_corpus
from communique.errors import CorpusError

from .conftest import ROOT, tiny_rows, write_jsonl


def test_tiny_corpus_reads(tiny_corpus):
    corpus = read_corpus(tiny_corpus, min_examples=5)
    assert len(corpus.rows) == 30
    assert corpus.scheme.precedence[0] == "sanction_threat"
    assert corpus.rows[0]["line"] == 1


BAD_ROWS = {
    "bad-json": ('{"id": "x", "text": "oops"', r"tiny\.jsonl:3: not valid JSON"),
    "not-object": ("[1, 2]", r":3: a row must be a JSON object, not list"),
    "missing-label": ('{"id": "x", "text": "A statement."}', r":3: missing field\(s\) label"),
    "unknown-field": ('{"id": "x", "text": "A.", "label": "other", "colour": "red"}', r":3: unknown field\(s\) colour"),
    "empty-text": ('{"id": "x", "text": "  ", "label": "other"}', r":3: field text is empty"),
    "number-text": ('{"id": "x", "text": 5, "label": "other"}', r":3: field\(s\) text must be strings"),
    "duplicate-id": (
        '{"id": "other-0", "text": "Another statement.", "label": "other"}',
        r":26: duplicate id 'other-0' \(first on line 3\)",
    ),
    "bad-difficulty": ('{"text": "A.", "label": "other", "difficulty": "easy"}', r":3: field difficulty is 'easy'"),
}


@pytest.mark.parametrize("line,message", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_rows_are_reported_with_line(tmp_path, line, message):
    rows = [json.dumps(r) for r in tiny_rows()]
    rows.insert(2, line)
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(CorpusError) as raised:
        read_corpus(path, min_examples=5)
    assert any(re.search(message, p) for p in raised.value.problems), raised.value.problems


def test_all_problems_are_collected(tmp_path):
    rows = [json.dumps(r) for r in tiny_rows()]
    rows[0] = "not json"
    rows[5] = '{"text": "", "label": "other"}'
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(CorpusError) as raised:
        read_corpus(path, min_examples=5)
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in raised.value.problems[:2]] == ["1", "6"]


def test_label_with_too_few_examples_is_named(tmp_path):
    rows = tiny_rows() + [{"text": "We praise the mediators.", "label": "praise"}]
    with pytest.raises(CorpusError, match="label 'praise' has 1 example"):
        read_corpus(write_jsonl(tmp_path / "c.jsonl", rows), min_examples=5)


@pytest.mark.parametrize("typo", ["condemnaton", "Condemnation", "condemnation "], ids=["edit", "case", "space"])
def test_label_typo_is_reported(tmp_path, typo):
    rows = tiny_rows()
    rows[0]["label"] = typo
    with pytest.raises(CorpusError) as raised:
        read_corpus(write_jsonl(tmp_path / "c.jsonl", rows), min_examples=1)
    assert any(f"label {typo!r} (1 rows) looks like a typo of 'condemnation'" in p for p in raised.value.problems)


def test_undeclared_label_is_reported(tmp_path):
    (tmp_path / "labels.json").write_text(json.dumps({"precedence": ["a", "b"]}))
    rows = [{"text": f"text {i}", "label": "a" if i % 2 else "c"} for i in range(30)]
    with pytest.raises(CorpusError, match=r"label 'c' is not declared in the label scheme \['a', 'b'\]"):
        read_corpus(write_jsonl(tmp_path / "c.jsonl", rows))


def test_custom_labels_need_no_scheme(tmp_path):
    rows = [{"text": f"statement number {i}", "label": ["praise", "blame", "neutral"][i % 3]} for i in range(30)]
    corpus = read_corpus(write_jsonl(tmp_path / "c.jsonl", rows))
    assert corpus.scheme.precedence == ["blame", "neutral", "praise"]
    assert corpus.scheme.background is None and not corpus.scheme.declared


def test_csv_corpus(tmp_path):
    path = tmp_path / "c.csv"
    lines = ["text,label"] + [f'"{r["text"]}",{r["label"]}' for r in tiny_rows()]
    path.write_text("\n".join(lines) + "\n")
    assert len(read_corpus(path, min_examples=5).rows) == 30


def test_check_reports_near_duplicates(tmp_path):
    rows = tiny_rows()
    rows.append({**rows[0], "id": "copy", "text": rows[0]["text"] + " Indeed."})
    report = check_corpus(write_jsonl(tmp_path / "c.jsonl", rows), min_examples=5)
    assert not report.ok
    assert "near-duplicate of line 1" in report.problems[0]


def test_heldout_events_take_whole_events(tiny_corpus):
    corpus = read_corpus(tiny_corpus, min_examples=5)
    chosen = heldout_events(corpus, 0.2, seed=3)
    assert chosen and set(chosen) < set(corpus.groups)


BUNDLED = ROOT / "corpus" / "statements.jsonl"


@pytest.mark.skipif(not BUNDLED.exists(), reason="bundled corpus not present")
def test_bundled_corpus_passes_check_and_meets_its_datasheet():
    report = check_corpus(BUNDLED)
    assert report.ok, report.problems[:5]
    f = report.figures
    assert f["rows"] >= 3000
    labels = f["labels"]
    assert labels["other"] >= 800
    assert all(labels[k] >= 550 for k in ("condemnation", "sanction_threat", "solidarity", "denial"))
    assert f["speakers"] >= 100 and f["topics"] >= 20 and f["registers"] >= 6 and f["events"] >= 300
    assert all(n >= 15 for n in f["topics_per_label"].values())
    assert all(share <= 0.5 for share in f["signature_cue_share"].values())
    assert all(share >= 0.2 for share in f["hard_share"].values())
    assert not f["near_duplicates"]
    rows = [json.loads(line) for line in BUNDLED.open(encoding="utf-8")]
    assert all(set(r) == {"id", "text", "label", "speaker", "topic", "register", "event", "difficulty"} for r in rows)
