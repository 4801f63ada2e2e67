"""Model files you can trust: hashes checked, pickles refused across versions."""

from __future__ import annotations

import json
import shutil

import pytest
import sklearn

from communique import load_model
from communique import model as model_module
from communique.errors import ModelError, ModelIntegrityError, ModelVersionError


@pytest.fixture
def copy(tiny_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    model_module._CACHE.clear()
    yield folder
    model_module._CACHE.clear()


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
    (copy / "weights.npz").unlink()
    with pytest.raises(ModelError, match="weights.npz: missing from the model folder"):
        load_model(copy)


def test_pickle_from_other_sklearn_version_is_refused(copy):
    _set_sklearn_version(copy, "0.24.2")
    with pytest.raises(ModelVersionError) as raised:
        load_model(copy, as_sklearn=True)
    message = str(raised.value)
    assert "saved with scikit-learn 0.24.2" in message and sklearn.__version__ in message
    assert f"communique train --corpus tiny.jsonl --output {copy}" in message
    # The pickle-free form does not depend on the scikit-learn version.
    assert load_model(copy).predict(["We stand with you."])[0].label == "solidarity"


def test_default_model_is_rebuilt_for_another_sklearn(copy, tiny_corpus, monkeypatch, capsys):
    _set_sklearn_version(copy, "0.24.2")
    monkeypatch.setattr(model_module, "default_model_path", lambda: copy)
    monkeypatch.setattr(model_module, "bundled_corpus_path", lambda: tiny_corpus)
    pipeline = load_model(as_sklearn=True)
    assert "rebuilding it for" in capsys.readouterr().err
    assert pipeline.predict(["We stand with you."])[0] == "solidarity"
    assert list((model_module.Path.home() / ".cache" / "communique").glob("default-*/model.json"))


def test_folder_without_joblib_predicts_without_sklearn(copy):
    """Simulate an environment without scikit-learn and joblib: importing either fails."""
    import subprocess
    import sys

    (copy / "model.joblib").unlink()
    code = (
        "import sys; sys.modules['sklearn'] = None; sys.modules['joblib'] = None\n"
        "import communique\n"
        f"print(communique.predict('We stand with you.', {str(copy)!r}).label)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "solidarity"
