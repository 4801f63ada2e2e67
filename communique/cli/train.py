"""``communique train``: train, validate and save a model folder."""

from __future__ import annotations

import click

from ..corpus.reading import MIN_EXAMPLES
from ..errors import CommuniqueError
from ..outputs.tables import Table, per_class_table
from ..training.config import DEFAULT_C, DEFAULT_MIN_DF, TrainingConfig
from .common import CONTEXT, POSITIVE, ngram_option


def _lift_table(metrics: dict) -> Table:
    """Held-out F1 of the model per label, each baseline's, and the lift over it."""
    names = list(metrics["baselines"])
    header = ["held-out F1", "model", *[x for n in names for x in (n, "lift")]]
    rows = []
    for label in [*metrics["per_class"], "macro_f1"]:
        model = metrics["macro_f1"] if label == "macro_f1" else metrics["per_class"][label]["f1"]
        cells = []
        for n in names:
            baseline = metrics["baselines"][n]
            cells += [
                f"{baseline['macro_f1'] if label == 'macro_f1' else baseline['per_class'][label]['f1']:.3f}",
                f"{metrics['lift'][n][label]:+.3f}",
            ]
        rows.append(["macro-F1" if label == "macro_f1" else label, f"{model:.3f}", *cells])
    return Table(header, rows)


def _report(result) -> None:
    m = result.metrics
    cv, held = m["cross_validation"], m["heldout"]
    click.echo(f"Grouped {cv['scheme']}:")
    click.echo(per_class_table(cv).text())
    click.echo(f"\nHeld-out ({held['rows']} rows, {held['groups']} events and documents):")
    click.echo(per_class_table(held).text())
    for origin, figures in held.get("by_origin", {}).items():
        click.echo(
            f"held-out {origin}: macro-F1 {figures['macro_f1']:.3f}, accuracy {figures['micro_f1']:.3f} ({figures['rows']} rows)"
        )
    for origin, lift in held.get("real_data_lift", {}).items():
        click.echo(
            f"adding the real rows: held-out {origin} macro-F1 {lift['written_only']:.3f} -> {lift['written_and_real']:.3f}"
        )
    single = held.get("single_label_comparison")
    if single:
        click.echo(f"the single-label model on the same held-out rows: macro-F1 {single['macro_f1']:.3f}")
    click.echo("\n" + _lift_table(held).text())
    click.echo(f"Calibration: {m['calibration']['method']} ({m['calibration']['reason']})")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"\nSaved {result.folder} (report: {result.folder / 'report.md'})")


@click.command(context_settings=CONTEXT)
@click.option(
    "-c",
    "--corpus",
    "corpus_path",
    required=True,
    metavar="FILE",
    help="Labelled corpus (.jsonl or .csv) with text and label, ideally id, event and acts.",
)
@click.option("-o", "--output", required=True, metavar="DIR", help="Model folder to write.")
@click.option("--overwrite", is_flag=True, help="Replace a model already in the output folder.")
@click.option(
    "--seed", default=0, show_default=True, help="Seed for folds and, without a split file, the held-out pick."
)
@click.option(
    "--labels",
    "labels_path",
    metavar="FILE",
    help="Label scheme (precedence, background, cues). Default: labels.json beside the corpus.",
)
@click.option(
    "--split",
    "split_path",
    metavar="FILE",
    help='Held-out groups ({"heldout_events": [...]}). Default: splits.json beside the corpus, else 20% of events by seed.',
)
@click.option(
    "--decision",
    type=click.Choice(["acts", "single"]),
    default="acts",
    show_default=True,
    help="acts: one detector per act, label by precedence; single: one softmax over labels.",
)
@click.option(
    "--word-ngrams", default="1,2", show_default=True, callback=ngram_option, help="Word n-gram range, or none."
)
@click.option(
    "--char-ngrams",
    default="none",
    show_default=True,
    callback=ngram_option,
    help="Character n-gram range (within word boundaries), e.g. 2,5, or none.",
)
@click.option(
    "--C",
    "c",
    default=DEFAULT_C,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Inverse regularisation strength of the logistic regression.",
)
@click.option(
    "--min-df", default=DEFAULT_MIN_DF, show_default=True, type=POSITIVE, help="Drop n-grams seen in fewer statements."
)
@click.option(
    "--real-weight",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Sample weight of rows whose origin is real.",
)
@click.option(
    "--min-examples", default=MIN_EXAMPLES, show_default=True, type=POSITIVE, help="Fewest statements a label may have."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def train(
    corpus_path,
    output,
    overwrite,
    seed,
    labels_path,
    split_path,
    decision,
    word_ngrams,
    char_ngrams,
    c,
    min_df,
    real_weight,
    min_examples,
    quiet,
):
    """Train, validate and save a model folder from a labelled corpus.

    The corpus is checked first; every problem is reported with its line
    before any training starts. Validation is cross-validation grouped by
    event (or source document) plus a held-out split of whole groups; the run
    prints per-class precision, recall and F1, figures for real and written
    rows apart when the corpus has both, and writes report.md and a model
    card beside the model. A corpus without acts trains one single-label
    model, with a note.

    \b
    Example (from the repository root):
      communique train --corpus corpus/statements.jsonl --output models/mine --seed 0
    """
    from ..training.train import train as train_model

    words, chars = word_ngrams, char_ngrams
    if not words and not chars:
        raise click.BadParameter("give word n-grams, character n-grams or both", param_hint="--word-ngrams")
    config = TrainingConfig(
        word_ngrams=words, char_ngrams=chars, C=c, min_df=min_df, decision=decision, real_weight=real_weight
    )
    try:
        result = train_model(
            corpus_path,
            output,
            seed=seed,
            config=config,
            labels=labels_path,
            split=split_path,
            min_examples=min_examples,
            overwrite=overwrite,
            quiet=quiet,
        )
    except CommuniqueError as exc:
        problems = getattr(exc, "problems", [])
        if len(problems) > 1:
            for problem in problems:
                click.echo(problem, err=True)
            raise click.ClickException(
                f"{len(problems)} problems in the corpus (listed above); nothing was trained"
            ) from None
        raise
    _report(result)
