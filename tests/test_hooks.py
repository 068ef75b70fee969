"""Tensor.register_hook and Tensor.retain_grad."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from autograd_core import Tensor, grad
from autograd_core import graph as graph_module


def test_a_hook_sees_the_complete_gradient_once():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3.0
    seen: list[np.ndarray] = []
    h.register_hook(lambda g: seen.append(np.array(g)))
    (h * h + h).sum().backward()  # h reached along three paths: one call, with the total
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], 2 * h.data + 1)
    np.testing.assert_array_equal(x.grad, 3 * (2 * h.data + 1))


def test_returning_an_array_replaces_the_gradient_flowing_on():
    x = Tensor(np.array([1.0, -4.0, 0.5]), requires_grad=True)
    h = x * 2.0
    h.register_hook(lambda g: np.clip(g, -1.0, 1.0))
    (h * h).sum().backward()  # dL/dh = 2h = [4, -16, 2] -> clipped to [1, -1, 1]
    np.testing.assert_array_equal(x.grad, [2.0, -2.0, 2.0])
    np.testing.assert_array_equal(h.grad, [1.0, -1.0, 1.0])  # what flowed on


def test_hooks_on_leaves_run_in_order_and_change_dot_grad():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    calls: list[str] = []
    w.register_hook(lambda g: calls.append("first"))
    w.register_hook(lambda g: (calls.append("second"), g * 10)[1])
    (w * w).sum().backward()
    assert calls == ["first", "second"]
    np.testing.assert_array_equal(w.grad, [20.0, 40.0])


def test_handle_remove_unregisters_and_the_sweep_goes_back_to_the_plain_loop():
    x = Tensor(np.ones(2), requires_grad=True)
    seen: list = []
    handle = x.register_hook(seen.append)
    assert id(x) in graph_module._hooks
    (x * 2).sum().backward()
    handle.remove()
    handle.remove()  # twice is harmless
    assert id(x) not in graph_module._hooks
    (x * 2).sum().backward()
    assert len(seen) == 1


def test_hooks_run_in_grad_and_under_create_graph():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    h = x * x
    kinds: list[type] = []
    h.register_hook(lambda g: (kinds.append(type(g)), g * 2)[1])
    np.testing.assert_array_equal(grad(h.sum(), x), 4 * x.data)
    gx = grad(h.sum(), x, create_graph=True)
    assert kinds == [np.ndarray, Tensor]
    np.testing.assert_array_equal(grad(gx.sum(), x), [4.0, 4.0])  # doubled, and recorded


def test_a_hook_returning_a_wrong_shape_is_an_error_naming_both():
    x = Tensor(np.ones(3), requires_grad=True)
    x.register_hook(lambda g: np.ones(2))
    with pytest.raises(ValueError, match=r"returned shape \(2,\).*shape \(3,\)"):
        (x * x).sum().backward()


def test_register_hook_rejects_constants_and_non_callables():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(np.ones(2)).register_hook(print)
    with pytest.raises(TypeError, match="callable"):
        Tensor(np.ones(2), requires_grad=True).register_hook(3)


def test_hooks_do_not_keep_a_graph_alive():
    x = Tensor(np.ones(3), requires_grad=True)
    h = (x * 2.0).tanh()
    watch = weakref.ref(h.data)  # the array dies with its node
    node_watch = weakref.ref(h)
    handle = h.register_hook(lambda g: g)
    key = id(h)
    loss = (h * h).sum()
    del h, loss
    gc.collect()
    assert watch() is None and node_watch() is None
    handle.remove()  # after its node died: harmless
    assert key not in graph_module._hooks  # the entry went with the node


def test_retain_grad_keeps_an_intermediate_gradient():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = (x * 3.0).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad, 2 * h.data)
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(np.ones(2)).retain_grad()
