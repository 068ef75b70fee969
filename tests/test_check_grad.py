"""autograd_core.testing.check_grad with order=2 and mode="directional": they pass on the
engine's rules and FAIL on a deliberately wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Scalar, Tensor, grad
from autograd_core.tensor import RULES
from autograd_core.testing import check_grad


def leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


def _tanh_first_order_only(g, out, x):
    """tanh's VJP with 1 - out^2 as a constant: right values, but under create_graph it
    forgets that they depend on x, so every second derivative through tanh is wrong."""
    slope = 1.0 - (out.data if isinstance(out, Tensor) else out) ** 2
    return g * slope


def _tanh_wrong(g, out, x):
    return g * (1.0 - out)  # not the derivative of tanh


def f(x, w):
    return (w @ x).tanh() * x.sum()


def inputs():
    rng = np.random.default_rng(0)
    return [leaf(rng.standard_normal(3)), leaf(rng.standard_normal((2, 3)) / 2)]


def test_order_2_passes_on_the_engine_and_on_scalars():
    check_grad(f, inputs(), order=2)
    check_grad(lambda a, b: (a * b).tanh() * a.exp(), [Scalar(0.3), Scalar(-0.7)], order=2)
    check_grad(lambda x: x * 2.0, [leaf([1.0, 2.0])], order=2)  # linear: f'' = 0, checked


def test_order_2_fails_on_a_rule_that_is_only_right_at_first_order(monkeypatch):
    monkeypatch.setitem(RULES, "tanh", (_tanh_first_order_only,))
    check_grad(f, inputs())  # first order cannot tell
    with pytest.raises(AssertionError, match=r"input \d.*second derivative"):
        check_grad(f, inputs(), order=2)


def test_directional_mode_fails_on_a_wrong_rule(monkeypatch):
    check_grad(f, inputs(), mode="directional")
    check_grad(f, inputs(), mode="directional", order=2)
    monkeypatch.setitem(RULES, "tanh", (_tanh_wrong,))
    with pytest.raises(AssertionError, match=r"direction 0: analytic directional derivative"):
        check_grad(f, inputs(), mode="directional")


def test_directional_order_2_fails_on_a_rule_that_is_only_right_at_first_order(monkeypatch):
    monkeypatch.setitem(RULES, "tanh", (_tanh_first_order_only,))
    check_grad(f, inputs(), mode="directional")
    with pytest.raises(AssertionError, match="direction"):
        check_grad(f, inputs(), mode="directional", order=2)


def test_directional_mode_costs_one_pair_of_evaluations_per_direction():
    rng = np.random.default_rng(1)
    x = leaf(rng.standard_normal((60, 60)) / 8)  # 3600 entries: 7200 evaluations in full mode
    calls = []

    def g(m):
        calls.append(1)
        return ((m @ m).tanh() * m).sum()

    check_grad(g, [x], mode="directional", directions=5)
    assert len(calls) == 2 + 2 * 5  # the probe, the backprop pass, two per direction


def test_inputs_are_restored_exactly_after_directional_checks():
    x0 = np.random.default_rng(2).standard_normal((3, 4))
    x = leaf(x0.copy())
    s = Scalar(0.25)
    check_grad(lambda a, b: (a * b).sum(), [x, leaf(x0.copy())], mode="directional")
    check_grad(lambda a: a * a, [s], mode="directional")
    np.testing.assert_array_equal(x.data, x0)
    assert s.data == 0.25


def test_check_grad_arguments_are_validated():
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        check_grad(f, inputs(), order=3)
    with pytest.raises(ValueError, match="mode must be"):
        check_grad(f, inputs(), mode="random")


def test_order_2_of_a_function_that_calls_grad_itself():
    """f may itself differentiate (a third derivative checked): it is run with grad on."""
    x = leaf([0.3, -0.8])

    def g(t):
        return grad((t * t * t).sum(), t, create_graph=True) * t

    check_grad(g, [x], order=2)
