"""Property tests of convolution and pooling (``autograd_core.conv``): forward passes against
naive loops over every output position, gradients against float64 central differences on
drawn geometries (stride, padding, dilation, groups, size-1 axes), and the VJPs differentiated
again through ``create_graph`` (the transposed convolution and the weight's correlation are
recorded ops, so second and third derivatives exist)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_core import (
    Tensor,
    avg_pool2d,
    conv1d,
    conv2d,
    enable_grad,
    grad,
    max_pool2d,
    toposort,
)
from autograd_core.testing import check_grad

from helpers import covers, covers_second_order

FINITE = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)


def leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


def naive_conv2d(x, w, b, stride, padding, dilation, groups):
    """The definition, one output entry at a time."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, ho, wo))
    og = o // groups
    for b_ in range(n):
        for oc in range(o):
            first = (oc // og) * cg
            for i in range(ho):
                for j in range(wo):
                    total = 0.0 if b is None else b[oc]
                    for ci in range(cg):
                        for p in range(kh):
                            for q in range(kw):
                                total += w[oc, ci, p, q] * xp[b_, first + ci, i * sh + p * dh,
                                                              j * sw + q * dw]
                    out[b_, oc, i, j] = total
    return out


def naive_pool(x, kernel, stride, padding, reduce, fill):
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    out = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = reduce(xp[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw], (2, 3))
    return out


@st.composite
def conv_case(draw, max_side=5, small=False):
    """(x, w, b, stride, padding, dilation, groups) with a non-empty output; ``small``: one
    image and at most 2 channels (the higher-order checks cost a graph per nudged entry)."""
    groups = draw(st.integers(1, 2))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    if small:
        cg, og = (1, 1) if groups == 2 else (cg, og)
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 1)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    span_h, span_w = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    h = draw(st.integers(max(1, span_h - 2 * padding[0]), max(max_side, span_h)))
    w = draw(st.integers(max(1, span_w - 2 * padding[1]), max(max_side, span_w)))
    n = 1 if small else draw(st.integers(1, 2))
    x = draw(hnp.arrays(np.float64, (n, cg * groups, h, w), elements=FINITE))
    weight = draw(hnp.arrays(np.float64, (og * groups, cg, kh, kw), elements=FINITE))
    bias = draw(st.none() | hnp.arrays(np.float64, (og * groups,), elements=FINITE))
    return x, weight, bias, stride, padding, dilation, groups


@given(conv_case())
def test_conv2d_forward_matches_the_naive_loop(case):
    x, w, b, stride, padding, dilation, groups = case
    out = conv2d(x, w, b, stride, padding, dilation, groups)
    expected = naive_conv2d(x, w, b, stride, padding, dilation, groups)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@covers("conv2d")
@given(conv_case(max_side=4))
def test_conv2d_gradients(case):
    x, w, b, stride, padding, dilation, groups = case
    inputs = [leaf(x), leaf(w)] + ([] if b is None else [leaf(b)])
    check_grad(lambda *t: conv2d(*t[:2], t[2] if len(t) > 2 else None, stride, padding,
                                 dilation, groups), inputs)


@covers("conv2d_input_grad", "conv2d_weight_grad")
@given(conv_case(max_side=4, small=True), st.data())
def test_convolution_vjps_as_functions_of_the_upstream_gradient(case, data):
    """The VJPs are linear in g and bilinear in (g, w) and (x, g); recorded under
    create_graph, they are ops of their own, checked here against central differences."""
    x, w, _, stride, padding, dilation, groups = case
    xt, wt = leaf(x), leaf(w)
    out_shape = conv2d(x, w, None, stride, padding, dilation, groups).shape
    g = leaf(data.draw(hnp.arrays(np.float64, out_shape, elements=FINITE)))

    def vjps(xt, wt, g):
        with enable_grad():
            out = conv2d(xt, wt, None, stride, padding, dilation, groups)
            dx, dw = grad((out * g).sum(), [xt, wt], create_graph=True)
        ops = {node.op for node in toposort(dx)} | {node.op for node in toposort(dw)}
        assert {"conv2d_input_grad", "conv2d_weight_grad"} <= ops
        return (dx * dx).sum() + (dw * wt).sum()

    check_grad(vjps, [xt, wt, g])


@covers_second_order("conv2d")
@given(conv_case(max_side=4, small=True))
def test_conv2d_second_order(case):
    x, w, _, stride, padding, dilation, groups = case

    def first_derivatives(a, k):
        with enable_grad():
            out = conv2d(a, k, None, stride, padding, dilation, groups)
            ga, gk = grad((out * out).sum(), [a, k], create_graph=True)
        return (ga * ga).sum() + (gk * gk).sum() + (ga.sum() * gk.sum())

    check_grad(first_derivatives, [leaf(x), leaf(w)], rtol=1e-4, atol=1e-6)


@covers_second_order("conv2d_input_grad", "conv2d_weight_grad")
@pytest.mark.slow
@given(conv_case(max_side=3, small=True), st.data())
def test_conv2d_third_order(case, data):
    """Second derivatives through create_graph run the rules of the two VJP ops on Tensors;
    differentiating them once more is checked here. (A quadratic objective of the first
    derivatives: higher powers make central differences lose their digits to rounding.)"""
    x, w, _, stride, padding, dilation, groups = case
    out_shape = conv2d(x, w, None, stride, padding, dilation, groups).shape
    c = leaf(data.draw(hnp.arrays(np.float64, out_shape, elements=FINITE)))

    def second_derivatives(a, k, c):
        with enable_grad():
            out = conv2d(a, k, None, stride, padding, dilation, groups)
            ga, gk = grad((out * c).sum(), [a, k], create_graph=True)
            h = grad((ga * ga).sum() + (gk * gk).sum(), [a, k, c], create_graph=True)
        return sum((t * t).sum() for t in h)

    check_grad(second_derivatives, [leaf(x), leaf(w), c], rtol=1e-4, atol=1e-6)


# --- conv1d ----------------------------------------------------------------------------------


@given(conv_case(max_side=5))
def test_conv1d_is_conv2d_on_a_row(case):
    x, w, b, stride, padding, dilation, groups = case
    x1, w1 = x[:, :, 0, :], w[:, :, 0, :]
    out = conv1d(x1, w1, b, stride[1], padding[1], dilation[1], groups)
    expected = naive_conv2d(x1[:, :, None], w1[:, :, None], b, (1, stride[1]), (0, padding[1]),
                            (1, dilation[1]), groups)[:, :, 0]
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    check_grad(lambda a, k: conv1d(a, k, None, stride[1], padding[1], dilation[1], groups),
               [leaf(x1), leaf(w1)])


# --- pooling ---------------------------------------------------------------------------------

# distinct entries k/8 + 1/16: no two within a window tie, and no difference is below the
# finite-difference step, so the argmax never changes while the checks nudge an entry
DISTINCT = st.integers(-40, 40).map(lambda k: k / 8 + 1 / 16)


@st.composite
def pool_case(draw, elements=FINITE, unique=False):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    h = draw(st.integers(max(1, kernel[0] - 2 * padding[0]), 5))
    w = draw(st.integers(max(1, kernel[1] - 2 * padding[1]), 5))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w)
    x = draw(hnp.arrays(np.float64, shape, elements=elements, unique=unique))
    return x, kernel, stride, padding


@covers("max_pool2d")
@given(pool_case(DISTINCT, unique=True))
def test_max_pool2d_forward_and_gradient(case):
    x, kernel, stride, padding = case
    out = max_pool2d(x, kernel, stride, padding)
    expected = naive_pool(x, kernel, stride or kernel, padding, np.max, -np.inf)
    np.testing.assert_array_equal(out.data, expected)
    check_grad(lambda t: max_pool2d(t, kernel, stride, padding), [leaf(x)])


@covers_second_order("max_pool2d")
@given(pool_case(DISTINCT, unique=True), st.data())
def test_max_pool2d_second_order(case, data):
    x, kernel, stride, padding = case
    out_shape = max_pool2d(x, kernel, stride, padding).shape
    b = leaf(data.draw(hnp.arrays(np.float64, out_shape, elements=FINITE)))

    def first_derivatives(a, b):
        with enable_grad():
            ga, gb = grad((max_pool2d(a, kernel, stride, padding) * b * b).sum(), [a, b],
                          create_graph=True)
        return (ga * ga).sum() + (gb * gb).sum()

    check_grad(first_derivatives, [leaf(x), b], rtol=1e-4, atol=1e-6)


def test_max_pool2d_ties_give_the_gradient_to_the_first_maximum():
    x = leaf(np.ones((1, 1, 2, 2)))
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_overlapping_max_pool_windows_add_their_gradients():
    x = leaf(np.array([[[[0.0, 5.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]))
    max_pool2d(x, 2, stride=1).sum().backward()  # the 5 is the max of the two top windows
    assert x.grad[0, 0, 0, 1] == 2.0 and x.grad.sum() == 4.0


@given(pool_case())
def test_avg_pool2d_forward_and_gradient(case):
    x, kernel, stride, padding = case
    out = avg_pool2d(x, kernel, stride, padding)
    expected = naive_pool(x, kernel, stride or kernel, padding, np.mean, 0.0)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-15)
    check_grad(lambda t: avg_pool2d(t, kernel, stride, padding), [leaf(x)])


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    out = max_pool2d(conv2d(x, w, padding=1), 2)
    assert out.dtype == np.float32 and avg_pool2d(x, 2).dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: conv2d(np.zeros((1, 3, 5, 5)), np.zeros((4, 2, 3, 3))),
         r"conv2d: input \(1, 3, 5, 5\) has 3 channels but weight \(4, 2, 3, 3\) expects 2"),
        (lambda: conv2d(np.zeros((1, 4, 5, 5)), np.zeros((3, 2, 3, 3)), groups=2),
         r"out_channels 3 .* not divisible by groups 2"),
        (lambda: conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3))),
         r"conv2d: kernel \(3, 3\) .* larger than the padded input \(2, 2\)"),
        (lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), dilation=4),
         r"conv2d: kernel \(2, 2\) \(dilation \(4, 4\), spanning \(5, 5\)\) is larger"),
        (lambda: conv2d(np.zeros((1, 5, 5)), np.zeros((1, 1, 3, 3))),
         r"conv2d: input must be 4-D \(N, C, H, W\), got shape \(1, 5, 5\)"),
        (lambda: conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), stride=0),
         r"conv2d: stride must be >= 1"),
        (lambda: conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), padding=-1),
         r"conv2d: padding must be >= 0"),
        (lambda: conv2d(np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3)), np.zeros(3)),
         r"conv2d: bias must have shape \(2,\)"),
        (lambda: conv1d(np.zeros((1, 2, 5)), np.zeros((1, 1, 3))),
         r"conv1d: input \(1, 2, 5\), weight \(1, 1, 3\): .*2 channels"),
        (lambda: conv1d(np.zeros((1, 1, 2)), np.zeros((1, 1, 3))),
         r"conv1d: .*larger than the padded input"),
        (lambda: max_pool2d(np.zeros((1, 1, 2, 2)), 3),
         r"max_pool2d: kernel \(3, 3\) .* larger than the padded input"),
        (lambda: max_pool2d(np.zeros((1, 1, 4, 4)), 2, padding=2),
         r"max_pool2d: padding \(2, 2\) must be at most half the kernel"),
        (lambda: avg_pool2d(np.zeros((1, 4, 4)), 2), r"avg_pool2d: input must be 4-D"),
    ],
)
def test_bad_arguments_name_the_op_and_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()
