"""``train``: the stages in order, then the model folder and its reports."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..base.files import check_output_folder
from ..corpus.reading import MIN_EXAMPLES
from ..models.folder import METADATA_FILE, write_model_files
from ..models.loading import clear_cache, read_model
from ..models.model import Model
from ..outputs.reports import write_model_report
from .config import DEFAULT_C, DEFAULT_MIN_DF, DEFAULT_WORD_NGRAMS, TrainingConfig
from .data import TrainingData, prepare
from .stages import Recipe, fit_final, fit_recipe, score_heldout

__all__ = ["LEAK_GAP", "TrainResult", "train"]

# Above this gap between ungrouped and grouped macro-F1, events leak enough to warn about.
LEAK_GAP = 0.05


@dataclass
class TrainResult:
    """What :func:`train` produced: the saved model and every figure it measured."""

    model: Model
    folder: Path
    metrics: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _command(corpus, output, seed, config: TrainingConfig, labels, split, min_examples) -> str:
    """The command line that reproduces this training run."""
    parts = ["communique train", f"--corpus {corpus}", f"--output {output}", f"--seed {seed}"]
    default = TrainingConfig()
    if labels:
        parts.append(f"--labels {labels}")
    if split:
        parts.append(f"--split {split}")
    for option, value, base in (
        ("--word-ngrams", config.word_ngrams, DEFAULT_WORD_NGRAMS),
        ("--char-ngrams", config.char_ngrams, None),
    ):
        if value != base:
            parts.append(f"{option} {','.join(map(str, value)) if value else 'none'}")
    if config.C != DEFAULT_C:
        parts.append(f"--C {config.C}")
    if config.min_df != DEFAULT_MIN_DF:
        parts.append(f"--min-df {config.min_df}")
    if config.decision != default.decision:
        parts.append(f"--decision {config.decision}")
    if config.real_weight != default.real_weight:
        parts.append(f"--real-weight {config.real_weight}")
    if min_examples != MIN_EXAMPLES:
        parts.append(f"--min-examples {min_examples}")
    return " ".join(parts)


def _heldout_figures(data: TrainingData, config: TrainingConfig, recipe: Recipe, say) -> dict[str, Any]:
    """The recipe on the held-out rows; by origin; the lift of real data; the other decision, for comparison."""
    say(f"fitting on the training rows, scoring {len(data.test_index)} held-out rows ...")
    heldout = score_heldout(data, config, recipe)
    figures: dict[str, Any] = {
        "split": data.split_source,
        "groups": len(data.heldout_groups),
        **heldout.to_dict(),
        "errors": heldout.errors,
    }
    origins = data.corpus.origins
    real_train = [i for i in data.train_index if origins[i] == "real"]
    if "real" in heldout.by_origin and real_train:
        written_rows = [i for i in data.train_index if origins[i] != "real"]
        say("fitting on the written training rows only, to measure what real data adds ...")
        without = score_heldout(data, config, recipe, rows=written_rows)
        figures["real_data_lift"] = {
            origin: {
                "written_only": without.by_origin[origin]["macro_f1"],
                "written_and_real": heldout.by_origin[origin]["macro_f1"],
            }
            for origin in heldout.by_origin
        }
    if recipe.decision == "acts":
        say("fitting the single-label model on the same rows, for comparison ...")
        single = score_heldout(data, config, Recipe("single", data.classes))
        figures["single_label_comparison"] = {
            "macro_f1": single.metrics["macro_f1"],
            "micro_f1": single.metrics["micro_f1"],
            "by_origin": {
                o: {"macro_f1": m["macro_f1"], "micro_f1": m["micro_f1"]} for o, m in single.by_origin.items()
            },
            "mixed": single.mixed,
            "acts": single.acts,
        }
    return figures


def _metadata(data: TrainingData, recipe: Recipe, config: TrainingConfig, metrics: dict, command: str) -> dict:
    """What ``model.json`` records of the training run, beside the files and versions."""
    return {
        "label_scheme": data.corpus.scheme.to_dict(),
        "decision": recipe.decision_metadata(),
        "training": {
            "config": config.to_dict(),
            "command": command,
            "final_fit": "all rows (training and held-out); held-out figures come from the same recipe "
            "fitted on the training rows only",
            "corpus": {"path": data.corpus.path.name, "sha256": data.corpus.sha256, "rows": len(data.texts)},
            "heldout_groups": data.heldout_groups,
            "label_counts": dict(Counter(data.labels).most_common()),
            "origin_counts": dict(Counter(data.corpus.origins).most_common()),
            "notes": data.notes,
        },
        "metrics": metrics,
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    }


def train(
    corpus: str | Path,
    output: str | Path,
    *,
    seed: int = 0,
    config: TrainingConfig | None = None,
    labels: str | Path | None = None,
    split: str | Path | None = None,
    min_examples: int = MIN_EXAMPLES,
    overwrite: bool = False,
    quiet: bool = False,
    log: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train, validate and save a model folder.

    Parameters
    ----------
    corpus : str or Path
        Labelled ``.jsonl`` or ``.csv`` file (see :mod:`communique.corpus`).
    output : str or Path
        Folder to write the model into (created if needed).
    seed : int
        Seed of the fold assignment and of the held-out pick when the corpus
        has no split file. Training is otherwise deterministic.
    config : TrainingConfig, optional
        Features, classifier and decision settings; the documented default if omitted.
    labels : str or Path, optional
        Label scheme file; default ``labels.json`` beside the corpus.
    split : str or Path, optional
        Held-out split file; default ``splits.json`` beside the corpus, else
        20% of the events picked with ``seed``.
    min_examples : int
        Fewest statements a label may have.
    overwrite : bool
        Replace a model already in ``output``.
    quiet : bool
        Print no progress.
    log : callable, optional
        Receives progress lines (default: print to stderr).

    Returns
    -------
    TrainResult
    """
    config = config or TrainingConfig()
    say = (lambda message: None) if quiet else (log or (lambda message: print(message, file=sys.stderr)))
    started = time.perf_counter()
    check_output_folder(output, overwrite=overwrite, marker=METADATA_FILE, what="model")
    data = prepare(corpus, config, labels=labels, split=split, seed=seed, min_examples=min_examples)
    say(
        f"corpus {data.corpus.path}: {len(data.texts)} rows, {len(data.classes)} labels, "
        f"{len(set(data.corpus.groups))} events or documents"
    )
    for note in data.notes:
        say(f"note: {note}")
    recipe, cv = fit_recipe(data, config, data.decision, seed, say)
    say(f"cross-validated macro-F1 {cv.metrics['macro_f1']:.3f} grouped, {cv.ungrouped_macro_f1:.3f} ungrouped")
    if cv.ungrouped_macro_f1 - cv.metrics["macro_f1"] > LEAK_GAP:
        say("warning: events leak: ungrouped validation flatters the model; trust the grouped figures")
    say(f"calibration: {cv.calibration['reason']}")
    heldout = _heldout_figures(data, config, recipe, say)

    say(f"fitting the final model on all {len(data.texts)} rows ...")
    pipeline, final = fit_final(data, config, recipe)
    metrics = {
        "cross_validation": {
            "scheme": cv.scheme,
            "rows": cv.rows,
            **cv.metrics,
            "baselines": cv.baselines,
            "lift": cv.lift,
            "ungrouped_macro_f1": cv.ungrouped_macro_f1,
        },
        "heldout": {k: v for k, v in heldout.items() if k != "errors"},
        "calibration": cv.calibration,
    }
    metadata = _metadata(
        data, recipe, config, metrics, _command(corpus, output, seed, config, labels, split, min_examples)
    )
    metadata["training"] |= {"seed": seed, "min_examples": min_examples}
    folder = write_model_files(pipeline, final.scorer, output, metadata)
    clear_cache(folder)
    model = read_model(folder)
    write_model_report(model, errors=heldout["errors"])
    say(f"saved {folder} in {time.perf_counter() - started:.1f} s")
    return TrainResult(model=model, folder=Path(folder), metrics=metrics, notes=data.notes)
