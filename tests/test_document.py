"""Whole documents: per-sentence labels, offsets and the summary by precedence."""

from __future__ import annotations

from communique import classify_document
from communique.batch import classify_file

from .conftest import ROOT


def test_summary_follows_precedence(tiny_model):
    text = (
        "The two ministers discussed cooperation in trade and education. "
        "We stand in full solidarity with the people of the country. "
        "These accusations are groundless and politically motivated."
    )
    doc = classify_document(text, tiny_model)
    assert [s.prediction.label for s in doc.sentences] == ["other", "solidarity", "denial"]
    assert doc.label == "denial"
    assert doc.acts == {"denial": [2], "solidarity": [1]}  # other does not drive the summary
    for s in doc.sentences:
        assert text[s.start : s.end] == s.text


def test_only_background_sentences(tiny_model):
    doc = classify_document("The delegations signed an agreement on fisheries.", tiny_model)
    assert doc.label == "other" and doc.acts == {}


def test_empty_document(tiny_model):
    doc = classify_document("   ", tiny_model)
    assert doc.sentences == [] and doc.label == "other"


def test_explanations_per_sentence(tiny_model):
    doc = classify_document("We stand with you. We condemn the strike.", tiny_model, explain=True)
    assert all(s.prediction.explanation for s in doc.sentences)


def test_by_sentence_in_batch(tmp_path, tiny_model):
    import json

    (tmp_path / "in.jsonl").write_text(
        json.dumps({"text": "We stand with you. These accusations are groundless."}) + "\n"
    )
    classify_file(str(tmp_path / "in.jsonl"), str(tmp_path / "out.jsonl"), model=tiny_model, by_sentence=True)
    row = json.loads((tmp_path / "out.jsonl").read_text())
    assert row["label"] == "denial" and len(row["sentences"]) == 2
    assert row["sentences"][0]["start"] == 0 and row["sentences"][1]["label"] == "denial"


def test_example_article_four_responses():
    """The motivating case, with the bundled model: four responses, each on its sentence."""
    text = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
    doc = classify_document(text)
    by_text = {s.text.split()[0] + " " + s.text.split()[1]: s.prediction.label for s in doc.sentences}
    assert by_text["Foreign Minister"] == "condemnation"
    assert by_text["At a"] == "denial"
    assert by_text["NATO allies"] == "solidarity"
    assert by_text["The European"] == "sanction_threat"
    assert by_text["Investigators said"] == "other"
    assert by_text["The two"] == "other"
    assert doc.label == "sanction_threat"
