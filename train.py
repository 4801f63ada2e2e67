"""Train a model folder: the same command as ``communique train``.

python train.py --corpus corpus/statements.jsonl --output models/default --seed 0
"""

from communique.cli import train_command

if __name__ == "__main__":
    train_command()
