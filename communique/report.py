"""Reports written next to a model: ``report.md``, the model card and pictures.

Pictures need matplotlib (``pip install 'communique[plots]'``); without it the
report says how to get them and everything else is still written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .model import Model
from .scorer import top_terms

__all__ = ["write_evaluation_report", "write_model_report"]

PLOTS_HINT = (
    "Pictures need matplotlib: `pip install 'communique[plots]'`, then run "
    "`communique evaluate --model MODEL --input LABELLED.jsonl --report DIR` (or retrain)."
)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def per_class_table(metrics: dict[str, Any], lift: dict[str, dict[str, float]] | None = None) -> str:
    names = list((lift or {}).keys())
    head = "| label | precision | recall | F1 | support |" + "".join(f" lift vs {n} |" for n in names)
    lines = [head, "|---" * (5 + len(names)) + "|"]
    for label, m in metrics["per_class"].items():
        extra = "".join(f" {lift[n][label]:+.3f} |" for n in names)
        lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |{extra}")
    extra = "".join(f" {lift[n]['macro_f1']:+.3f} |" for n in names)
    lines.append(f"| **macro-F1** | | | **{metrics['macro_f1']:.3f}** | |{extra}")
    lines.append(f"| micro-F1 (accuracy) | | | {metrics['micro_f1']:.3f} | | " + " |" * len(names))
    return "\n".join(lines)


def confusion_table(metrics: dict[str, Any]) -> str:
    labels = metrics["labels"]
    lines = ["| true \\ predicted | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for label, row in zip(labels, metrics["confusion"]):
        lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def calibration_lines(figures: dict[str, Any]) -> str:
    return f"expected calibration error {figures['ece']:.4f}, Brier score {figures['brier']:.4f}, log loss {figures['log_loss']:.4f}"


def baseline_table(metrics: dict[str, Any], baselines: dict[str, dict[str, Any]]) -> str:
    lines = ["| system | macro-F1 | micro-F1 |", "|---|---|---|"]
    lines.append(f"| model | {metrics['macro_f1']:.3f} | {metrics['micro_f1']:.3f} |")
    for name, b in baselines.items():
        lines.append(f"| {name} baseline | {b['macro_f1']:.3f} | {b['micro_f1']:.3f} |")
    return "\n".join(lines)


def errors_table(errors: list[dict[str, Any]], limit: int = 200) -> str:
    if not errors:
        return "No statement was misclassified."
    lines = ["| line | true | predicted | confidence | text |", "|---|---|---|---|---|"]
    for e in errors[:limit]:
        lines.append(f"| {e['line']} | {e['label']} | {e['predicted']} | {e['confidence']:.2f} | {_cell(e['text'])} |")
    if len(errors) > limit:
        lines.append(f"\n({len(errors) - limit} more not shown.)")
    return "\n".join(lines)


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
    ax.set_xlabel("confidence of the predicted label")
    ax.set_ylabel("share of predictions that were right")
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


LEAK_GAP = 0.05


def top_terms_list(model: Model, n: int = 20) -> str:
    """The n most weighted n-grams of each label, as a Markdown list."""
    return "\n".join(
        f"- **{label}**: " + ", ".join(f"`{t}` ({w:.2f})" for t, w in top_terms(model.scorer, label, n))
        for label in model.labels
    )


def _leak_warning(cv: dict[str, Any]) -> str:
    gap = cv["ungrouped_macro_f1"] - cv["macro_f1"]
    if gap <= LEAK_GAP:
        return ""
    return (
        f"\n\n**Events leak: ungrouped validation is {gap:.3f} macro-F1 higher than grouped.** Statements "
        "about one event share words that identify the event, not the act; only the grouped figures "
        "estimate performance on new events."
    )


def write_model_report(model: Model, errors: list[dict[str, Any]]) -> None:
    """Write ``report.md``, the pictures and the model card ``README.md`` into the model folder."""
    folder = model.path
    meta = model.metadata
    m = meta["metrics"]
    cv, held, cal = m["cross_validation"], m["heldout"], m["calibration"]
    corpus = meta["training"]["corpus"]
    top = top_terms_list(model)
    text = f"""# Training report

Model folder `{folder.name}`, created {meta["created"]} by communique {meta["versions"]["communique"]}
(scikit-learn {meta["versions"]["scikit-learn"]}). Corpus `{corpus["path"]}`: {corpus["rows"]} rows,
SHA-256 `{corpus["sha256"]}`.

## How it was measured

- **Cross-validation**: {cv["scheme"]}, {cv["rows"]} rows. Statements about one event are never
  on both sides of a split.
- **Held-out**: {held["rows"]} rows from {held["events"]} events ({held["split"]}) that no
  cross-validation fold and no calibration step saw.
- The shipped model is then fitted on all rows with the same recipe, so it has seen the held-out
  events; the figures describe the recipe, not a model that saw its own test.
- Leak check: the same cross-validation ungrouped (events split across folds) scores macro-F1
  {cv["ungrouped_macro_f1"]:.3f} against {cv["macro_f1"]:.3f} grouped; the difference is what a split
  that leaks events would flatter.{_leak_warning(cv)}

## Summary

| figure | grouped CV | held-out |
|---|---|---|
| macro-F1 | {cv["macro_f1"]:.3f} | {held["macro_f1"]:.3f} |
| micro-F1 (accuracy) | {cv["micro_f1"]:.3f} | {held["micro_f1"]:.3f} |
| expected calibration error | {cv["calibration"]["ece"]:.4f} | {held["calibration"]["ece"]:.4f} |
| Brier score | {cv["calibration"]["brier"]:.4f} | {held["calibration"]["brier"]:.4f} |

## Per class, held-out (lift = model F1 minus baseline F1)

{per_class_table(held, held["lift"])}

## Per class, grouped cross-validation

{per_class_table(cv, cv["lift"])}

## Baselines

The majority baseline always says the most frequent training label. The keyword baseline applies the
label scheme's cue words (the codebook's typical signals) with its precedence order.

Held-out:

{baseline_table(held, held["baselines"])}

Grouped cross-validation:

{baseline_table(cv, cv["baselines"])}

## Confusion matrix, held-out

{confusion_table(held)}

## Calibration

Chosen: **{cal["method"]}** (temperature {cal["temperature"]}). Why: {cal["reason"]}.

- grouped CV, uncalibrated: {calibration_lines(cal["cv_uncalibrated"])}
- grouped CV, temperature cross-fitted: {calibration_lines(cal["cv_temperature_crossfitted"])}
- held-out, as shipped: {calibration_lines(held["calibration"])}

{_pictures(folder, held, held["calibration"])}

## The 20 most weighted n-grams per label

Weight: the label's coefficient minus the mean coefficient of all labels.

{top}

## Misclassified held-out statements ({len(errors)})

{errors_table(errors)}
"""
    (folder / "report.md").write_text(text, encoding="utf-8")
    write_model_card(model)


def _weakest_label(metrics: dict[str, Any]) -> str:
    """One sentence naming the label with the lowest held-out F1 and where its errors go."""
    labels = metrics["labels"]
    f1 = {label: metrics["per_class"][label]["f1"] for label in labels}
    worst = min(f1, key=f1.get)
    row = metrics["confusion"][labels.index(worst)]
    wrong = sorted(((n, labels[j]) for j, n in enumerate(row) if labels[j] != worst), reverse=True)[:2]
    where = " and ".join(f"`{label}` ({n})" for n, label in wrong if n)
    return (
        f"The weakest label on the held-out events is `{worst}` (F1 {f1[worst]:.3f}); its statements "
        f"are most often taken for {where or 'no other label'}."
    )


def write_model_card(model: Model) -> None:
    meta = model.metadata
    m = meta["metrics"]
    corpus = meta["training"]["corpus"]
    counts = ", ".join(f"{k} {v}" for k, v in meta["training"]["label_counts"].items())
    config = ", ".join(f"{k}={v}" for k, v in meta["training"]["config"].items())
    weakest = _weakest_label(m["heldout"])
    card = f"""# Model card: `{model.path.name}`

A TF-IDF + logistic-regression classifier of official diplomatic statements, trained by
communique {meta["versions"]["communique"]}. Labels, in precedence order for mixed statements:
{", ".join(f"`{label}`" for label in model.scheme.precedence)}.

## Intended use
Sorting English official statements (spokesperson answers, press releases, joint statements,
speeches, quoted remarks in news reports) by the diplomatic response they make, for event-data
research, monitoring and newsroom triage, with a person reading the statements that matter. Use
`--by-sentence` for whole articles or briefings, so that each quoted response is found where it
stands.

## Out of scope
- Deciding anything about people or states without a human reading the text.
- Languages other than English, and text that is not an official's statement (opinion pieces,
  social-media chatter from the public): the model has seen none.
- Inferring intent, truth or sincerity: it labels the act a text performs, not whether it is true.

## Training data
`{corpus["path"]}`, {corpus["rows"]} rows ({counts}), SHA-256 `{corpus["sha256"]}`. See the
corpus datasheet for how it was written and checked.

## Metrics
| | grouped CV | held-out |
|---|---|---|
| macro-F1 | {m["cross_validation"]["macro_f1"]:.3f} | {m["heldout"]["macro_f1"]:.3f} |
| accuracy | {m["cross_validation"]["micro_f1"]:.3f} | {m["heldout"]["micro_f1"]:.3f} |
| expected calibration error | {m["cross_validation"]["calibration"]["ece"]:.4f} | {m["heldout"]["calibration"]["ece"]:.4f} |

Per-class figures, baselines, the confusion matrix, calibration and the misclassified statements
are in [report.md](report.md).

## Known limitations and biases
- English only; the corpus is written in the registers of foreign ministries, alliances and
  international organisations and reflects the regions and topics its datasheet lists. Accuracy on
  other registers or regions is unmeasured.
- {weakest}
- A bag of n-grams reads negation, hypotheticals and reported speech only through the phrases
  that carry them ("not considering sanctions", "would condemn any", "dismissed the report as");
  the corpus teaches such near-misses, but expect errors there, and on narration that mentions a
  protest step without the speaker's words.
- The corpus is written, not sampled from real feeds; label frequencies in real feeds differ, so
  the probabilities are calibrated to the corpus mix.

## Reproduce
```
{meta["training"].get("command", "communique train --corpus CORPUS --output FOLDER")}
```
Settings: {config}. Files: `weights.npz` (pickle-free arrays, the default for prediction),
`model.joblib` (scikit-learn pipeline; loading it runs pickle, so only load it from a trusted source),
`model.json` (metadata and the SHA-256 of each file).
"""
    (model.path / "README.md").write_text(card, encoding="utf-8")


def write_evaluation_report(
    folder: Path,
    model: Model,
    source: str,
    metrics: dict[str, Any],
    calibration: dict[str, Any],
    baselines: dict[str, dict[str, Any]],
    errors: list[dict[str, Any]],
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = f"""# Evaluation report

Model `{model.path}` on `{source}` ({sum(m["support"] for m in metrics["per_class"].values())} statements).

{baseline_table(metrics, baselines)}

## Per class

{per_class_table(metrics)}

## Confusion matrix

{confusion_table(metrics)}

## Calibration

{calibration_lines(calibration)}

{_pictures(folder, metrics, calibration)}

## The 20 most weighted n-grams per label

Weight: the label's coefficient minus the mean coefficient of all labels.

{top_terms_list(model)}

## Misclassified statements ({len(errors)})

{errors_table(errors)}
"""
    path = folder / "report.md"
    path.write_text(text, encoding="utf-8")
    return path
