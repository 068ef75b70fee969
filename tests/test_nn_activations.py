"""nn activations, functional and module forms, against direct numpy formulas (and math.erf
for gelu), with gradients checked against central differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd_core import Tensor
from autograd_core.testing import check_grad
from nn import functional as F

# off every kink (0, +-1, +-3, 6) and past them
X = np.array([-7.3, -3.4, -2.2, -0.7, -0.05, 0.05, 0.6, 1.7, 2.9, 3.3, 6.6, 12.0])
ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


_erf = np.vectorize(math.erf)

# name -> (functional call, module, numpy formula)
CASES = {
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.2), nn.LeakyReLU(0.2),
                   lambda x: np.where(x > 0, x, 0.2 * x)),
    "leaky_relu_default": (F.leaky_relu, nn.LeakyReLU(), lambda x: np.where(x > 0, x, 0.01 * x)),
    "elu": (lambda t: F.elu(t, alpha=0.5), nn.ELU(alpha=0.5),
            lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
    "selu": (F.selu, nn.SELU(), lambda x: SCALE * np.where(x > 0, x, ALPHA * (np.exp(x) - 1))),
    "gelu": (F.gelu, nn.GELU(), lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"), nn.GELU(approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))),
    "silu": (F.silu, nn.SiLU(), lambda x: x * _sigmoid(x)),
    "softplus": (F.softplus, nn.Softplus(), _softplus),
    "softplus_beta": (lambda t: F.softplus(t, beta=2.0, threshold=4.0),
                      nn.Softplus(beta=2.0, threshold=4.0), lambda x: _softplus(x, 2.0, 4.0)),
    "softsign": (F.softsign, nn.Softsign(), lambda x: x / (1 + np.abs(x))),
    "hardtanh": (lambda t: F.hardtanh(t, -2.0, 3.0), nn.Hardtanh(-2.0, 3.0),
                 lambda x: np.minimum(np.maximum(x, -2.0), 3.0)),
    "relu6": (F.relu6, nn.ReLU6(), lambda x: np.minimum(np.maximum(x, 0.0), 6.0)),
    "hardsigmoid": (F.hardsigmoid, nn.Hardsigmoid(),
                    lambda x: np.minimum(np.maximum(x + 3, 0.0), 6.0) / 6),
    "hardswish": (F.hardswish, nn.Hardswish(),
                  lambda x: x * np.minimum(np.maximum(x + 3, 0.0), 6.0) / 6),
    "mish": (F.mish, nn.Mish(), lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "log_sigmoid": (F.log_sigmoid, nn.LogSigmoid(), lambda x: np.log(_sigmoid(x))),
}


@pytest.mark.parametrize("name", list(CASES))
def test_functional_and_module_match_numpy_and_differentiate(name):
    functional, module, formula = CASES[name]
    expected = formula(X)
    np.testing.assert_allclose(functional(Tensor(X)).data, expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(module(Tensor(X)).data, expected, rtol=1e-13, atol=1e-15)
    check_grad(functional, [Tensor(X.reshape(3, 4), requires_grad=True)])
    check_grad(module, [Tensor(X.reshape(4, 3), requires_grad=True)])


def test_logsigmoid_is_pytorchs_spelling():
    assert F.logsigmoid is F.log_sigmoid


def test_module_reprs_show_constructor_arguments():
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.Softplus(beta=2)) == "Softplus(beta=2.0, threshold=20.0)"
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    assert repr(nn.ReLU6()) == "ReLU6()"
    assert repr(nn.Mish()) == "Mish()"


def test_modules_have_no_parameters_and_work_in_sequential():
    model = nn.Sequential(nn.Linear(4, 5, seed=0), nn.GELU(), nn.Linear(5, 2, seed=1),
                          nn.LogSigmoid())
    assert all(len(m.parameters()) == 0 for m in [nn.GELU(), nn.Hardtanh(), nn.Softplus()])
    out = model(np.ones((3, 4)))
    out.sum().backward()
    assert all(p.grad is not None and np.isfinite(p.grad).all() for p in model.parameters())


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh'"):
        nn.GELU("erf")
    with pytest.raises(ValueError, match=r"Hardtanh: min_val \(2\.0\)"):
        nn.Hardtanh(2.0, 1.0)
    with pytest.raises(ValueError, match="Softplus: beta must be > 0"):
        nn.Softplus(beta=-1.0)
    with pytest.raises(ValueError, match=r"ReLU6\(inplace=True\): in-place"):
        nn.ReLU6(inplace=True)
    with pytest.raises(ValueError, match="gelu: approximate"):
        F.gelu(Tensor(X), approximate="exact")


def test_float32_in_float32_out_and_stable_extremes():
    x = Tensor(np.array([-1e4, 1e4, 0.5], dtype=np.float32), requires_grad=True)
    for layer in [nn.GELU(), nn.SiLU(), nn.Softplus(), nn.Mish(), nn.LogSigmoid(), nn.ELU(),
                  nn.SELU(), nn.Hardswish(), nn.Softsign()]:
        out = layer(x)
        assert out.dtype == np.float32, layer
        assert np.isfinite(out.data).all(), layer
        out.sum().backward()
        assert x.grad.dtype == np.float32 and np.isfinite(x.grad).all(), layer
        x.grad = None
