"""The numpy scorer must reproduce the scikit-learn pipeline exactly, or the pipeline is refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from communique.errors import UnsupportedModelError
from communique.models import read_model
from communique.models.convert import check_parity, save_pipeline, scorer_from_pipeline

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


def sample_texts(n: int = 400) -> list[str]:
    """Real and written corpus statements (every 20th), plus hostile text: both scorer paths get exercised."""
    path = ROOT / "corpus" / "statements.jsonl"
    rows = [json.loads(line)["text"] for line in path.open(encoding="utf-8") if line.strip()][::20][:n]
    return rows + [r["text"] for r in tiny_rows()] + HOSTILE * 8


TEXTS = sample_texts()

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


def fitted(features, labels=None, classifier=None):
    rows = tiny_rows()
    labels = labels or [r["label"] for r in rows]
    classifier = classifier or LogisticRegression(C=5.0, max_iter=2000)
    return Pipeline([("features", features), ("classifier", classifier)]).fit([r["text"] for r in rows], labels)


def assert_same(pipeline, texts, classes=None):
    scorer = scorer_from_pipeline(pipeline, classes)
    # Both the small-batch path and the indexed path (64 texts and more) are checked.
    for batch in (texts[:10], texts):
        np.testing.assert_allclose(scorer.predict_proba(batch), pipeline.predict_proba(batch), rtol=0, atol=1e-9)


@pytest.mark.parametrize("options", SETTINGS.values(), ids=SETTINGS.keys())
def test_scorer_matches_sklearn(options):
    assert_same(fitted(TfidfVectorizer(**options)), TEXTS)


def test_feature_union_matches_sklearn():
    union = FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2))),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5))),
        ]
    )
    assert_same(fitted(union), TEXTS)


def test_binary_model_matches_sklearn():
    labels = ["threat" if r["label"] == "sanction_threat" else "rest" for r in tiny_rows()]
    pipeline = fitted(TfidfVectorizer(ngram_range=(1, 2)), labels=labels)
    assert scorer_from_pipeline(pipeline).classes_ == ["rest", "threat"]
    assert_same(pipeline, TEXTS)


def test_one_vs_rest_detectors_match_sklearn():
    rows = tiny_rows()
    acts = ["condemnation", "denial", "sanction_threat", "solidarity"]
    indicator = np.array([[a in r["acts"] for a in acts] for r in rows], dtype=int)
    pipeline = Pipeline(
        [("features", TfidfVectorizer(ngram_range=(1, 2))), ("classifier", OneVsRestClassifier(LogisticRegression()))]
    ).fit([r["text"] for r in rows], indicator)
    scorer = scorer_from_pipeline(pipeline, acts)
    assert scorer.link == "sigmoid" and scorer.classes_ == acts
    assert_same(pipeline, TEXTS, acts)


def test_saved_weights_reproduce_pipeline(tmp_path):
    pipeline = fitted(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode"))
    save_pipeline(pipeline, tmp_path)
    model = read_model(tmp_path)
    np.testing.assert_allclose(model.scorer.predict_proba(TEXTS), pipeline.predict_proba(TEXTS), rtol=0, atol=1e-9)
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
    with pytest.raises(UnsupportedModelError, match=message):
        save_pipeline(fitted(features), tmp_path)
    assert not (tmp_path / "model.json").exists()


def test_other_classifier_is_refused(tmp_path):
    from sklearn.naive_bayes import MultinomialNB

    with pytest.raises(UnsupportedModelError, match="MultinomialNB is not supported"):
        save_pipeline(fitted(TfidfVectorizer(), classifier=MultinomialNB()), tmp_path)


class OvrNormalised(LogisticRegression):
    """What LogisticRegression(multi_class="ovr") did in scikit-learn 1.5: sigmoids normalised to sum to one."""

    def predict_proba(self, X):
        scores = 1 / (1 + np.exp(-self.decision_function(X)))
        return scores / scores.sum(axis=1, keepdims=True)

    def get_params(self, deep=True):
        return super().get_params(deep) | {"multi_class": "ovr"}


def test_one_vs_rest_logistic_regression_is_refused(tmp_path):
    pipeline = fitted(TfidfVectorizer(), classifier=OvrNormalised())
    with pytest.raises(UnsupportedModelError, match="multi_class='ovr' or solver='liblinear'"):
        save_pipeline(pipeline, tmp_path)
    assert not (tmp_path / "model.json").exists()


def test_any_other_difference_is_caught_by_the_parity_check():
    pipeline = fitted(TfidfVectorizer())
    scorer = scorer_from_pipeline(pipeline)
    scorer.intercept_[0] += 1e-3  # a scorer that drifted from its pipeline
    with pytest.raises(UnsupportedModelError, match="differs from the scikit-learn pipeline by"):
        check_parity(pipeline, scorer)


def test_string_is_one_statement(tiny_model):
    assert tiny_model.predict_proba("We stand with you.").shape == (1, len(tiny_model.classes_))
    with pytest.raises(TypeError, match="string object received"):
        tiny_model.scorer.predict_proba("one statement")
