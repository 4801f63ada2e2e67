"""Batch classification: streamed, in order, in bounded memory, optionally parallel, resumable.

The main process decodes the input into raw records and writes results; the
work in between (parsing, tokenizing, scoring, serialising) runs on chunks of
rows, in the main process or in ``jobs`` worker processes. At most two chunks
per worker are in flight, so memory stays flat whatever the input size, and
chunks are written in input order.

A file output is written to ``OUTPUT.partial`` and renamed when complete, so
a file with the final name is always whole. After each chunk a checkpoint
(``OUTPUT.partial.json``) records how many input rows and output bytes are
done, and a digest of those input rows; ``resume`` checks that digest, cuts the
partial file back to the checkpoint and goes on, giving the same bytes as an
uninterrupted run. Because only the rows already done must be unchanged, a bad
row that stopped a ``strict`` run can be fixed and the run resumed.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import shutil
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..base.files import check_output_file
from ..errors import InputError, OutputError
from ..models.loading import load_model
from ..models.model import Model
from ..outputs.serialise import RowWriter
from .inputs import (
    MAX_CHARS,
    SURROGATES,
    InputFile,
    InputSpec,
    format_of,
    open_input,
    output_format,
    parse_record,
    raw_records,
)
from .progress import Progress

__all__ = ["CHUNK_SIZE", "BatchOptions", "BatchSummary", "classify_file"]

CHUNK_SIZE = 2000
CHECKPOINT_SECONDS = 1.0


@dataclass(frozen=True)
class BatchOptions:
    """How to read, classify and write one batch run (the options of ``communique predict --input``).

    Parameters
    ----------
    input_format, output_format : str, optional
        ``txt``, ``csv`` or ``jsonl`` (output: ``jsonl`` or ``csv``); default from the extensions.
    text_field : str
        CSV column or JSON field holding the statement.
    jobs : int
        Worker processes; ``-1`` for one per core.
    strict : bool
        Stop at the first bad row instead of writing it with an ``error`` field.
    resume : bool
        Continue an interrupted run from ``OUTPUT.partial``.
    overwrite : bool
        Replace an existing output (or the input itself), or discard an interrupted run's rows.
    """

    input_format: str | None = None
    output_format: str | None = None
    text_field: str = "text"
    encoding: str = "utf-8"
    max_chars: int = MAX_CHARS
    jobs: int = 1
    chunk_size: int = CHUNK_SIZE
    strict: bool = False
    resume: bool = False
    overwrite: bool = False
    explain: bool = False
    by_sentence: bool = False
    progress: bool = False

    def __post_init__(self) -> None:
        if self.jobs != -1 and self.jobs < 1:
            raise ValueError(f"jobs must be a positive number of processes, or -1 for one per core, not {self.jobs}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {self.chunk_size}")
        if self.max_chars < 1:
            raise ValueError(f"max_chars must be at least 1, not {self.max_chars}")

    @property
    def workers(self) -> int:
        return (os.cpu_count() or 1) if self.jobs == -1 else self.jobs


@dataclass
class BatchSummary:
    """Counts and timing of one batch run."""

    rows: int = 0
    errors: int = 0
    seconds: float = 0.0
    labels: Counter = field(default_factory=Counter)
    resumed_rows: int = 0
    first_error: str | None = None

    def line(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        labels = ", ".join(f"{k} {v:,}" for k, v in self.labels.most_common())
        text = f"{self.rows:,} rows in {self.seconds:.1f} s ({rate:,.0f} rows/s)"
        if labels:
            text += f": {labels}"
        if self.errors:
            text += f"; {self.errors:,} row(s) with errors (first: {self.first_error})"
        if self.resumed_rows:
            text += f"; {self.resumed_rows:,} rows were kept from the interrupted run"
        return text


def _encode(text: str) -> bytes:
    """UTF-8 bytes of output text; undecodable input bytes become U+FFFD so the output stays valid UTF-8."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATES.sub("\ufffd", text).encode("utf-8")


def _digest(raw: Any) -> bytes:
    """A short digest of one raw input record, for checking on resume that finished rows are unchanged."""
    if isinstance(raw, list):
        raw = "\x1f".join(raw)
    elif not isinstance(raw, str):
        raw = repr(raw)
    return hashlib.blake2b(raw.encode("utf-8", "surrogateescape"), digest_size=8).digest()


@dataclass(frozen=True)
class _Job:
    """Everything a worker needs to turn raw records into output text."""

    spec: InputSpec
    header: list[str] | None
    writer: RowWriter
    strict: bool
    explain: bool
    by_sentence: bool


@dataclass
class _ChunkResult:
    """What one chunk produced: output text, the rows it holds, and their counts."""

    text: str
    rows: int
    labels: Counter
    errors: int
    first_error: str | None


_WORKER_MODEL: Model | None = None


def _init_worker(model_path: str) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = load_model(model_path)


def _classify_chunk(job: _Job, chunk: list[tuple[int, Any]], model: Model | None = None) -> _ChunkResult:
    """Parse, classify and serialise one chunk of raw records.

    In strict mode the chunk stops before its first bad row, whose error is
    returned in ``first_error``.
    """
    model = model or _WORKER_MODEL
    records = [parse_record(job.spec, job.header, line, raw) for line, raw in chunk]
    first_error = next((r.error for r in records if r.error), None)
    if job.strict and first_error:
        records = records[: next(i for i, r in enumerate(records) if r.error)]
    errors = sum(1 for r in records if r.error)
    good = [r for r in records if r.error is None]
    if job.explain or job.by_sentence:
        from ..documents.document import classify_document

        outputs = (
            [classify_document(r.text, model, explain=job.explain).to_dict() for r in good]
            if job.by_sentence
            else [p.to_dict() for p in model.predict([r.text for r in good], explain=True)]
        )
        results = iter(outputs)
        pairs = [(r.fields, next(results) if r.error is None else {"error": r.error}) for r in records]
        labels = Counter(out["label"] for out in outputs)
        return _ChunkResult(job.writer.rows(pairs), len(records), labels, errors, first_error)
    scores, known = model.scorer.scores([r.text for r in good])
    probabilities = model.scorer.probabilities(scores)
    decided = model.decide(probabilities)
    counts = np.bincount(decided.labels, minlength=len(model.classes_))
    labels = Counter({label: int(n) for label, n in zip(model.classes_, counts) if n})
    text = job.writer.predictions(records, probabilities, decided.labels, decided.present, known)
    return _ChunkResult(text, len(records), labels, errors, first_error)


def _chunks(
    records: Iterator[tuple[int, Any]], size: int, digests: bool
) -> Iterator[tuple[list[tuple[int, Any]], list[bytes]]]:
    """Chunks of raw records, each with the digests of its records (only a file output checkpoints)."""
    chunk: list[tuple[int, Any]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk, [_digest(raw) for _, raw in chunk] if digests else []
            chunk = []
    if chunk:
        yield chunk, [_digest(raw) for _, raw in chunk] if digests else []


@dataclass
class _Run:
    """The state of one run: what to do, where to write, and what is done."""

    job: _Job
    model: Model
    options: BatchOptions
    source: InputFile
    summary: BatchSummary
    sink: BinaryIO
    checkpoint: Callable[..., None] | None = None
    on_chunk: Callable[[int], None] | None = None
    digest: Any = field(default_factory=hashlib.sha256)


def _consume(run: _Run, result: _ChunkResult, digests: list[bytes], rows_done: int) -> int:
    run.sink.write(_encode(result.text))
    for d in digests[: result.rows]:
        run.digest.update(d)
    rows_done += result.rows
    summary = run.summary
    summary.rows += result.rows
    summary.labels.update(result.labels)
    summary.errors += result.errors
    summary.first_error = summary.first_error or result.first_error
    stopping = run.job.strict and result.first_error is not None
    if run.checkpoint:
        run.checkpoint(rows_done, run.digest.hexdigest(), force=stopping)
    if run.on_chunk:
        run.on_chunk(rows_done)
    if stopping:
        raise InputError(f"{run.job.spec.path}:{result.first_error.removeprefix('line ')}")
    return rows_done


def _stream(run: _Run, records: Iterator[tuple[int, Any]]) -> None:
    bar = Progress(run.options.progress and run.job.spec.path != "-", run.source.size)
    rows_done = 0
    chunks = _chunks(records, run.options.chunk_size, digests=run.checkpoint is not None)
    workers = run.options.workers
    if workers == 1:
        for chunk, digests in chunks:
            rows_done = _consume(run, _classify_chunk(run.job, chunk, run.model), digests, rows_done)
            bar.update(run.summary.rows, run.source.bytes_read)
    else:
        if run.model.path is None:
            raise InputError("jobs > 1 needs a model saved in a folder")
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(str(run.model.path),)) as pool:
            pending: deque[tuple[Future, list[bytes]]] = deque()
            for chunk, digests in chunks:
                pending.append((pool.submit(_classify_chunk, run.job, chunk), digests))
                if len(pending) >= 2 * workers:
                    future, done_digests = pending.popleft()
                    rows_done = _consume(run, future.result(), done_digests, rows_done)
                    bar.update(run.summary.rows, run.source.bytes_read)
            while pending:
                future, done_digests = pending.popleft()
                rows_done = _consume(run, future.result(), done_digests, rows_done)
                bar.update(run.summary.rows, run.source.bytes_read)
    bar.update(run.summary.rows, run.source.bytes_read, final=True)


def _fingerprint(job: _Job, model: Model, options: BatchOptions) -> str:
    """What must not change between a run and its resumption (the input's finished rows are checked apart)."""
    key = json.dumps(
        [
            os.path.abspath(job.spec.path),
            job.spec.format,
            job.spec.text_field,
            job.spec.encoding,
            job.spec.max_chars,
            job.writer.format,
            job.writer.columns,
            options.explain,
            options.by_sentence,
            model.metadata.get("files"),
        ],
        sort_keys=True,
    )
    return hashlib.sha256(key.encode()).hexdigest()


def _partial_paths(output: Path) -> tuple[Path, Path]:
    partial = output.with_name(output.name + ".partial")
    return partial, partial.with_name(partial.name + ".json")


def _check_outputs(input_path: str, output_path: str, options: BatchOptions) -> None:
    """Refuse, before any work, an output that cannot be written or would lose something."""
    if options.resume and (input_path == "-" or output_path == "-"):
        raise InputError("--resume needs a file for --input and for --output: a pipe cannot be read or written twice")
    if output_path == "-":
        return
    output = Path(output_path)
    partial, checkpoint = _partial_paths(output)
    if partial.exists() and not options.resume and not options.overwrite:
        rows = json.loads(checkpoint.read_text()).get("rows", 0) if checkpoint.exists() else 0
        raise OutputError(
            f"{partial}: holds {rows:,} finished rows of an interrupted run; rerun with --resume to continue it, "
            "or with --overwrite to start again"
        )
    resuming = options.resume and partial.exists()
    check_output_file(output, overwrite=options.overwrite or resuming, inputs=[] if input_path == "-" else [input_path])


def _run_to_file(run: _Run, records: Iterator[tuple[int, Any]], output: Path) -> None:
    partial, checkpoint_file = _partial_paths(output)
    fingerprint = _fingerprint(run.job, run.model, run.options)
    done_rows = done_bytes = 0
    expected_digest = None
    if run.options.resume and partial.exists() and checkpoint_file.exists():
        state = json.loads(checkpoint_file.read_text())
        if state.get("fingerprint") != fingerprint:
            raise InputError(
                f"{partial}: was written from another input, model or set of options; rerun with --overwrite "
                "to start again"
            )
        done_rows, done_bytes, expected_digest = state["rows"], state["bytes"], state.get("input_digest")
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(partial, "r+b" if done_bytes else "wb") as sink:
        run.sink = sink
        if done_bytes:
            for _, raw in itertools.islice(records, done_rows):
                run.digest.update(_digest(raw))
                run.summary.resumed_rows += 1
            if run.digest.hexdigest() != expected_digest:
                raise InputError(
                    f"{run.job.spec.path}: its first {done_rows:,} rows changed since the interrupted run; rerun "
                    "with --overwrite to start again"
                )
            sink.truncate(done_bytes)
            sink.seek(done_bytes)
        else:
            sink.write(_encode(run.job.writer.header()))
        last_sync = 0.0

        def checkpoint(rows_done: int, digest: str, force: bool = False) -> None:
            nonlocal last_sync
            sink.flush()
            # A checkpoint may only point at bytes already on disk, so it follows an fsync;
            # one a second bounds that cost. A killed run redoes at most a second of rows.
            if rows_done and not force and time.monotonic() - last_sync < CHECKPOINT_SECONDS:
                return
            os.fsync(sink.fileno())
            last_sync = time.monotonic()
            state = {
                "fingerprint": fingerprint,
                "rows": done_rows + rows_done,
                "bytes": sink.tell(),
                "input_digest": digest,
            }
            temporary = checkpoint_file.with_name(checkpoint_file.name + ".tmp")
            temporary.write_text(json.dumps(state))
            os.replace(temporary, checkpoint_file)

        checkpoint(0, run.digest.hexdigest())
        run.checkpoint = checkpoint
        _stream(run, records)
    _finish(partial, output)
    checkpoint_file.unlink(missing_ok=True)


def _finish(partial: Path, output: Path) -> None:
    """Give the complete partial file its final name (compressed in one pass for ``.gz``)."""
    if not output.name.lower().endswith(".gz"):
        os.replace(partial, output)
        return
    # The partial file is plain text so that it can be truncated and resumed;
    # mtime 0 makes the compressed bytes independent of when the run ended.
    temporary = output.with_name(output.name + ".tmp")
    with (
        open(partial, "rb") as plain,
        open(temporary, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
    ):
        shutil.copyfileobj(plain, packed, 1 << 20)
    os.replace(temporary, output)
    partial.unlink()


def _columns_for(spec: InputSpec, header, records, out_format: str):
    """The input columns of a CSV output, and the records (put back together if one was peeked at)."""
    if spec.format == "csv":
        return header, records
    if spec.format == "jsonl" and out_format == "csv":
        # CSV needs its columns up front: take the first row's fields.
        first = next(records, None)
        if first is not None:
            records = itertools.chain([first], records)
            return list(parse_record(spec, None, *first).fields) or None, records
    return None, records


def classify_file(
    input_path: str,
    output_path: str,
    *,
    model: Model | str | Path | None = None,
    options: BatchOptions | None = None,
    on_chunk: Callable[[int], None] | None = None,
    **settings: Any,
) -> BatchSummary:
    """Classify every row of ``input_path`` into ``output_path``.

    Parameters
    ----------
    input_path, output_path : str
        Files, or ``"-"`` for stdin/stdout. Formats come from the extensions
        (``.txt``, ``.csv``, ``.jsonl``, each optionally ``.gz``) unless given.
    model : Model or path, optional
        Default: the bundled model.
    options : BatchOptions, optional
        How to read, classify and write; keyword ``settings`` (``jobs=2``,
        ``text_field="body"``...) are the same fields given one by one.
    on_chunk : callable, optional
        Called with the number of rows done after each chunk is written.

    Returns
    -------
    BatchSummary

    Raises
    ------
    InputError, OutputError
        For a bad input or output, before any row is classified; for the
        first bad row with ``strict``.
    """
    options = replace(options or BatchOptions(), **settings)
    started = time.perf_counter()
    spec = InputSpec(
        input_path, format_of(input_path, options.input_format), options.text_field, options.encoding, options.max_chars
    )
    _check_outputs(input_path, output_path, options)
    out_format = output_format(output_path, options.output_format)
    if not isinstance(model, Model):
        model = load_model(model)
    source = open_input(spec)
    summary = BatchSummary()
    try:
        header, records = raw_records(source)
        columns, records = _columns_for(spec, header, records, out_format)
        extra = ("explanation",) if options.explain else ()
        extra += ("sentences",) if options.by_sentence else ()
        writer = RowWriter(out_format, columns, model.classes_, extra)
        job = _Job(spec, header, writer, options.strict, options.explain, options.by_sentence)
        if output_path == "-":
            sink = sys.stdout.buffer
            sink.write(_encode(writer.header()))
            _stream(_Run(job, model, options, source, summary, sink, on_chunk=on_chunk), records)
            sink.flush()
        else:
            run = _Run(job, model, options, source, summary, sink=None, on_chunk=on_chunk)  # type: ignore[arg-type]
            _run_to_file(run, records, Path(output_path))
    finally:
        source.close()
    summary.seconds = time.perf_counter() - started
    return summary
