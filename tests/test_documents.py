"""Whole documents: per-sentence labels, offsets, the summary from every sentence's acts, and their evaluation."""

from __future__ import annotations

import json

from communique import classify_document
from communique.batch import classify_file
from communique.evaluation.documents import evaluate_documents

from .conftest import ROOT


def test_summary_follows_precedence(tiny_model):
    text = (
        "The two ministers discussed cooperation in trade and education. "
        "We stand in full solidarity with the people of the country. "
        "These accusations are groundless and politically motivated."
    )
    doc = classify_document(text, tiny_model)
    assert [s.prediction.label for s in doc.sentences] == ["other", "solidarity", "denial"]
    assert [s.number for s in doc.sentences] == [1, 2, 3], "sentences are numbered from 1"
    assert doc.label == "denial"
    assert doc.acts == {"denial": [3], "solidarity": [2]}  # other does not drive the summary
    for s in doc.sentences:
        assert text[s.start : s.end] == s.text


def test_summary_uses_every_act_of_every_sentence(tiny_acts):
    doc = classify_document("We condemn the attack and stand with the victims.", tiny_acts)
    sentence = doc.sentences[0].prediction
    assert list(doc.acts) == list(sentence.acts)
    assert all(numbers == [1] for numbers in doc.acts.values())


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
    (tmp_path / "in.jsonl").write_text(
        json.dumps({"text": "We stand with you. These accusations are groundless."}) + "\n"
    )
    classify_file(str(tmp_path / "in.jsonl"), str(tmp_path / "out.jsonl"), model=tiny_model, by_sentence=True)
    row = json.loads((tmp_path / "out.jsonl").read_text())
    assert row["label"] == "denial" and row["acts"] == {"denial": [2], "solidarity": [1]}
    assert [s["sentence"] for s in row["sentences"]] == [1, 2]
    assert row["sentences"][0]["start"] == 0 and row["sentences"][1]["label"] == "denial"


def test_documents_are_evaluated_sentence_by_sentence(tiny_model):
    text = "We stand with you. These accusations are groundless. The talks ended."
    documents = [
        {
            "text": text,
            "sentences": [
                {"start": 0, "end": 18, "label": "solidarity", "acts": ["solidarity"]},
                {"start": 19, "end": 52, "label": "denial", "acts": ["denial"]},
                {"start": 53, "end": 69, "label": "condemnation", "acts": ["condemnation"]},
            ],
        }
    ]
    result = evaluate_documents(tiny_model, documents)
    assert result.sentences == 3 and result.segmentation_agreement == 1.0
    assert result.metrics["micro_f1"] == round(2 / 3, 4)
    assert result.act_sets_equal == 0.0 and result.document_acts["per_act"]["denial"]["f1"] == 1.0


def test_example_article_four_responses():
    """The motivating case, with the bundled model: four responses, each on its sentence."""
    text = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
    doc = classify_document(text)
    by_text = {" ".join(s.text.split()[:2]): s.prediction for s in doc.sentences}
    assert by_text["Foreign Minister"].label == "condemnation"
    assert by_text["At a"].label == "denial"
    assert by_text["NATO allies"].label == "solidarity"
    assert by_text["The European"].label == "sanction_threat"
    assert by_text["Investigators said"].label == "other"
    assert by_text["The two"].label == "other"
    assert doc.label == "sanction_threat"
    assert list(doc.acts) == ["sanction_threat", "denial", "condemnation", "solidarity"]
