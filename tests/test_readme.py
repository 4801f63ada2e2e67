"""The README's commands and examples, run as written, so docs and code cannot drift apart.

Skipped on purpose: `pip install` lines (CI runs the install itself), the Dask line that names a
remote scheduler (tests/test_dask.py runs the same path on a local cluster), the interactive
`communique annotate` (tests/test_labelling.py drives it in a pseudo-terminal), and the
Development section (it rebuilds the bundled model and runs the benchmarks).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from communique.cli import main

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
USED = README.split("## Development")[0]
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", USED, re.S)
SHELL = [line for lang, body in BLOCKS if lang == "sh" for line in body.strip().splitlines()]
PYTHON = [body for lang, body in BLOCKS if lang == "python"]
# A section's commands may use what its earlier commands wrote; sections stand alone, so each runs
# in its own folder and the test workers can share them out.
SECTIONS = {
    title: [line for body in re.findall(r"```sh\n(.*?)```", text, re.S) for line in body.strip().splitlines()]
    for title, text in re.findall(r"^## (.+?)\n(.*?)(?=^## )", USED + "## end", re.S | re.M)
}
# The commands run with the interpreter running the tests, whether or not its folder is on PATH.
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "100"}


def _tested(line: str) -> bool:
    return not line.startswith("pip ") and "tcp://scheduler" not in line and "communique annotate" not in line


def _repository_copy(folder: Path) -> Path:
    """A folder laid out like the repository: the README's commands run from its root."""
    for name in ("corpus", "examples"):
        (folder / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "models" / "default", folder / "models" / "default")
    for name in ("predict.py", "train.py"):
        shutil.copy(ROOT / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return _repository_copy(tmp_path_factory.mktemp("readme"))


def test_readme_has_the_two_setup_commands():
    assert "pip install . && communique predict " in SHELL[0]
    assert SHELL[1] == "pip install '.[test]' && python -m pytest"
    assert SHELL[1] in (ROOT / ".ci" / "run").read_text(), "CI runs the README's test command"


def test_files_the_readme_names_exist():
    for name in re.findall(r"\b((?:examples|corpus)/[\w./-]+\.(?:txt|csv|jsonl|json|md))\b", README):
        assert (ROOT / name).is_file(), name


def test_sections_hold_every_shell_line():
    assert [line for lines in SECTIONS.values() for line in lines] == SHELL
    assert len([title for title, lines in SECTIONS.items() if any(map(_tested, lines))]) >= 4


@pytest.mark.parametrize("title", [title for title, lines in SECTIONS.items() if any(map(_tested, lines))])
def test_shell_lines_in_order(tmp_path, monkeypatch, title):
    """Every shell line of a section, in the README's order, in a fresh copy of the repository.

    A plain `communique ...` line runs in this process, through the same click command the
    installed script calls (the process start is what tests/test_cli.py's script test covers);
    a line with pipes or redirections runs in bash.
    """
    folder = _repository_copy(tmp_path)
    monkeypatch.chdir(folder)
    for line in (line for line in SECTIONS[title] if _tested(line)):
        if re.fullmatch(r"communique [^|<>;&$`]*", line):
            result = CliRunner().invoke(main, shlex.split(line)[1:], env={"COLUMNS": "100"})
            assert result.exit_code == 0, f"{line}\n{result.output}\n{result.exception!r}"
        else:
            done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=600, env=ENV)
            assert done.returncode == 0, f"{line}\n{done.stderr}"


def _expected_after(command: str) -> str:
    """The plain ``` block that follows the sh block holding ``command``."""
    start = README.index("```", README.index(command)) + 3  # past the end of the sh block
    return re.search(r"```\n(.*?)```", README[start:], re.S).group(1)


SHOWN = [
    'communique predict "The accusations are groundless and politically motivated." "We will respond firmly to any provocation."',
    'communique predict "We strongly condemn the attack and stand in solidarity with the victims and their families."',
    "communique predict --document examples/article.txt",
]


@pytest.mark.parametrize("command", SHOWN, ids=["table", "mixed", "article"])
def test_shown_output_is_real(workdir, command):
    result = subprocess.run(["bash", "-c", command], cwd=workdir, capture_output=True, text=True, env=ENV)
    assert result.stdout == _expected_after(command)


@pytest.mark.parametrize("source", PYTHON, ids=[f"block-{i}" for i in range(len(PYTHON))])
def test_python_block(workdir, monkeypatch, source):
    """Run a block; every `print(...)  # expected` line must print what its comment says."""
    monkeypatch.chdir(workdir)
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
