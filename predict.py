"""Classify statements: the same command as ``communique predict``.

python predict.py "We stand in full solidarity with our ally."
python predict.py --input statements.csv --output labelled.csv
"""

from communique.cli import predict_command

if __name__ == "__main__":
    predict_command()
