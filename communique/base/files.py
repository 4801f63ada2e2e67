"""Files: hashes, writes that never leave half a file, the bundled data, and checks made before work.

Every check here runs before anything is read or computed, so a mistake in a
path costs the user nothing: no hour of classification thrown away because the
output folder turned out to be a file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError, OutputError

__all__ = [
    "atomic_write",
    "bundled_corpus_path",
    "bundled_model_path",
    "bundled_path",
    "check_input_file",
    "check_output_file",
    "check_output_folder",
    "file_sha256",
    "write_text_atomic",
]

_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def bundled_path(*parts: str) -> Path:
    """A file shipped with communique: inside the installed package, or in the repository checkout."""
    installed = _PACKAGE_DIR.joinpath("_bundled", *parts)
    return installed if installed.exists() else _PACKAGE_DIR.parent.joinpath(*parts)


def bundled_model_path() -> Path:
    """The folder of the bundled default model, wherever communique is installed.

    >>> (bundled_model_path() / "model.json").is_file()
    True
    """
    return bundled_path("models", "default")


def bundled_corpus_path() -> Path:
    """The bundled corpus, ``statements.jsonl``."""
    return bundled_path("corpus", "statements.jsonl")


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write`` on a temporary file beside ``path``, then rename it into place.

    A reader never sees half a file: ``path`` holds the old content or the new.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, "wb") as f:
            write(f)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def check_input_file(path: str | Path, what: str = "input") -> Path:
    """``path`` as a Path if it is a readable file; else an :class:`InputError` saying what it is instead."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the {what} file")
    if not path.exists():
        raise InputError(f"{path}: no such {what} file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: cannot be read (permission denied)")
    return path


def _check_parent(path: Path, what: str) -> None:
    """The nearest existing folder above ``path`` must be a writable folder."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{path}: cannot write the {what} there: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write the {what} in {parent} (permission denied)")


def check_output_file(
    path: str | Path, *, overwrite: bool = False, inputs: Iterable[str | Path] = (), what: str = "output"
) -> Path:
    """Refuse an output file that cannot be written, or that would replace a file unasked.

    Replacing an input is allowed with ``overwrite``: results go to a
    temporary file first and replace the input only once it has been read.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name for the {what}")
    _check_parent(path, what)
    for source in inputs:
        source = Path(source)
        if source.exists() and path.exists() and path.samefile(source) and not overwrite:
            raise OutputError(f"{path}: is also the input; pass --overwrite to replace the input with the results")
    if path.exists() and not overwrite:
        raise OutputError(f"{path}: already exists; pass --overwrite to replace it")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{path}: cannot be replaced (permission denied)")
    return path


def check_output_folder(path: str | Path, *, overwrite: bool = False, marker: str | None = None, what: str) -> Path:
    """Refuse an output folder that cannot be written, or whose ``marker`` file would be replaced unasked."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: is a file; the {what} is written into a folder")
    _check_parent(path / "x", what)
    if marker and (path / marker).exists() and not overwrite:
        raise OutputError(f"{path}: already holds a {what}; pass --overwrite to replace it")
    return path
