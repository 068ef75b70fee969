"""The engine API tried as an adversary or a confused new user would: every misuse of a
Tensor or Scalar op, a module-level function, a factory, a transform or the grad API gets a
clear library error (the exception type AND a message naming the op and the problem: the
bad value, both shapes, the flag), never a traceback from inside numpy, never a silent wrong
answer. Numeric semantics stay as documented (a Tensor follows numpy: log(-1) is nan; a
Scalar follows math: domain errors raise), so those are not misuse.

Categories: flags, transforms and the grad API. Each case is one parametrized test.
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
    "hessian argnums tuple": (lambda: AF.hessian(square_sum, argnums=(0,)), TypeError,
                              "hessian: argnums must be one int"),
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
