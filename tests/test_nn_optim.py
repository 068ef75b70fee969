"""nn.optim against updates computed by hand, in place and without per-step allocation."""

from __future__ import annotations

import numpy as np
import pytest

from nn import Parameter
from nn.optim import SGD, Adam

from helpers import peak_allocation


def param(values, grad, dtype=np.float64):
    p = Parameter(np.array(values, dtype=dtype))
    p.grad = np.array(grad, dtype=dtype)
    return p


def test_plain_sgd_in_place():
    p = param([1.0, 2.0], [0.5, -1.0])
    data = p.data
    SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, 2.1], rtol=1e-15)
    assert p.data is data  # updated in place


def test_sgd_momentum_two_steps():
    p = param([1.0], [1.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()  # v = 1, p = 1 - 0.1
    np.testing.assert_allclose(p.data, [0.9])
    p.grad = np.array([2.0])
    opt.step()  # v = 0.9 * 1 + 2 = 2.9, p = 0.9 - 0.29
    np.testing.assert_allclose(p.data, [0.61], rtol=1e-15)


def test_sgd_nesterov_and_weight_decay():
    p = param([1.0], [1.0])
    opt = SGD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.1)
    opt.step()  # g = 1 + 0.1 = 1.1, v = 1.1, step g + 0.5 v = 1.65
    np.testing.assert_allclose(p.data, [1 - 0.165], rtol=1e-15)
    p.grad = np.array([0.0])
    opt.step()  # g = 0.0835, v = 0.55 + 0.0835 = 0.6335, step 0.0835 + 0.31675 = 0.40025
    np.testing.assert_allclose(p.data, [0.835 - 0.040025], rtol=1e-14)


def test_adam_two_steps_by_hand():
    p = param([1.0, -2.0], [0.1, -3.0])
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    opt = Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    opt.step()
    # first step: m_hat = g, v_hat = g^2, update = lr * g / (|g| + eps)
    np.testing.assert_allclose(
        p.data, [1 - lr * 0.1 / (0.1 + eps), -2 + lr * 3 / (3 + eps)], rtol=1e-14
    )
    g1, g2 = np.array([0.1, -3.0]), np.array([-0.2, 1.0])
    p.grad = g2.copy()
    before = p.data.copy()
    opt.step()
    m = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
    np.testing.assert_allclose(p.data, before - lr * m_hat / (np.sqrt(v_hat) + eps), rtol=1e-13)


def test_adam_weight_decay_is_l2_in_the_gradient():
    p = param([2.0], [0.0])
    Adam([p], lr=0.1, weight_decay=0.5).step()  # g = 1.0 -> update lr * 1 / (1 + eps)
    np.testing.assert_allclose(p.data, [2 - 0.1 / (1 + 1e-8)], rtol=1e-15)


def test_skips_parameters_without_grad_and_keeps_float32():
    a, b = param([1.0], [1.0], np.float32), Parameter(np.array([5.0], np.float32))
    for opt in (SGD([a, b], lr=0.1, momentum=0.9), Adam([a, b])):
        opt.step()
        assert a.data.dtype == np.float32 and b.data.dtype == np.float32
        assert b.data[0] == 5.0
        opt.zero_grad()
        assert a.grad is None
        a.grad = np.ones(1, np.float32)


def test_shared_parameter_updated_once():
    p = param([1.0], [1.0])
    SGD([p, p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.9])


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4),
        lambda ps: Adam(ps, lr=1e-3, weight_decay=1e-4),
    ],
)
def test_step_allocates_nothing(make):
    params = [param(np.ones((100, 50)), np.full((100, 50), 0.5)), param(np.ones(50), np.ones(50))]
    opt = make(params)
    opt.step()  # state buffers are created at the first step
    peak = peak_allocation(opt.step, 20)
    assert peak < 2_000, f"a step allocated {peak} bytes (one temporary would be 40,000)"


def test_bad_arguments():
    p = param([1.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="positive"):
        SGD([p], lr=0)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        Adam([p], betas=(1.0, 0.9))
