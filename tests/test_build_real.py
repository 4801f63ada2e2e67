"""The corpus build script: which of two near-duplicates it keeps when it merges a new labelling round."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def build_real():
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "corpus" / "build_real.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_real"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    del sys.modules["build_real"]


def _row(id_, text, origin="real", sampling="random"):
    return {"id": id_, "text": text, "origin": origin, "sampling": sampling}


TEXT = "The ministry rejects the claims made in the report on the border incident as groundless."
OTHER = "Ministers discussed trade, energy and the schedule of the next summit in the capital city."


@pytest.mark.parametrize(
    "sampling,expected",
    [("random", 0), ("targeted:denial", 0), ("supplement:uncertain", 0), ("supplement:likely-denial-2", 2),
     ("supplement:random-5", 5)],
)  # fmt: skip
def test_round_of_a_sampling_tag(build_real, sampling, expected):
    assert build_real._round({"sampling": sampling}) == expected


def test_a_later_round_never_pushes_out_an_earlier_passage(build_real):
    # The new round's copy sorts first in the file, yet it is the one that goes.
    rows = [_row("a-new", TEXT, sampling="supplement:uncertain-3"), _row("b-old", TEXT), _row("c", OTHER)]
    removed = []
    assert build_real._near_duplicates_to_drop(rows, removed) == {0}
    assert removed[0]["id"] == "a-new" and "near-duplicate of b-old" in removed[0]["reason"]


def test_in_one_round_the_later_row_goes_and_written_rows_stay(build_real):
    rows = [_row("w", TEXT, origin="written", sampling=""), _row("r1", TEXT), _row("r2", OTHER), _row("r3", OTHER)]
    removed = []
    assert build_real._near_duplicates_to_drop(rows, removed) == {1, 3}
    assert [r["id"] for r in removed] == ["r1", "r3"]
