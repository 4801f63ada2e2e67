"""Corpus reading and checking: every problem named with its line, and the bundled corpus as its datasheet says."""

from __future__ import annotations

import json
import random
import re

import pytest

from communique.corpus import check_corpus, heldout_groups, read_corpus
from communique.errors import CorpusError

from .conftest import ROOT, scheme, tiny_rows, write_jsonl

BUNDLED = ROOT / "corpus" / "statements.jsonl"


def test_tiny_corpus_reads(tiny_corpus):
    corpus = read_corpus(tiny_corpus, min_examples=5)
    assert len(corpus.rows) == 32 and corpus.has_acts
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
        r":\d+: duplicate id 'other-0' \(first on line \d+\)",
    ),
    "bad-difficulty": ('{"text": "A.", "label": "other", "difficulty": "easy"}', r":3: field difficulty is 'easy'"),
    "bad-origin": (
        '{"text": "A.", "label": "other", "origin": "scraped"}',
        r":3: field origin is 'scraped'; use one of real, written",
    ),
    "real-without-licence": (
        '{"text": "A.", "label": "other", "origin": "real", "source": "x"}',
        r":3: a real row needs field license",
    ),
    "acts-not-list": (
        '{"text": "A.", "label": "denial", "acts": "denial"}',
        r":3: field acts must be a list of labels",
    ),
    "acts-unknown": (
        '{"text": "A.", "label": "denial", "acts": ["denial", "praise"]}',
        r":3: field acts holds 'praise', not acts",
    ),
    "acts-with-background": (
        '{"text": "A.", "label": "other", "acts": ["other"]}',
        r":3: field acts holds 'other', not acts",
    ),
    "acts-out-of-order": (
        '{"text": "A.", "label": "denial", "acts": ["condemnation", "denial"]}',
        r":3: field acts \['condemnation', 'denial'\] is not in precedence order",
    ),
    "acts-disagree-with-label": (
        '{"text": "A.", "label": "condemnation", "acts": ["denial", "condemnation"]}',
        r":3: label 'condemnation' does not match acts \['denial', 'condemnation'\], which give 'denial'",
    ),
    "other-with-acts": (
        '{"text": "A.", "label": "other", "acts": ["solidarity"]}',
        r":3: label 'other' does not match acts",
    ),
}


@pytest.mark.parametrize("line,message", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_rows_are_reported_with_line(tmp_path, line, message):
    (tmp_path / "labels.json").write_text(json.dumps(scheme()))
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
    rows = tiny_rows(with_acts=False) + [{"text": "We praise the mediators.", "label": "praise"}]
    with pytest.raises(CorpusError, match="label 'praise' has 1 example"):
        read_corpus(write_jsonl(tmp_path / "c.jsonl", rows), min_examples=5)


@pytest.mark.parametrize("typo", ["condemnaton", "Condemnation", "condemnation "], ids=["edit", "case", "space"])
def test_label_typo_is_reported(tmp_path, typo):
    rows = tiny_rows(with_acts=False)
    rows[0]["label"] = typo
    with pytest.raises(CorpusError) as raised:
        read_corpus(write_jsonl(tmp_path / "c.jsonl", rows), min_examples=1)
    assert any(f"label {typo!r} (1 rows) looks like a typo of 'condemnation'" in p for p in raised.value.problems)


def test_undeclared_label_is_reported(tmp_path):
    (tmp_path / "labels.json").write_text(json.dumps({"precedence": ["a", "b"]}))
    rows = [{"text": f"text {i}", "label": "a" if i % 2 else "c"} for i in range(30)]
    with pytest.raises(CorpusError, match=r"label 'c' is not declared in the label scheme \['a', 'b'\]"):
        read_corpus(write_jsonl(tmp_path / "c.jsonl", rows))


def test_invalid_cue_is_named(tmp_path):
    (tmp_path / "labels.json").write_text(json.dumps({"precedence": ["a", "b"], "cues": {"b": ["ok", "(unclosed"]}}))
    rows = [{"text": f"text {i}", "label": "a" if i % 2 else "b"} for i in range(30)]
    report = check_corpus(write_jsonl(tmp_path / "c.jsonl", rows))
    assert not report.ok and "cue '(unclosed' of label 'b' is not a valid regular expression" in report.problems[0]


def test_custom_labels_need_no_scheme(tmp_path):
    rows = [{"text": f"statement number {i}", "label": ["praise", "blame", "neutral"][i % 3]} for i in range(30)]
    corpus = read_corpus(write_jsonl(tmp_path / "c.jsonl", rows))
    assert corpus.scheme.precedence == ["blame", "neutral", "praise"]
    assert corpus.scheme.background is None and not corpus.scheme.declared


def test_csv_corpus(tmp_path):
    path = tmp_path / "c.csv"
    lines = ["text,label"] + [f'"{r["text"]}",{r["label"]}' for r in tiny_rows(with_acts=False)]
    path.write_text("\n".join(lines) + "\n")
    assert len(read_corpus(path, min_examples=5).rows) == 30


def test_folder_is_named_as_a_folder(tmp_path):
    with pytest.raises(CorpusError, match=rf"{tmp_path}: is a folder; give the corpus file"):
        read_corpus(tmp_path)


def test_check_reports_near_duplicates(tmp_path):
    rows = tiny_rows()
    rows.append({**rows[0], "id": "copy", "text": rows[0]["text"] + " Indeed."})
    report = check_corpus(write_jsonl(tmp_path / "c.jsonl", rows), min_examples=5)
    assert not report.ok
    assert "near-duplicate of line 1" in report.problems[0]


def test_near_duplicates_are_scikit_learns_cosine():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    from communique.corpus import near_duplicates

    texts = [r["text"] for r in tiny_rows()] + [
        "We condemn the reckless strike on the hospital in the strongest terms today."
    ]
    similarity = cosine_similarity(TfidfVectorizer().fit_transform(texts))
    expected = [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts)) if similarity[i, j] > 0.8]
    assert [(i, j) for i, j, _ in near_duplicates(texts)] == expected == [(0, len(texts) - 1)]


def test_near_duplicates_match_every_pair_compared_in_full():
    """The pruned search finds exactly the pairs a full comparison finds, with the same similarities,
    including pairs made only of frequent words and pairs that share no rare word."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    from communique.corpus import near_duplicates

    rng = random.Random(0)
    texts = [json.loads(line)["text"] for line in BUNDLED.open(encoding="utf-8")][::20]
    for text in rng.sample(texts, 150):  # one word changed: near-duplicates of every kind of row
        words = text.split()
        words[rng.randrange(len(words))] = rng.choice(["indeed", "also", "firmly"])
        texts.append(" ".join(words))
    texts += ["We condemn it.", "We condemn it!", "the of and to in we", "we the of and to in", "We deny it."]
    similarity = cosine_similarity(TfidfVectorizer().fit_transform(texts))
    expected = [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts)) if similarity[i, j] > 0.8]
    found = near_duplicates(texts)
    assert [(i, j) for i, j, _ in found] == expected and len(expected) > 100
    assert max(abs(s - similarity[i, j]) for i, j, s in found) < 1e-5


def test_heldout_groups_take_whole_events(tiny_corpus):
    corpus = read_corpus(tiny_corpus, min_examples=5)
    chosen = heldout_groups(corpus, 0.2, seed=3)
    assert chosen and set(chosen) < set(corpus.groups)


def test_real_rows_group_by_source_document(tmp_path):
    rows = [
        {
            "text": f"passage {i}",
            "label": "a" if i % 2 else "b",
            "origin": "real",
            "source": "s",
            "license": "CC0",
            "document": f"doc:{i // 4}",
        }
        for i in range(24)
    ]
    corpus = read_corpus(write_jsonl(tmp_path / "c.jsonl", rows))
    assert corpus.groups[:5] == ["doc:0"] * 4 + ["doc:1"]


def test_bundled_corpus_passes_check_and_meets_its_datasheet():
    report = check_corpus(BUNDLED)
    assert report.ok, report.problems[:5]
    f = report.figures
    real, written = f["origins"]["real"], f["origins"]["written"]
    assert real >= 4000 and written >= 4900
    assert all(f["real_labels"][label] >= 300 for label in ("condemnation", "sanction_threat", "solidarity", "denial"))
    assert f["labels"]["other"] >= 800 and f["documents"] >= 1000
    assert all(count >= 100 for count in f["acts"].values())
    assert not f["near_duplicates"]
    rows = [json.loads(line) for line in BUNDLED.open(encoding="utf-8")]
    assert all("acts" in r and r["origin"] in ("real", "written") for r in rows)
    assert all(r["license"] and r["source"] and r["document"] for r in rows if r["origin"] == "real")
