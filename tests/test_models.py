"""Model folders you can trust, and a Python API that says what it accepts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import sklearn

import communique
from communique import load_model, predict
from communique.errors import InputError, ModelError, ModelIntegrityError, ModelVersionError
from communique.models import loading


@pytest.fixture
def copy(tiny_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    loading.clear_cache()
    yield folder
    loading.clear_cache()


def _set_sklearn_version(folder, version):
    meta = json.loads((folder / "model.json").read_text())
    meta["versions"]["scikit-learn"] = version
    (folder / "model.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("name", ["weights.npz", "model.joblib"])
def test_tampered_file_is_refused(copy, name):
    data = bytearray((copy / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / name).write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=rf"{name}: SHA-256 .* does not match .* recorded in model.json"):
        load_model(copy, as_sklearn=name == "model.joblib")


def test_unrecorded_file_is_refused(copy):
    meta = json.loads((copy / "model.json").read_text())
    del meta["files"]["weights.npz"]
    (copy / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelIntegrityError, match="records no SHA-256 for weights.npz"):
        load_model(copy)


def test_missing_folder_and_file(tmp_path, copy):
    with pytest.raises(ModelError, match="no such model folder"):
        load_model(tmp_path / "nowhere")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ModelError, match="is a file; a model is a folder"):
        load_model(tmp_path / "a-file")
    (copy / "weights.npz").unlink()
    with pytest.raises(ModelError, match="weights.npz: missing from the model folder"):
        load_model(copy)


def test_pickle_from_other_sklearn_version_is_refused(copy):
    _set_sklearn_version(copy, "0.24.2")
    with pytest.raises(ModelVersionError) as raised:
        load_model(copy, as_sklearn=True)
    message = str(raised.value)
    assert "saved with scikit-learn 0.24.2" in message and sklearn.__version__ in message
    assert f"communique train --corpus tiny.jsonl --output {copy} --overwrite" in message
    # The pickle-free form does not depend on the scikit-learn version.
    assert load_model(copy).predict(["We stand with you."])[0].label == "solidarity"


def test_default_model_is_rebuilt_for_another_sklearn(copy, tiny_corpus, monkeypatch, capsys):
    import communique.api
    import communique.training.default

    _set_sklearn_version(copy, "0.24.2")
    monkeypatch.setattr(communique.api, "bundled_model_path", lambda: copy)
    monkeypatch.setattr(loading, "bundled_model_path", lambda: copy)
    monkeypatch.setattr(communique.training.default, "bundled_corpus_path", lambda: tiny_corpus)
    pipeline = load_model(as_sklearn=True)
    assert "rebuilding it for" in capsys.readouterr().err
    assert pipeline.predict_proba(["We stand with you."]).shape[0] == 1
    from pathlib import Path

    assert list((Path.home() / ".cache" / "communique").glob("default-*/model.json"))


def test_folder_without_joblib_predicts_without_sklearn(copy):
    """Simulate an environment without scikit-learn and joblib: importing either fails."""
    (copy / "model.joblib").unlink()
    code = (
        "import sys; sys.modules['sklearn'] = None; sys.modules['joblib'] = None\n"
        "import communique\n"
        f"print(communique.predict('We stand with you.', {str(copy)!r}).label)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "solidarity"


NOT_TEXT = {
    "number": (123, "expected a str or an iterable of str, not int"),
    "none-in-list": ([None, "x"], "statement 1 is NoneType, not str"),
    "bytes": (b"We stand with you.", "not bytes; decode bytes first"),
}


@pytest.mark.parametrize("value,message", NOT_TEXT.values(), ids=NOT_TEXT.keys())
def test_predict_refuses_what_is_not_text(tiny_model, value, message):
    with pytest.raises(TypeError, match=message):
        predict(value, tiny_model)
    with pytest.raises(TypeError, match=message):
        tiny_model.predict(value)


def test_a_string_is_one_statement(tiny_model):
    assert len(tiny_model.predict("We stand with you.")) == 1
    assert predict("We stand with you.", tiny_model).label == "solidarity"


@pytest.mark.parametrize("text", ["", "   \n"], ids=["empty", "blank"])
def test_empty_statement_is_an_error(tiny_model, text):
    with pytest.raises(InputError, match="statement 2 is empty"):
        predict(["We stand with you.", text], tiny_model)


def test_unknown_words_are_flagged(tiny_model):
    known, unknown, foreign = predict(["We stand with you.", "xyzzy plugh", "Мы осуждаем"], tiny_model)
    assert known.known_terms > 0
    assert unknown.known_terms == 0 and foreign.known_terms == 0


def test_model_names_follow_scikit_learn(tiny_model, tiny_acts):
    assert (
        tiny_model.classes_
        == tiny_model.labels
        == sorted(["condemnation", "denial", "other", "sanction_threat", "solidarity"])
    )
    assert tiny_model.scorer.coef_.shape[0] == len(tiny_model.classes_)
    assert tiny_model.decision == "single" and tiny_model.thresholds == {}
    assert tiny_acts.decision == "acts" and set(tiny_acts.thresholds) == set(tiny_acts.scheme.acts)


def test_public_api_is_small_and_documented():
    assert set(communique.__all__) == {
        "DocumentResult",
        "Model",
        "Prediction",
        "TrainingConfig",
        "__version__",
        "bundled_model_path",
        "classify_document",
        "load_model",
        "predict",
        "train",
    }
    for name in communique.__all__:
        if name != "__version__":
            assert getattr(communique, name).__doc__, name
    assert communique.bundled_model_path().joinpath("model.json").is_file()


def test_old_import_paths_still_work():
    import warnings

    from communique.segmentation import split_sentences

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        sys.modules.pop("communique.dask", None)
        from communique.dask import predict_partitions  # noqa: F401
    assert split_sentences("One. Two.")[1].text == "Two."
