"""autograd_core.grad(output, inputs, grad_outputs, create_graph, allow_unused): the checks
that replaced silent sums and silent zeros."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Scalar, Tensor, grad, no_grad


def test_a_many_element_output_needs_grad_outputs_and_the_error_names_its_shape():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*grad_outputs"):
        grad(x * x, x)


def test_grad_outputs_gives_the_vector_jacobian_product():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    u = np.array([0.5, 2.0, -1.0])
    np.testing.assert_array_equal(grad(x * x, x, grad_outputs=u), 2 * x.data * u)
    # a Tensor works too, and a wrong shape is an error naming both shapes
    np.testing.assert_array_equal(grad(x * x, x, grad_outputs=Tensor(u)), 2 * x.data * u)
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        grad(x * x, x, grad_outputs=np.ones(2))
    s = Scalar(3.0)
    assert grad(s * s, s, grad_outputs=2.0) == 12.0


def test_a_recorded_grad_outputs_is_differentiable_under_create_graph():
    """u -> u^T J is linear in u; its gradient along v is J v (what jvp builds on)."""
    x = Tensor(np.array([0.3, -1.1]), requires_grad=True)
    u = Tensor(np.zeros(2), requires_grad=True)
    y = (x * x).sum() * x  # J = 2 x x^T + s I, s = x.x
    g = grad(y, x, grad_outputs=u, create_graph=True)
    v = np.array([1.0, 2.0])
    jv = grad(g, u, grad_outputs=v)
    jac = 2 * np.outer(x.data, x.data) + (x.data @ x.data) * np.eye(2)
    np.testing.assert_allclose(jv, jac @ v)
    with pytest.raises(ValueError, match=r"grad_outputs has shape \(3,\)"):
        grad(y, x, grad_outputs=Tensor(np.zeros(3), requires_grad=True), create_graph=True)


def test_an_input_that_does_not_require_grad_is_an_error_unless_allow_unused():
    x = Tensor(np.ones(2), requires_grad=True)
    c = Tensor(np.ones(2))
    with pytest.raises(ValueError, match=r"inputs\[1\] does not require grad.*allow_unused"):
        grad((x * c).sum(), [x, c])
    gx, gc = grad((x * c).sum(), [x, c], allow_unused=True)
    np.testing.assert_array_equal(gx, [1.0, 1.0])
    assert gc is None
    with no_grad():
        frozen = Tensor(np.ones(2), requires_grad=True) * 2  # recorded nothing
    assert grad((x * 2).sum(), [frozen], allow_unused=True) == [None]


def test_an_input_the_output_does_not_depend_on_is_an_error_unless_allow_unused():
    x, unused = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"does not depend on inputs\[1\]"):
        grad((x * x).sum(), [x, unused])
    with pytest.raises(ValueError, match=r"does not depend on inputs\[0\]"):
        grad((x * x).sum(), unused)
    assert grad((x * x).sum(), unused, allow_unused=True) is None
    # under create_graph too
    gx, gu = grad((x * x).sum(), [x, unused], create_graph=True, allow_unused=True)
    assert isinstance(gx, Tensor) and gx.requires_grad and gu is None
    a, b = Scalar(1.0), Scalar(2.0)
    with pytest.raises(ValueError, match=r"inputs\[1\]"):
        grad(a * a, [a, b])


def test_grad_leaves_dot_grad_alone_and_still_refuses_constant_outputs():
    x = Tensor(np.ones(2), requires_grad=True)
    grad((x * x).sum(), x)
    assert x.grad is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        grad(Tensor(np.ones(2)).sum(), x)


def test_a_bool_in_the_old_create_graph_position_is_an_error():
    x = Tensor(np.array(2.0), requires_grad=True)
    with pytest.raises(TypeError, match="create_graph is the fourth argument"):
        grad(x * x, x, True)
