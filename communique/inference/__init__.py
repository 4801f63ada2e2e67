"""Pickle-free inference: a fitted TF-IDF + logistic-regression model as plain arrays, scored with numpy.

Prediction needs neither scikit-learn (slow to import) nor joblib (which runs
code when it loads a file). The arithmetic follows scikit-learn's
``TfidfVectorizer`` and ``LogisticRegression`` step by step;
``tests/test_scorer.py`` checks that both agree to within 1e-9. Nothing here
imports scikit-learn; the conversion from a fitted pipeline lives in
:mod:`communique.models.convert`.
"""
