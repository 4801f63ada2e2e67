"""The ``communique`` command line: a thin layer over the library.

Each command parses its options, calls one library function and prints the
result. Errors communique knows about become ``Error: ...`` on one line and
exit code 1; an unexpected one prints one line and where its full trace was
written (``--debug`` shows it instead).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import CommuniqueError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class CommuniqueGroup(click.Group):
    """Turns exceptions into one-line errors instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CommuniqueError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("\nInterrupted.", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # The reader of our output went away (e.g. `| head`): not an error.
            sys.stderr.close()
            ctx.exit(0)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if ctx.obj and ctx.obj.get("debug"):
                raise
            fd, path = tempfile.mkstemp(prefix="communique-crash-", suffix=".txt")
            with os.fdopen(fd, "w") as f:
                traceback.print_exc(file=f)
            click.echo(
                f"Error: internal error ({type(exc).__name__}: {exc}); this is a bug in communique. "
                f"Full trace in {path}; rerun with --debug to show it.",
                err=True,
            )
            ctx.exit(2)


@click.group(cls=CommuniqueGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="communique")
@click.option("--debug", is_flag=True, help="Show the full Python traceback of an internal error.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Say which diplomatic response an official statement is.

    The labels come from the model; the bundled one knows condemnation,
    sanction_threat, solidarity, denial and other. Start with:

        communique predict "We stand in full solidarity with our ally."
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


# -- predict -----------------------------------------------------------------------


def _table(rows: list[tuple[str, str, str]], headers: tuple[str, str, str]) -> str:
    width = max(40, (os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else 100) - 34)
    lines = [f"{headers[0]:<16} {headers[1]:>10}  {headers[2]}"]
    for label, confidence, text in rows:
        flat = " ".join(text.split())
        lines.append(f"{label:<16} {confidence:>10}  {flat if len(flat) <= width else flat[: width - 3] + '...'}")
    return "\n".join(lines)


def _explanation_line(explanation: list[tuple[str, float]] | None) -> str:
    if not explanation:
        return "    because of: (no n-gram of the text favours this label over the runner-up)"
    return "    because of: " + ", ".join(f"{term!r} {weight:+.2f}" for term, weight in explanation)


def _echo_statements(texts: list[str], model: Any, fmt: str, explain: bool, by_sentence: bool) -> None:
    from .batch import classify_records
    from .document import classify_document
    from .io import Record, RowWriter

    if by_sentence:
        for n, text in enumerate(texts):
            doc = classify_document(text, model, explain=explain)
            if fmt == "table":
                if n:
                    click.echo()
                rows = [
                    (s.prediction.label, f"{s.prediction.confidence:.2f}", f"[{s.start}:{s.end}] {s.text}")
                    for s in doc.sentences
                ]
                click.echo(_table(rows, ("label", "confidence", "sentence")))
                if explain:
                    for s in doc.sentences:
                        click.echo(f"[{s.start}:{s.end}]" + _explanation_line(s.prediction.explanation)[3:])
                acts = "; ".join(
                    f"{label} (sentences {', '.join(str(i + 1) for i in idx)})" for label, idx in doc.acts.items()
                )
                click.echo(f"document: {doc.label}" + (f"  acts: {acts}" if acts else ""))
            else:
                click.echo(
                    RowWriter(fmt, ["text"], ("acts", "sentences")).rows([{"text": text, **doc.to_dict()}]), nl=False
                )
        return
    predictions = model.predict(texts, explain=explain)
    if fmt == "table":
        click.echo(
            _table(
                [(p.label, f"{p.confidence:.2f}", t) for p, t in zip(predictions, texts)],
                ("label", "confidence", "text"),
            )
        )
        if explain:
            for p, t in zip(predictions, texts):
                click.echo(f"{p.label}: {' '.join(t.split())[:60]}")
                click.echo(_explanation_line(p.explanation))
        return
    rows = classify_records(model, [Record(i + 1, {"text": t}, text=t) for i, t in enumerate(texts)], explain=explain)
    writer = RowWriter(fmt, ["text"], ("explanation",) if explain else ())
    click.echo(writer.header() + writer.rows(rows), nl=False)


def _terminate_as_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@main.command(context_settings=CONTEXT)
@click.argument("texts", nargs=-1)
@click.option(
    "-i",
    "--input",
    "input_path",
    metavar="FILE",
    help="Classify every row of FILE (.txt, .csv, .jsonl, optionally .gz; - for stdin).",
)
@click.option(
    "-o",
    "--output",
    "output_path",
    metavar="FILE",
    default="-",
    show_default=True,
    help="Where batch results go (.jsonl or .csv, optionally .gz; - for stdout).",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "jsonl", "csv"]),
    help="Output format for statements given as arguments (default table) or for batch output to stdout (default jsonl).",
)
@click.option("-m", "--model", "model_path", metavar="DIR", help="Model folder. Default: the bundled model.")
@click.option("--text-column", default="text", show_default=True, help="CSV column holding the statement.")
@click.option("--text-field", default="text", show_default=True, help="JSON Lines field holding the statement.")
@click.option(
    "--input-format",
    type=click.Choice(["txt", "csv", "jsonl"]),
    help="Format of --input when its extension does not say (stdin is read as txt).",
)
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of --input.")
@click.option(
    "--max-chars", default=100_000, show_default=True, help="Longest text classified; a longer row gets an error."
)
@click.option("-j", "--jobs", default=1, show_default=True, help="Worker processes for --input; -1 uses every core.")
@click.option("--chunk-size", default=2000, show_default=True, help="Rows classified and written at a time.")
@click.option(
    "--strict", is_flag=True, help="Stop at the first bad row (exit 1) instead of writing it with an error field."
)
@click.option("--resume", is_flag=True, help="Continue an interrupted --input run from OUTPUT.partial.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
@click.option("--explain", is_flag=True, help="Show the n-grams that pushed each prediction towards its label.")
@click.option(
    "--by-sentence", is_flag=True, help="Split each text into sentences, classify each, and summarise the document."
)
@click.option(
    "--dask-scheduler",
    metavar="ADDRESS",
    help="Classify --input files (a glob) on a Dask cluster; --output is then a folder.",
)
def predict(
    texts,
    input_path,
    output_path,
    fmt,
    model_path,
    text_column,
    text_field,
    input_format,
    encoding,
    max_chars,
    jobs,
    chunk_size,
    strict,
    resume,
    quiet,
    explain,
    by_sentence,
    dask_scheduler,
):
    """Classify statements given as arguments, from stdin, or from a file.

    \b
    Examples:
      communique predict "The accusations are groundless and politically motivated."
      communique predict --explain --format jsonl "We will respond firmly."
      echo "NATO stands with Czechia." | communique predict -
      communique predict --input statements.csv --text-column body --output labelled.csv
      communique predict --input feed.jsonl.gz --output out.jsonl.gz --jobs -1
      communique predict --by-sentence "$(cat examples/article.txt)"

    Batch output keeps every input field and adds label, confidence, scores
    (label -> probability) and, for a row that could not be classified,
    error. A file output is written to OUTPUT.partial and renamed when
    complete; after an interruption, --resume continues from there.
    """
    from .model import load_model

    if input_path and texts:
        raise click.UsageError("give statements as arguments or --input FILE, not both")
    if not input_path and not texts:
        raise click.UsageError('nothing to classify: give a statement, "-" to read stdin, or --input FILE')
    if dask_scheduler and not input_path:
        raise click.UsageError("--dask-scheduler needs --input (a file or a glob)")
    if input_path:
        from .io import format_of

        if fmt == "table":
            raise click.UsageError("--format table is for statements given as arguments; batch output is jsonl or csv")
        input_fmt = format_of(input_path, input_format)
        # The same reading options serve a local run and a run on a Dask cluster.
        options = dict(
            input_format=input_fmt,
            text_field=text_column if input_fmt == "csv" else text_field,
            encoding=encoding,
            max_chars=max_chars,
            strict=strict,
            explain=explain,
            by_sentence=by_sentence,
        )
        if dask_scheduler:
            from .dask import predict_files

            parts = predict_files(input_path, output_path, dask_scheduler, model_path=model_path, **options)
            if not quiet:
                rows, errors = sum(p["rows"] for p in parts), sum(p["errors"] for p in parts)
                click.echo(f"{len(parts)} part(s), {rows:,} rows ({errors:,} with errors) in {output_path}", err=True)
            return
        from .batch import classify_file

        signal.signal(signal.SIGTERM, _terminate_as_interrupt)
        try:
            summary = classify_file(
                input_path,
                output_path,
                model=model_path,
                output_format_=fmt,
                jobs=jobs,
                chunk_size=chunk_size,
                resume=resume,
                progress=not quiet and sys.stderr.isatty(),
                **options,
            )
        except KeyboardInterrupt:
            if output_path != "-":
                click.echo(
                    f"\nInterrupted: finished rows are kept in {output_path}.partial; "
                    "rerun the same command with --resume to continue.",
                    err=True,
                )
            sys.exit(130)
        except CommuniqueError as exc:
            if strict and output_path != "-" and Path(output_path + ".partial").exists():
                raise click.ClickException(
                    f"{exc} (rows before it are kept in {output_path}.partial; fix the row and rerun with --resume)"
                ) from None
            raise
        if not quiet:
            click.echo(summary.line(), err=True)
        return
    model = load_model(model_path)
    if texts == ("-",):
        texts = tuple(line.rstrip("\r\n") for line in sys.stdin if line.strip())
    _echo_statements(list(texts), model, fmt or "table", explain, by_sentence)


# -- train ---------------------------------------------------------------------------


def _ngrams(value: str | None) -> tuple[int, int] | None:
    if value in (None, "", "none"):
        return None
    try:
        low, high = (int(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r}: give two numbers like 1,2 (or none)") from None
    return low, high


def _metrics_table(metrics: dict[str, Any]) -> str:
    lines = [f"{'label':<18}{'precision':>10}{'recall':>10}{'F1':>8}{'support':>9}"]
    for label, m in metrics["per_class"].items():
        lines.append(f"{label:<18}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>8.3f}{m['support']:>9}")
    lines.append(f"{'macro-F1':<18}{'':>20}{metrics['macro_f1']:>8.3f}")
    lines.append(f"{'accuracy':<18}{'':>20}{metrics['micro_f1']:>8.3f}")
    return "\n".join(lines)


def _lift_table(metrics: dict[str, Any]) -> str:
    """Baseline F1 per class and the model's lift over each baseline."""
    names = list(metrics["baselines"])
    head = f"{'held-out F1':<18}{'model':>8}" + "".join(f"{n:>10}{'lift':>8}" for n in names)
    lines = [head]
    for label in [*metrics["per_class"], "macro_f1"]:
        model = metrics["macro_f1"] if label == "macro_f1" else metrics["per_class"][label]["f1"]
        cells = ""
        for n in names:
            b = metrics["baselines"][n]
            base = b["macro_f1"] if label == "macro_f1" else b["per_class"][label]["f1"]
            cells += f"{base:>10.3f}{metrics['lift'][n][label]:>+8.3f}"
        lines.append(f"{'macro-F1' if label == 'macro_f1' else label:<18}{model:>8.3f}{cells}")
    return "\n".join(lines)


def _confusion(metrics: dict[str, Any]) -> str:
    labels = metrics["labels"]
    short = [label[:10] for label in labels]
    lines = ["true \\ predicted".ljust(18) + "".join(f"{s:>11}" for s in short)]
    for label, row in zip(labels, metrics["confusion"]):
        lines.append(f"{label:<18}" + "".join(f"{v:>11}" for v in row))
    return "\n".join(lines)


@main.command(context_settings=CONTEXT)
@click.option(
    "-c",
    "--corpus",
    "corpus_path",
    required=True,
    metavar="FILE",
    help="Labelled corpus (.jsonl or .csv) with text and label, ideally id and event.",
)
@click.option("-o", "--output", required=True, metavar="DIR", help="Model folder to write.")
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
    help='Held-out events ({"heldout_events": [...]}). Default: splits.json beside the corpus, else 20% of events by seed.',
)
@click.option("--word-ngrams", default="1,2", show_default=True, help="Word n-gram range, or none.")
@click.option(
    "--char-ngrams",
    default="none",
    show_default=True,
    help="Character n-gram range (within word boundaries), e.g. 2,5, or none.",
)
@click.option(
    "--C", "c", default=10.0, show_default=True, help="Inverse regularisation strength of the logistic regression."
)
@click.option("--min-df", default=2, show_default=True, help="Drop n-grams seen in fewer statements.")
@click.option("--min-examples", default=10, show_default=True, help="Fewest statements a label may have.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def train(corpus_path, output, seed, labels_path, split_path, word_ngrams, char_ngrams, c, min_df, min_examples, quiet):
    """Train, validate and save a model folder from a labelled corpus.

    The corpus is checked first; every problem is reported with its line
    before any training starts. Validation is cross-validation grouped by
    event plus a held-out split of whole events; the run prints per-class
    precision, recall and F1 and writes report.md and a model card beside
    the model.

    \b
    Example:
      communique train --corpus corpus/statements.jsonl --output models/mine --seed 0
    """
    from .training import TrainingConfig
    from .training import train as train_model

    config = TrainingConfig(word_ngrams=_ngrams(word_ngrams), char_ngrams=_ngrams(char_ngrams), C=c, min_df=min_df)
    try:
        result = train_model(
            corpus_path,
            output,
            seed=seed,
            config=config,
            labels=labels_path,
            split=split_path,
            min_examples=min_examples,
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
    m = result.metrics
    click.echo(f"Grouped {m['cross_validation']['scheme']}:")
    click.echo(_metrics_table(m["cross_validation"]))
    click.echo(f"\nHeld-out ({m['heldout']['rows']} rows, {m['heldout']['events']} events):")
    click.echo(_metrics_table(m["heldout"]))
    click.echo("\n" + _lift_table(m["heldout"]))
    click.echo(f"Calibration: {m['calibration']['method']} ({m['calibration']['reason']})")
    click.echo(f"\nSaved {result.folder} (report: {result.folder / 'report.md'})")


# -- evaluate ------------------------------------------------------------------------


@main.command(context_settings=CONTEXT)
@click.option("-m", "--model", "model_path", metavar="DIR", help="Model folder. Default: the bundled model.")
@click.option(
    "-i",
    "--input",
    "input_path",
    required=True,
    metavar="FILE",
    help="Labelled statements (.jsonl or .csv with text and label).",
)
@click.option("--text-field", default="text", show_default=True, help="Field or column holding the statement.")
@click.option("--label-field", default="label", show_default=True, help="Field or column holding the true label.")
@click.option(
    "--report", "report_dir", metavar="DIR", help="Write report.md (and pictures with the plots extra) into DIR."
)
@click.option("--errors", "errors_path", metavar="FILE", help="Write the misclassified rows to FILE (.jsonl).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Print a readable report or the metrics as JSON.",
)
def evaluate(model_path, input_path, text_field, label_field, report_dir, errors_path, fmt):
    """Score a model on labelled statements: per-class report, macro-F1, confusion matrix.

    \b
    Example:
      communique evaluate --model models/default --input corpus/statements.jsonl --report eval/
    """
    from .evaluation import evaluate_file
    from .model import load_model

    model = load_model(model_path)
    result = evaluate_file(
        model,
        input_path,
        text_field=text_field,
        label_field=label_field,
        report_dir=report_dir,
        errors_path=errors_path,
    )
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    m = result["metrics"]
    click.echo(
        f"{input_path}: {result['rows']} statements"
        + (f", {result['skipped']} rows skipped" if result["skipped"] else "")
    )
    click.echo(_metrics_table(m))
    click.echo("\n" + _confusion(m))
    cal = result["calibration"]
    click.echo(f"\nexpected calibration error {cal['ece']:.4f}, Brier score {cal['brier']:.4f}")
    for note in result["notes"]:
        click.echo(f"note: {note}", err=True)
    if report_dir:
        click.echo(f"report: {Path(report_dir) / 'report.md'}")
    if errors_path:
        click.echo(f"misclassified rows: {errors_path}")


# -- corpus --------------------------------------------------------------------------


@main.group(context_settings=CONTEXT)
def corpus():
    """Work with labelled corpora."""


@corpus.command("check", context_settings=CONTEXT)
@click.argument("path", required=False, metavar="[PATH]")
@click.option("--labels", "labels_path", metavar="FILE", help="Label scheme. Default: labels.json beside the corpus.")
@click.option("--min-examples", default=10, show_default=True, help="Fewest statements a label may have.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def corpus_check(path, labels_path, min_examples, as_json):
    """Validate a corpus and print its figures (default: the bundled corpus).

    Checks every row (valid JSON, required and known fields, strings, no
    empty text, no duplicate id), the labels (enough examples, none that
    looks like a typo of another, all declared in the label scheme) and
    near-duplicates (TF-IDF cosine above 0.8). Prints counts, breadth, the
    share of each label's most obvious cue, the share of hard statements
    and lengths. Exits 1 if there is any problem.

    \b
    Example:
      communique corpus check corpus/statements.jsonl
    """
    from .corpus import check_corpus
    from .model import bundled_corpus_path

    started = time.perf_counter()
    report = check_corpus(path or bundled_corpus_path(), labels_path, min_examples=min_examples)
    if as_json:
        click.echo(json.dumps({"path": str(report.path), "problems": report.problems, **report.figures}, indent=2))
    else:
        for key, value in report.figures.items():
            if key == "near_duplicates":
                value = len(value)
            click.echo(f"{key}: {value if not isinstance(value, dict) else json.dumps(value)}")
        for problem in report.problems:
            click.echo(problem, err=True)
        click.echo(
            f"{report.path}: {'ok' if report.ok else f'{len(report.problems)} problem(s)'} "
            f"({time.perf_counter() - started:.1f} s)",
            err=True,
        )
    if not report.ok:
        sys.exit(1)


def predict_command() -> None:
    """Entry point of the root ``predict.py``: ``communique predict``."""
    main(["predict", *sys.argv[1:]], prog_name="predict.py")


def train_command() -> None:
    """Entry point of the root ``train.py``: ``communique train``."""
    main(["train", *sys.argv[1:]], prog_name="train.py")
