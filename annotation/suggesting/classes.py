"""A linear model over character n-grams (scikit-learn) that learns a project's classes
from its final annotations. Pure.

Texts become hashed counts of their characters, pairs and triples (``HashingVectorizer``:
no vocabulary to keep), and each class gets a logistic regression of its own, one against
the rest, so that a snippet may have several classes where the project allows it.
With one class a snippet, the classes' probabilities are shared out to sum to one, and the
best is suggested; with several, every class over one half.

A model travels as bytes (``Model.dumps``): a JSON header (the classes, the intercepts)
and the weights as a sparse matrix (a weight stays 0 for an n-gram no training text had).
No pickle: the bytes load in any version of the libraries.
"""

import io
import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression

FEATURES = 2**18
_VECTORIZER = HashingVectorizer(
    analyzer="char", ngram_range=(1, 3), n_features=FEATURES, alternate_sign=False, norm="l2"
)
C = 10.0  # the inverse of the L2 penalty; short texts need little of it


@dataclass(frozen=True)
class Suggested:
    label: str
    score: float


def train(texts: Sequence[str], classes: Sequence[Sequence[str]], *, multi_label: bool) -> bytes:
    """A model trained on ``texts`` and the classes each was given."""
    labels = sorted({label for given in classes for label in given})
    features = _VECTORIZER.transform(texts)
    weights, intercepts = [], []
    for label in labels:
        target = np.array([label in given for given in classes])
        if target.all() or not target.any():  # nothing to tell apart: a constant
            weights.append(sparse.csr_matrix((1, FEATURES)))
            intercepts.append(10.0 if target.all() else -10.0)
            continue
        fitted = LogisticRegression(C=C, max_iter=1000, solver="liblinear").fit(features, target)
        weights.append(sparse.csr_matrix(fitted.coef_.astype(np.float32)))
        intercepts.append(float(fitted.intercept_[0]))
    matrix = sparse.vstack(weights).tocsr() if weights else sparse.csr_matrix((0, FEATURES))
    return Model.dumps(labels, intercepts, multi_label, matrix)


class Model:
    def __init__(self, blob: bytes):
        (size,) = struct.unpack(">I", blob[:4])
        header = json.loads(blob[4 : 4 + size])
        self.labels: list[str] = header["labels"]
        self.multi_label: bool = header["multi_label"]
        self._intercepts = np.array(header["intercepts"], dtype=np.float64)
        self._weights = sparse.load_npz(io.BytesIO(blob[4 + size :]))

    @staticmethod
    def dumps(labels: list[str], intercepts: list[float], multi_label: bool, matrix) -> bytes:
        header = json.dumps(
            {"labels": labels, "intercepts": intercepts, "multi_label": multi_label},
            ensure_ascii=False,
        ).encode()
        weights = io.BytesIO()
        sparse.save_npz(weights, matrix)
        return struct.pack(">I", len(header)) + header + weights.getvalue()

    def probabilities(self, texts: Sequence[str]) -> list[list[float]]:
        """Each text's probability of each class (``labels``' order); with one class a
        snippet, shared out to sum to one."""
        if not self.labels:
            return [[] for _ in texts]
        scores = _VECTORIZER.transform(texts) @ self._weights.T
        logits = np.asarray(scores.todense()) + self._intercepts
        chances = 1.0 / (1.0 + np.exp(-logits))
        if not self.multi_label:
            chances = chances / chances.sum(axis=1, keepdims=True)
        return chances.tolist()

    def classes(self, text: str) -> list[Suggested]:
        """The classes to suggest for ``text``: the best one, or every one over one half."""
        [chances] = self.probabilities([text])
        if not chances:
            return []
        ranked = sorted(zip(chances, self.labels, strict=True), reverse=True)
        if not self.multi_label:
            return [Suggested(ranked[0][1], ranked[0][0])]
        return [Suggested(label, chance) for chance, label in ranked if chance > 0.5]

    def margin(self, text: str) -> float:
        """How much surer the best class is than the next (1: sure; 0: torn)."""
        [chances] = self.probabilities([text])
        best = sorted(chances, reverse=True)
        if len(best) < 2:
            return 1.0
        return best[0] - best[1] if not self.multi_label else min(abs(c - 0.5) * 2 for c in best)
