"""The README's commands and examples, run as written, so docs and code cannot drift apart.

Skipped on purpose: `pip install` lines (CI runs the install itself), the Dask line that
names a remote scheduler (tests/test_dask.py runs the same path on a local cluster), and the
Development section (it rebuilds the bundled model and runs the benchmarks).
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess

import pytest

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
USED = README.split("## Development")[0]
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", USED, re.S)
SHELL = [line for lang, body in BLOCKS if lang == "sh" for line in body.strip().splitlines()]
PYTHON = [body for lang, body in BLOCKS if lang == "python"]
TRAIN = "communique train --corpus corpus/statements.jsonl --output models/mine --seed 0"


def _tested(line: str) -> bool:
    return not line.startswith("pip ") and "tcp://scheduler" not in line


def test_readme_has_the_two_setup_commands():
    assert "pip install . && communique predict " in SHELL[0]
    assert SHELL[1] == "pip install '.[test]' && python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text()
    assert SHELL[1] in ci, "CI runs the README's test command"


def test_readme_trains_with_the_command_the_fixture_ran():
    assert TRAIN in SHELL


@pytest.mark.parametrize("line", [line for line in SHELL if _tested(line) and line != TRAIN])
def test_shell_line(readme_workdir, line):
    result = subprocess.run(["bash", "-c", line], cwd=readme_workdir, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr


def _expected_after(command: str) -> str:
    """The plain ``` block that follows the sh block holding ``command``."""
    start = README.index("```", README.index(command)) + 3  # past the end of the sh block
    block = re.search(r"```\n(.*?)```", README[start:], re.S)
    return block.group(1)


@pytest.mark.parametrize(
    "command",
    [
        'communique predict "The accusations are groundless and politically motivated." "We will respond firmly to any provocation."',
        'communique predict --by-sentence "$(cat examples/article.txt)"',
    ],
    ids=["table", "article"],
)
def test_shown_output_is_real(readme_workdir, command):
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=readme_workdir,
        capture_output=True,
        text=True,
        env={"COLUMNS": "100", "PATH": __import__("os").environ["PATH"]},
    )
    assert result.stdout == _expected_after(command)


@pytest.mark.parametrize("source", PYTHON, ids=[f"block-{i}" for i in range(len(PYTHON))])
def test_python_block(readme_workdir, monkeypatch, source):
    """Run a block; every `print(...)  # expected` line must print what its comment says."""
    monkeypatch.chdir(readme_workdir)
    checks = []
    lines = []
    for line in source.splitlines():
        match = re.match(r"^(\s*)print\((.*)\)\s+#\s(.*)$", line)
        if match:
            checks.append(match.group(3).strip())
            line = f"{match.group(1)}__check({match.group(2)})"
        lines.append(line)
    seen = []

    def __check(*values):
        seen.append(" ".join(str(v) for v in values))

    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile("\n".join(lines), "README.md", "exec"), {"__check": __check})
    assert seen == checks
