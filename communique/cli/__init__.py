"""The ``communique`` command line: a thin layer over the library, one module per command.

Each command parses its options, calls library functions and prints the
result. Errors communique knows about become ``Error: ...`` on one line and
exit code 1, a wrong option exit code 2; an unexpected error prints one line
and where its full trace was written (``--debug`` shows it instead).
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from typing import Any

import click

from ..base.version import __version__
from ..errors import CommuniqueError
from .common import CONTEXT

__all__ = ["main"]


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
            ctx.exit(3)


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


from . import annotate, corpus, evaluate, predict, train  # noqa: E402  (each registers its command on main)

main.add_command(predict.predict)
main.add_command(train.train)
main.add_command(evaluate.evaluate)
main.add_command(corpus.corpus)
main.add_command(annotate.annotate)


def predict_command() -> None:
    """Entry point of the root ``predict.py``: ``communique predict``."""
    main(["predict", *sys.argv[1:]], prog_name="predict.py")


def train_command() -> None:
    """Entry point of the root ``train.py``: ``communique train``."""
    main(["train", *sys.argv[1:]], prog_name="train.py")
