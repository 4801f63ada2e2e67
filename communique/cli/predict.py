"""``communique predict``: statements given as arguments, from stdin, from files, or whole documents."""

from __future__ import annotations

import gzip
import signal
import sys
from pathlib import Path
from typing import Any

import click

from ..batch.inputs import MAX_CHARS, InputSpec, check_text
from ..batch.run import CHUNK_SIZE
from ..errors import CommuniqueError
from ..models.model import Model
from ..outputs.serialise import RowWriter
from .common import CONTEXT, JOBS, POSITIVE, explanation_lines, label_cell, table


def _terminate_as_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _arguments(texts: list[str], model: Model, fmt: str, explain: bool) -> None:
    """Statements given on the command line or read from stdin; a blank one is an error row, kept in place."""
    spec = InputSpec("-", "txt", "text", max_chars=MAX_CHARS)
    problems = [check_text(t, "text", spec) for t in texts]
    good = [t for t, p in zip(texts, problems) if p is None]
    predictions = iter(model.predict(good, explain=explain) if good else [])
    results = [(t, next(predictions) if p is None else None, p) for t, p in zip(texts, problems)]
    if fmt == "table":
        rows = [
            (label_cell(r, model.scheme.background), f"{r.confidence:.2f}", t)
            if r
            else ("(error)", "", f"statement {n}: {p}")
            for n, (t, r, p) in enumerate(results, 1)
        ]
        click.echo(table(rows, ("label", "confidence", "text")))
        if explain:
            for t, r, _ in results:
                if r:
                    click.echo(f"{r.label}: {' '.join(t.split())[:60]}")
                    click.echo("\n".join(explanation_lines(r)))
        return
    writer = RowWriter(fmt, ["text"], model.classes_, ("explanation",) if explain else ())
    pairs = [
        ({"text": t}, r.to_dict() if r else {"error": f"statement {n}: {p}"}) for n, (t, r, p) in enumerate(results, 1)
    ]
    click.echo(writer.header() + writer.rows(pairs), nl=False)


def _documents(documents: list[tuple[str, str]], model: Model, fmt: str, explain: bool, output: str) -> None:
    """Each (name, text) classified sentence by sentence; a table each, or one row each."""
    from ..documents.document import classify_document

    results = [(name, classify_document(text, model, explain=explain)) for name, text in documents]
    if fmt != "table":
        writer = RowWriter(fmt, ["document"], model.classes_, ("sentences",))
        text = writer.header() + writer.rows([({"document": name}, doc.to_dict()) for name, doc in results])
        if output == "-":
            click.echo(text, nl=False)
        else:
            from ..base.files import atomic_write

            data = text.encode("utf-8")
            if output.lower().endswith(".gz"):
                data = gzip.compress(data, mtime=0)  # mtime 0: the same documents give the same bytes
            atomic_write(output, lambda f: f.write(data))
        return
    for k, (name, doc) in enumerate(results):
        if k:
            click.echo()
        if len(results) > 1 or name != "(argument)":
            click.echo(f"== {name}")
        rows = [
            (
                label_cell(s.prediction, model.scheme.background),
                f"{s.prediction.confidence:.2f}",
                f"{s.number} {s.text}",
            )
            for s in doc.sentences
        ]
        click.echo(table(rows, ("label", "confidence", "sentence")))
        if explain:
            for s in doc.sentences:
                click.echo(f"{s.number}:")
                click.echo("\n".join(explanation_lines(s.prediction)))
        acts = "; ".join(f"{act} (sentences {', '.join(map(str, n))})" for act, n in doc.acts.items())
        click.echo(f"document: {doc.label}" + (f"  acts: {acts}" if acts else ""))


def _batch(input_path: str, output_path: str, model_path: str | None, options: dict[str, Any], quiet: bool) -> None:
    from ..batch.run import classify_file

    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        summary = classify_file(
            input_path, output_path, model=model_path, progress=not quiet and sys.stderr.isatty(), **options
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
        if options.get("strict") and output_path != "-" and Path(output_path + ".partial").exists():
            raise click.ClickException(
                f"{exc} (the rows before it are kept in {output_path}.partial; fix the row and rerun the same "
                "command with --resume)"
            ) from None
        raise
    if not quiet:
        click.echo(summary.line(), err=True)


def _dask(
    input_path: str, output_path: str, scheduler: str, model_path: str | None, options: dict, quiet: bool
) -> None:
    from ..integrations.dask_support import predict_files

    parts = predict_files(input_path, output_path, scheduler, model_path=model_path, **options)
    if not quiet:
        rows, errors = sum(p["rows"] for p in parts), sum(p["errors"] for p in parts)
        click.echo(f"{len(parts)} part(s), {rows:,} rows ({errors:,} with errors) in {output_path}", err=True)


def _read_documents(paths: tuple[str, ...], encoding: str) -> list[tuple[str, str]]:
    from ..base.files import check_input_file

    documents = []
    for path in paths:
        if path == "-":
            documents.append(("-", sys.stdin.read()))
            continue
        check_input_file(path, "document")
        try:
            documents.append((path, Path(path).read_text(encoding=encoding)))
        except UnicodeDecodeError as exc:
            raise click.ClickException(
                f"{path}: not valid {encoding} at byte {exc.start}; pass the right --encoding"
            ) from None
    return documents


def _check_sources(texts, input_path, documents, output_path, dask_scheduler) -> None:
    """Exactly one of arguments, --input and --document, and the options that go with it."""
    sources = sum(bool(x) for x in (texts, input_path, documents))
    if sources > 1:
        raise click.UsageError("give statements as arguments, --input FILE or --document FILE, only one of them")
    if not sources:
        raise click.UsageError(
            'nothing to classify: give a statement, "-" to read stdin, --input FILE or --document FILE'
        )
    if dask_scheduler and not input_path:
        raise click.UsageError("--dask-scheduler needs --input (a file or a glob)")
    if output_path != "-" and not (input_path or documents):
        raise click.UsageError(
            "--output is for --input or --document; statements given as arguments print to the terminal"
        )


@click.command(context_settings=CONTEXT)
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
    help="Where results of --input or --document go (.jsonl or .csv, optionally .gz; - for stdout).",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "jsonl", "csv"]),
    help="Output format: table (default for arguments and documents) or jsonl/csv (batch: default from --output's extension).",
)
@click.option("-m", "--model", "model_path", metavar="DIR", help="Model folder. Default: the bundled model.")
@click.option(
    "-d",
    "--document",
    "documents",
    multiple=True,
    metavar="FILE",
    help="Classify FILE as one document, sentence by sentence (repeat for several files; - for stdin).",
)
@click.option(
    "--by-sentence",
    is_flag=True,
    help="Split each statement or row into sentences, classify each, and summarise it as a document.",
)
@click.option("--explain", is_flag=True, help="Show the n-grams that pushed each label, or each act found.")
@click.option("--text-column", default="text", show_default=True, help="CSV column holding the statement.")
@click.option("--text-field", default="text", show_default=True, help="JSON Lines field holding the statement.")
@click.option(
    "--input-format",
    type=click.Choice(["txt", "csv", "jsonl"]),
    help="Format of --input when its extension does not say (stdin is read as txt).",
)
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of --input and --document files.")
@click.option(
    "--max-chars",
    default=MAX_CHARS,
    show_default=True,
    type=POSITIVE,
    help="Longest text classified; a longer row gets an error.",
)
@click.option(
    "-j", "--jobs", default=1, show_default=True, type=JOBS, help="Worker processes for --input; -1 uses every core."
)
@click.option(
    "--chunk-size", default=CHUNK_SIZE, show_default=True, type=POSITIVE, help="Rows classified and written at a time."
)
@click.option(
    "--strict", is_flag=True, help="Stop at the first bad row (exit 1) instead of writing it with an error field."
)
@click.option("--resume", is_flag=True, help="Continue an interrupted --input run from OUTPUT.partial.")
@click.option(
    "--overwrite", is_flag=True, help="Replace an existing output (even the input), or discard an interrupted run."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress line and no summary.")
@click.option(
    "--dask-scheduler",
    metavar="ADDRESS",
    help="Classify --input files (a glob) on a Dask cluster (or 'local'); --output is then a folder.",
)
def predict(
    texts,
    input_path,
    output_path,
    fmt,
    model_path,
    documents,
    by_sentence,
    explain,
    text_column,
    text_field,
    input_format,
    encoding,
    max_chars,
    jobs,
    chunk_size,
    strict,
    resume,
    overwrite,
    quiet,
    dask_scheduler,
):
    """Classify statements given as arguments, read from stdin, in a file, or whole documents.

    \b
    Examples (the files named are yours):
      communique predict "The accusations are groundless and politically motivated."
      communique predict --explain --format jsonl "We will respond firmly."
      echo "NATO stands with Czechia." | communique predict -
      communique predict --input statements.csv --text-column body --output labelled.csv
      communique predict --input feed.jsonl.gz --output labelled.jsonl.gz --jobs -1
      communique predict --document article.txt --document briefing.txt

    A statement's label is the strongest act it performs, in the codebook's
    precedence; weaker acts found are shown after it (+solidarity) and given
    in `acts`. A label ending in ? means the model knew no word of the text.

    Batch output keeps every input field and adds label, confidence, scores
    (label -> probability), acts, known_terms and error (for a row that could
    not be classified; input fields with these names are replaced). It is
    written to OUTPUT.partial and renamed when complete; after an
    interruption, --resume continues from there. An existing output is never
    replaced without --overwrite.

    --by-sentence treats each statement or row as a document; --document
    treats each whole file as one. Sentences are numbered from 1.
    """
    from ..models.loading import load_model

    _check_sources(texts, input_path, documents, output_path, dask_scheduler)
    if input_path:
        if fmt == "table":
            raise click.UsageError("--format table is for statements given as arguments; batch output is jsonl or csv")
        from ..batch.inputs import format_of

        input_fmt = format_of(input_path, input_format)
        options = dict(
            input_format=input_fmt,
            output_format=fmt,
            text_field=text_column if input_fmt == "csv" else text_field,
            encoding=encoding,
            max_chars=max_chars,
            strict=strict,
            overwrite=overwrite,
            explain=explain,
            by_sentence=by_sentence,
        )
        if dask_scheduler:
            _dask(input_path, output_path, dask_scheduler, model_path, options, quiet)
        else:
            options |= dict(jobs=jobs, chunk_size=chunk_size, resume=resume)
            _batch(input_path, output_path, model_path, options, quiet)
        return
    if documents:
        if output_path != "-":
            from ..base.files import check_output_file
            from ..batch.inputs import output_format

            if fmt == "table":
                raise click.UsageError(
                    "--format table prints to the terminal; documents written to --output are jsonl or csv"
                )
            check_output_file(output_path, overwrite=overwrite)
            fmt = output_format(output_path, fmt)
        loaded = _read_documents(documents, encoding)
        _documents(loaded, load_model(model_path), fmt or "table", explain, output_path)
        return
    model = load_model(model_path)
    if texts == ("-",):
        texts = tuple(line.rstrip("\r\n") for line in sys.stdin)
    if by_sentence:
        _documents([("(argument)", t) for t in texts], model, fmt or "table", explain, "-")
        return
    _arguments(list(texts), model, fmt or "table", explain)
