"""Batch classification: streamed, in order, in bounded memory, optionally parallel.

The main process decodes the input into raw records and writes results; the
work in between (parsing, tokenizing, scoring, serialising) runs on chunks of
rows, in the main process or in ``jobs`` worker processes. At most two chunks
per worker are in flight, so memory stays flat whatever the input size, and
chunks are written in input order.

A file output is written to ``OUTPUT.partial`` and renamed when complete, so
a file with the final name is always whole. After each chunk a checkpoint
(``OUTPUT.partial.json``) records how many input rows and output bytes are
done; ``resume=True`` truncates the partial file to that point and goes on,
giving the same bytes as an uninterrupted run.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import re
import shutil
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .io import InputSpec, Record, RowWriter, open_input, output_format, parse_record, raw_records
from .model import Model, load_model

__all__ = ["BatchSummary", "classify_file", "classify_records"]

CHUNK_SIZE = 2000
CHECKPOINT_SECONDS = 1.0
_SURROGATES = re.compile("[\ud800-\udfff]")


def _encode(text: str) -> bytes:
    """UTF-8 bytes of output text; undecodable input bytes become U+FFFD so the output stays valid UTF-8."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text).encode("utf-8")


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


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to turn raw records into output text."""

    spec: InputSpec
    header: list[str] | None
    writer: RowWriter
    strict: bool = False
    explain: bool = False
    by_sentence: bool = False


def classify_records(
    model: Model, records: list[Record], *, explain: bool = False, by_sentence: bool = False
) -> list[dict[str, Any]]:
    """Result rows for parsed records: the input fields plus label, confidence and scores (or error)."""
    good = [r for r in records if r.error is None]
    if by_sentence:
        from .document import classify_document

        results: Iterable[dict[str, Any]] = (classify_document(r.text, model, explain=explain).to_dict() for r in good)
    else:
        results = (p.to_dict() for p in model.predict([r.text for r in good], explain=explain))
    rows = []
    it = iter(results)
    for record in records:
        row = dict(record.fields)
        if record.error is None:
            row.update(next(it))
            row.pop("error", None)
        else:
            row.update(label=None, confidence=None, scores=None, error=record.error)
        rows.append(row)
    return rows


_WORKER_MODEL: Model | None = None


def _init_worker(model_path: str) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = load_model(model_path)


@dataclass
class ChunkResult:
    """What one chunk produced: output text, the rows it holds, and their counts."""

    text: str
    rows: int
    labels: Counter
    errors: int
    first_error: str | None


def run_chunk(job: Job, chunk: list[tuple[int, Any]], model: Model | None = None) -> ChunkResult:
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
    if job.explain or job.by_sentence:
        rows = classify_records(model, records, explain=job.explain, by_sentence=job.by_sentence)
        labels = Counter(row["label"] for row in rows if row.get("error") is None)
        return ChunkResult(job.writer.rows(rows), len(rows), labels, errors, first_error)
    texts = [r.text for r in records if r.error is None]
    probabilities = model.predict_proba(texts) if texts else np.zeros((0, len(model.labels)))
    counts = np.bincount(probabilities.argmax(axis=1), minlength=len(model.labels)) if texts else []
    labels = Counter({label: int(n) for label, n in zip(model.labels, counts) if n})
    return ChunkResult(job.writer.results(records, probabilities), len(records), labels, errors, first_error)


def _chunks(records: Iterator[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Progress:
    """A one-line progress display on stderr: rows, rows/s, share of input read."""

    def __init__(self, enabled: bool, total_bytes: int | None):
        self.enabled = enabled
        self.total = total_bytes
        self.started = time.perf_counter()
        self.last = 0.0

    def update(self, rows: int, bytes_read: int, final: bool = False) -> None:
        now = time.perf_counter()
        if not self.enabled or (not final and now - self.last < 0.2):
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        text = f"\r{rows:,} rows  {rows / elapsed:,.0f} rows/s"
        if self.total:
            share = min(bytes_read / self.total, 1.0)
            remaining = elapsed * (1 - share) / share if share > 0 else 0
            text += f"  {share:6.1%}  about {remaining:,.0f} s left"
        sys.stderr.write(text.ljust(70) + ("\n" if final else ""))
        sys.stderr.flush()


def _checkpoint_path(partial: Path) -> Path:
    return partial.with_name(partial.name + ".json")


def _fingerprint(spec: InputSpec, job: Job, model: Model) -> str:
    stat = os.stat(spec.path)
    key = json.dumps(
        [
            os.path.abspath(spec.path),
            stat.st_size,
            stat.st_mtime_ns,
            spec.format,
            spec.text_field,
            spec.encoding,
            spec.max_chars,
            job.writer.format,
            job.explain,
            job.by_sentence,
            model.metadata.get("files"),
        ],
        sort_keys=True,
    )
    return hashlib.sha256(key.encode()).hexdigest()


def classify_file(
    input_path: str,
    output_path: str,
    *,
    model: Model | str | Path | None = None,
    input_format: str | None = None,
    output_format_: str | None = None,
    text_field: str = "text",
    encoding: str = "utf-8",
    max_chars: int = 100_000,
    jobs: int = 1,
    chunk_size: int = CHUNK_SIZE,
    strict: bool = False,
    resume: bool = False,
    explain: bool = False,
    by_sentence: bool = False,
    progress: bool = False,
    on_chunk: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Classify every row of ``input_path`` into ``output_path``.

    Parameters
    ----------
    input_path, output_path : str
        Files, or ``"-"`` for stdin/stdout. Formats come from the extensions
        (``.txt``, ``.csv``, ``.jsonl``, each optionally ``.gz``) unless given.
    model : Model or path, optional
        Default: the bundled model.
    text_field : str
        CSV column or JSON field holding the statement.
    jobs : int
        Worker processes; ``-1`` for one per core.
    strict : bool
        Stop at the first bad row (raising InputError) instead of writing it
        as a row with an ``error`` field.
    resume : bool
        Continue an interrupted run from ``OUTPUT.partial``.
    on_chunk : callable, optional
        Called with the number of rows done after each chunk is written.

    Returns
    -------
    BatchSummary
    """
    from .io import format_of

    started = time.perf_counter()
    if resume and (input_path == "-" or output_path == "-"):
        raise InputError("--resume needs a file for --input and for --output: a pipe cannot be read or written twice")
    if not isinstance(model, Model):
        model = load_model(model)
    spec = InputSpec(input_path, format_of(input_path, input_format), text_field, encoding, max_chars)
    out_format = output_format(output_path, output_format_)
    source = open_input(spec)
    summary = BatchSummary()
    try:
        header, records = raw_records(source)
        extra = ("explanation",) if explain else ()
        extra += ("sentences",) if by_sentence else ()
        columns = header if spec.format == "csv" else None
        if spec.format == "jsonl" and out_format == "csv":
            # CSV needs its columns up front: take the first row's fields.
            first = next(records, None)
            if first is not None:
                records = itertools.chain([first], records)
                parsed = parse_record(spec, None, *first)
                columns = list(parsed.fields) or None
        writer = RowWriter(out_format, columns, extra, model.labels)
        job = Job(spec, header, writer, strict, explain, by_sentence)
        if output_path == "-":
            sink = sys.stdout.buffer
            sink.write(_encode(writer.header()))
            _run(job, records, model, jobs, chunk_size, summary, sink, None, source, progress, on_chunk)
            sink.flush()
        else:
            _run_to_file(
                job, records, model, jobs, chunk_size, summary, Path(output_path), source, progress, resume, on_chunk
            )
    finally:
        source.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _run_to_file(job, records, model, jobs, chunk_size, summary, output: Path, source, progress, resume, on_chunk):
    partial = output.with_name(output.name + ".partial")
    checkpoint_file = _checkpoint_path(partial)
    fingerprint = _fingerprint(job.spec, job, model) if job.spec.path != "-" else None
    done_rows = done_bytes = 0
    if resume and partial.exists() and checkpoint_file.exists():
        checkpoint = json.loads(checkpoint_file.read_text())
        if checkpoint.get("fingerprint") != fingerprint:
            raise InputError(
                f"{partial}: was written from another input, model or set of options; "
                "rerun without --resume to start again"
            )
        done_rows, done_bytes = checkpoint["rows"], checkpoint["bytes"]
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(partial, "r+b" if done_bytes else "wb") as sink:
        if done_bytes:
            sink.truncate(done_bytes)
            sink.seek(done_bytes)
            skipped = sum(1 for _ in _take(records, done_rows))
            summary.resumed_rows = skipped
        else:
            sink.write(_encode(job.writer.header()))

        last_sync = 0.0

        def checkpoint(rows_done: int) -> None:
            nonlocal last_sync
            sink.flush()
            # A checkpoint may only point at bytes already on disk, so it follows an fsync;
            # one a second bounds that cost. A killed run redoes at most a second of rows.
            if rows_done and time.monotonic() - last_sync < CHECKPOINT_SECONDS:
                return
            os.fsync(sink.fileno())
            last_sync = time.monotonic()
            state = {"fingerprint": fingerprint, "rows": done_rows + rows_done, "bytes": sink.tell()}
            temporary = checkpoint_file.with_name(checkpoint_file.name + ".tmp")
            temporary.write_text(json.dumps(state))
            os.replace(temporary, checkpoint_file)
            if on_chunk:
                on_chunk(done_rows + rows_done)

        checkpoint(0)
        _run(job, records, model, jobs, chunk_size, summary, sink, checkpoint, source, progress, None)
    if output.name.lower().endswith(".gz"):
        # The partial file is plain text so that it can be truncated and
        # resumed; the final file is compressed in one pass (mtime 0, so the
        # bytes do not depend on when the run ended).
        temporary = output.with_name(output.name + ".tmp")
        with (
            open(partial, "rb") as plain,
            open(temporary, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
        ):
            shutil.copyfileobj(plain, packed, 1 << 20)
        os.replace(temporary, output)
        partial.unlink()
    else:
        os.replace(partial, output)
    checkpoint_file.unlink(missing_ok=True)


def _take(iterator: Iterator, n: int) -> Iterator:
    for _ in range(n):
        try:
            yield next(iterator)
        except StopIteration:
            return


def _run(job, records, model, jobs, chunk_size, summary, sink, checkpoint, source, progress, on_chunk):
    bar = Progress(progress and job.spec.path != "-", source.size)
    rows_done = 0

    def consume(result: ChunkResult) -> None:
        nonlocal rows_done
        sink.write(_encode(result.text))
        rows_done += result.rows
        summary.rows += result.rows
        summary.labels.update(result.labels)
        summary.errors += result.errors
        summary.first_error = summary.first_error or result.first_error
        if checkpoint:
            checkpoint(rows_done)
        if on_chunk:
            on_chunk(rows_done)
        bar.update(summary.rows, source.bytes_read)
        if job.strict and result.first_error:
            raise InputError(f"{job.spec.path}:{result.first_error.removeprefix('line ')}")

    workers = (os.cpu_count() or 1) if jobs == -1 else max(jobs, 1)
    chunks = _chunks(records, chunk_size)
    if workers == 1:
        for chunk in chunks:
            consume(run_chunk(job, chunk, model))
    else:
        if model.path is None:
            raise InputError("jobs > 1 needs a model saved in a folder")
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(str(model.path),)) as pool:
            pending: deque[Future] = deque()
            for chunk in chunks:
                pending.append(pool.submit(run_chunk, job, chunk))
                if len(pending) >= 2 * workers:
                    consume(pending.popleft().result())
            while pending:
                consume(pending.popleft().result())
    bar.update(summary.rows, source.bytes_read, final=True)
