"""detect_anomaly(): the first nan of a forward pass and the first nan/inf of a gradient
raise FloatingPointError naming the op, the entry, the input values and the user's line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Tensor, detect_anomaly, grad, no_grad, where


def leaf(values) -> Tensor:
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def _line_of(marker: str) -> int:
    """The line number in this file of the source line that ends with ``marker``."""
    lines = Path(__file__).read_text().splitlines()
    return next(i + 1 for i, text in enumerate(lines) if text.endswith(marker))


def test_forward_nan_names_the_op_entry_inputs_and_user_line():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    with detect_anomaly():
        y = x - 3.0  # fine: negative values are no anomaly
        with pytest.raises(FloatingPointError) as info:
            y.sqrt()  # FORWARD-NAN-LINE
    message = str(info.value)
    assert "sqrt produced nan at index (0, 0)" in message
    assert "input 0 = -2.0" in message
    assert f"{__file__}:{_line_of('FORWARD-NAN-LINE')}" in message
    assert "y.sqrt()" in message


def test_forward_nan_of_a_binary_op_shows_both_broadcast_inputs():
    a, b = leaf([0.0, 1.0]), leaf([[0.0], [2.0]])
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"div produced nan at index "
                                                                     r"\(0, 0\).*input 0 = 0.0, "
                                                                     r"input 1 = 0.0"):
        a / b


def test_inf_in_a_forward_value_is_allowed():
    with detect_anomaly():
        mask = Tensor([0.0, -np.inf])
        x = leaf([1.0, 2.0])
        y = (x + mask).softmax()  # a -inf mask is intended
    np.testing.assert_allclose(y.data, [1.0, 0.0])


def test_backward_inf_names_the_op_and_where_its_node_was_created():
    w = leaf([4.0, 0.0])
    with detect_anomaly():
        s = (w.sqrt() * 3.0).sum()  # BACKWARD-NODE-LINE
        with pytest.raises(FloatingPointError) as info:
            s.backward()
    message = str(info.value)
    assert "backward of sqrt produced inf at index (1,)" in message
    assert "input value there: 0.0" in message
    assert f"{__file__}:{_line_of('BACKWARD-NODE-LINE')}" in message
    assert w.grad is None  # nothing half-accumulated


def test_backward_nan_through_grad_and_as_a_decorator():
    @detect_anomaly()
    def first_derivative(x):
        return grad((x.log() * 2.0).sum(), x)  # DECORATED-LINE

    assert first_derivative(leaf([1.0, 2.0])).shape == (2,)
    with pytest.raises(FloatingPointError, match=r"backward of log produced -?inf.*input 0"):
        first_derivative(leaf([1.0, 0.0]))
    assert not ag.is_anomaly_enabled()


def test_off_by_default_and_off_means_no_change():
    assert not ag.is_anomaly_enabled()
    x = leaf([-1.0, 0.0, 4.0])
    y = x.sqrt()  # nan, no exception
    assert np.isnan(y.data[0])
    y.sum().backward()
    assert x.grad[1] == np.inf
    assert not hasattr(y, "_origin") or y._origin is None  # nothing recorded when off


def test_nested_and_no_grad_inside_anomaly_mode():
    x = leaf([1.0, 2.0])
    with detect_anomaly():
        with detect_anomaly():
            assert ag.is_anomaly_enabled()
        assert ag.is_anomaly_enabled()  # still on: the outer block is open
        with no_grad():
            assert not (x * 2).requires_grad
        assert (x * 2).requires_grad
        out = where(x > 1.5, x, 0.0).sum()
        out.backward()
    assert not ag.is_anomaly_enabled()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0])


def test_scalar_backward_is_checked_too():
    s = ag.Scalar(0.0, requires_grad=True)
    with detect_anomaly():
        out = (s + 1.0) * 2.0
        out.backward()  # finite: fine
    assert s.grad == 2.0
