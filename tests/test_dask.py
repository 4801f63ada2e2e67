"""The Dask engine against a local cluster of two worker processes."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")

from distributed import Client, LocalCluster  # noqa: E402

from communique.batch import classify_file  # noqa: E402
from communique.integrations.dask_support import predict_files, predict_partitions  # noqa: E402

from .conftest import TINY  # noqa: E402

STATEMENTS = [t for texts in TINY.values() for t in texts]


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster


def test_files_on_cluster_match_single_machine(cluster, tmp_path, tiny_model_dir):
    for part in range(3):
        rows = [{"id": f"{part}-{i}", "text": f"{t} ({part}/{i})"} for i, t in enumerate(STATEMENTS)]
        rows.insert(4, {"id": "bad", "text": 5})
        (tmp_path / f"statements-{part}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    parts = predict_files(
        str(tmp_path / "statements-*.jsonl"),
        str(tmp_path / "out"),
        cluster.scheduler_address,
        model_path=tiny_model_dir,
    )
    assert [p["rows"] for p in parts] == [31, 31, 31] and all(p["errors"] == 1 for p in parts)
    for part in range(3):
        single = tmp_path / f"single-{part}.jsonl"
        classify_file(str(tmp_path / f"statements-{part}.jsonl"), str(single), model=tiny_model_dir)
        assert (tmp_path / "out" / f"statements-{part}.jsonl").read_bytes() == single.read_bytes()


def test_dataframe_partitions(cluster, tiny_model):
    # Input columns named like the results are replaced, not kept beside them.
    frame = pd.DataFrame({"id": range(len(STATEMENTS) + 1), "text": STATEMENTS + [""], "label": "gold", "error": "old"})
    ddf = dd.from_pandas(frame, npartitions=3)
    with Client(cluster):
        result = predict_partitions(ddf, tiny_model, "text").compute()
    expected = [p.label for p in tiny_model.predict(STATEMENTS)]
    assert result["label"].tolist()[:-1] == expected
    assert result["error"].iloc[-1] == "field 'text' is empty" and pd.isna(result["label"].iloc[-1])
    assert {f"score_{label}" for label in tiny_model.labels} <= set(result.columns)
    assert list(result.columns).count("label") == 1 and result["error"].iloc[0] is None
    assert result["acts"].iloc[0] == tiny_model.predict(STATEMENTS[:1])[0].acts


def test_cli_dask_scheduler(cluster, tmp_path, tiny_model_dir):
    from click.testing import CliRunner

    from communique.cli import main

    (tmp_path / "a.jsonl").write_text(json.dumps({"text": "We stand with you."}) + "\n")
    result = CliRunner().invoke(
        main,
        [
            "predict",
            "--input",
            str(tmp_path / "*.jsonl"),
            "--output",
            str(tmp_path / "out"),
            "--dask-scheduler",
            cluster.scheduler_address,
            "-m",
            str(tiny_model_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "a.jsonl").read_text())["label"] == "solidarity"
