"""Reports written next to a model or an evaluation: ``report.md``, the model card and pictures.

Pictures need matplotlib (``pip install 'communique[plots]'``); without it the
report says how to get them and everything else is still written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..base.files import write_text_atomic
from ..models.model import Model
from .tables import (
    Table,
    act_table,
    baseline_table,
    confusion_table,
    documents_table,
    origin_table,
    per_class_table,
)

__all__ = ["write_evaluation_report", "write_model_card", "write_model_report"]

PLOTS_HINT = (
    "Pictures need matplotlib: `pip install 'communique[plots]'`, then run "
    "`communique evaluate --model MODEL --input LABELLED.jsonl --report DIR` (or retrain)."
)
ERRORS_SHOWN = 200


def _cell(text: str) -> str:
    return " ".join(str(text).split())


def errors_table(errors: list[dict[str, Any]], limit: int = ERRORS_SHOWN) -> str:
    if not errors:
        return "No statement was misclassified."
    rows = [
        [e.get("line") or "", e["label"], e["predicted"], f"{e['confidence']:.2f}", _cell(e["text"])]
        for e in errors[:limit]
    ]
    table = Table(["line", "true", "predicted", "confidence", "text"], rows).markdown()
    return table + (f"\n\n({len(errors) - limit} more not shown.)" if len(errors) > limit else "")


def calibration_line(figures: dict[str, Any]) -> str:
    return (
        f"expected calibration error {figures['ece']:.4f}, Brier score {figures['brier']:.4f}, "
        f"log loss {figures['log_loss']:.4f}"
    )


def plot(folder: Path, metrics: dict[str, Any], calibration: dict[str, Any]) -> bool:
    """Write ``confusion_matrix.png`` and ``calibration.png``; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    labels = metrics["labels"]
    confusion = np.array(metrics["confusion"])
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(confusion, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    for i in range(len(labels)):
        for j in range(len(labels)):
            dark = confusion[i, j] > confusion.max() / 2
            ax.text(j, i, str(confusion[i, j]), ha="center", va="center", color="white" if dark else "black")
    ax.set_title("Confusion matrix (held-out statements)")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(folder / "confusion_matrix.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    bins = calibration["bins"]
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o", label="model")
    for b in bins:
        ax.annotate(
            str(b["count"]), (b["confidence"], b["accuracy"]), textcoords="offset points", xytext=(4, -10), fontsize=8
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence of the decided label")
    ax.set_ylabel("share of labels that were right")
    ax.set_title(f"Reliability (held-out), ECE {calibration['ece']:.3f}")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(folder / "calibration.png", dpi=110)
    plt.close(fig)
    return True


def _pictures(folder: Path, metrics: dict[str, Any], calibration: dict[str, Any]) -> str:
    if plot(folder, metrics, calibration):
        return "![confusion matrix](confusion_matrix.png)\n\n![calibration](calibration.png)"
    for name in ("confusion_matrix.png", "calibration.png"):
        (folder / name).unlink(missing_ok=True)
    return PLOTS_HINT


def top_terms_list(model: Model, n: int = 20) -> str:
    """The n most weighted n-grams of each label (or act detector), as a Markdown list."""
    return "\n".join(
        f"- **{label}**: " + ", ".join(f"`{t}` ({w:.2f})" for t, w in model.scorer.top_terms(label, n))
        for label in model.classes_
    )


def _leak_warning(cv: dict[str, Any], gap_limit: float = 0.05) -> str:
    gap = cv["ungrouped_macro_f1"] - cv["macro_f1"]
    if gap <= gap_limit:
        return ""
    return (
        f"\n\n**Events leak: ungrouped validation is {gap:.3f} macro-F1 higher than grouped.** Statements "
        "about one event share words that identify the event, not the act; only the grouped figures "
        "estimate performance on new events."
    )


def _summary(cv: dict[str, Any], held: dict[str, Any], *, corner: str = "figure", calibration: bool = True) -> str:
    """Rows, macro-F1 and accuracy in grouped CV and held-out (all, and by origin); ECE with ``calibration``."""
    columns = [("grouped CV", cv), ("held-out, all", held)]
    columns += [(f"held-out, {origin}", m) for origin, m in held.get("by_origin", {}).items()]
    rows = [
        ["statements", *[m.get("rows", "") for _, m in columns]],
        ["macro-F1", *[f"{m['macro_f1']:.3f}" for _, m in columns]],
        ["accuracy", *[f"{m['micro_f1']:.3f}" for _, m in columns]],
    ]
    if calibration and "calibration" in cv:
        rows.append(
            ["expected calibration error", f"{cv['calibration']['ece']:.4f}", f"{held['calibration']['ece']:.4f}"]
        )
    return Table([corner, *[name for name, _ in columns]], rows).markdown()


def _decision_section(meta: dict[str, Any], held: dict[str, Any]) -> str:
    decision = meta.get("decision", {"kind": "single"})
    if decision["kind"] == "single":
        return "One multinomial logistic regression; the label is the most probable one."
    thresholds = ", ".join(f"{a} {t:.2f}" for a, t in decision["thresholds"].items())
    text = (
        "One logistic-regression detector per act (one-vs-rest; Platt-scaled when that lowers the calibration "
        "error, see Calibration). The label is the first act, in "
        f"the codebook's precedence, whose probability reaches its threshold ({thresholds}); with none, the "
        "background label. Thresholds were chosen on grouped out-of-fold scores."
    )
    single = held.get("single_label_comparison")
    if single:
        columns = [("all", held, single)] + [
            (origin, held["by_origin"][origin], single["by_origin"].get(origin, {}))
            for origin in held.get("by_origin", {})
        ]
        rows = [
            [name, f"{acts['macro_f1']:.3f}", f"{other.get('macro_f1', float('nan')):.3f}"]
            for name, acts, other in columns
        ]
        if held.get("mixed", {}).get("statements") and single.get("mixed"):
            rows.append(
                [
                    f"label accuracy, {held['mixed']['statements']} statements with 2+ acts",
                    f"{held['mixed']['label_accuracy']:.3f}",
                    f"{single['mixed']['label_accuracy']:.3f}",
                ]
            )
        table = Table(["held-out macro-F1", "act detectors", "single label"], rows).markdown()
        text += f"\n\nThe same rows scored by the single-label model, for comparison:\n\n{table}"
    return text


def _real_lift(held: dict[str, Any]) -> str:
    lift = held.get("real_data_lift")
    if not lift:
        return ""
    rows = [
        [
            origin,
            f"{v['written_only']:.3f}",
            f"{v['written_and_real']:.3f}",
            f"{v['written_and_real'] - v['written_only']:+.3f}",
        ]
        for origin, v in lift.items()
    ]
    table = Table(["held-out", "trained on written rows", "written + real rows", "lift"], rows).markdown()
    return f"\n\n## What real data adds (held-out macro-F1)\n\n{table}"


def _by_origin(held: dict[str, Any]) -> str:
    by_origin = held.get("by_origin")
    if not by_origin:
        return ""
    parts = [f"\n\n## Held-out by origin\n\n{origin_table(by_origin).markdown()}"]
    for origin, metrics in by_origin.items():
        parts.append(f"\n\n### {origin.capitalize()} statements\n\n{per_class_table(metrics).markdown()}")
    return "".join(parts)


def _acts_section(held: dict[str, Any]) -> str:
    if not held.get("acts"):
        return ""
    mixed = held.get("mixed") or {}
    line = ""
    if mixed.get("statements"):
        line = (
            f"\n\nOn the {mixed['statements']} held-out statements that carry two or more acts, the label is right "
            f"for {mixed['label_accuracy']:.3f} and every act is found for {mixed['acts_all_found']:.3f}."
        )
    return f"\n\n## Acts, held-out\n\n{act_table(held['acts']).markdown()}{line}"


def write_model_report(model: Model, errors: list[dict[str, Any]]) -> Path:
    """Write ``report.md``, the pictures and the model card ``README.md`` into the model folder."""
    folder = model.path
    meta = model.metadata
    m = meta["metrics"]
    cv, held, cal = m["cross_validation"], m["heldout"], m["calibration"]
    corpus = meta["training"]["corpus"]
    text = f"""# Training report

Model folder `{folder.name}`, created {meta["created"]} by communique {meta["versions"]["communique"]}
(scikit-learn {meta["versions"]["scikit-learn"]}). Corpus `{corpus["path"]}`: {corpus["rows"]} rows,
SHA-256 `{corpus["sha256"]}`.

## How it was measured

- **Cross-validation**: {cv["scheme"]}, {cv["rows"]} rows. Statements about one event, or from one
  source document, are never on both sides of a split.
- **Held-out**: {held["rows"]} rows from {held["groups"]} events and documents ({held["split"]}) that no
  cross-validation fold, calibration or threshold saw.
- The shipped model is then fitted on all rows with the same recipe, so it has seen the held-out
  rows; the figures describe the recipe, not a model that saw its own test.
- Leak check: the same cross-validation ungrouped scores macro-F1 {cv["ungrouped_macro_f1"]:.3f}
  against {cv["macro_f1"]:.3f} grouped.{_leak_warning(cv)}

## Summary

{_summary(cv, held)}

## How a label is decided

{_decision_section(meta, held)}{_real_lift(held)}{_by_origin(held)}{_acts_section(held)}

## Per class, held-out (lift = model F1 minus baseline F1)

{per_class_table(held, held["lift"]).markdown()}

## Per class, grouped cross-validation

{per_class_table(cv, cv["lift"]).markdown()}

## Baselines

The majority baseline always says the most frequent training label. The keyword baseline applies the
label scheme's cue words (the codebook's typical signals) with its precedence order.

Held-out:

{baseline_table(held, held["baselines"]).markdown()}

Grouped cross-validation:

{baseline_table(cv, cv["baselines"]).markdown()}

## Confusion matrix, held-out

{confusion_table(held).markdown()}

## Calibration

Chosen: **{cal["method"]}**. Why: {cal["reason"]}.

- grouped CV, uncalibrated: {calibration_line(cal["cv_uncalibrated"])}
- grouped CV, scaling cross-fitted: {calibration_line(cal["cv_crossfitted"])}
- held-out, as shipped: {calibration_line(held["calibration"])}

{_pictures(folder, held, held["calibration"])}

## The 20 most weighted n-grams per label

For a single-label model, the label's coefficient minus the mean over labels; for act detectors,
the detector's own coefficient.

{top_terms_list(model)}

## Misclassified held-out statements ({len(errors)})

{errors_table(errors)}
"""
    write_text_atomic(folder / "report.md", text)
    write_model_card(model)
    return folder / "report.md"


def weakest_label(metrics: dict[str, Any]) -> str:
    """One sentence naming the label with the lowest F1 and where its statements go instead."""
    labels = metrics["labels"]
    f1 = {label: metrics["per_class"][label]["f1"] for label in labels if metrics["per_class"][label]["support"]}
    worst = min(f1, key=f1.get)
    row = metrics["confusion"][labels.index(worst)]
    wrong = sorted(((n, labels[j]) for j, n in enumerate(row) if labels[j] != worst), reverse=True)[:2]
    where = " and ".join(f"`{label}` ({n})" for n, label in wrong if n)
    return f"`{worst}` (F1 {f1[worst]:.3f}); its statements are most often taken for {where or 'no other label'}"


def write_model_card(model: Model) -> Path:
    meta = model.metadata
    m = meta["metrics"]
    held = m["heldout"]
    corpus = meta["training"]["corpus"]
    counts = ", ".join(f"{k} {v}" for k, v in meta["training"]["label_counts"].items())
    origins = meta["training"].get("origin_counts", {})
    config = ", ".join(f"{k}={v}" for k, v in meta["training"]["config"].items())
    table = _summary(m["cross_validation"], held, corner="", calibration=False)
    real = held.get("by_origin", {}).get("real")
    real_line = (
        f"- On real official text (held-out source documents) macro-F1 is {real['macro_f1']:.3f} and accuracy "
        f"{real['micro_f1']:.3f}; the weakest label there is {weakest_label(real)}."
        if real
        else "- Accuracy on real feeds is unmeasured: the corpus has no real statements."
    )
    card = f"""# Model card: `{model.path.name}`

A TF-IDF + logistic-regression classifier of official diplomatic statements, trained by
communique {meta["versions"]["communique"]}. Labels, in precedence order for mixed statements:
{", ".join(f"`{label}`" for label in model.scheme.precedence)}. Decision: {_card_decision(meta)}.

## Intended use
Sorting English official statements (spokesperson answers, press releases, joint statements,
speeches, quoted remarks in news reports) by the diplomatic response they make, for event-data
research, monitoring and newsroom triage, with a person reading the statements that matter. Use
`--document` (a whole file) or `--by-sentence` for articles and briefings, so that each quoted
response is found where it stands.

## Out of scope
- Deciding anything about people or states without a human reading the text.
- Languages other than English, and text that is not an official's statement (opinion pieces,
  social-media chatter from the public): the model has seen none.
- Inferring intent, truth or sincerity: it labels the act a text performs, not whether it is true.

## Training data
`{corpus["path"]}`, {corpus["rows"]} rows ({counts}; by origin: {", ".join(f"{k} {v}" for k, v in origins.items())}),
SHA-256 `{corpus["sha256"]}`. See the corpus datasheet for the sources, licences, sampling and
agreement.

## Metrics
{table}

Per-class figures, acts, baselines, the confusion matrix, calibration and the misclassified
statements are in [report.md](report.md).

## Known limitations and biases
{real_line}
- On the whole held-out split the weakest label is {weakest_label(held)}.
- English only. Real statements come from four public sources (UN General Debate speeches, U.S.
  State Department releases and briefings, the Kremlin, the President of Ukraine); other
  governments' registers, regions and later years are less well covered.
- A bag of n-grams reads negation, hypotheticals and reported speech only through the phrases
  that carry them ("not considering sanctions", "would condemn any", "dismissed the report as");
  expect errors there, on long passages that mention several acts in passing, and on narration
  that reports a protest without the speaker's words.
- Probabilities reflect the corpus mix (checked for calibration on held-out rows, see report.md);
  label frequencies in a real feed differ.

## Reproduce
```
{meta["training"].get("command", "communique train --corpus CORPUS --output FOLDER")}
```
Settings: {config}. Files: `weights.npz` (pickle-free arrays, the default for prediction),
`model.joblib` (scikit-learn pipeline; loading it runs pickle, so only load it from a trusted source),
`model.json` (metadata and the SHA-256 of each file).
"""
    return write_text_atomic(model.path / "README.md", card)


def _card_decision(meta: dict[str, Any]) -> str:
    decision = meta.get("decision", {"kind": "single"})
    if decision["kind"] == "acts":
        return "one detector per act; the label is the strongest act found, by precedence"
    return "one softmax over the labels"


def write_evaluation_report(folder: Path, model: Model, source: str, evaluation: Any, documents: Any = None) -> Path:
    """Write ``report.md`` (and pictures) of an evaluation into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    metrics = evaluation.metrics
    parts = [
        f"# Evaluation report\n\nModel `{model.path}` on `{source}` ({evaluation.rows} statements).",
        baseline_table(metrics, evaluation.baselines).markdown(),
        f"## Per class\n\n{per_class_table(metrics, evaluation.lift).markdown()}",
    ]
    if evaluation.by_origin:
        parts.append(f"## By origin\n\n{origin_table(evaluation.by_origin).markdown()}")
    if evaluation.acts:
        parts.append(f"## Acts\n\n{act_table(evaluation.acts).markdown()}")
    if documents is not None:
        parts.append(f"## Whole documents, sentence by sentence\n\n{documents_table(documents).markdown()}")
    parts += [
        f"## Confusion matrix\n\n{confusion_table(metrics).markdown()}",
        f"## Calibration\n\n{calibration_line(evaluation.calibration)}\n\n"
        f"{_pictures(folder, metrics, evaluation.calibration)}",
        f"## The 20 most weighted n-grams per label\n\n{top_terms_list(model)}",
        f"## Misclassified statements ({len(evaluation.errors)})\n\n{errors_table(evaluation.errors)}",
    ]
    return write_text_atomic(folder / "report.md", "\n\n".join(parts) + "\n")
