"""Classification on a Dask cluster (optional: ``pip install 'communique[dask]'``).

Two ways in:

- :func:`predict_files`: each input file is one part, classified on a worker
  by the same streaming code as a local run (bad rows, order, bounded
  memory) and written as one output part into a folder. Workers must see
  the input and output paths (a shared file system, or a local cluster).
- :func:`predict_partitions`: adds ``label``, ``confidence``, one
  ``score_<label>`` column per label, ``acts`` and ``error`` to a Dask
  DataFrame, partition by partition, for use inside other pipelines. Columns
  of the input with those names are replaced.

Either way the model is scattered to every worker once, not shipped with each
task.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

from ..base.files import check_output_file, check_output_folder
from ..batch.inputs import InputSpec, check_text
from ..errors import InputError
from ..models.loading import load_model
from ..models.model import Model

__all__ = ["predict_files", "predict_partitions"]


def _require() -> tuple[Any, Any]:
    try:
        import dask.dataframe
        import distributed
    except ImportError:
        raise ImportError("Dask support needs the dask extra: pip install 'communique[dask]'") from None
    return dask.dataframe, distributed


def _classify_part(source: str, target: str, model: Model, options: dict[str, Any]) -> dict[str, Any]:
    from ..batch.run import classify_file

    summary = classify_file(source, target, model=model, **options)
    return {
        "input": source,
        "output": target,
        "rows": summary.rows,
        "errors": summary.errors,
        "labels": dict(summary.labels),
    }


def _output_name(source: str) -> str:
    name = os.path.basename(source)
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return f"{os.path.splitext(name)[0]}.jsonl"


def predict_files(
    pattern: str,
    output_folder: str,
    scheduler: str,
    *,
    model_path: str | Path | None = None,
    text_field: str = "text",
    **options: Any,
) -> list[dict[str, Any]]:
    """Classify every file matching ``pattern`` on a Dask cluster.

    Parameters
    ----------
    pattern : str
        A file or a glob (``"statements-*.jsonl"``).
    output_folder : str
        Folder receiving one ``<input stem>.jsonl`` per input file.
    scheduler : str
        Address of a running scheduler (``tcp://host:8786``), or ``"local"``
        to start a local cluster with one worker per core.
    model_path : path, optional
        Model folder; default the bundled model.

    Returns
    -------
    list of dict
        Per part: input, output, rows, errors, labels.
    """
    _, distributed = _require()
    sources = sorted(glob.glob(pattern))
    if not sources:
        raise InputError(f"{pattern}: no file matches")
    names = [_output_name(s) for s in sources]
    if len(set(names)) != len(names):
        raise InputError(f"{pattern}: two inputs would write the same output part; give them distinct names")
    check_output_folder(output_folder, what="output parts")
    for name in names:  # refused now, not on a worker after the cluster started
        check_output_file(Path(output_folder) / name, overwrite=options.get("overwrite", False))
    Path(output_folder).mkdir(parents=True, exist_ok=True)
    model = load_model(model_path)
    cluster = distributed.LocalCluster(processes=True, threads_per_worker=1) if scheduler == "local" else None
    try:
        with distributed.Client(cluster or scheduler) as client:
            shared = client.scatter(model, broadcast=True)
            options = {"text_field": text_field, **options}
            futures = [
                client.submit(
                    _classify_part,
                    os.path.abspath(s),
                    os.path.abspath(os.path.join(output_folder, n)),
                    shared,
                    options,
                    pure=False,
                )
                for s, n in zip(sources, names)
            ]
            return client.gather(futures)
    finally:
        if cluster is not None:
            cluster.close()


def _output_columns(model: Model) -> list[str]:
    return ["label", "confidence", *[f"score_{label}" for label in model.classes_], "acts", "error"]


def _score_partition(frame: Any, model: Model, text_column: str) -> Any:
    spec = InputSpec("-", "txt", text_column)
    texts = frame[text_column].tolist()
    errors = [check_text(t, text_column, spec) for t in texts]
    good = [i for i, e in enumerate(errors) if e is None]
    out = frame.drop(columns=[c for c in _output_columns(model) if c in frame.columns])
    labels: list[Any] = [None] * len(texts)
    confidence: list[Any] = [None] * len(texts)
    acts: list[Any] = [None] * len(texts)
    scores = {label: [float("nan")] * len(texts) for label in model.classes_}
    if good:
        for i, prediction in zip(good, model.predict([texts[i] for i in good])):
            labels[i] = prediction.label
            confidence[i] = prediction.confidence
            acts[i] = prediction.acts
            for label, value in prediction.scores.items():
                scores[label][i] = value
    out["label"] = labels
    out["confidence"] = confidence
    for label in model.classes_:
        out[f"score_{label}"] = scores[label]
    out["acts"] = acts
    out["error"] = errors
    return out


def predict_partitions(ddf: Any, model: Model | str | Path | None = None, text_column: str = "text") -> Any:
    """Add predictions to a Dask DataFrame, one partition at a time.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
    model : Model or path, optional
        Default: the bundled model. When a distributed client is active the
        model is scattered to its workers once.
    text_column : str

    Returns
    -------
    dask.dataframe.DataFrame
        ``ddf`` plus ``label``, ``confidence``, ``score_<label>``, ``acts``
        (act -> probability, for the acts found) and ``error``; input columns
        with those names are replaced.
    """
    dd, distributed = _require()
    if not isinstance(model, Model):
        model = load_model(model)
    if text_column not in ddf.columns:
        raise InputError(f"no column {text_column!r}; columns found: {', '.join(map(str, ddf.columns))}")
    meta = ddf._meta.drop(columns=[c for c in _output_columns(model) if c in ddf.columns])
    meta = meta.assign(label=None, confidence=0.0)
    meta["label"] = meta["label"].astype(object)
    for label in model.classes_:
        meta[f"score_{label}"] = 0.0
    meta["acts"] = meta["label"]
    meta["error"] = meta["label"]
    try:
        client = distributed.get_client()
    except ValueError:
        client = None
    shared = client.scatter(model, broadcast=True) if client is not None else model
    return ddf.map_partitions(_score_partition, shared, text_column, meta=meta)
