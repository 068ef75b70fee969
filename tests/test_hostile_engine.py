"""The engine API tried as an adversary or a confused new user would: every misuse of a
Tensor or Scalar op, a module-level function, a factory, a transform or the grad API gets a
clear library error (the exception type AND a message naming the op and the problem: the
bad value, both shapes, the flag), never a traceback from inside numpy, never a silent wrong
answer. Numeric semantics stay as documented (a Tensor follows numpy: log(-1) is nan; a
Scalar follows math: domain errors raise), so those are not misuse.

Categories: construction (constructors and factories), axes and shapes, flags, numeric
parameters, dtype and type confusion, linalg and conv, indexing, transforms and the grad API
(with hooks, check_grad and viz). Each case is one parametrized test; the silent wrong answers
found have their own regression tests.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import Scalar, Tensor, testing, viz
from autograd_core import functional as AF
from autograd_core import linalg as LA


def R(*shape):
    """A Tensor requiring grad with distinct values (no ties), seeded."""
    return Tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)


def square_sum(t):
    return (t * t).sum()


# --- flags: every bool flag is a bool, or a TypeError naming the op and the flag -----------
FLAG_CALLS = {
    "sum": lambda v: R(2, 3).sum(keepdims=v),
    "sum axis": lambda v: R(2, 3).sum(axis=0, keepdims=v),
    "mean": lambda v: R(2, 3).mean(keepdims=v),
    "max": lambda v: R(2, 3).max(keepdims=v),
    "min": lambda v: R(2, 3).min(keepdims=v),
    "prod": lambda v: R(2, 3).prod(keepdims=v),
    "var": lambda v: R(2, 3).var(keepdims=v),
    "logsumexp": lambda v: R(2, 3).logsumexp(keepdims=v),
    "argmax": lambda v: R(2, 3).argmax(keepdims=v),
    "argmin": lambda v: ac.argmin(R(2, 3), keepdims=v),
    "all": lambda v: R(2, 3).all(keepdims=v),
    "any": lambda v: ac.any(R(2, 3), keepdims=v),
    "average": lambda v: R(2, 3).average(axis=1, weights=[1.0, 2.0, 3.0], keepdims=v),
    "median": lambda v: R(2, 3).median(keepdims=v),
    "quantile": lambda v: ac.quantile(R(2, 3), 0.3, keepdims=v),
    "norm": lambda v: LA.norm(R(2, 3), keepdims=v),
    "vector_norm": lambda v: LA.vector_norm(R(2, 3), keepdims=v),
    "matrix_norm": lambda v: LA.matrix_norm(R(2, 3), keepdims=v),
}
FLAG_CASES = {
    **{f"{name} keepdims {v!r}": (call, v, "keepdims") for name, call in FLAG_CALLS.items()
       for v in ("no",)},
    "sum keepdims None": (FLAG_CALLS["sum"], None, "keepdims"),
    "sum keepdims 1": (FLAG_CALLS["sum"], 1, "keepdims"),
    "mean keepdims list": (FLAG_CALLS["mean"], [True], "keepdims"),
    "topk largest": (lambda v: R(2, 3).topk(2, largest=v), "no", "largest"),
    "topk largest None": (lambda v: ac.topk(R(2, 3), 2, largest=v), None, "largest"),
    "sort stable": (lambda v: ac.sort(R(3), stable=v), "yes", "stable"),
    "svd full_matrices": (lambda v: LA.svd(np.ones((2, 3)), full_matrices=v), "no",
                          "full_matrices"),
    "svd compute_uv": (lambda v: LA.svd(np.ones((2, 2)), compute_uv=v), "no", "compute_uv"),
    "svd hermitian": (lambda v: LA.svd(np.eye(2), hermitian=v), "yes", "hermitian"),
    "pinv hermitian": (lambda v: LA.pinv(np.eye(2), hermitian=v), "yes", "hermitian"),
    "cholesky upper": (lambda v: LA.cholesky(np.eye(2), upper=v), "no", "upper"),
    "isclose equal_nan": (lambda v: R(3).isclose(R(3), equal_nan=v), "no", "equal_nan"),
    "ac.isclose equal_nan": (lambda v: ac.isclose(R(3), 1.0, equal_nan=v), "no", "equal_nan"),
    "linspace endpoint": (lambda v: ac.linspace(0, 1, 5, endpoint=v), "no", "endpoint"),
    "grad create_graph": (lambda v: ac.grad(square_sum(R(3)), R(3), create_graph=v), "yes",
                          "create_graph"),
    "grad allow_unused": (lambda v: ac.grad(square_sum(R(3)), R(3), allow_unused=v), "no",
                          "allow_unused"),
    "value_and_grad has_aux": (lambda v: AF.value_and_grad(square_sum, has_aux=v), "no",
                               "has_aux"),
    "viz to_dot show_grad": (lambda v: viz.to_dot(R(2) * 2, show_grad=v), "no", "show_grad"),
}


@pytest.mark.parametrize("call, value, flag", FLAG_CASES.values(), ids=FLAG_CASES.keys())
def test_flags(call, value, flag):
    with pytest.raises(TypeError, match=re.escape(f"{flag} must be True or False, got {value!r}")):
        call(value)


@pytest.mark.parametrize("name", FLAG_CALLS)
def test_flags_name_the_op(name):
    op = name.split()[0]
    with pytest.raises(TypeError, match=rf"^{op}: keepdims must be True or False"):
        FLAG_CALLS[name]("no")


@pytest.mark.parametrize("name", FLAG_CALLS)
def test_flags_bools_still_work(name):
    # True, False and numpy's bools are flags: the results keep or drop the reduced axes
    kept, dropped = FLAG_CALLS[name](True), FLAG_CALLS[name](np.bool_(False))
    assert np.ndim(kept) == 2 and np.ndim(dropped) < 2


# --- transforms and the grad API ---------------------------------------------------------
x3 = R(3)

TRANSFORMS = {
    "grad of a number": (lambda: AF.grad(3.0), TypeError, r"grad: f must be a function.*float"),
    "grad of f(x)": (lambda: AF.grad(square_sum(x3)), TypeError, r"value_and_grad\(f\), not"),
    "value_and_grad of str": (lambda: AF.value_and_grad("f"), TypeError, "must be a function"),
    "jacobian of None": (lambda: AF.jacobian(None), TypeError, "jacobian: f must be a function"),
    "hessian of list": (lambda: AF.hessian([square_sum]), TypeError, "hessian: f must be a"),
    "vjp of int": (lambda: AF.vjp(3, x3), TypeError, "vjp: f must be a function"),
    "jvp of None": (lambda: AF.jvp(None, (x3,), (x3,)), TypeError, "jvp: f must be a"),
    "hvp of None": (lambda: AF.hvp(None, x3, np.ones(3)), TypeError, "hvp: f must be a"),
    "grad argnums str": (lambda: AF.grad(square_sum, argnums="0")(x3), TypeError,
                         "argnums must be an int"),
    "grad argnums float": (lambda: AF.grad(square_sum, argnums=0.0)(x3), TypeError,
                           "argnums must be an int"),
    "grad argnums bool": (lambda: AF.grad(square_sum, argnums=True)(x3), TypeError,
                          "argnums must be an int"),
    "grad argnums out of range": (lambda: AF.grad(square_sum, argnums=2)(x3), ValueError,
                                  "argnums=2 is out of range for a call with 1 positional"),
    "grad argnums empty": (lambda: AF.grad(square_sum, argnums=())(x3), ValueError,
                           "argnums is empty"),
    "grad of keyword-only call": (lambda: AF.grad(square_sum)(t=x3), ValueError,
                                  "0 positional arguments"),
    "hessian argnums repeated out of range": (
        lambda: AF.hessian(square_sum, argnums=(0, 1))(x3), ValueError,
        r"hessian: argnums=\(0, 1\) is out of range for a call with 1 positional"),
    "hessian argnums of floats": (lambda: AF.hessian(square_sum, argnums=(0.0,))(x3),
                                  TypeError, "hessian: argnums must be an int or a tuple"),
    "grad f returns vector": (lambda: AF.grad(lambda t: t * 2)(x3), ValueError,
                              r"f must return one number, but it returned shape \(3,\)"),
    "grad f returns None": (lambda: AF.grad(lambda t: None)(x3), TypeError,
                            "f returned NoneType, which is not differentiable"),
    "grad f returns str": (lambda: AF.grad(lambda t: "a")(x3), TypeError, "f returned str"),
    "grad f returns list": (lambda: AF.grad(lambda t: [t.sum()])(x3), TypeError,
                            "f returned list"),
    "grad f returns bool": (lambda: AF.grad(lambda t: True)(x3), TypeError, "f returned bool"),
    "grad has_aux not a pair": (lambda: AF.grad(square_sum, has_aux=True)(x3), TypeError,
                                "has_aux=True, f must return a pair"),
    "grad argument str": (lambda: AF.grad(square_sum)("abc"), TypeError,
                          "grad: argument 0: .*strings"),
    "grad argument None": (lambda: AF.grad(square_sum)(None), TypeError,
                           "argument 0: .*NoneType"),
    "grad argument complex": (lambda: AF.grad(square_sum)(1j), TypeError,
                              "argument 0: .*complex"),
    "vjp no primals": (lambda: AF.vjp(square_sum), TypeError, "give at least one primal"),
    "vjp primal Scalar": (lambda: AF.vjp(square_sum, Scalar(1.0)), TypeError,
                          r"primals\[0\] is a Scalar"),
    "vjp cotangent shape": (lambda: AF.vjp(lambda t: t * 2, x3)[1](np.ones(4)), ValueError,
                            r"cotangent has shape \(4,\) but f's output has shape \(3,\)"),
    "vjp cotangent str": (lambda: AF.vjp(lambda t: t * 2, x3)[1]("abc"), TypeError,
                          "vjp_fn: the cotangent: got strings"),
    "vjp cotangent None": (lambda: AF.vjp(lambda t: t * 2, x3)[1](None), TypeError,
                           "vjp_fn: the cotangent: got a NoneType"),
    "jvp primals not a tuple": (lambda: AF.jvp(square_sum, x3, x3), TypeError,
                                "primals and tangents must be tuples"),
    "jvp count mismatch": (lambda: AF.jvp(square_sum, (x3,), (x3, x3)), ValueError,
                           "1 primals but 2 tangents"),
    "jvp tangent shape": (lambda: AF.jvp(square_sum, (x3,), (np.ones(4),)), ValueError,
                          r"tangents\[0\] has shape \(4,\) but primals\[0\] has shape \(3,\)"),
    "jvp tangent str": (lambda: AF.jvp(square_sum, (x3,), ("abc",)), TypeError,
                        r"jvp: tangents\[0\]: got strings"),
    "jvp tangent None": (lambda: AF.jvp(square_sum, (x3,), (None,)), TypeError,
                         r"jvp: tangents\[0\]: got a NoneType"),
    "jvp tangent complex": (lambda: AF.jvp(square_sum, (x3,), (np.ones(3) * 1j,)), TypeError,
                            r"tangents\[0\]: dtype complex128"),
    "jvp tangent Scalar": (lambda: AF.jvp(square_sum, (x3,), (Scalar(1.0),)), TypeError,
                           r"tangents\[0\] is a Scalar"),
    "jacobian f returns Scalar": (lambda: AF.jacobian(lambda t: Scalar(1.0))(x3), TypeError,
                                  "jacobian: f returned a Scalar"),
    "jacobian argument Scalar": (lambda: AF.jacobian(square_sum)(Scalar(1.0)), TypeError,
                                 "argument 0 is a Scalar"),
    "hvp v shape": (lambda: AF.hvp(square_sum, x3, np.ones(4)), ValueError,
                    r"hvp: v has shape \(4,\) but x has shape \(3,\)"),
    "hvp v str": (lambda: AF.hvp(square_sum, x3, "abc"), TypeError, "hvp: v: got strings"),
    "hvp v None": (lambda: AF.hvp(square_sum, x3, None), TypeError, "hvp: v: got a NoneType"),
    "hvp f returns vector": (lambda: AF.hvp(lambda t: t * 2, x3, np.ones(3)), ValueError,
                             "hvp: f must return one number"),
}

GRAD_API = {
    "grad input an array": (lambda: ac.grad(square_sum(x3), [np.ones(3)]), TypeError,
                            r"inputs\[0\] is ndarray, not a Scalar or Tensor"),
    "grad output a float": (lambda: ac.grad(3.0, [x3]), TypeError, "output is float"),
    "grad output an array": (lambda: ac.grad(np.ones(3), [x3]), TypeError, "output is ndarray"),
    "grad input not in the graph": (lambda: ac.grad(square_sum(x3), [R(3)]), ValueError,
                                    r"does not depend on inputs\[0\].*allow_unused=True"),
    "grad input a constant": (lambda: ac.grad(square_sum(x3), [Tensor(1.0)]), ValueError,
                              r"inputs\[0\] does not require grad"),
    "grad Scalar input, Tensor output": (
        lambda: ac.grad(square_sum(x3), [Scalar(1.0)]), ValueError, "does not depend on"),
    "grad output a constant": (lambda: ac.grad(Tensor(1.0) * 2, [x3]), RuntimeError,
                               "output does not require grad"),
    "grad many-element output": (lambda: ac.grad(x3 * 2, [x3]), ValueError,
                                 r"output has shape \(3,\), not one element"),
    "grad_outputs wrong shape": (lambda: ac.grad(x3 * 2, [x3], np.ones(4)), ValueError,
                                 r"grad has shape \(4,\) but the output has shape \(3,\)"),
    "grad_outputs wrong-shape Tensor": (
        lambda: ac.grad(x3 * 2, [x3], Tensor(np.ones(4))), ValueError, r"shape \(4,\)"),
    "grad_outputs recorded wrong shape": (
        lambda: ac.grad(x3 * 2, [x3], R(4), create_graph=True), ValueError,
        r"grad_outputs has shape \(4,\) but the output has shape \(3,\)"),
    "grad_outputs str": (lambda: ac.grad(x3 * 2, [x3], "abc"), TypeError, "got strings"),
    "grad_outputs a bool": (lambda: ac.grad(x3 * 2, [x3], True), TypeError,
                            "grad_outputs is a bool; create_graph is the fourth argument"),
    "grad_outputs a Scalar": (lambda: ac.grad(x3 * 2, [x3], Scalar(1.0)), ValueError,
                              r"grad has shape \(\) but the output has shape \(3,\)"),
    "grad create_graph None": (lambda: ac.grad(square_sum(x3), x3, create_graph=None),
                               TypeError, "create_graph must be True or False"),
    "backward of a constant": (lambda: Tensor(1.0).backward(), RuntimeError,
                               "does not require grad"),
    "hook not callable": (lambda: (x3 * 2).register_hook(3), TypeError,
                          "register_hook: fn must be callable, got int"),
    "hook on a constant": (lambda: Tensor(1.0).register_hook(print), RuntimeError,
                           "no gradient will ever reach it"),
    "hook returns the wrong shape": (
        lambda: hooked(lambda g: np.ones(4)), ValueError,
        r"hook '<lambda>' returned shape \(4,\), but the Tensor has shape \(3,\)"),
    "hook returns a string": (lambda: hooked(lambda g: "abc"), ValueError, r"returned shape \(\)"),
    "hook returns a ragged list": (lambda: hooked(lambda g: [[1.0], [2.0, 3.0]]), ValueError,
                                   r"returned shape \(ragged: rows of different lengths\)"),
    "hook returns complex": (lambda: hooked(lambda g: g * 1j), TypeError, "dtype complex128"),
    "grad inputs None": (lambda: ac.grad(square_sum(x3), None), TypeError,
                         r"grad\(\): inputs must be a Scalar/Tensor or a list of them, "
                         "got NoneType"),
    "grad inputs an array": (lambda: ac.grad(square_sum(x3), np.ones(3)), TypeError,
                             "inputs must be a Scalar/Tensor or a list of them, got ndarray"),
    "grad inputs a str": (lambda: ac.grad(square_sum(x3), "x"), TypeError, "got str"),
    "backprop seed str": (lambda: ac.backprop(x3 * 2, "a"), TypeError, "got strings"),
    "backprop seed wrong shape": (lambda: ac.backprop(x3 * 2, np.ones(4)), ValueError,
                                  r"grad has shape \(4,\) but the output has shape \(3,\)"),
    "backprop root a float": (lambda: ac.backprop(3.0, 1.0), TypeError,
                              "backprop: root must be a Scalar or a Tensor, got float"),
    "toposort of a list": (lambda: ac.toposort([x3]), TypeError,
                           "toposort: root must be a Scalar or a Tensor, got list"),
    "retain_grad on a constant": (lambda: Tensor(1.0).retain_grad(), RuntimeError,
                                  "retain_grad on a Tensor that does not require grad"),
    "viz to_dot precision str": (lambda: viz.to_dot(x3 * 2, precision="a"), TypeError,
                                 "to_dot: precision must be an int"),
    "viz to_dot precision negative": (lambda: viz.to_dot(x3 * 2, precision=-1), ValueError,
                                      "to_dot: precision must be >= 0"),
    "viz to_dot not a node": (lambda: viz.to_dot(3), TypeError, "to_dot.. takes a Scalar"),
    "viz trace seed wrong shape": (lambda: viz.trace(x3 * 2, seed=np.ones(4)), ValueError,
                                   r"grad has shape \(4,\) but the output has shape \(3,\)"),
    "viz trace seed str": (lambda: viz.trace(x3 * 2, seed="a"), TypeError, "got strings"),
    "viz trace precision str": (lambda: viz.trace(square_sum(x3), precision="a"), TypeError,
                                "trace: precision must be an int"),
}


def hooked(hook):
    x = R(3)
    z = x * 2
    z.register_hook(hook)
    z.sum().backward()


@pytest.mark.parametrize("call, error, message", TRANSFORMS.values(), ids=TRANSFORMS.keys())
def test_transforms(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("call, error, message", GRAD_API.values(), ids=GRAD_API.keys())
def test_grad_api(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_transforms_good_calls_still_work():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(AF.grad(square_sum)(x), 2 * x)
    (value, aux), g = AF.value_and_grad(lambda t: (square_sum(t), 7), has_aux=np.bool_(True))(x)
    assert aux == 7 and value == 14.0
    np.testing.assert_allclose(g, 2 * x)
    _, jv = AF.jvp(square_sum, (x,), ([1.0, 0.0, 0.0],))  # a list tangent is fine
    assert jv == 2.0
    np.testing.assert_allclose(AF.hvp(square_sum, x, [0, 1, 0]), [0.0, 2.0, 0.0])
    (g,) = AF.vjp(lambda t: t * 2, x)[1]([1, 1, 1])
    np.testing.assert_allclose(g, [2.0, 2.0, 2.0])
    assert viz.trace(Tensor(x, requires_grad=True) * 2, seed=[1, 2, 3]).rows


# --- construction: constructors and factories -----------------------------------------------
rng = np.random.default_rng(0)

CONSTRUCTION = {
    "zeros float shape": (lambda: ac.zeros(2.5), TypeError,
                          "zeros: shape must be an int or a sequence of ints, got 2.5"),
    "zeros negative shape": (lambda: ac.zeros(-1), ValueError,
                             r"zeros: shape \(-1,\) has a negative dimension"),
    "zeros str shape": (lambda: ac.zeros("3"), TypeError, "zeros: shape must be an int"),
    "zeros None shape": (lambda: ac.zeros(None), TypeError, "shape must be an int .* None"),
    "zeros ragged shape": (lambda: ac.zeros([2, [3]]), TypeError, "zeros: shape must be"),
    "ones float in shape": (lambda: ac.ones([2, 2.0]), TypeError, r"ones: shape .*\[2, 2.0\]"),
    "zeros unknown dtype": (lambda: ac.zeros(3, dtype="flaot32"), TypeError,
                            "zeros: unknown dtype 'flaot32'"),
    "zeros int dtype": (lambda: ac.zeros(3, dtype=int), TypeError,
                        "zeros: dtype int64 is not supported"),
    "zeros requires_grad str": (lambda: ac.zeros(3, requires_grad="yes"), TypeError,
                                "requires_grad must be a bool, got 'yes'"),
    "full str value": (lambda: ac.full(3, "a"), TypeError,
                       "full: fill_value must be a real number, got 'a'"),
    "full None value": (lambda: ac.full(3, None), TypeError, "fill_value must be a real"),
    "full complex value": (lambda: ac.full(3, 1j), TypeError, "fill_value must be a real"),
    "full negative shape": (lambda: ac.full((2, -2), 1.0), ValueError, "negative dimension"),
    "arange step 0": (lambda: ac.arange(0, 5, 0), ValueError, "arange: .*step non-zero"),
    "arange str": (lambda: ac.arange("5"), TypeError, "arange: stop must be a real number"),
    "arange None": (lambda: ac.arange(None), TypeError, "arange: stop must be a real number"),
    "arange nan": (lambda: ac.arange(0, np.nan), ValueError, "arange: .*finite.*stop=nan"),
    "arange inf": (lambda: ac.arange(0, np.inf), ValueError, "arange: .*finite"),
    "arange complex": (lambda: ac.arange(1j), TypeError, "arange: stop must be a real"),
    "arange too long": (lambda: ac.arange(0, 1e30), ValueError,
                        "arange: .* values are too many"),
    "linspace negative num": (lambda: ac.linspace(0, 1, -3), ValueError,
                              "linspace: num must be >= 0, got -3"),
    "linspace float num": (lambda: ac.linspace(0, 1, 2.5), TypeError,
                           "linspace: num must be an int, got 2.5"),
    "linspace str start": (lambda: ac.linspace("a", 1), TypeError,
                           "linspace: start must be a real number"),
    "eye negative": (lambda: ac.eye(-2), ValueError, "eye: N must be >= 0, got -2"),
    "eye float": (lambda: ac.eye(2.5), TypeError, "eye: N must be an int, got 2.5"),
    "eye float M": (lambda: ac.eye(2, 3.0), TypeError, "eye: M must be an int"),
    "eye float k": (lambda: ac.eye(3, k=1.5), TypeError, "eye: k must be an int, got 1.5"),
    "identity negative": (lambda: ac.identity(-1), ValueError, "identity: n must be >= 0"),
    "rand without rng": (lambda: ac.rand(3, None), TypeError,
                         "rand: rng must be a numpy.random.Generator"),
    "rand int seed for rng": (lambda: ac.rand(3, 0), TypeError, "got int"),
    "rand negative shape": (lambda: ac.rand(-3, rng), ValueError,
                            r"rand: shape \(-3,\) has a negative dimension"),
    "randn float shape": (lambda: ac.randn(2.0, rng), TypeError, "randn: shape must be an int"),
    "randn int dtype": (lambda: ac.randn(3, rng, dtype=int), TypeError,
                        "randn: dtype int64 is not supported"),
    "zeros_like str": (lambda: ac.zeros_like("abc"), TypeError, "zeros_like: got strings"),
    "zeros_like Scalar": (lambda: ac.zeros_like(Scalar(1.0)), TypeError,
                          "zeros_like: got a Scalar"),
    "ones_like None": (lambda: ac.ones_like(None), TypeError, "ones_like: got a NoneType"),
    "Tensor of recorded Tensors": (lambda: Tensor([R(1)[0], R(1)[0]]), TypeError,
                                   r"Tensor\(\): got a list holding a Tensor that requires "
                                   r"grad.*stack"),
    "Tensor of nested recorded": (lambda: Tensor([[1.0], [R(1)[0]]]), TypeError,
                                  "list holding a Tensor that requires grad"),
    "Tensor of Scalars": (lambda: Tensor([Scalar(1.0), Scalar(2.0)]), TypeError,
                          r"Tensor\(\): got a Scalar"),
    "Tensor name int": (lambda: Tensor(1.0, name=3), TypeError,
                        r"Tensor\(\): name must be a str or None, got 3"),
    "Tensor dtype unknown": (lambda: Tensor(1.0, dtype="flaot"), TypeError,
                             r"Tensor\(\): unknown dtype 'flaot'"),
    "Tensor dtype int": (lambda: Tensor(1.0, dtype="int32"), TypeError, "int32 is not supported"),
    "Tensor Decimal": (lambda: Tensor([__import__("decimal").Decimal("1.5")]), TypeError,
                       "got a Decimal"),
    "Tensor datetime": (lambda: Tensor(np.datetime64("2020-01-01")), TypeError, "datetime64"),
    "Scalar requires_grad str": (lambda: Scalar(1.0, requires_grad="no"), TypeError,
                                 r"Scalar\(\): requires_grad must be a bool, got 'no'"),
    "Scalar requires_grad None": (lambda: Scalar(1.0, requires_grad=None), TypeError,
                                  "requires_grad must be a bool"),
    "Scalar name int": (lambda: Scalar(1.0, name=3), TypeError,
                        r"Scalar\(\): name must be a str or None"),
    "Scalar of a Tensor": (lambda: Scalar(Tensor(1.0)), TypeError, "got Tensor"),
    "Scalar of a 1-element array": (lambda: Scalar(np.ones(1)), TypeError, "got ndarray"),
}


@pytest.mark.parametrize("call, error, message", CONSTRUCTION.values(),
                         ids=CONSTRUCTION.keys())
def test_construction(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_construction_good_calls_still_work():
    assert ac.zeros((2, np.int64(3))).shape == (2, 3)
    assert ac.ones(np.array([2, 3])).shape == (2, 3)
    assert ac.full(2, np.float32(1.5), dtype=np.float32).dtype == np.float32
    assert ac.eye(np.int64(2), requires_grad=np.bool_(True)).requires_grad
    assert ac.zeros_like([[1, 2]]).shape == (1, 2)
    assert ac.linspace(0, 1, np.int64(3)).shape == (3,)
    assert Scalar(1.0, requires_grad=np.bool_(False)).requires_grad is False
    const = Tensor([Tensor(1.0), Tensor(2.0)])  # constants in a list: their values
    np.testing.assert_array_equal(const.data, [1.0, 2.0])


def test_arange_honours_step_without_stop():
    # was silently np.arange(5): arange(n, step=s) is 0, s, 2s, ... below n, as numpy's
    np.testing.assert_array_equal(ac.arange(5, step=2).data, [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(ac.arange(1, 2, 0.5).data, [1.0, 1.5])


# --- axes and shapes ------------------------------------------------------------------------
x23 = R(2, 3)

AXES = {
    "sort axis tuple": (lambda: ac.sort(x23, axis=(0, 1)), TypeError,
                        r"sort: axis must be one int, got \(0, 1\)"),
    "argsort axis tuple": (lambda: ac.argsort(x23, axis=(0,)), TypeError, "argsort: axis"),
    "topk axis None": (lambda: x23.topk(1, axis=None), TypeError,
                       "topk: axis must be one int, got None"),
    "topk axis float": (lambda: x23.topk(1, axis=1.0), TypeError, "topk: axis must be"),
    "swapaxes tuple": (lambda: x23.swapaxes((0, 1), 1), TypeError, "swapaxes: axis must be one"),
    "expand_dims float axis": (lambda: x23.expand_dims(1.0), TypeError,
                               "expand_dims: axis must be an int"),
    "cumsum axis tuple": (lambda: x23.cumsum(axis=(0,)), TypeError, "cumsum: axis must be"),
    "argmax axis out of range": (lambda: x23.argmax(axis=5), ValueError,
                                 "argmax: axis 5 is out of range for a 2-D tensor"),
    "median axis str": (lambda: x23.median(axis="0"), TypeError, "median: axis must be"),
    "norm axis float": (lambda: LA.norm(x23, axis=1.0), TypeError, "norm: axis must be"),
    "norm three axes": (lambda: LA.norm(R(2, 2, 2), axis=(0, 1, 2)), ValueError,
                        "norm: axis must be an int or a pair"),
    "reshape -2": (lambda: R(6).reshape(-2, 3), ValueError,
                   r"reshape: the new shape \(-2, 3\) has -2"),
    "transpose repeated": (lambda: x23.transpose(0, 0), ValueError, "repeated axis"),
    "transpose too few": (lambda: x23.transpose(0), ValueError, "not a permutation"),
    "squeeze a size-2 axis": (lambda: x23.squeeze(0), ValueError, "axis 0 .* has size 2, not 1"),
    "broadcast_to incompatible": (lambda: x23.broadcast_to((4, 3)), ValueError,
                                  r"shape \(2, 3\) cannot be broadcast to \(4, 3\)"),
    "broadcast_to floats": (lambda: x23.broadcast_to((2.0, 3)), ValueError, "cannot be broadcast"),
    "moveaxis count mismatch": (lambda: x23.moveaxis((0, 1), 0), ValueError,
                                "different numbers of axes"),
    "tile float": (lambda: x23.tile(2.5), TypeError, "tile: reps must be an int, got 2.5"),
    "tile str": (lambda: x23.tile("2"), TypeError, "tile: reps must be an int, got '2'"),
    "tile None": (lambda: x23.tile(None), TypeError, "tile: reps must be an int"),
    "tile negative": (lambda: x23.tile(-1), ValueError, "tile: reps must be non-negative"),
    "roll float shift": (lambda: x23.roll(1.5, 0), TypeError, "roll: shift must be an int"),
    "roll str shift": (lambda: x23.roll("1", 0), TypeError, "roll: shift must be an int, got '1'"),
    "roll float shift flat": (lambda: x23.roll(1.5), TypeError, "roll: shift must be an int"),
    "roll count mismatch": (lambda: x23.roll((1, 2), 0), ValueError, "2 shifts for 1 axes"),
    "diagonal float offset": (lambda: x23.diagonal(0.5), TypeError,
                              "diagonal: offset must be an int, got 0.5"),
    "diagonal str offset": (lambda: x23.diagonal("1"), TypeError, "offset must be an int"),
    "rot90 float k": (lambda: ac.rot90(x23, 1.5), TypeError, "rot90: k must be an int, got 1.5"),
    "rot90 str k": (lambda: ac.rot90(x23, "1"), TypeError, "rot90: k must be an int"),
    "rot90 three axes": (lambda: ac.rot90(x23, 1, (0, 1, 2)), ValueError, "two axes"),
    "diag float k": (lambda: ac.diag(R(3), 1.5), TypeError, "diag: k must be an int"),
    "tril float k": (lambda: ac.tril(x23, 1.5), TypeError, "tril: k must be an int"),
    "triu str k": (lambda: ac.triu(x23, "1"), TypeError, "triu: k must be an int"),
    "split not dividing": (lambda: ac.split(x23, 2, axis=1), ValueError,
                           "axis 1 of size 3 does not divide into 2 equal sections"),
    "split zero sections": (lambda: ac.split(x23, 0), ValueError, "must be positive, got 0"),
    "split float sections": (lambda: ac.split(x23, 2.0), TypeError,
                             "split: the number of sections must be an int, got 2.0"),
    "split str sections": (lambda: ac.split(x23, "2"), TypeError, "number of sections must be"),
    "split float indices": (lambda: ac.split(R(6), [2.5]), TypeError,
                            "split: indices must be an int, got 2.5"),
    "array_split negative": (lambda: ac.array_split(x23, -1), ValueError, "must be positive"),
    "tensordot float axes": (lambda: ac.tensordot(x23, x23, axes=1.5), TypeError,
                             "tensordot: axes must be an int, got 1.5"),
    "tensordot unequal pairs": (lambda: ac.tensordot(x23, x23, axes=([0, 1], [0])), ValueError,
                                r"2 axes of a \(0, 1\) but 1 axes of b"),
    "tensordot three lists": (lambda: ac.tensordot(x23, x23, axes=([0], [0], [0])), ValueError,
                              "axes must be an int or a pair"),
    "tensordot mismatched sizes": (lambda: ac.tensordot(x23, x23, axes=([0], [1])), ValueError,
                                   r"differ along the summed axes"),
    "concat shapes": (lambda: ac.concat([R(2, 3), R(3)]), ValueError,
                      r"concat: shapes \(2, 3\), \(3,\) must agree"),
    "stack shapes": (lambda: ac.stack([R(2), R(3)]), ValueError, "stack: all shapes must be"),
    "hstack nothing": (lambda: ac.hstack([]), ValueError, "hstack: needs at least one"),
    "einsum too few operands": (lambda: ac.einsum("ij,jk", x23), ValueError,
                                "'ij,jk' names 2 operands, got 1"),
    "einsum too many operands": (lambda: ac.einsum("ij->i", x23, x23), ValueError,
                                 "names 1 operands, got 2"),
    "einsum digit subscript": (lambda: ac.einsum("i1->i", x23), ValueError,
                               r"subscripts 'i1' do not fit an operand of shape \(2, 3\)"),
    "einsum sizes differ": (lambda: ac.einsum("ij,ij->i", x23, R(3, 2)), ValueError,
                            r"einsum: 'ij,ij->i' with shapes \(2, 3\), \(3, 2\)"),
    "einsum unknown output letter": (lambda: ac.einsum("ij->k", x23), ValueError,
                                     "einsum: 'ij->k'.*'k'"),
    "einsum operands first": (lambda: ac.einsum(x23, x23), TypeError,
                              "einsum: the first argument must be the subscripts string"),
    "einsum no operands": (lambda: ac.einsum("ij->i"), ValueError, "einsum: needs at least one"),
    "einsum empty subscripts": (lambda: ac.einsum("", x23), ValueError, "do not fit"),
    "einsum ellipsis on too few axes": (lambda: ac.einsum("...ij->", R(3)), ValueError,
                                        r"subscripts '\.\.\.ij' do not fit an operand of shape"),
    "einsum non-square diagonal": (lambda: ac.einsum("ii", x23), ValueError,
                                   r"einsum: 'ii' with shapes \(2, 3\)"),
    "einsum optimize unknown": (lambda: ac.einsum("ij->", x23, optimize="bogus"), ValueError,
                                "einsum: optimize must be True, False, 'greedy'"),
    "transpose axes an int": (lambda: ac.transpose(x23, 1), ValueError,
                              r"transpose: axes \(1,\) are not a permutation"),
    "rot90 axes an int": (lambda: ac.rot90(x23, 1, 0), ValueError, "rot90: axes must be two"),
    "rot90 same axes": (lambda: ac.rot90(x23, 1, (0, 0)), ValueError, "are the same axis"),
    "pad to an absurd size": (lambda: ac.pad(x23, 10**12), MemoryError,
                              "pad: the padded shape .* is too large to allocate"),
    "pad negative": (lambda: ac.pad(x23, -1), ValueError, "pad_width must be non-negative"),
    "pad float": (lambda: ac.pad(x23, 1.5), ValueError, "pad_width must be non-negative integ"),
    "pad three numbers": (lambda: ac.pad(x23, ((1, 2, 3),)), ValueError,
                          r"pad_width \(\(1, 2, 3\),\) does not fit a Tensor of shape \(2, 3\)"),
    "pad too many axes": (lambda: ac.pad(x23, ((1, 1),) * 3), ValueError, "does not fit"),
    "pad mode unknown": (lambda: ac.pad(x23, 1, mode="wrap"), ValueError,
                         "pad: mode 'wrap' is not supported"),
    "pad constant str": (lambda: ac.pad(x23, 1, constant_values="a"), TypeError,
                         "pad: constant_values must be a real number, got 'a'"),
    "pad constant pair": (lambda: ac.pad(x23, 1, constant_values=(0, 1)), TypeError,
                          "pad: constant_values must be one number"),
    "pad constant None": (lambda: ac.pad(x23, 1, constant_values=None), TypeError,
                          "constant_values must be a real number, got None"),
    "pad constant recorded": (lambda: ac.pad(x23, 1, constant_values=R(1)[0]), TypeError,
                              "constant_values is a Tensor that requires grad"),
    "repeat negative": (lambda: x23.repeat(-1, axis=0), ValueError,
                        "repeats must be non-negative integers, got -1"),
    "repeat float": (lambda: x23.repeat(2.0, axis=0), ValueError, "non-negative integers"),
    "repeat count mismatch": (lambda: x23.repeat([1, 2, 3], axis=0), ValueError,
                              "3 repeats for axis 0 of size 2"),
}


@pytest.mark.parametrize("call, error, message", AXES.values(), ids=AXES.keys())
def test_axes_and_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- numeric parameters ---------------------------------------------------------------------
NUMERIC = {
    "var ddof str": (lambda: x23.var(ddof="1"), TypeError, "var: ddof must be a real number"),
    "var ddof None": (lambda: x23.var(ddof=None), TypeError, "var: ddof must be a real"),
    "std ddof Tensor": (lambda: x23.std(ddof=Tensor(1.0)), TypeError, "ddof must be a real"),
    "std ddof bool": (lambda: ac.std(x23, ddof=True), TypeError, "ddof must be a real"),
    "quantile q 1.5": (lambda: x23.quantile(1.5), ValueError, "q must be in \\[0, 1\\], got 1.5"),
    "quantile q negative": (lambda: ac.quantile(x23, -0.1), ValueError, "q must be in"),
    "quantile q nan": (lambda: x23.quantile(np.nan), ValueError, "q must be in"),
    "quantile q list outside": (lambda: x23.quantile([0.5, 2.0]), ValueError, "q must be in"),
    "quantile q str": (lambda: x23.quantile("0.5"), TypeError,
                       "quantile: q must be a number or an array of numbers"),
    "quantile q None": (lambda: x23.quantile(None), TypeError, "q must be a number"),
    "quantile q complex": (lambda: x23.quantile(0.5j), TypeError, "q must be a number"),
    "quantile method": (lambda: ac.quantile(x23, 0.5, method="nearest"), ValueError,
                        "method='nearest' is not supported"),
    "topk k too large": (lambda: x23.topk(4), ValueError,
                         r"topk: k=4 must be an integer in \[0, 3\]"),
    "topk k negative": (lambda: x23.topk(-1), ValueError, "k=-1 must be an integer"),
    "topk k float": (lambda: x23.topk(1.0), ValueError, "k=1.0 must be an integer"),
    "sort kind unknown": (lambda: ac.sort(x23, kind="bogus"), ValueError,
                          "sort: kind 'bogus' is not one of"),
    "argsort kind unknown": (lambda: ac.argsort(x23, kind="bogus"), ValueError,
                             "argsort: kind 'bogus'"),
    "round float decimals": (lambda: x23.round(1.5), TypeError,
                             "round: decimals must be an int, got 1.5"),
    "round str decimals": (lambda: ac.round(x23, "2"), TypeError, "decimals must be an int"),
    "leaky_relu str slope": (lambda: x23.leaky_relu("a"), TypeError,
                             "leaky_relu: negative_slope must be a real number, got 'a'"),
    "elu str alpha": (lambda: x23.elu("a"), TypeError, "elu: alpha must be a real number"),
    "softplus str beta": (lambda: x23.softplus("a"), TypeError, "softplus: beta must be a real"),
    "softplus nan beta": (lambda: x23.softplus(np.nan), ValueError,
                          "softplus: beta must be > 0, got nan"),
    "softplus zero beta": (lambda: x23.softplus(0), ValueError, "beta must be > 0, got 0"),
    "softplus str threshold": (lambda: x23.softplus(1.0, "a"), TypeError,
                               "softplus: threshold must be a real number"),
    "hardtanh str bound": (lambda: x23.hardtanh("a", 1), TypeError,
                           "hardtanh: min_val must be a real number"),
    "hardtanh nan bound": (lambda: x23.hardtanh(np.nan, 1), ValueError,
                           "hardtanh: min_val .*nan.*neither may be nan"),
    "hardtanh min > max": (lambda: x23.hardtanh(1, -1), ValueError,
                           r"min_val \(1\) must not be greater than max_val \(-1\)"),
    "gelu approximate bool": (lambda: x23.gelu(True), ValueError,
                              "gelu: approximate must be 'none' or 'tanh', got True"),
    "nan_to_num str nan": (lambda: x23.nan_to_num(nan="a"), TypeError,
                           "nan_to_num: nan must be a real number, got 'a'"),
    "nan_to_num str posinf": (lambda: ac.nan_to_num(x23, posinf="a"), TypeError,
                              "nan_to_num: posinf must be a real number"),
    "isclose str rtol": (lambda: x23.isclose(x23, rtol="a"), TypeError,
                         "isclose: rtol must be a real number"),
    "isclose str atol": (lambda: ac.isclose(x23, 0.0, atol=None), TypeError,
                         "isclose: atol must be a real number"),
    "clip str bound": (lambda: x23.clip("a", 1), TypeError, "clip: lo must be a number"),
    "clip bound of another shape": (lambda: x23.clip(np.zeros(4), 1), ValueError,
                                    r"clip: bounds of shape \(4,\) do not broadcast to the "
                                    r"Tensor's shape \(2, 3\)"),
    "clip bound broadcasting the Tensor": (lambda: x23.clip(np.zeros((5, 2, 3)), 1), ValueError,
                                           r"bounds of shape \(5, 2, 3\) do not broadcast"),
    "clip recorded bound": (lambda: x23.clip(R(1), 1.0), TypeError,
                            "clip: lo is a Tensor that requires grad"),
    "conv stride 0": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), stride=0), ValueError,
                      "conv2d: stride must be >= 1, got 0"),
    "conv stride float": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), stride=1.5),
                          ValueError, "conv2d: stride must be an int or a pair of ints, got 1.5"),
    "conv stride None": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), stride=None),
                         ValueError, "conv2d: stride must be an int or a pair"),
    "conv stride bool": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), stride=True),
                         ValueError, "stride must be an int or a pair of ints, got True"),
    "conv stride triple": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), stride=(1, 1, 1)),
                           ValueError, "stride must be an int or a pair"),
    "conv padding negative": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), padding=-1),
                              ValueError, "conv2d: padding must be >= 0, got -1"),
    "conv padding 'same'": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), padding="same"),
                            ValueError, "padding must be an int or a pair of ints, got 'same'"),
    "conv dilation 0": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), dilation=0),
                        ValueError, "dilation must be >= 1"),
    "conv groups 0": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), groups=0), ValueError,
                      "groups must be a positive int, got 0"),
    "conv groups bool": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), groups=True),
                         ValueError, "groups must be a positive int, got True"),
    "conv groups not dividing": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), groups=2),
                                 ValueError, "out_channels 3 .* is not divisible by groups 2"),
    "conv channels": (lambda: ac.conv2d(R(1, 3, 5, 5), R(3, 2, 3, 3)), ValueError,
                      r"input \(1, 3, 5, 5\) has 3 channels but weight \(3, 2, 3, 3\) expects 2"),
    "conv 3-D input": (lambda: ac.conv2d(R(2, 5, 5), R(3, 2, 3, 3)), ValueError,
                       r"conv2d: input must be 4-D \(N, C, H, W\), got shape \(2, 5, 5\)"),
    "conv kernel larger than input": (lambda: ac.conv2d(R(1, 2, 2, 2), R(3, 2, 3, 3)),
                                      ValueError, "kernel \\(3, 3\\).* is larger than"),
    "conv bias shape": (lambda: ac.conv2d(R(1, 2, 5, 5), R(3, 2, 3, 3), bias=R(2)), ValueError,
                        r"bias must have shape \(3,\) for weight \(3, 2, 3, 3\), got \(2,\)"),
    "conv1d stride 0": (lambda: ac.conv1d(R(1, 2, 5), R(3, 2, 3), stride=0), ValueError,
                        "^conv1d: stride must be >= 1, got 0"),
    "conv1d padding negative": (lambda: ac.conv1d(R(1, 2, 5), R(3, 2, 3), padding=-2),
                                ValueError, "^conv1d: padding must be >= 0, got -2"),
    "conv1d stride tuple": (lambda: ac.conv1d(R(1, 2, 5), R(3, 2, 3), stride=(1,)), ValueError,
                            "conv1d: stride must be an int"),
    "conv1d stride bool": (lambda: ac.conv1d(R(1, 2, 5), R(3, 2, 3), stride=True), ValueError,
                           "conv1d: stride must be an int, got True"),
    "conv1d 4-D input": (lambda: ac.conv1d(R(1, 2, 5, 5), R(3, 2, 3)), ValueError,
                         "conv1d: input must be 3-D"),
    "max_pool kernel 0": (lambda: ac.max_pool2d(R(1, 2, 5, 5), 0), ValueError,
                          "max_pool2d: kernel_size must be >= 1, got 0"),
    "max_pool kernel float": (lambda: ac.max_pool2d(R(1, 2, 5, 5), 2.0), ValueError,
                              "kernel_size must be an int or a pair of ints, got 2.0"),
    "max_pool padding too big": (lambda: ac.max_pool2d(R(1, 2, 5, 5), 2, padding=2),
                                 ValueError, "padding \\(2, 2\\) must be at most half"),
    "avg_pool kernel None": (lambda: ac.avg_pool2d(R(1, 2, 5, 5), None), ValueError,
                             "avg_pool2d: kernel_size must be an int or a pair"),
    "avg_pool stride str": (lambda: ac.avg_pool2d(R(1, 2, 5, 5), 2, stride="2"), ValueError,
                            "avg_pool2d: stride must be an int or a pair"),
}


@pytest.mark.parametrize("call, error, message", NUMERIC.values(), ids=NUMERIC.keys())
def test_numeric_parameters(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_var_with_ddof_at_least_n_is_inf_not_negative():
    # was a negative variance (divided by n - ddof < 0); numpy: max(n - ddof, 0), so inf
    x = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    assert x.var(ddof=5).item() == np.inf and x.var(ddof=3).item() == np.inf
    assert x.std(ddof=np.int64(1)).item() == pytest.approx(np.std([1, 2, 4], ddof=1))
    assert x.var(ddof=0.5).item() == pytest.approx(np.var([1, 2, 4], ddof=0.5))


def test_clip_with_a_constant_tensor_bound():
    # was a RecursionError: a constant Tensor bound is its value
    x = Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = x.clip(Tensor(0.0), np.array([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(y.data, [0.0, 0.5, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])
    assert Tensor(np.ones(2, np.float32)).clip(0.0, 0.5).dtype == np.float32


def test_softmax_family_over_an_empty_axis():
    # were numpy's "zero-size array to reduction operation maximum"
    assert R(0).softmax().shape == (0,) and R(2, 0).log_softmax().shape == (2, 0)
    with pytest.raises(ValueError, match=r"logits of shape \(2, 0\) have no classes"):
        R(2, 0).cross_entropy(np.zeros((2, 0)))
    np.testing.assert_array_equal(R(2, 0).logsumexp(axis=1).data, [-np.inf, -np.inf])
    assert R(0, 3).logsumexp(axis=1).shape == (0,)
    x = R(2, 0)
    x.softmax().sum().backward()
    assert x.grad.shape == (2, 0)


# --- dtype and type confusion ---------------------------------------------------------------
TYPES = {
    "Tensor + True": (lambda: x23 + True, TypeError, "Tensor operand: dtype bool"),
    "True * Tensor": (lambda: True * x23, TypeError, "dtype bool is not supported"),
    "Tensor + bool array": (lambda: x23 + np.array([True, False, True]), TypeError, "dtype bool"),
    "Tensor + str": (lambda: x23 + "a", TypeError, "Tensor operand: got strings"),
    "Tensor + None": (lambda: x23 + None, TypeError, "Tensor operand: got a NoneType"),
    "Tensor + complex": (lambda: x23 + 1j, TypeError, "dtype complex128 is not supported"),
    "Tensor + Scalar": (lambda: x23 + Scalar(1.0), TypeError,
                        "cannot combine a Tensor and a Scalar"),
    "Scalar * Tensor": (lambda: Scalar(1.0) * x23, TypeError, "cannot combine"),
    "Tensor ** str": (lambda: x23 ** "2", TypeError, "Tensor operand: got strings"),
    "Tensor ** Scalar": (lambda: x23 ** Scalar(2.0), TypeError, "Tensor and a Scalar"),
    "Tensor + list of recorded": (lambda: R(2) + [R(1)[0], 1.0], TypeError,
                                  "Tensor operand: got a list holding a Tensor that requires"),
    "Tensor @ str": (lambda: x23 @ "a", TypeError, "got strings"),
    "Tensor @ number": (lambda: x23 @ 2.0, ValueError, "matmul: operands must be at least 1-D"),
    "Tensor < str": (lambda: x23 < "a", TypeError,
                     r"'<' between a Tensor of shape \(2, 3\) and str 'a'"),
    "Tensor >= None": (lambda: x23 >= None, TypeError, "'>=' between a Tensor"),
    "Tensor > wrong shape": (lambda: x23 > np.ones(4), ValueError,
                             r"'>': a Tensor of shape \(2, 3\) and a ndarray of shape \(4,\) "
                             "cannot be broadcast"),
    "isclose str other": (lambda: x23.isclose("a"), TypeError, "isclose: cannot compare"),
    "astype unknown": (lambda: x23.astype("flaot"), TypeError, "astype: unknown dtype 'flaot'"),
    "astype int": (lambda: x23.astype(int), TypeError, "astype: dtype int64 is not supported"),
    "sin of str": (lambda: ac.sin("a"), TypeError, r"Tensor\(\): got strings"),
    "sin of Scalar": (lambda: ac.sin(Scalar(1.0)), TypeError, "got a Scalar"),
    "sin of list of recorded": (lambda: ac.sin([x23, x23]), TypeError,
                                "list holding a Tensor that requires grad"),
    "sum of list of recorded": (lambda: ac.sum([x23, x23]), TypeError, "use|stack"),
    "mean of None": (lambda: ac.mean(None), TypeError, "got a NoneType"),
    "hypot with Scalar": (lambda: ac.hypot(x23, Scalar(1.0)), TypeError, "Tensor and a Scalar"),
    "maximum with str": (lambda: ac.maximum(x23, "a"), TypeError, "got strings"),
    "where cond str": (lambda: ac.where("abc", x23, 0.0), TypeError,
                       "where: cond must be a boolean mask .* got 'abc'"),
    "where cond None": (lambda: ac.where(None, x23, 0.0), TypeError, "where: cond must be"),
    "where cond shape": (lambda: ac.where(np.ones(4, bool), x23, 0.0), ValueError,
                         r"where: shapes \(4,\) \(cond\), \(2, 3\)"),
    "where only a": (lambda: ac.where(x23 > 0, x23), TypeError, "give both a and b"),
    "cross_entropy target str": (lambda: x23.cross_entropy("a"), TypeError,
                                 "cross_entropy: target: got strings"),
    "cross_entropy recorded target": (lambda: x23.cross_entropy(R(2, 3)), TypeError,
                                      "cross_entropy: target is a Tensor that requires grad"),
    "cross_entropy target shape": (lambda: x23.cross_entropy(np.ones(3)), ValueError,
                                   r"target has shape \(3,\), logits have shape \(2, 3\)"),
    "float of many": (lambda: float(x23), TypeError, r"float\(\) of a Tensor of shape \(2, 3\)"),
    "item of many": (lambda: x23.item(), ValueError, r"item\(\): the Tensor has shape \(2, 3\)"),
    "len of 0-d": (lambda: len(Tensor(1.0)), TypeError, r"len\(\) of a 0-d Tensor"),
    "Scalar + str": (lambda: Scalar(1.0) + "a", TypeError, "'Scalar' and 'str'"),
    "Scalar + bool": (lambda: Scalar(1.0) + True, TypeError, "'Scalar' and 'bool'"),
    "Scalar < str": (lambda: Scalar(1.0) < "a", TypeError, "'Scalar' and 'str'"),
    "Scalar backward Tensor grad": (lambda: (Scalar(1.0) * 2).backward(Tensor(1.0)), TypeError,
                                    r"backward\(grad\) takes a real number .* got Tensor"),
    "np.sum out=": (lambda: np.sum(x23, out=np.zeros(())), TypeError,
                    r"np.sum\(\.\.\., out=\) is not supported on Tensors: .*takes \(x, axis"),
    "np.mean dtype=": (lambda: np.mean(x23, dtype=np.float32), TypeError,
                       r"np.mean\(\.\.\., dtype=\) is not supported"),
    "np.dot out=": (lambda: np.dot(x23, x23.T, out=np.zeros((2, 2))), TypeError,
                    r"np.dot\(\.\.\., out=\) is not supported on Tensors: .*takes \(a, b\)"),
    "np.take mode=": (lambda: np.take(x23, [0], mode="clip"), TypeError, "np.take.*mode="),
    "np.add out=": (lambda: np.add(x23, 1, out=np.zeros((2, 3))), TypeError,
                    r"np.add\(\.\.\., out=\) is not supported"),
    "np.sum keepdims str": (lambda: np.sum(x23, keepdims="no"), TypeError,
                            "sum: keepdims must be True or False"),
    "np.where cond str": (lambda: np.where("a", x23, 0.0), TypeError, "where: cond must be"),
    "inv of str": (lambda: LA.inv("abc"), TypeError, "got strings"),
    "pinv rcond str": (lambda: LA.pinv(x23, rcond="a"), TypeError,
                       "pinv: rcond must be a number or an array of numbers"),
    "pinv rtol str": (lambda: LA.pinv(x23, rtol="a"), TypeError, "pinv: rtol must be"),
}


@pytest.mark.parametrize("call, error, message", TYPES.values(), ids=TYPES.keys())
def test_dtype_and_type_confusion(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_comparisons_and_where_still_work():
    x = Tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x < 2, [True, False, False])
    np.testing.assert_array_equal(x >= Tensor([3.0, 2.0, 1.0]), [False, True, True])
    np.testing.assert_array_equal(ac.where([1, 0, 2], x, 0.0).data, [1.0, 0.0, 3.0])
    np.testing.assert_array_equal((x + np.int64(1)).data, [2.0, 3.0, 4.0])


# --- linalg ---------------------------------------------------------------------------------
singular = np.ones((3, 3))

LINALG = {
    "inv non-square": (lambda: LA.inv(x23), LA.LinAlgError,
                       r"inv: expects square matrices .* got shape \(2, 3\)"),
    "inv 1-D": (lambda: LA.inv(R(3)), LA.LinAlgError, r"inv: expects a matrix .* shape \(3,\)"),
    "inv singular": (lambda: LA.inv(singular), LA.LinAlgError,
                     r"inv: input of shape \(3, 3\): Singular matrix"),
    "det non-square": (lambda: LA.det(x23), LA.LinAlgError, "det: expects square matrices"),
    "slogdet 1-D": (lambda: LA.slogdet(R(3)), LA.LinAlgError, "slogdet: expects a matrix"),
    "solve b too short": (lambda: LA.solve(R(3, 3), R(2)), ValueError,
                          r"solve: a of shape \(3, 3\) needs b of shape \(3,\) or "
                          r"\(\.\.\., 3, K\)"),
    "solve batch mismatch": (lambda: LA.solve(R(2, 3, 3), R(4, 3, 1)), ValueError,
                             r"batch axes of a \(2, 3, 3\) and b \(4, 3, 1\)"),
    "solve singular": (lambda: LA.solve(singular, R(3)), LA.LinAlgError, "solve: .*Singular"),
    "solve 0-d b": (lambda: LA.solve(R(3, 3), 1.0), ValueError, r"got \(\)"),
    "solve non-square a": (lambda: LA.solve(x23, R(2)), LA.LinAlgError, "solve: expects square"),
    "cholesky not positive definite": (lambda: LA.cholesky(-np.eye(2)), LA.LinAlgError,
                                       "cholesky: .*not positive definite"),
    "cholesky non-square": (lambda: LA.cholesky(x23), LA.LinAlgError, "cholesky: expects"),
    "eigh UPLO": (lambda: LA.eigh(R(3, 3), UPLO="X"), ValueError,
                  "eigh: UPLO must be 'L' or 'U', got 'X'"),
    "eigh non-square": (lambda: LA.eigh(x23), LA.LinAlgError, "eigh: expects square"),
    "svd 1-D": (lambda: LA.svd(R(3)), LA.LinAlgError, "svd: expects a matrix"),
    "svd full_matrices with grad": (lambda: LA.svd(x23), ValueError,
                                    "svd: full_matrices=True on a non-square input"),
    "matmul batch mismatch": (lambda: R(2, 3, 4) @ R(5, 4, 2), ValueError,
                              r"matmul: batch dimensions of \(2, 3, 4\) and \(5, 4, 2\)"),
    "matmul inner mismatch": (lambda: x23 @ R(2, 3), ValueError,
                              r"inner dimensions differ: \(2, 3\) @ \(2, 3\) \(3 != 2\)"),
    "dot 3-D": (lambda: x23.dot(R(3, 2, 1)), ValueError, "dot: .*use @"),
    "norm ord unknown": (lambda: LA.norm(x23, ord="bogus"), ValueError,
                         "norm: invalid ord 'bogus' for a matrix norm"),
    "norm ord 3 for a matrix": (lambda: LA.norm(x23, ord=3), ValueError,
                                "invalid ord 3 for a matrix norm"),
    "norm ord negative vector": (lambda: LA.norm(R(3), ord=-1), ValueError,
                                 "negative vector norms are not supported"),
    "norm ord nan": (lambda: LA.norm(R(3), ord=np.nan), ValueError,
                     "norm: invalid ord nan for a vector norm"),
    "norm ord True vector": (lambda: LA.norm(R(3), ord=True), ValueError,
                             "invalid ord True for a vector norm"),
    "norm ord True matrix": (lambda: LA.norm(x23, ord=True), ValueError,
                             "invalid ord True for a matrix norm"),
    "norm ord complex": (lambda: LA.norm(R(3), ord=1j), ValueError, "invalid ord 1j"),
    "norm ord 3-D without axis": (lambda: LA.norm(R(2, 2, 2), ord=1), ValueError,
                                  r"needs a 1-D or 2-D input, got shape \(2, 2, 2\)"),
    "vector_norm ord fro": (lambda: LA.vector_norm(x23, ord="fro"), ValueError,
                            "invalid ord 'fro' for a vector norm"),
    "matrix_norm 1-D": (lambda: LA.matrix_norm(R(3)), LA.LinAlgError, "matrix_norm: expects"),
    "norm nuc on one axis": (lambda: LA.norm(x23, ord="nuc", axis=0), ValueError,
                             "invalid ord 'nuc' for a vector norm"),
}


@pytest.mark.parametrize("call, error, message", LINALG.values(), ids=LINALG.keys())
def test_linalg(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- indexing -------------------------------------------------------------------------------
INDEXING = {
    "int out of range": (lambda: x23[5], IndexError,
                         r"index 5 for a Tensor of shape \(2, 3\): index 5 is out of bounds"),
    "negative out of range": (lambda: x23[-3], IndexError, "index -3 is out of bounds"),
    "second axis out of range": (lambda: x23[0, 3], IndexError, "out of bounds for axis 1"),
    "float index": (lambda: x23[1.0], IndexError, r"index 1.0 for a Tensor of shape \(2, 3\)"),
    "str index": (lambda: x23["a"], IndexError, "index 'a' for a Tensor"),
    "dict index": (lambda: x23[{"a": 1}], IndexError, "for a Tensor of shape"),
    "Scalar index": (lambda: x23[Scalar(1.0)], IndexError, "index Scalar"),
    "too many indices": (lambda: x23[0, 0, 0], IndexError, "too many indices"),
    "float slice": (lambda: x23[0.5:2], TypeError,
                    r"index slice\(0.5, 2, None\) for a Tensor of shape \(2, 3\)"),
    "str slice": (lambda: x23["a":], TypeError, "for a Tensor of shape"),
    "item assignment": (lambda: x23.__setitem__(0, 1.0), TypeError,
                        r"Tensor does not support item assignment \(t\[i\] = v\).*where"),
    "mask of the wrong length": (lambda: x23[np.array([True, False, True])], IndexError,
                                 r"shape \(2, 3\): boolean index did not match"),
    "mask of the wrong shape": (lambda: x23[np.ones((3, 2), bool)], IndexError,
                                "boolean index did not match"),
    "bool list of the wrong length": (lambda: x23[[True, False, True, True]], IndexError,
                                      "boolean index did not match"),
    "float array index": (lambda: x23[np.array([0.0, 1.0])], IndexError,
                          "index arrays must be integers or booleans, got float64"),
    "float list index": (lambda: x23[[0.0, 1.0]], IndexError, "must be integers or booleans"),
    "fractional Tensor index": (lambda: x23[Tensor([0.5])], IndexError,
                                "must hold whole numbers"),
    "array index out of range": (lambda: x23[[0, 5]], IndexError, "index 5 is out of bounds"),
    "ragged list index": (lambda: x23[[[0], [0, 1]]], IndexError,
                          "a ragged nested list is not an index"),
    "take out of range": (lambda: x23.take([7]), IndexError,
                          r"take: index 7 is out of bounds .*\(Tensor of shape \(6,\)\)"),
    "take float": (lambda: x23.take([0.5]), IndexError, "must be integers or booleans"),
    "take bools": (lambda: x23.take([True, False], axis=0), IndexError,
                   "take: indices must be integers, got booleans"),
    "take str": (lambda: x23.take("a"), IndexError, "must be integers or booleans"),
    "take_along_axis ndim": (lambda: ac.take_along_axis(x23, np.array([0]), 1), IndexError,
                             r"as many axes as the Tensor \(2\), got shape \(1,\)"),
    "take_along_axis out of range": (lambda: ac.take_along_axis(x23, np.array([[5]]), 1),
                                     IndexError, "index 5 is out of bounds for axis 1"),
    "take_along_axis float": (lambda: ac.take_along_axis(x23, np.array([[0.5]]), 1), IndexError,
                              "integers or booleans"),
    "add_along_axis values shape": (lambda: ac.add_along_axis(x23, np.array([[0]]),
                                                              np.ones((3, 3)), 1),
                                    ValueError, r"add_along_axis: .*values \(3, 3\)"),
    "index_add 2-D index": (lambda: ac.index_add(x23, 0, np.array([[0]]), R(1, 3)), IndexError,
                            "index_add: index must be a 1-D integer array"),
    "index_add out of range": (lambda: ac.index_add(x23, 0, np.array([5]), R(1, 3)),
                               IndexError, "index_add: index 5 is out of bounds"),
    "index_add source shape": (lambda: ac.index_add(x23, 0, np.array([0]), R(2, 3)),
                               ValueError, r"index_add: .*values \(2, 3\)"),
}


@pytest.mark.parametrize("call, error, message", INDEXING.values(), ids=INDEXING.keys())
def test_indexing(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- check_grad misuse ----------------------------------------------------------------------
CHECK_GRAD = {
    "f not callable": (lambda: testing.check_grad(3, [x3]), TypeError,
                       "check_grad: f must be a function"),
    "inputs a Tensor": (lambda: testing.check_grad(square_sum, x3), TypeError,
                        "check_grad: inputs must be a list .* got Tensor; for one input write"),
    "inputs arrays": (lambda: testing.check_grad(square_sum, [np.ones(3)]), TypeError,
                      r"inputs\[0\] is ndarray"),
    "float32 input": (lambda: testing.check_grad(square_sum, [Tensor(np.ones(3, np.float32))]),
                      TypeError, "float32; gradient checks need float64"),
    "order 3": (lambda: testing.check_grad(square_sum, [x3], order=3), ValueError,
                "order must be 1 or 2, got 3"),
    "mode unknown": (lambda: testing.check_grad(square_sum, [x3], mode="x"), ValueError,
                     "mode must be 'full' or 'directional'"),
    "eps 0": (lambda: testing.check_grad(square_sum, [x3], eps=0), ValueError,
              "check_grad: eps must be finite and > 0, got 0"),
    "eps str": (lambda: testing.check_grad(square_sum, [x3], eps="a"), TypeError,
                "eps must be a number"),
    "rtol negative": (lambda: testing.check_grad(square_sum, [x3], rtol=-1), ValueError,
                      "rtol must be finite and >= 0, got -1"),
    "atol nan": (lambda: testing.check_grad(square_sum, [x3], atol=np.nan), ValueError,
                 "atol must be finite"),
    "rtol str": (lambda: testing.check_grad(square_sum, [x3], rtol="a"), TypeError,
                 "rtol must be a number"),
    "directions 0": (lambda: testing.check_grad(square_sum, [x3], mode="directional",
                                                directions=0), ValueError,
                     "directions must be >= 1, got 0"),
    "directions float": (lambda: testing.check_grad(square_sum, [x3], directions=2.5),
                         TypeError, "directions must be an int"),
    "seed str": (lambda: testing.check_grad(square_sum, [x3], seed="a"), TypeError,
                 "seed must be an int"),
    "f returns None": (lambda: testing.check_grad(lambda t: None, [x3]), TypeError,
                       "check_grad: f returned NoneType"),
    "f returns str": (lambda: testing.check_grad(lambda t: "a", [x3]), TypeError,
                      "f returned str"),
    "numerical_grad eps 0": (lambda: testing.numerical_grad(square_sum, [x3], eps=0),
                             ValueError, "numerical_grad: eps must be finite and > 0"),
    "numerical_grad f None": (lambda: testing.numerical_grad(None, [x3]), TypeError,
                              "numerical_grad: f must be a function"),
}


@pytest.mark.parametrize("call, error, message", CHECK_GRAD.values(), ids=CHECK_GRAD.keys())
def test_check_grad_misuse(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_no_grad_and_enable_grad_objects_can_be_reused_and_nested():
    # a kept no_grad() entered a second time was contextlib's AttributeError
    off, on = ac.no_grad(), ac.enable_grad()
    x = R(2)
    for _ in range(2):
        with off:
            assert not (x * 2).requires_grad
            with off, on:
                assert (x * 2).requires_grad
            assert not ac.is_grad_enabled()
        assert (x * 2).requires_grad and ac.is_grad_enabled()

    @ac.no_grad()
    def evaluate(t):
        return t * 2

    assert not evaluate(x).requires_grad and ac.is_grad_enabled()
