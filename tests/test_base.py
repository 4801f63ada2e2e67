"""The bottom layer: file checks made before any work, atomic writes, label schemes."""

from __future__ import annotations

import os

import pytest

from communique.base.files import atomic_write, check_output_file, check_output_folder, write_text_atomic
from communique.base.labels import LabelScheme
from communique.errors import OutputError


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path):
    path = write_text_atomic(tmp_path / "f.txt", "old")

    def fail(f):
        f.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, fail)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_folder_is_named(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(OutputError, match="permission denied"):
        check_output_file(locked / "out.jsonl")


def test_output_checks(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_output_file(tmp_path / "file" / "deeper" / "out.jsonl")
    with pytest.raises(OutputError, match="already exists"):
        check_output_file(tmp_path / "file")
    assert check_output_file(tmp_path / "file", overwrite=True)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.json").write_text("{}")
    with pytest.raises(OutputError, match="already holds a model"):
        check_output_folder(tmp_path / "model", marker="model.json", what="model")
    assert check_output_folder(tmp_path / "new" / "model", marker="model.json", what="model")


def test_label_scheme_orders_acts():
    scheme = LabelScheme(["sanction_threat", "denial", "condemnation", "solidarity", "other"], background="other")
    assert scheme.acts == ["sanction_threat", "denial", "condemnation", "solidarity"]
    assert scheme.ordered(["solidarity", "denial", "solidarity"]) == ["denial", "solidarity"]
    assert scheme.label_of([]) == "other" and scheme.label_of(["solidarity", "condemnation"]) == "condemnation"
    assert LabelScheme(["a", "b"], cues={"a": ["ok", "(bad"]}).pattern_problems() == [
        "cue '(bad' of label 'a' is not a valid regular expression (missing ), unterminated subpattern at position 0)"
    ]
