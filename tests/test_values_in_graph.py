"""Values a graph reads at backward() time cannot change silently between forward and
backward (issue 15): a recorded result's value is read-only and every way of writing it
raises an error that says why; assigning ``.data`` is validated; a leaf's change is caught
by ``detect_anomaly()`` (the README, "Changing values between forward and backward", says
why leaves are checked there and not on every op).
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Scalar, Tensor, detect_anomaly, no_grad
from autograd_core.tensor import RecordedArray

WHY = "read-only: backward\\(\\) reads it"


def recorded():
    """x (a leaf), y = x * 3 (a recorded result), and d(sum(y * y))/dx before any write."""
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x * 3.0
    return x, y, 18.0 * x.data


WRITES = {
    "setitem": lambda y: y.data.__setitem__(0, 10.0),
    "slice": lambda y: y.data.__setitem__(slice(None), 0.0),
    "view of a slice": lambda y: y.data[0:2].__setitem__(0, 1.0),
    "iadd": lambda y: y.data.__iadd__(1.0),
    "imul": lambda y: y.data.__imul__(2.0),
    "ipow": lambda y: y.data.__ipow__(2.0),
    "ufunc out=": lambda y: np.add(y.data, 1.0, out=y.data),
    "ufunc out= (tuple)": lambda y: np.multiply(y.data, 2.0, out=(y.data,)),
    "fill": lambda y: y.data.fill(0.0),
    "sort": lambda y: y.data.sort(),
    "put": lambda y: y.data.put([0], [5.0]),
    "numpy()": lambda y: y.numpy().__setitem__(0, 10.0),
    "assign .data": lambda y: setattr(y, "data", np.zeros(3)),
}


@pytest.mark.parametrize("write", list(WRITES.values()), ids=list(WRITES))
def test_writing_a_recorded_value_raises_and_the_gradient_stays_right(write):
    x, y, want = recorded()
    before = y.data.copy()
    with pytest.raises(ValueError, match=f"recorded 'mul' result is {WHY}"):
        write(y)
    np.testing.assert_array_equal(y.data, before)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad, want)


@pytest.mark.parametrize(
    "write",
    [
        lambda y: np.asarray(y).__setitem__(0, 10.0),
        lambda y: y.detach().data.__setitem__(0, 10.0),
        lambda y: np.copyto(np.asarray(y), 0.0),
    ],
    ids=["np.asarray", "detach", "np.copyto"],
)
def test_other_handles_on_a_recorded_value_are_read_only_too(write):
    x, y, want = recorded()
    with pytest.raises(ValueError, match="read-only"):
        write(y)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad, want)


def test_a_recorded_value_computes_like_an_ndarray():
    _, y, _ = recorded()
    v = y.data
    assert isinstance(v, RecordedArray) and isinstance(v, np.ndarray)
    assert repr(v) == "array([ 3., -6.,  9.])"
    for result in (v * 2, v + v, np.exp(v), v.copy(), np.array(v), v[:2] * 1.0):
        assert type(result) is np.ndarray
        result[0] = 0.0  # computed arrays and copies are the user's
    assert type(v.sum()) is np.float64 and v.sum() == 6.0
    assert float(y.sum().data) == 6.0
    np.testing.assert_array_equal(v, [3.0, -6.0, 9.0])


def test_the_ops_never_lock_a_leaf():
    """Reading the value of a result that is a view of a leaf (reshape, slice, transpose)
    hands out a read-only view; the leaf's own array stays writable for the optimizer."""
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    views = [x.reshape(3, 2), x[0], x.T, x[:, ::-1], x.squeeze(), x.swapaxes(0, 1)]
    for v in views:
        with pytest.raises(ValueError):
            v.data[...] = 0.0
    assert x.data.flags.writeable
    sum(v.sum() for v in views).backward()
    x.data -= 0.1 * x.grad  # the optimizer's step
    np.testing.assert_allclose(x.data, np.arange(6.0).reshape(2, 3) - 0.1 * np.array([[6], [5]]))


def test_values_that_no_graph_reads_stay_writable():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = x * 2.0
    z = Tensor([1.0, 2.0]) * 2.0  # constants only: nothing recorded
    for t in (y, z):
        t.data[0] = 7.0
        t.data += 1.0
        assert t.data[0] == 8.0


# --- assigning .data -------------------------------------------------------------------------
def test_assigning_a_leaf_keeps_its_shape_and_dtype():
    w = Tensor(np.zeros(3, np.float32), requires_grad=True)
    w.data = [1, 2, 3]
    assert w.data.dtype == np.float32 and w.data.tolist() == [1.0, 2.0, 3.0]
    w.data = np.ones(3)  # float64 in, float32 kept (as numpy's w[...] = value)
    assert w.data.dtype == np.float32
    same = w.data
    w.data -= 0.5
    assert w.data is same


@pytest.mark.parametrize(
    "value, error, match",
    [
        (np.zeros(4), ValueError, r"new value has shape \(4,\), the Tensor \(3,\)"),
        (np.zeros((3, 1)), ValueError, r"shape \(3, 1\), the Tensor \(3,\)"),
        (2.0, ValueError, r"shape \(\), the Tensor \(3,\)"),
        ("abc", TypeError, "Tensor.data: got strings"),
        (np.array([1j, 2, 3]), TypeError, "Tensor.data"),
        (np.array([True, False, True]), TypeError, "Tensor.data"),
        ([1.0, None, 2.0], TypeError, "Tensor.data"),
        (Tensor([1.0, 2.0, 3.0]), TypeError, r"takes an array, got a Tensor.*other\.data"),
        (Scalar(1.0), TypeError, "takes an array, got a Scalar"),
        ([[1.0], [2.0, 3.0]], ValueError, "Tensor.data: ragged"),
    ],
)
def test_assigning_a_leaf_a_bad_value_names_the_problem(value, error, match):
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(error, match=match):
        w.data = value
    assert w.data.tolist() == [1.0, 2.0, 3.0]


def test_scalar_data_assignment_is_validated():
    a = Scalar(2.0)
    a.data = 3  # ints are real numbers
    assert a.data == 3.0 and type(a.data) is float
    a.data -= 0.5 * 2.0
    assert a.data == 2.0
    for bad in ("3", None, True, [1.0], 1j):
        with pytest.raises(TypeError, match="Scalar.data takes a real number"):
            a.data = bad
    b = a * a
    with pytest.raises(ValueError, match=f"recorded 'mul' result is {WHY}"):
        b.data = 1.0
    b.backward()
    assert a.grad == 4.0


# --- leaves: changed between forward and backward, caught by detect_anomaly() ------------------
def test_anomaly_mode_catches_a_leaf_written_in_place():
    with detect_anomaly():
        x = Tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
        loss = (x * x).sum()
        x.data[0] = 10.0
        with pytest.raises(
            RuntimeError,
            match=r"leaf Tensor 'x' of shape \(3,\) was changed after 'mul' read it at "
            r".*test_values_in_graph.py:\d+: loss = \(x \* x\)\.sum\(\)",
        ):
            loss.backward()
    assert x.grad is None


def test_anomaly_mode_catches_a_leaf_rebound():
    with detect_anomaly():
        w = Tensor([[1.0, 2.0]], requires_grad=True)
        out = (w @ np.ones((2, 1))).sum()
        w.data = np.array([[5.0, 5.0]])
        with pytest.raises(RuntimeError, match=r"of shape \(1, 2\) was changed after 'matmul'"):
            out.backward()


def test_anomaly_mode_catches_a_scalar_leaf_reassigned():
    with detect_anomaly():
        a = Scalar(2.0, name="a")
        b = a * a + 1.0
        a.data = 3.0
        with pytest.raises(RuntimeError, match=r"Scalar 'a' \(was 2.0, now 3.0\) was changed"):
            b.backward()
    assert a.grad == 0.0


def test_anomaly_mode_catches_a_change_between_two_backwards_of_one_graph():
    with detect_anomaly():
        x = Tensor([1.0, 2.0], requires_grad=True)
        loss = (x * x).sum()
        loss.backward()
        x.data += 1.0
        with pytest.raises(RuntimeError, match="was changed after 'mul'"):
            loss.backward()


def test_anomaly_mode_accepts_the_training_loop():
    """backward, step, forward again; a graph that is never backpropagated (a validation
    loss computed with grad on); a value assigned back unchanged: none of these is an error,
    and the result is the plain loop's."""

    def train(check: bool) -> np.ndarray:
        w = Tensor([1.0, -2.0], requires_grad=True)
        a = Scalar(0.5)
        for _ in range(3):
            loss = (w * w).sum() + (w * a._data).sum()
            _ = (w * 3.0).sum()  # never backpropagated
            s = a * a
            loss.backward()
            s.backward()
            w.data -= 0.1 * w.grad
            a.data -= 0.1 * a.grad
            a.data = a.data + 0.0
            w.grad, a.grad = None, 0.0
        return np.append(w.data, a.data)

    with detect_anomaly():
        checked = train(True)
    np.testing.assert_array_equal(checked, train(False))


def test_anomaly_mode_forgets_its_copies_when_it_ends():
    from autograd_core import anomaly

    with detect_anomaly():
        x = Tensor(np.ones(1000), requires_grad=True)
        (x * 2.0).sum()
        assert anomaly._read
    assert not anomaly._read
