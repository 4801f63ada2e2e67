"""Reading statements from text, CSV and JSON Lines files, in bounded memory.

Reading is split in two steps so that the costly one can run in worker
processes: :func:`raw_records` decodes the file into raw records in the main
process (one line of a ``.txt`` or ``.jsonl`` file, one parsed row of a CSV
file), and :func:`parse_record` turns a raw record into the fields to keep and
the text to classify, or an error that names the line and the reason.

A bad row never stops reading: it becomes a record with an ``error``. Only a
problem with the whole file (no such file, a folder, a CSV header or a first
JSON object without the text field) is raised, as
:class:`~communique.errors.InputError`, before any row is classified.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from ..errors import InputError
from ..outputs.serialise import RESERVED

__all__ = [
    "MAX_CHARS",
    "InputFile",
    "InputSpec",
    "Record",
    "check_text",
    "format_of",
    "open_input",
    "output_format",
    "parse_record",
    "raw_records",
]

FORMATS = ("txt", "csv", "jsonl")
OUTPUT_FORMATS = ("jsonl", "csv")
EXTENSIONS = {".txt": "txt", ".text": "txt", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
MAX_CHARS = 100_000

# Lone surrogates are what undecodable bytes become under "surrogateescape".
_UNDECODABLE = re.compile("[\udc80-\udcff]")
SURROGATES = re.compile("[\ud800-\udfff]")

csv.field_size_limit(2**31 - 1)  # the row-length limit is ours (max_chars), not the csv module's


def _extension(path: str) -> str:
    """The extension that names a file's format, lowercased, looking through ``.gz``."""
    name = path[:-3] if path.lower().endswith(".gz") else path
    return os.path.splitext(name)[1].lower()


def format_of(path: str, explicit: str | None = None) -> str:
    """The format of a file: ``explicit`` if given, else from its extension (``.gz`` looked through)."""
    if explicit:
        if explicit not in FORMATS:
            raise InputError(f"unknown format {explicit!r}; use one of {', '.join(FORMATS)}")
        return explicit
    if path == "-":
        return "txt"
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder; give a file (.txt, .csv or .jsonl, optionally .gz)")
    suffix = _extension(path)
    if suffix not in EXTENSIONS:
        raise InputError(
            f"{path}: cannot tell the format from the extension {suffix or '(none)'!r}; "
            f"name it .txt, .csv or .jsonl (optionally .gz), or pass --input-format"
        )
    return EXTENSIONS[suffix]


@dataclass(frozen=True)
class InputSpec:
    """How to read one input: its format and where the text is."""

    path: str
    format: str
    text_field: str = "text"
    encoding: str = "utf-8"
    max_chars: int = MAX_CHARS


@dataclass(slots=True)
class Record:
    """One input row: the fields to keep, the text to classify, or an error."""

    line: int
    fields: dict[str, Any]
    text: str | None = None
    error: str | None = None
    # The JSON object as it stood in a .jsonl input, so that results can be
    # appended to it without encoding the input fields again.
    source: str | None = None


class _CountingReader(io.RawIOBase):
    """Counts the bytes taken from the file on disk, for a progress estimate."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n or 0


class InputFile:
    """An open input: a text stream plus the byte count for progress."""

    def __init__(self, spec: InputSpec):
        self.spec = spec
        if spec.path == "-":
            raw = sys.stdin.buffer
            self.size = None
        else:
            if os.path.isdir(spec.path):
                raise InputError(f"{spec.path}: is a folder; give a file")
            try:
                raw = open(spec.path, "rb")  # noqa: SIM115 - closed in close()
            except OSError as exc:
                raise InputError(f"{spec.path}: cannot open ({exc.strerror})") from None
            self.size = os.fstat(raw.fileno()).st_size
        self._raw = raw
        self._counter = _CountingReader(raw)
        binary: IO[bytes] = io.BufferedReader(self._counter, 1 << 16)
        if spec.path.lower().endswith(".gz"):
            binary = gzip.GzipFile(fileobj=binary, mode="rb")
        try:
            self.text = io.TextIOWrapper(binary, encoding=spec.encoding, errors="surrogateescape", newline="\n")
        except LookupError:
            raise InputError(f"unknown encoding {spec.encoding!r}") from None

    @property
    def bytes_read(self) -> int:
        return self._counter.count

    def close(self) -> None:
        if self._raw is not sys.stdin.buffer:
            self._raw.close()


def open_input(spec: InputSpec) -> InputFile:
    return InputFile(spec)


def _lines(source: InputFile) -> Iterator[str]:
    try:
        first = True
        for line in source.text:
            if first:
                line = line.removeprefix("\ufeff")
                first = False
            yield line
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{source.spec.path}: cannot be read ({exc})") from None


def raw_records(source: InputFile) -> tuple[list[str] | None, Iterator[tuple[int, Any]]]:
    """The CSV header (or None) and an iterator of (line number, raw record).

    A raw record is a line (``txt``, ``jsonl``) or a list of CSV fields.
    Raises InputError at once for a CSV without the text column.
    """
    spec = source.spec
    lines = _lines(source)
    if spec.format == "txt":
        return None, ((n, line.rstrip("\r\n")) for n, line in enumerate(lines, 1))
    if spec.format == "jsonl":
        return None, _checked_jsonl(spec, enumerate(lines, 1))

    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return [], iter(())
    except csv.Error as exc:
        raise InputError(f"{spec.path}:1: the CSV header cannot be read ({exc})") from None
    if spec.text_field not in header:
        raise InputError(
            f"{spec.path}:1: no column {spec.text_field!r}; columns found: {', '.join(header) or '(none)'} "
            "(choose one with --text-column)"
        )

    def rows() -> Iterator[tuple[int, Any]]:
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                row = exc  # kept in place as an error row
            yield start, row
            start = reader.line_num + 1

    return header, rows()


# How many lines to look through for the first JSON object before giving up the check.
_FIRST_OBJECT_WITHIN = 1000


def _checked_jsonl(spec: InputSpec, numbered: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """The lines of a JSON Lines input; refuses it now if its first object lacks the text field.

    The lines read to find that object are kept and given back first, so the
    check costs no row.
    """
    held = []
    for number, line in numbered:
        held.append((number, line))
        try:
            first = _parse_json(line) if line.strip() else None
        except ValueError:
            first = None
        if isinstance(first, dict):
            if spec.text_field not in first:
                raise InputError(
                    f"{spec.path}:{number}: no field {spec.text_field!r}; fields found: "
                    f"{', '.join(first) or '(none)'} (choose one with --text-field)"
                )
            break
        if len(held) >= _FIRST_OBJECT_WITHIN:
            break
    return itertools.chain(held, numbered)


def check_text(text: Any, field: str, spec: InputSpec) -> str | None:
    """The reason ``text`` cannot be classified, or None."""
    if not isinstance(text, str):
        return f"field {field!r} is {type(text).__name__}, not a string"
    if len(text) > spec.max_chars:
        return f"field {field!r} has {len(text):,} characters, over the limit of {spec.max_chars:,} (--max-chars)"
    if not text.strip():
        return f"field {field!r} is empty"
    if "\x00" in text:
        return f"field {field!r} contains NUL bytes (binary data?)"
    if text.isascii():
        return None
    if _UNDECODABLE.search(text):
        bad = _UNDECODABLE.search(text).group().encode("utf-8", "surrogateescape")
        return f"invalid {spec.encoding} (byte 0x{bad.hex()}); pass the right --encoding"
    if SURROGATES.search(text):
        return f"field {field!r} holds an unpaired UTF-16 surrogate"
    return None


_scan_once = json.JSONDecoder().scan_once


def _parse_json(text: str) -> Any:
    """json.loads, calling the C scanner directly for the usual line that starts with an object."""
    if text.startswith("{"):
        try:
            value, end = _scan_once(text, 0)
        except StopIteration:
            value, end = None, -1
        if end > 0 and not text[end:].strip():
            return value
    return json.loads(text)


def parse_record(spec: InputSpec, header: list[str] | None, line: int, raw: Any) -> Record:
    """Turn one raw record into a :class:`Record` (never raises for bad data)."""
    field = spec.text_field
    if spec.format == "txt":
        fields: dict[str, Any] = {"text": raw}
        value: Any = raw
        field = "text"
    elif spec.format == "jsonl":
        if not raw.strip():
            return Record(line, {}, error=f"line {line}: empty line")
        try:
            parsed = _parse_json(raw)
        except ValueError as exc:
            reason = "invalid UTF-8" if _UNDECODABLE.search(raw) else f"not valid JSON ({getattr(exc, 'msg', exc)})"
            return Record(line, {}, error=f"line {line}: {reason}")
        if not isinstance(parsed, dict):
            return Record(line, {}, error=f"line {line}: a JSON {type(parsed).__name__}, not an object")
        fields = parsed
        if field not in parsed:
            return Record(
                line, fields, error=f"line {line}: no field {field!r} (fields: {', '.join(parsed) or 'none'})"
            )
        value = parsed[field]
    else:
        if isinstance(raw, Exception):
            return Record(line, {}, error=f"line {line}: CSV row cannot be parsed ({raw})")
        fields = dict(zip(header, raw))
        if len(raw) != len(header):
            return Record(line, fields, error=f"line {line}: {len(raw)} fields where the header has {len(header)}")
        value = fields[field]
    problem = check_text(value, field, spec)
    if problem:
        return Record(line, fields, error=f"line {line}: {problem}")
    # The raw line can be reused for the output only when it holds no field the results replace.
    source = raw.strip() if spec.format == "jsonl" and fields and not RESERVED & fields.keys() else None
    return Record(line, fields, text=value, source=source)


def output_format(path: str, explicit: str | None = None) -> str:
    """``jsonl`` or ``csv``: from ``explicit`` or the output file's extension, refusing a disagreement."""
    if path == "-":
        return explicit or "jsonl"
    suffix = _extension(path)
    implied = EXTENSIONS.get(suffix)
    if explicit and implied and implied != explicit:
        raise InputError(f"{path}: the extension says {implied} but --format says {explicit}; make them agree")
    fmt = explicit or implied
    if fmt not in OUTPUT_FORMATS:
        raise InputError(
            f"{path}: results are written as .jsonl or .csv (optionally .gz), not {suffix or 'no extension'}"
        )
    return fmt
