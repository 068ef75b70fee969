"""nn.functional: each loss against its formula (extreme logits included) and its gradient."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Tensor
from autograd_core.testing import check_grad
from nn import functional as F

RNG = np.random.default_rng(0)


def t(a, requires_grad=True):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def test_mse_loss():
    p, y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    assert F.mse_loss(t(p), y).item() == pytest.approx(np.mean((p - y) ** 2), rel=1e-14)
    check_grad(lambda a, b: F.mse_loss(a, b), [t(p), t(y)])
    with pytest.raises(ValueError, match=r"\(5, 3\) .* \(5, 1\)"):
        F.mse_loss(t(p), y[:, :1])


def test_binary_cross_entropy_formula_and_grad():
    p, y = RNG.uniform(0.05, 0.95, size=8), RNG.integers(0, 2, size=8).astype(float)
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert F.binary_cross_entropy(t(p), y).item() == pytest.approx(expected, rel=1e-13)
    check_grad(lambda a: F.binary_cross_entropy(a, y), [t(p)])


def test_binary_cross_entropy_at_0_and_1_is_clamped_at_100():
    loss = F.binary_cross_entropy(t([0.0, 1.0, 1.0, 0.0]), np.array([1.0, 0.0, 1.0, 0.0]))
    assert loss.item() == pytest.approx(100.0 / 2, rel=1e-12)


def test_bce_with_logits_formula_and_grad():
    x, y = RNG.normal(scale=3, size=(6,)), RNG.uniform(size=6)
    s = 1 / (1 + np.exp(-x))
    expected = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    assert F.binary_cross_entropy_with_logits(t(x), y).item() == pytest.approx(expected, rel=1e-12)
    check_grad(lambda a, b: F.binary_cross_entropy_with_logits(a, b), [t(x), t(y)])


def test_bce_with_logits_gradient_is_sigmoid_minus_target_even_at_zero():
    x = t([0.0, 0.0, 2.0])
    y = np.array([1.0, 0.0, 1.0])
    F.binary_cross_entropy_with_logits(x, y).backward()
    np.testing.assert_allclose(x.grad, (np.array([0.5, 0.5, 1 / (1 + np.exp(-2))]) - y) / 3)


def test_bce_with_logits_extreme_logits():
    x = t([1e4, -1e4, 1e4, -1e4, 800.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y)
    assert loss.item() == pytest.approx((0 + 0 + 1e4 + 1e4 + 0) / 5, rel=1e-15)
    loss.backward()
    np.testing.assert_allclose(x.grad, np.array([0, 0, 1, -1, 0]) / 5, atol=1e-300)
    x32 = Tensor(np.array([1e4, -1e4, 0.0], dtype=np.float32), requires_grad=True)
    loss32 = F.binary_cross_entropy_with_logits(x32, np.array([0.0, 1.0, 1.0]))
    assert loss32.dtype == np.float32
    assert loss32.item() == pytest.approx((2e4 + np.log(2)) / 3, rel=1e-6)


def test_cross_entropy_formula_and_grad():
    logits, labels = RNG.normal(size=(6, 4)), np.array([0, 3, 1, 1, 2, 3])
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -np.mean(log_p[np.arange(6), labels])
    assert F.cross_entropy(t(logits), labels).item() == pytest.approx(expected, rel=1e-13)
    check_grad(lambda a: F.cross_entropy(a, labels), [t(logits)])
    x = t(logits)
    F.cross_entropy(x, labels).backward()
    onehot = np.eye(4)[labels]
    np.testing.assert_allclose(x.grad, (np.exp(log_p) - onehot) / 6, rtol=1e-12, atol=1e-15)


def test_cross_entropy_extreme_logits():
    logits = t([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [0.0, 0.0, 0.0]])
    labels = np.array([1, 2, 0])
    loss = F.cross_entropy(logits, labels)
    assert loss.item() == pytest.approx((2e4 + 0 + np.log(3)) / 3, rel=1e-15)
    loss.backward()
    expected = np.array([[1, -1, 0], [0, 0, 0], [-2 / 3, 1 / 3, 1 / 3]]) / 3
    np.testing.assert_allclose(logits.grad, expected, atol=1e-15)


def test_cross_entropy_float32_stays_float32():
    logits = Tensor(RNG.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(logits, np.array([0, 1, 2, 0]))
    loss.backward()
    assert loss.dtype == np.float32 and logits.grad.dtype == np.float32


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([0, 1, 3]), "label 3 is out of range for 3 classes"),
        (np.array([0, -1, 2]), "label -1 is out of range"),
        (np.array([0, 1]), r"labels must have shape \(3,\)"),
        (np.array([[0], [1], [2]]), r"labels must have shape \(3,\)"),
        (np.array([0.0, 1.0, 2.0]), "integer class indices"),
    ],
)
def test_cross_entropy_rejects_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        F.cross_entropy(t(np.zeros((3, 3))), labels)


def test_cross_entropy_rejects_1d_logits():
    with pytest.raises(ValueError, match=r"\(n, classes\)"):
        F.cross_entropy(t(np.zeros(3)), np.array([0, 1, 2]))


def test_activations_and_softmax():
    x = RNG.normal(size=(3, 4))
    np.testing.assert_allclose(F.relu(t(x)).data, np.maximum(x, 0))
    np.testing.assert_allclose(F.sigmoid(t(x)).data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(F.tanh(t(x)).data, np.tanh(x))
    sm = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(F.softmax(t(x)).data, sm, rtol=1e-13)
    np.testing.assert_allclose(F.log_softmax(t(x)).data, np.log(sm), rtol=1e-13)
    np.testing.assert_allclose(F.softmax(t(x), axis=0).data.sum(axis=0), 1.0)
    check_grad(lambda a: F.softmax(a), [t(x)])
    extreme = F.softmax(t([[1e4, 0.0, -1e4]])).data
    np.testing.assert_array_equal(extreme, [[1.0, 0.0, 0.0]])


def test_one_hot():
    np.testing.assert_array_equal(F.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
