"""``communique evaluate``: score a model on labelled statements, or on documents labelled sentence by sentence."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..outputs.tables import act_table, confusion_table, documents_table, origin_table, per_class_table
from .common import CONTEXT


def _read_labelled(path: str, text_field: str, label_field: str):
    """Labelled statements of a .jsonl or .csv file; rows without a text or a label are skipped and counted."""
    from ..base.files import file_sha256
    from ..batch.inputs import InputSpec, format_of, open_input, parse_record, raw_records
    from ..errors import CorpusError
    from ..evaluation.scoring import LabelledStatements

    spec = InputSpec(path, format_of(path), text_field)
    source = open_input(spec)
    data = LabelledStatements([], [], [], [], [], [])
    skipped, notes = 0, []
    has_acts = True
    try:
        header, records = raw_records(source)
        for line, raw in records:
            record = parse_record(spec, header, line, raw)
            label = record.fields.get(label_field)
            if record.error or not isinstance(label, str) or not label.strip():
                skipped += 1
                if len(notes) < 5:
                    notes.append(f"{path}:{line}: skipped ({record.error or f'no {label_field!r}'})")
                continue
            acts = record.fields.get("acts")
            if isinstance(acts, str):  # a CSV cell
                acts = json.loads(acts) if acts.startswith("[") else None
            has_acts &= isinstance(acts, list)
            data.texts.append(record.text)
            data.labels.append(label)
            data.acts.append(acts if isinstance(acts, list) else [])
            data.origins.append(record.fields.get("origin", "written"))
            data.lines.append(line)
            data.ids.append(record.fields.get("id"))
    finally:
        source.close()
    if not data.texts:
        raise CorpusError(f"{path}: no labelled statement found (fields {text_field!r} and {label_field!r})")
    if not has_acts:
        data.acts = None  # acts taken from the labels
    return data, skipped, notes, file_sha256(path) if path != "-" else None


@click.command(context_settings=CONTEXT)
@click.option("-m", "--model", "model_path", metavar="DIR", help="Model folder. Default: the bundled model.")
@click.option(
    "-i",
    "--input",
    "input_path",
    metavar="FILE",
    help="Labelled statements (.jsonl or .csv with text and label; acts if known).",
)
@click.option(
    "--documents",
    "documents_path",
    metavar="FILE",
    help="Documents labelled sentence by sentence (JSON Lines: text, sentences with start, end, label, acts).",
)
@click.option("--text-field", default="text", show_default=True, help="Field or column holding the statement.")
@click.option("--label-field", default="label", show_default=True, help="Field or column holding the true label.")
@click.option(
    "--report", "report_dir", metavar="DIR", help="Write report.md (and pictures with the plots extra) into DIR."
)
@click.option("--errors", "errors_path", metavar="FILE", help="Write the misclassified rows to FILE (.jsonl).")
@click.option("--overwrite", is_flag=True, help="Replace an existing report or errors file.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Print a readable report or the figures as JSON.",
)
def evaluate(model_path, input_path, documents_path, text_field, label_field, report_dir, errors_path, overwrite, fmt):
    """Score a model on labelled statements: per-class report, macro-F1, acts, confusion matrix.

    With --documents, score whole documents sentence by sentence: accuracy and
    macro-F1 per sentence, and how often each document's acts are found.

    \b
    Examples (from the repository root):
      communique evaluate --input examples/labelled.jsonl --report eval/
      communique evaluate --documents corpus/documents.jsonl
    """
    from ..base.files import check_output_file, check_output_folder, write_text_atomic
    from ..evaluation.scoring import evaluate_model
    from ..models.loading import load_model
    from ..outputs.reports import write_evaluation_report

    if not input_path and not documents_path:
        raise click.UsageError("give --input FILE (labelled statements), --documents FILE, or both")
    if report_dir:
        check_output_folder(report_dir, overwrite=overwrite, marker="report.md", what="report")
    if errors_path:
        check_output_file(errors_path, overwrite=overwrite, what="errors file")
    model = load_model(model_path)
    result, out = None, {}
    if input_path:
        data, skipped, notes, sha = _read_labelled(input_path, text_field, label_field)
        if sha and sha == model.metadata.get("training", {}).get("corpus", {}).get("sha256"):
            notes.append(
                f"{input_path} is the corpus this model was trained on: these figures measure how well it fits "
                "its training data, not how well it classifies new statements (see report.md in the model folder)"
            )
        unknown = sorted(set(data.labels) - set(model.classes_))
        if unknown:
            notes.append(f"labels the model does not know (always missed): {', '.join(unknown)}")
        result = evaluate_model(model, data)
        out = {
            "rows": result.rows,
            "skipped": skipped,
            "notes": notes,
            **result.to_dict(),
            "errors": len(result.errors),
        }
    documents = None
    if documents_path:
        from ..corpus.documents import read_labelled_documents
        from ..evaluation.documents import evaluate_documents

        documents = evaluate_documents(model, read_labelled_documents(documents_path))
        out["documents"] = documents.to_dict()
    if errors_path and result is not None:
        write_text_atomic(errors_path, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in result.errors))
    if report_dir and result is not None:
        write_evaluation_report(Path(report_dir), model, input_path, result, documents)
    if fmt == "json":
        click.echo(json.dumps(out, indent=2))
        return
    if result is not None:
        _print_statements(input_path, out, result)
    if documents is not None:
        _print_documents(documents_path, documents)
    for note in out.get("notes", []):
        click.echo(f"note: {note}", err=True)
    if report_dir:
        click.echo(f"report: {Path(report_dir) / 'report.md'}")
    if errors_path:
        click.echo(f"misclassified rows: {errors_path}")


def _print_statements(path: str, out: dict, result) -> None:
    click.echo(f"{path}: {result.rows} statements" + (f", {out['skipped']} rows skipped" if out["skipped"] else ""))
    click.echo(per_class_table(result.metrics).text())
    if result.by_origin:
        click.echo("\n" + origin_table(result.by_origin).text())
    if result.acts:
        click.echo("\n" + act_table(result.acts).text())
        mixed = result.mixed or {}
        if mixed.get("statements"):
            click.echo(
                f"statements with 2+ acts: {mixed['statements']}, label right {mixed['label_accuracy']:.3f}, "
                f"every act found {mixed['acts_all_found']:.3f}"
            )
    click.echo("\n" + confusion_table(result.metrics).text())
    cal = result.calibration
    click.echo(f"\nexpected calibration error {cal['ece']:.4f}, Brier score {cal['brier']:.4f}")
    if result.no_known_terms:
        click.echo(f"{result.no_known_terms} statement(s) had no word the model knows")


def _print_documents(path: str, documents) -> None:
    click.echo(f"\n{path}: {documents.documents} documents, {documents.sentences} sentences")
    click.echo(documents_table(documents).text())
    click.echo(per_class_table(documents.metrics).text())
