"""The Scalar engine: every op against central differences, random DAGs, second derivatives,
the worked examples with their exact numbers, and every error message."""

from __future__ import annotations

import math
import sys
import threading

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_core import Scalar, enable_grad, grad, is_grad_enabled, no_grad
from autograd_core.graph import Node, backprop, toposort
from autograd_core.scalar import RULES
from autograd_core.testing import check_grad, expressions, numerical_grad, scalars

away_from_zero = scalars(-4, 4).filter(lambda v: abs(v) > 1e-2)
positive = st.floats(1e-2, 10, allow_nan=False)

# --- every op against central differences ------------------------------------------------

UNARY = {
    "neg": (lambda x: -x, scalars()),
    "exp": (lambda x: x.exp(), scalars()),
    "log": (lambda x: x.log(), positive),
    "reciprocal": (lambda x: x.reciprocal(), away_from_zero),
    "sqrt": (lambda x: x.sqrt(), positive),
    "sigmoid": (lambda x: x.sigmoid(), scalars(-20, 20)),
    "tanh": (lambda x: x.tanh(), scalars()),
    "relu": (lambda x: x.relu(), away_from_zero),
    "abs": (lambda x: abs(x), away_from_zero),
    "pow": (lambda x: x**3, scalars()),
    "pow_fractional": (lambda x: x**2.5, positive),
    "pow_negative": (lambda x: x**-2, away_from_zero),
    "radd": (lambda x: 2.5 + x, scalars()),
    "rsub": (lambda x: 1 - x, scalars()),
    "rmul": (lambda x: 2 * x, scalars()),
    "rdiv": (lambda x: 1 / x, away_from_zero),
    "rpow": (lambda x: 2**x, scalars()),
}

BINARY = {
    "add": (lambda a, b: a + b, scalars(), scalars()),
    "sub": (lambda a, b: a - b, scalars(), scalars()),
    "mul": (lambda a, b: a * b, scalars(), scalars()),
    "div": (lambda a, b: a / b, scalars(), away_from_zero),
    "power": (lambda a, b: a**b, positive, scalars()),
}


def test_every_rule_is_tested() -> None:
    covered = {"add", "sub", "mul", "div", "neg", "pow", "power", "exp", "log", "reciprocal",
               "sqrt", "sigmoid", "tanh", "relu", "abs"}
    # the elementwise math, property-tested in tests/test_scalar_math.py
    covered |= {"sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh",
                "arccosh", "arctanh", "exp2", "expm1", "log2", "log10", "log1p", "erf",
                "square", "cbrt"}
    assert set(RULES) == covered


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_op_matches_central_differences(name: str, data: st.DataObject) -> None:
    f, values = UNARY[name]
    check_grad(f, [Scalar(data.draw(values))], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_op_matches_central_differences(name: str, data: st.DataObject) -> None:
    f, left, right = BINARY[name]
    check_grad(f, [Scalar(data.draw(left)), Scalar(data.draw(right))], rtol=1e-6, atol=1e-8)


@given(expr=expressions(max_inputs=4, max_steps=12))
def test_random_expression_dags_match_central_differences(expr) -> None:
    check_grad(expr, [Scalar(v) for v in expr.inputs], rtol=1e-5, atol=1e-7)


@given(expr=expressions(max_inputs=4, max_steps=12))
def test_scalar_fast_paths_agree_exactly_with_the_general_graph_machinery(expr) -> None:
    # Scalar's _send_grads writes each += inline when nothing observes the sweep; observed
    # (on_edge, as viz.trace does) it goes through graph._deposit, and with create_graph the
    # rules get nodes and record their products. Scalar's _push_parents builds no tuple.
    # All must give the same order and bit-identical gradients as the general versions.
    xs = [Scalar(v) for v in expr.inputs]
    out = expr(*xs)
    assume(out.requires_grad)
    fast_order, fast = toposort(out), backprop(out, 1.0)
    general = backprop(out, 1.0, on_edge=lambda *edge: None)
    assert general == fast
    recorded = grad(out, xs, create_graph=True, allow_unused=True)  # an input may be unused
    assert [None if g is None else g.data for g in recorded] == grad(out, xs, allow_unused=True)
    original = Scalar._push_parents
    try:
        Scalar._push_parents = Node._push_parents  # type: ignore[method-assign]
        assert toposort(out) == fast_order
    finally:
        Scalar._push_parents = original  # type: ignore[method-assign]


@given(x=scalars(-2, 2))
def test_same_input_twice_accumulates(x: float) -> None:
    s = Scalar(x)
    (s * s + s).backward()
    assert s.grad == pytest.approx(2 * x + 1, rel=1e-12, abs=1e-12)


@given(a=scalars(-2, 2), b=positive)
def test_power_with_scalar_exponent(a: float, b: float) -> None:
    # micrograd has no Value ** Value: d/db b^a = b^a ln b, d/da = a b^(a-1)
    base, exponent = Scalar(b), Scalar(a)
    out = base**exponent
    out.backward()
    assert out.data == pytest.approx(b**a, rel=1e-12)
    assert exponent.grad == pytest.approx(b**a * math.log(b), rel=1e-9, abs=1e-12)
    assert base.grad == pytest.approx(a * b ** (a - 1), rel=1e-9, abs=1e-12)


def test_power_derivative_in_exponent_at_zero_and_negative_base() -> None:
    base, exponent = Scalar(0.0), Scalar(2.0)
    (base**exponent).backward()
    assert exponent.grad == 0.0  # the limit of 0^b ln(0) for b > 0
    base, exponent = Scalar(-2.0), Scalar(2.0)
    (base**exponent).backward()
    assert base.grad == -4.0
    assert math.isnan(exponent.grad)  # (-2)^b has no real derivative in b


# --- second and higher derivatives ----------------------------------------------------------

@given(x=scalars(-2, 2))
def test_second_derivative_of_tanh_exp_plus_cube(x: float) -> None:
    s = Scalar(x)
    f = s.tanh() * s.exp() + s**3
    (d1,) = grad(f, [s], create_graph=True)
    (d2,) = grad(d1, [s])
    t, e = math.tanh(x), math.exp(x)
    sech2 = 1 - t * t
    assert d1.data == pytest.approx(sech2 * e + t * e + 3 * x * x, rel=1e-12)
    assert d2 == pytest.approx(-2 * t * sech2 * e + 2 * sech2 * e + t * e + 6 * x, rel=1e-10)


@given(expr=expressions(max_inputs=2, max_steps=6))
def test_second_derivatives_of_random_dags_match_differences_of_gradients(expr) -> None:
    xs = [Scalar(v) for v in expr.inputs]
    first = grad(expr(*xs), xs, create_graph=True, allow_unused=True)  # some may be unused
    for i, g in enumerate(first):
        if not isinstance(g, Scalar) or not g.requires_grad:
            continue  # a constant derivative: its own derivative is 0 and nothing to check
        analytic = [0.0 if h is None else h for h in grad(g, xs, allow_unused=True)]

        def first_derivative(*ys, i=i):
            with enable_grad():  # numerical_grad evaluates under no_grad
                return grad(expr(*ys), list(ys), allow_unused=True)[i]

        numeric = numerical_grad(first_derivative, xs, eps=1e-5)
        assert analytic == pytest.approx(numeric, rel=1e-4, abs=1e-5)


def test_third_derivative_of_a_polynomial() -> None:
    x = Scalar(1.5)
    f = x**4 - 2 * x**3
    d1 = grad(f, x, create_graph=True)
    d2 = grad(d1, x, create_graph=True)
    d3 = grad(d2, x)
    expected = (4 * 1.5**3 - 6 * 1.5**2, 12 * 1.5**2 - 12 * 1.5, 24 * 1.5 - 12)
    assert (d1.data, d2.data, d3) == expected


def test_grad_does_not_touch_dot_grad_and_refuses_an_unused_input() -> None:
    a, b, unused = Scalar(2.0), Scalar(3.0), Scalar(7.0)
    with pytest.raises(ValueError, match=r"does not depend on inputs\[2\]"):
        grad(a * b, [a, b, unused])
    da, db, du = grad(a * b, [a, b, unused], allow_unused=True)
    assert (da, db, du) == (3.0, 2.0, None)
    assert (a.grad, b.grad, unused.grad) == (0.0, 0.0, 0.0)


# --- accumulation, deep graphs, no_grad -----------------------------------------------------

def _in_sweep_slots_are_clear(root: Scalar) -> bool:
    return all(node._acc is None for node in toposort(root))


def test_an_error_in_the_middle_of_a_sweep_leaves_no_partial_gradients_behind() -> None:
    a, b = Scalar(2.0), Scalar(3.0)
    e = (a + b) * (b + 1)

    def fail(*edge: object) -> None:
        raise KeyError("stop")

    with pytest.raises(KeyError):
        backprop(e, 1.0, on_edge=fail)
    assert _in_sweep_slots_are_clear(e)
    e.backward()
    assert (a.grad, b.grad) == (4.0, 9.0)


def test_backward_inside_a_sweep_is_refused_not_silently_wrong() -> None:
    a = Scalar(2.0)
    e = a * a

    def nested(*edge: object) -> None:
        e.backward()

    with pytest.raises(RuntimeError, match="inside a backward sweep"):
        backprop(e, 1.0, on_edge=nested)
    assert _in_sweep_slots_are_clear(e)


def test_threads_backpropagating_into_shared_leaves_get_exact_totals() -> None:
    # the sweeps keep partial sums on the nodes, so concurrent sweeps must not interleave
    w = [Scalar(0.5 + 0.01 * i) for i in range(20)]

    def work(seed: int) -> None:
        for step in range(60):
            x = [Scalar(float(seed + step + i)) for i in range(20)]
            loss = sum(wi * xi for wi, xi in zip(w, x)) * 1.0
            for _ in range(20):
                loss = loss * 1.0 + 0.0
            loss.backward()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(previous)
    for i, wi in enumerate(w):
        assert wi.grad == sum(float(k + step + i) for k in range(4) for step in range(60))


def test_backward_twice_gives_exactly_twice_the_gradients() -> None:
    a, b = Scalar(2.0), Scalar(1.0)
    c = a + b
    e = c * (b + 1)
    e.backward()
    e.backward()
    assert (a.grad, b.grad, c.grad, e.grad) == (4.0, 10.0, 4.0, 2.0)


@pytest.mark.slow
def test_million_op_chain_backpropagates_at_default_recursion_limit() -> None:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default; micrograd's recursive sort dies at ~500
    try:
        x = Scalar(1.0)
        y = x
        n = 500_000
        for _ in range(n):  # two ops per iteration: a million nodes
            y = y * 1.0000001 + 0.0
        y.backward()
        assert x.grad == pytest.approx(1.0000001**n, rel=1e-9)
    finally:
        sys.setrecursionlimit(previous)


def test_toposort_puts_every_node_after_its_parents_on_shared_dags() -> None:
    rng = np.random.default_rng(0)
    nodes = [Scalar(float(v)) for v in rng.normal(size=5)]
    for _ in range(300):
        i, j = rng.integers(0, len(nodes), size=2)
        nodes.append(nodes[i] * nodes[j] if rng.random() < 0.5 else nodes[i] + nodes[j])
    root = sum(nodes[-20:])
    order = toposort(root)
    position = {id(n): k for k, n in enumerate(order)}
    assert len(position) == len(order)
    for node in order:
        for parent in node.parents:
            if parent.requires_grad:  # constants (the 0 that sum() starts from) are skipped
                assert position[id(parent)] < position[id(node)]


def test_no_grad_records_nothing_and_constants_do_not_require_grad() -> None:
    a = Scalar(2.0)
    with no_grad():
        b = a * 3
    assert not b.requires_grad and b.parents == ()
    c = Scalar(1.0, requires_grad=False) * 5
    assert not c.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        c.backward()


def test_no_grad_nests_restores_after_errors_and_is_per_thread() -> None:
    a = Scalar(2.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled() and (a * a).requires_grad
            with no_grad():
                assert not (a * a).requires_grad
            assert (a * a).requires_grad
        assert not is_grad_enabled() and not (a * a).requires_grad
        seen_in_other_thread = []
        other = threading.Thread(target=lambda: seen_in_other_thread.append((a * a).requires_grad))
        other.start()
        other.join()
        assert seen_in_other_thread == [True]
    assert is_grad_enabled()
    with pytest.raises(KeyError), no_grad():
        raise KeyError("x")
    assert is_grad_enabled() and (a * a).requires_grad


def test_graph_is_freed_by_reference_counting() -> None:
    import gc

    gc.collect()
    gc.disable()
    try:
        x = Scalar(1.0)
        for _ in range(50):
            y = ((x * 2 + 1).tanh() * x).exp() / (x + 3)
            grad(y, [x], create_graph=True)[0].backward()
            y.backward()
            del y
        # no reference cycles: everything was already freed, the collector finds nothing
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_data_and_grad_are_plain_floats_users_may_assign() -> None:
    p = Scalar(3)
    assert type(p.data) is float
    (p * p).backward()
    assert type(p.grad) is float and p.grad == 6.0
    p.data -= 0.1 * p.grad
    p.grad = 0.0
    assert p.data == pytest.approx(2.4) and p.grad == 0.0
    assert Scalar(np.float32(0.5)).data == 0.5 and Scalar(np.int64(3)).data == 3.0


# --- numerical stability ----------------------------------------------------------------------

@pytest.mark.parametrize("x", [800.0, -800.0, 1e6, -1e6])
def test_sigmoid_and_tanh_saturate_exactly_with_finite_gradients(x: float) -> None:
    for op, limit in (("sigmoid", 1.0 if x > 0 else 0.0), ("tanh", math.copysign(1.0, x))):
        s = Scalar(x)
        out = getattr(s, op)()
        out.backward()
        assert out.data == limit
        assert s.grad == 0.0 and math.isfinite(s.grad)


# --- bad input: clear errors ----------------------------------------------------------------

@pytest.mark.parametrize("bad", [True, np.bool_(False), "1.0", None, [1.0], np.array([1.0]), 1j])
def test_scalar_rejects_non_real_numbers(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Scalar(bad)


def test_arithmetic_with_non_numbers_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="Scalar"):
        Scalar(1.0) + "a"
    with pytest.raises(TypeError):
        Scalar(1.0) * True  # bools are not numbers here: True + True = 2 hides bugs


@pytest.mark.parametrize(
    ("thunk", "error", "message"),
    [
        (lambda: Scalar(-2.0).log(), ValueError, r"log\(-2.0\).*x > 0"),
        (lambda: Scalar(0.0).log(), ValueError, r"log\(0.0\)"),
        (lambda: Scalar(-1.0).sqrt(), ValueError, r"sqrt\(-1.0\).*x >= 0"),
        (lambda: Scalar(0.0).reciprocal(), ZeroDivisionError, r"reciprocal\(0.0\)"),
        (lambda: Scalar(1.0) / 0, ZeroDivisionError, r"division by zero: 1.0 / 0.0"),
        (lambda: 3 / Scalar(0.0), ZeroDivisionError, r"3.0 / 0.0"),
        (lambda: Scalar(-2.0) ** 0.5, ValueError, r"-2.0 \*\* 0.5 has no real value"),
        (lambda: Scalar(-2.0) ** Scalar(0.5), ValueError, r"negative base"),
        (lambda: Scalar(0.0) ** -1, ZeroDivisionError, r"0.0 \*\* -1.0"),
        (lambda: Scalar(10.0) ** 400, OverflowError, r"10.0 \*\* 400.0 overflows"),
        (lambda: Scalar(1000.0).exp(), OverflowError, r"exp\(1000.0\) overflows"),
    ],
)
def test_domain_errors_name_the_op_and_the_value(thunk, error, message) -> None:
    with pytest.raises(error, match=message):
        thunk()


def test_backward_seed_must_be_a_number() -> None:
    with pytest.raises(TypeError, match="backward"):
        (Scalar(1.0) * 2).backward("1")


def test_grad_rejects_non_nodes() -> None:
    with pytest.raises(TypeError, match=r"inputs\[0\] is float"):
        grad(Scalar(1.0) * 2, [1.0])


def test_negative_base_integer_power_is_fine() -> None:
    x = Scalar(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


@given(x=scalars(-5, 5))
def test_relu_and_abs_pick_zero_at_the_kink_and_sign_elsewhere(x: float) -> None:
    assume(x != 0)
    s = Scalar(x)
    (s.relu() + abs(s)).backward()
    assert s.grad == (1.0 if x > 0 else 0.0) + math.copysign(1.0, x)
