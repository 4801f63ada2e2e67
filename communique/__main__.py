"""``python -m communique``: the same commands as the ``communique`` script."""

from .cli import main

if __name__ == "__main__":
    main(prog_name="communique")
