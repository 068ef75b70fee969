"""Property tests of the Tensor engine's rules, op by op, against float64 central differences.

Every op is checked on every entry of every input (``check_grad`` projects a many-element
output onto fixed random weights, which catches transposed or permuted gradients), on shapes
drawn by hypothesis that broadcast against each other. Ops with kinks (relu, abs, clip, max,
maximum) draw values on a grid of 1/8 shifted by 1/16, so no entry sits on a kink or a tie
within the finite-difference step. The second-order tests differentiate each rule itself
(``grad(..., create_graph=True)``), which is what Hessian-vector products rely on.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_core import Tensor, concat, enable_grad, grad, maximum, stack, where
from autograd_core.tensor import RULES
from autograd_core.testing import check_grad

from helpers import COVERED, COVERED_SECOND_ORDER, covers, covers_second_order

FINITE = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
POSITIVE = st.floats(0.2, 3.0, allow_nan=False, allow_infinity=False)
AWAY_FROM_ZERO = st.floats(0.3, 2.0) | st.floats(-2.0, -0.3)
# k/8 + 1/16: never 0, never +-0.5, never equal to a point of the k/8 grid.
OFF_GRID = st.integers(-16, 15).map(lambda k: k / 8 + 1 / 16)
ON_GRID = st.integers(-16, 16).map(lambda k: k / 8)

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def arrays(shape, elements=FINITE, unique=False):
    return hnp.arrays(np.float64, shape, elements=elements, unique=unique)


def leaf(a: np.ndarray) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


@st.composite
def pair(draw, elements_a=FINITE, elements_b=FINITE):
    shapes = draw(PAIRS).input_shapes
    return (
        leaf(draw(arrays(shapes[0], elements_a))),
        leaf(draw(arrays(shapes[1], elements_b))),
    )


@st.composite
def with_axis(draw, elements=FINITE, unique=False):
    """A tensor with an axis argument: None, an int (maybe negative) or a tuple of axes."""
    shape = draw(NONEMPTY)
    x = leaf(draw(arrays(shape, elements, unique)))
    nd = len(shape)
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        axis = None
    elif choice == "int":
        axis = draw(st.integers(-nd, nd - 1))
    else:
        axis = tuple(draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True)))
    return x, axis, draw(st.booleans())


# --- binary ops with broadcasting ------------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, FINITE),
    "sub": (lambda a, b: a - b, FINITE),
    "mul": (lambda a, b: a * b, FINITE),
    "div": (lambda a, b: a / b, AWAY_FROM_ZERO),
    "power": (lambda a, b: a**b, FINITE),
    "maximum": (lambda a, b: maximum(a, b), OFF_GRID),
}


@covers(*BINARY)
@pytest.mark.parametrize("name", list(BINARY))
@given(data=st.data())
def test_binary_ops_broadcast(name, data):
    fn, elements_b = BINARY[name]
    elements_a = POSITIVE if name == "power" else (ON_GRID if name == "maximum" else FINITE)
    a, b = data.draw(pair(elements_a, elements_b))
    check_grad(fn, [a, b])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: 2.5 + x,
        lambda x: x + 2.5,
        lambda x: 1.5 - x,
        lambda x: x - np.array([1.0, 2.0]),
        lambda x: np.array([1.0, -2.0]) * x,
        lambda x: 3 / (x * x + 1),
        lambda x: (x * x + 1) / np.float64(2.0),
        lambda x: 2.0**x,
        lambda x: -x,
        lambda x: +x * 1,
    ],
    ids=["radd", "add", "rsub", "sub_array", "rmul_array", "rtruediv", "div_npfloat", "rpow",
         "neg", "pos"],
)
@given(x=arrays((3, 2), FINITE))
def test_operators_with_constants_on_either_side(fn, x):
    check_grad(fn, [leaf(x)])


@covers("pow")
@given(x=arrays(SHAPES, FINITE), n=st.sampled_from([2, 3, -1.0, 0.5, 1.5, 2.5, -2]))
def test_pow_number(x, n):
    x = np.where(np.abs(x) < 0.3, 0.5, np.abs(x))  # positive, so every exponent is defined
    check_grad(lambda t: t**n, [leaf(x)])


@given(x=arrays(SHAPES, FINITE))
def test_pow_integer_exponent_negative_base(x):
    check_grad(lambda t: t**3, [leaf(x)])


# --- unary elementwise ops ---------------------------------------------------------------------

UNARY = {
    "neg": (lambda x: -x, FINITE),
    "exp": (lambda x: x.exp(), FINITE),
    "log": (lambda x: x.log(), POSITIVE),
    "sqrt": (lambda x: x.sqrt(), POSITIVE),
    "reciprocal": (lambda x: x.reciprocal(), AWAY_FROM_ZERO),
    "abs": (lambda x: x.abs(), OFF_GRID),
    "abs_builtin": (lambda x: abs(x), OFF_GRID),
    "sigmoid": (lambda x: x.sigmoid(), st.floats(-8, 8)),
    "tanh": (lambda x: x.tanh(), FINITE),
    "relu": (lambda x: x.relu(), OFF_GRID),
    "clip": (lambda x: x.clip(-0.5, 0.5), OFF_GRID),
    "clip_lo": (lambda x: x.clip(0.25, None), OFF_GRID),
}


@covers(*(name for name in UNARY if name in RULES))
@pytest.mark.parametrize("name", list(UNARY))
@given(data=st.data())
def test_unary_ops(name, data):
    fn, elements = UNARY[name]
    x = leaf(data.draw(arrays(SHAPES, elements)))
    check_grad(fn, [x])


# --- reductions --------------------------------------------------------------------------------


@covers("sum", "mean", "logsumexp")
@pytest.mark.parametrize("method", ["sum", "mean", "logsumexp"])
@given(data=st.data())
def test_reductions(method, data):
    x, axis, keepdims = data.draw(with_axis())
    check_grad(lambda t: getattr(t, method)(axis=axis, keepdims=keepdims), [x])


@covers("max")
@given(data=st.data())
def test_max_without_ties(data):
    x, axis, keepdims = data.draw(with_axis(ON_GRID, unique=True))
    check_grad(lambda t: t.max(axis=axis, keepdims=keepdims), [x])


def test_max_splits_gradient_among_ties():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = Tensor(np.array([1.0, 2.0, 2.0]), requires_grad=True)
    maximum(y, Tensor(np.array([0.0, 2.0, 5.0]))).sum().backward()
    np.testing.assert_allclose(y.grad, [1.0, 0.5, 0.0])


@covers("softmax", "log_softmax")
@pytest.mark.parametrize("method", ["softmax", "log_softmax"])
@given(x=arrays(NONEMPTY, st.floats(-5, 5)), data=st.data())
def test_softmax_family(method, x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    check_grad(lambda t: getattr(t, method)(axis=axis), [leaf(x)])


@covers("cross_entropy")
@given(x=arrays(NONEMPTY, st.floats(-5, 5)), data=st.data())
def test_cross_entropy(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    target = data.draw(arrays(x.shape, st.floats(0, 1)))  # soft targets, rows need not sum to 1
    check_grad(lambda t: t.cross_entropy(target, axis=axis), [leaf(x)])
    # the fused rule is the composition it replaces
    fused = leaf(x).cross_entropy(target, axis=axis).item()
    composed = -(leaf(x).log_softmax(axis=axis) * target).sum().item()
    assert fused == pytest.approx(composed, rel=1e-12, abs=1e-12)


def test_cross_entropy_is_exact_at_1e4_and_checks_the_target_shape():
    x = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]]), requires_grad=True)
    target = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]) / 2
    loss = x.cross_entropy(target)  # pytest runs with warnings as errors: none may appear
    loss.backward()
    assert loss.item() == pytest.approx((2e4 + np.log(3)) / 2, rel=1e-15)
    np.testing.assert_allclose(x.grad, [[0.5, -0.5, 0.0], [1 / 6 - 0.5, 1 / 6, 1 / 6]])
    with pytest.raises(ValueError, match=r"target has shape \(3,\), logits have shape \(2, 3\)"):
        x.cross_entropy(np.ones(3))


# --- shapes and indexing -------------------------------------------------------------------------


@covers("reshape", "transpose")
@given(x=arrays(NONEMPTY, FINITE), data=st.data())
def test_reshape_and_transpose(x, data):
    perm = tuple(data.draw(st.permutations(range(x.ndim))))
    check_grad(lambda t: t.reshape(-1).reshape(x.shape[::-1]), [leaf(x)])
    check_grad(lambda t: t.transpose(*perm), [leaf(x)])
    check_grad(lambda t: t.T, [leaf(x)])


@covers("getitem")
@given(x=arrays(hnp.array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=4), FINITE),
       data=st.data())
def test_getitem(x, data):
    n = x.shape[0]
    basic = data.draw(hnp.basic_indices(x.shape, allow_ellipsis=True))
    fancy = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6))  # repeats
    mask = data.draw(hnp.arrays(bool, x.shape[:1]))
    check_grad(lambda t: t[basic] * 1.0, [leaf(x)])
    check_grad(lambda t: t[fancy], [leaf(x)])
    check_grad(lambda t: t[np.array(fancy), 1:], [leaf(x)])
    check_grad(lambda t: t[1, ::-1], [leaf(x)])
    if mask.any():
        check_grad(lambda t: t[mask], [leaf(x)])


def test_getitem_repeats_accumulate():
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[[0, 2, 2, 2, 3]].sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 3.0, 1.0])


# --- matmul, dot ---------------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 2)),
    ((4, 3), (3,)),
    ((4, 3), (3, 2)),
    ((2, 4, 3), (2, 3, 5)),
    ((2, 4, 3), (3, 5)),
    ((4, 3), (2, 3, 5)),
    ((2, 1, 4, 3), (3, 3, 2)),
    ((3,), (2, 3, 4)),
    ((2, 4, 3), (3,)),
]


@covers("matmul")
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
@given(data=st.data())
def test_matmul_all_numpy_cases(shapes, data):
    a = leaf(data.draw(arrays(shapes[0])))
    b = leaf(data.draw(arrays(shapes[1])))
    out = a @ b
    assert out.shape == (a.data @ b.data).shape
    check_grad(lambda x, y: x @ y, [a, b])
    check_grad(lambda x: x @ b.data, [a])  # constant right operand
    check_grad(lambda y: a.data @ y, [b])  # ndarray @ Tensor goes to Tensor.__rmatmul__


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((4, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 2))])
@given(data=st.data())
def test_dot(shapes, data):
    a = leaf(data.draw(arrays(shapes[0])))
    b = leaf(data.draw(arrays(shapes[1])))
    check_grad(lambda x, y: x.dot(y), [a, b])


# --- module-level functions ----------------------------------------------------------------------


@covers("concat", "stack")
@given(data=st.data())
def test_concat_and_stack(data):
    shape = data.draw(NONEMPTY)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    parts = []
    for s in sizes:
        sh = list(shape)
        sh[axis] = s
        parts.append(leaf(data.draw(arrays(tuple(sh)))))
    check_grad(lambda *ts: concat(ts, axis=axis), parts)
    same = [leaf(data.draw(arrays(shape))) for _ in sizes]
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check_grad(lambda *ts: stack(ts, axis=new_axis), same)


@covers("where")
@given(data=st.data())
def test_where(data):
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)
    ).input_shapes
    cond = data.draw(hnp.arrays(bool, shapes[0]))
    a, b = leaf(data.draw(arrays(shapes[1]))), leaf(data.draw(arrays(shapes[2])))
    check_grad(lambda x, y: where(cond, x, y), [a, b])
    check_grad(lambda x: where(cond, x, 0.5), [a])


@covers("astype")
@given(x=arrays(SHAPES, FINITE))
def test_astype(x):
    # float64 -> longdouble keeps central differences in float64 accurate; the VJP casts g
    # back to float64
    out = leaf(x).astype(np.longdouble)
    assert out.dtype == np.longdouble and out.op == "astype"
    check_grad(lambda t: t.astype(np.longdouble), [leaf(x)])


@covers("broadcast_to", "scatter_add")
@given(data=st.data())
def test_rules_reached_only_through_create_graph(data):
    """broadcast_to and scatter_add are the VJPs of sum and getitem, recorded under
    create_graph; as functions of the upstream gradient g they are checked here."""
    x = leaf(data.draw(arrays((3, 2))))
    summed = leaf(data.draw(arrays((2,))))
    picked = leaf(data.draw(arrays((4, 2))))

    def through_sum(g):
        with enable_grad():
            return grad((x.sum(axis=0) * g).sum(), x, create_graph=True)

    def through_getitem(g):
        with enable_grad():
            return grad((x[[0, 2, 2, 1]] * g).sum(), x, create_graph=True)

    assert "broadcast_to" in {n.op for n in _nodes(through_sum(summed))}
    assert "scatter_add" in {n.op for n in _nodes(through_getitem(picked))}
    check_grad(through_sum, [summed])
    check_grad(through_getitem, [picked])


def _nodes(root):
    from autograd_core import toposort

    return toposort(root)


def _register_all_property_tests() -> None:
    """Import every Tensor property-test module, so that their @covers have run even when
    this module is run alone (pytest has imported them already when it collected them)."""
    for path in sorted(Path(__file__).parent.glob("test_tensor_*.py")):
        importlib.import_module(path.stem)


def test_every_rule_is_tested():
    _register_all_property_tests()
    assert set(RULES) - COVERED == set(), "ops with no property test"
    assert COVERED - set(RULES) == set(), "property tests registered for unknown ops"


def test_every_rule_has_a_second_order_test():
    _register_all_property_tests()
    assert set(RULES) - COVERED_SECOND_ORDER == set(), "ops with no second-order test"
    assert COVERED_SECOND_ORDER - set(RULES) == set(), "second-order tests of unknown ops"


# --- second order: every rule differentiated again -----------------------------------------------

# Inputs in [-1, 1]: the objective below squares first derivatives, and where it reaches ~1e4
# (exp(2 * 2), 0.2 ** -2) central differences lose their last digits to rounding even though
# the analytic values are right (checked to 15 digits with mpmath for the cases found).
SMALL = st.floats(-1.0, 1.0)
SECOND_ORDER = {
    # (linear ops alone have constant gradients: square them so the gradient depends on x)
    "add": (lambda a, b: (a + b) * (a + b), SMALL, SMALL),
    "sub": (lambda a, b: (a - b) * (b - a), SMALL, SMALL),
    "mul": (lambda a, b: a * b, SMALL, SMALL),
    "div": (lambda a, b: a / b, SMALL, AWAY_FROM_ZERO),
    # (bases >= 0.5: with 0.2 ** -2 the objective reaches ~1e4 and central differences lose
    # their digits to rounding, while the analytic value is right)
    "power": (lambda a, b: a**b, st.floats(0.5, 3.0), SMALL),
    # (|a b| <= 2.25: with a b near 4 the objective reaches ~2e4, the same rounding limit)
    "pow": (lambda a, b: (a * b) ** 3, st.floats(-1.5, 1.5), st.floats(-1.5, 1.5)),
    "exp": (lambda a, b: (a * b).exp(), SMALL, SMALL),
    "log": (lambda a, b: (a * a + b * b + 0.5).log(), SMALL, SMALL),
    "sqrt": (lambda a, b: (a * a + b * b + 0.5).sqrt(), SMALL, SMALL),
    "reciprocal": (lambda a, b: (a * a + 1).reciprocal() * b, SMALL, SMALL),
    "sigmoid": (lambda a, b: (a * b).sigmoid(), SMALL, SMALL),
    "tanh": (lambda a, b: (a * b).tanh(), SMALL, SMALL),
    "relu": (lambda a, b: a.relu() * b, OFF_GRID, SMALL),
    "abs": (lambda a, b: a.abs() * b, OFF_GRID, SMALL),
    "clip": (lambda a, b: a.clip(-0.5, 0.5) * b, OFF_GRID, SMALL),
    "maximum": (lambda a, b: maximum(a, b) * a, ON_GRID, OFF_GRID),
    "where": (lambda a, b: where(a.data > 0, a * b, b * b), OFF_GRID, SMALL),
    "sum": (lambda a, b: (a * b).sum(axis=-1, keepdims=True) * a, SMALL, SMALL),
    "mean": (lambda a, b: (a * b).mean() * a, SMALL, SMALL),
    "max": (lambda a, b: a.max(axis=0) * b, ON_GRID, SMALL),
    "logsumexp": (lambda a, b: (a * b).logsumexp(axis=-1), SMALL, SMALL),
    "softmax": (lambda a, b: (a * b).softmax(axis=-1), SMALL, SMALL),
    "log_softmax": (lambda a, b: (a * b).log_softmax(axis=0), SMALL, SMALL),
    "cross_entropy": (lambda a, b: (a * b).cross_entropy(np.array([[0.2, 0.8], [1.0, 0.0]])),
                      SMALL, SMALL),
    "reshape_T": (lambda a, b: (a.reshape(-1) * b.reshape(-1)).reshape(a.shape).T * a.T,
                  SMALL, SMALL),
    "getitem": (lambda a, b: a[[0, 0, 1]] * b[[1, 0, 0]] * a[[0, 0, 1]], SMALL, SMALL),
    "matmul": (lambda a, b: (a @ b.T) * (a @ b.T), SMALL, SMALL),
    "concat_stack": (lambda a, b: concat([a * b, a], axis=1) * stack([a, b], 0).sum(0)[:, :1],
                     SMALL, SMALL),
    "neg": (lambda a, b: -(a * b) * a, SMALL, SMALL),
    "astype": (lambda a, b: (a * b).astype(np.longdouble) * a, SMALL, SMALL),
    # third derivatives: the Hessian-vector product of a sum and of an indexing is itself
    # differentiated, which runs the rules of broadcast_to and scatter_add under create_graph
    "broadcast_to": (lambda a, b: grad(((a * a).sum(axis=0) * b[0]).sum(), a,
                                       create_graph=True) * a, SMALL, SMALL),
    "scatter_add": (lambda a, b: grad(((a * a)[[0, 0, 1]] * b[0]).sum(), a,
                                      create_graph=True) * a, SMALL, SMALL),
}
# entries of SECOND_ORDER that check more than the op they are named after
SECOND_ORDER_OPS = {"reshape_T": {"reshape", "transpose"}, "concat_stack": {"concat", "stack"}}


@covers_second_order(*set().union(*(SECOND_ORDER_OPS.get(n, {n}) for n in SECOND_ORDER)))
@pytest.mark.parametrize("name", list(SECOND_ORDER))
@given(data=st.data())
def test_second_order(name, data):
    """The gradient computed with create_graph=True is itself differentiated correctly."""
    fn, ea, eb = SECOND_ORDER[name]
    a = leaf(data.draw(arrays((2, 2), ea, unique=name == "max")))
    b = leaf(data.draw(arrays((2, 2), eb)))
    check_grad(fn, [a, b], order=2, rtol=1e-4, atol=1e-6)
