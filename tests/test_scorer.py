"""The numpy scorer must reproduce the scikit-learn pipeline exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from communique.errors import UnsupportedModelError
from communique.model import read_model, save_model, scorer_from_pipeline

from .conftest import ROOT, tiny_rows

HOSTILE = [
    "",
    "   \t\n ",
    "!!! ??? ... ---",
    "Ünïcödé àccénts — “curly quotes” … naïve café",
    "a",
    "\x00\x01\x02 control \x7f",
    "東京 北京 condemn 制裁",
    "ǅ ß ﬁ İstanbul ΣΊΣΥΦΟΣ",
    "word " * 500,
    "THE SANCTIONS WILL COME!!!",
    "e\u0301 vs é",
    "tab\tseparated\u00a0nbsp\u2009thin",
]


def corpus_texts() -> list[str]:
    path = ROOT / "corpus" / "statements.jsonl"
    if path.exists():
        return [json.loads(line)["text"] for line in path.open(encoding="utf-8") if line.strip()]
    return [r["text"] for r in tiny_rows()]


SETTINGS = {
    "word-1-2-sublinear": dict(ngram_range=(1, 2), sublinear_tf=True),
    "word-1-1": dict(),
    "word-1-3-accents-unicode": dict(ngram_range=(1, 3), strip_accents="unicode"),
    "word-2-3-ascii": dict(ngram_range=(2, 3), strip_accents="ascii"),
    "word-cased-binary": dict(lowercase=False, binary=True),
    "word-l1-no-idf": dict(norm="l1", use_idf=False),
    "word-no-norm-min-df": dict(norm=None, min_df=2, ngram_range=(1, 2)),
    "word-stop-english": dict(stop_words="english", ngram_range=(1, 2)),
    "word-stop-list-max-df": dict(stop_words=["the", "of"], max_df=0.5, ngram_range=(1, 2)),
    "word-custom-pattern": dict(token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2)),
    "char-wb-2-4": dict(analyzer="char_wb", ngram_range=(2, 4)),
    "char-1-3": dict(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
}


def fitted(features, labels=None, texts=None):
    rows = tiny_rows()
    texts = texts or [r["text"] for r in rows]
    labels = labels or [r["label"] for r in rows]
    return Pipeline([("features", features), ("classifier", LogisticRegression(C=5.0, max_iter=2000))]).fit(
        texts, labels
    )


def assert_same(pipeline, texts):
    scorer = scorer_from_pipeline(pipeline)
    expected = pipeline.predict_proba(texts)
    # Both the small-batch path and the indexed path (64 texts and more) are checked.
    for batch in (texts[:10], texts):
        np.testing.assert_allclose(scorer.predict_proba(batch), pipeline.predict_proba(batch), rtol=0, atol=1e-9)
    np.testing.assert_allclose(scorer.predict_proba(texts), expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("options", SETTINGS.values(), ids=SETTINGS.keys())
def test_scorer_matches_sklearn(options):
    pipeline = fitted(TfidfVectorizer(**options))
    assert_same(pipeline, corpus_texts() + HOSTILE * 8)


def test_feature_union_matches_sklearn():
    union = FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2))),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5))),
        ]
    )
    assert_same(fitted(union), corpus_texts()[:500] + HOSTILE * 8)


def test_binary_model_matches_sklearn():
    rows = tiny_rows()
    labels = ["threat" if r["label"] == "sanction_threat" else "rest" for r in rows]
    pipeline = fitted(TfidfVectorizer(ngram_range=(1, 2)), labels=labels)
    assert scorer_from_pipeline(pipeline).classes == ["rest", "threat"]
    assert_same(pipeline, corpus_texts() + HOSTILE * 8)


def test_saved_weights_reproduce_pipeline(tmp_path):
    pipeline = fitted(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode"))
    save_model(pipeline, tmp_path, {})
    model = read_model(tmp_path)
    texts = corpus_texts() + HOSTILE * 8
    np.testing.assert_allclose(model.predict_proba(texts), pipeline.predict_proba(texts), rtol=0, atol=1e-9)
    with np.load(tmp_path / "weights.npz", allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)


UNSUPPORTED = {
    "callable-analyzer": (TfidfVectorizer(analyzer=str.split), "callable analyzer"),
    "tokenizer": (TfidfVectorizer(tokenizer=str.split, token_pattern=None), "tokenizer"),
    "preprocessor": (TfidfVectorizer(preprocessor=str.upper), "preprocessor"),
    "float32": (TfidfVectorizer(dtype=np.float32), "dtype"),
}


@pytest.mark.parametrize("features,message", UNSUPPORTED.values(), ids=UNSUPPORTED.keys())
def test_unsupported_settings_are_refused_at_save_time(tmp_path, features, message):
    pipeline = fitted(features)
    with pytest.raises(UnsupportedModelError, match=message):
        save_model(pipeline, tmp_path, {})
    assert not (tmp_path / "model.json").exists()


def test_other_classifier_is_refused(tmp_path):
    from sklearn.naive_bayes import MultinomialNB

    rows = tiny_rows()
    pipeline = Pipeline([("features", TfidfVectorizer()), ("classifier", MultinomialNB())]).fit(
        [r["text"] for r in rows], [r["label"] for r in rows]
    )
    with pytest.raises(UnsupportedModelError, match="MultinomialNB is not supported"):
        save_model(pipeline, tmp_path, {})


def test_string_instead_of_list_is_refused(tiny_model):
    with pytest.raises(TypeError, match="string object received"):
        tiny_model.scorer.predict_proba("one statement")
