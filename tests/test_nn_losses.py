"""nn.functional losses: reductions, class weights, smoothing, ignored targets and the new
losses, each against a direct numpy formula and its gradient by central differences."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from autograd_core import Tensor
from autograd_core.testing import check_grad
from nn import functional as F

RNG = np.random.default_rng(7)


def t(a, requires_grad=True):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def reduce(loss, reduction):
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]


def log_softmax(x):
    s = x - x.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_elementwise_losses_every_reduction(reduction):
    x, y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    p, b = RNG.uniform(0.05, 0.95, size=(5, 3)), RNG.uniform(size=(5, 3))
    w = RNG.uniform(0.5, 2, size=3)
    s = 1 / (1 + np.exp(-x))
    cases = [
        (F.mse_loss, (x, y), {}, (x - y) ** 2),
        (F.l1_loss, (x, y), {}, np.abs(x - y)),
        (F.binary_cross_entropy, (p, b), {}, -(b * np.log(p) + (1 - b) * np.log(1 - p))),
        (
            F.binary_cross_entropy,
            (p, b),
            {"weight": w},
            -w * (b * np.log(p) + (1 - b) * np.log(1 - p)),
        ),
        (
            F.binary_cross_entropy_with_logits,
            (x, b),
            {"weight": w},
            -w * (b * np.log(s) + (1 - b) * np.log(1 - s)),
        ),
    ]
    for fn, (a, target), kw, expected in cases:
        out = fn(t(a), target, reduction=reduction, **kw)
        np.testing.assert_allclose(out.data, reduce(expected, reduction), rtol=1e-12)
        check_grad(
            lambda u, fn=fn, target=target, kw=kw: fn(u, target, reduction=reduction, **kw), [t(a)]
        )


def test_pos_weight_against_the_formula_and_stable_at_1e4():
    x, y = RNG.normal(scale=3, size=(4, 3)), RNG.uniform(size=(4, 3))
    q = np.array([0.5, 2.0, 3.0])
    s = 1 / (1 + np.exp(-x))
    expected = -(q * y * np.log(s) + (1 - y) * np.log(1 - s))
    out = F.binary_cross_entropy_with_logits(t(x), y, reduction="none", pos_weight=q)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    check_grad(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=q), [t(x), t(y)])
    # gradient is (1 - y + q y) sigmoid(x) - q y, elementwise
    a = t(x)
    F.binary_cross_entropy_with_logits(a, y, reduction="sum", pos_weight=q).backward()
    np.testing.assert_allclose(a.grad, (1 - y + q * y) * s - q * y, rtol=1e-10, atol=1e-14)
    big = t([1e4, -1e4, 1e4, -1e4])
    yy, qq = np.array([1.0, 0.0, 0.0, 1.0]), np.array([3.0, 3.0, 3.0, 3.0])
    loss = F.binary_cross_entropy_with_logits(big, yy, reduction="none", pos_weight=qq)
    np.testing.assert_array_equal(loss.data, [0.0, 0.0, 1e4, 3e4])
    loss.sum().backward()
    np.testing.assert_array_equal(big.grad, [0.0, 0.0, 1.0, -3.0])


def ce_reference(x, y, w=None, ignore_index=-100, eps=0.0, reduction="mean"):
    """PyTorch's documented cross-entropy, row by row."""
    n, k = x.shape
    w = np.ones(k) if w is None else w
    lp = log_softmax(x)
    rows, denom = [], 0.0
    for i in range(n):
        if y[i] == ignore_index:
            rows.append(0.0)
            continue
        nll = -w[y[i]] * lp[i, y[i]]
        smooth = -(w * lp[i]).sum()
        rows.append((1 - eps) * nll + eps / k * smooth)
        denom += w[y[i]]
    rows = np.array(rows)
    if reduction == "none":
        return rows
    return rows.sum() if reduction == "sum" else rows.sum() / denom


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("eps", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_weight_smoothing_ignore_index(reduction, eps, weighted):
    x = RNG.normal(size=(7, 4))
    y = np.array([0, 3, -100, 1, 2, 3, -100])
    w = RNG.uniform(0.2, 3.0, size=4) if weighted else None
    kw = {"weight": w, "label_smoothing": eps, "reduction": reduction}
    out = F.cross_entropy(t(x), y, **kw)
    np.testing.assert_allclose(out.data, ce_reference(x, y, w, -100, eps, reduction), rtol=1e-12)
    check_grad(lambda a: F.cross_entropy(a, y, **kw), [t(x)])
    # a custom ignore_index
    y2 = np.where(y == -100, 2, y)
    out2 = F.cross_entropy(t(x), y2, ignore_index=2, **kw)
    np.testing.assert_allclose(out2.data, ce_reference(x, y2, w, 2, eps, reduction), rtol=1e-12)


def test_cross_entropy_all_ignored_mean_is_nan_like_pytorch():
    out = F.cross_entropy(t(np.zeros((2, 3))), np.array([-100, -100]))
    assert np.isnan(out.item())


def test_cross_entropy_probability_targets():
    x = RNG.normal(size=(5, 3))
    p = RNG.dirichlet(np.ones(3), size=5)
    expected = -(p * log_softmax(x)).sum(axis=1)
    np.testing.assert_allclose(F.cross_entropy(t(x), p).data, expected.mean(), rtol=1e-12)
    np.testing.assert_allclose(
        F.cross_entropy(t(x), p, reduction="none").data, expected, rtol=1e-12
    )
    check_grad(lambda a: F.cross_entropy(a, p, label_smoothing=0.2), [t(x)])


def test_cross_entropy_20000_classes_allocates_nothing_of_size_classes_squared():
    n, k = 4, 20_000
    x = t(RNG.normal(size=(n, k)))
    y = np.array([0, 19_999, 123, 5_000])
    F.cross_entropy(x, y)  # warm up imports and caches
    tracemalloc.start()
    try:
        loss = F.cross_entropy(x, y)
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # logits are 640 kB; a (k, k) float64 table would be 3.2 GB
    assert peak < 10 * n * k * 8, f"peak {peak} bytes"
    lp = log_softmax(x.data)
    assert loss.item() == pytest.approx(-lp[np.arange(n), y].mean(), rel=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    x = RNG.normal(size=(6, 5))
    lp = log_softmax(x)
    y = np.array([4, 0, 2, -100, 1, 1])
    w = RNG.uniform(0.5, 2.0, size=5)
    keep = y != -100
    rows = np.where(keep, -w[np.where(keep, y, 0)] * lp[np.arange(6), np.where(keep, y, 0)], 0)
    expected = {"none": rows, "sum": rows.sum(), "mean": rows.sum() / w[y[keep]].sum()}
    out = F.nll_loss(t(lp), y, weight=w, reduction=reduction)
    np.testing.assert_allclose(out.data, expected[reduction], rtol=1e-12)
    check_grad(lambda a: F.nll_loss(a, y, weight=w, reduction=reduction), [t(lp)])
    same = F.nll_loss(F.log_softmax(t(x)), y, weight=w, reduction=reduction)
    np.testing.assert_allclose(
        same.data, F.cross_entropy(t(x), y, weight=w, reduction=reduction).data, rtol=1e-12
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [0.0, 0.5, 2.0])
def test_smooth_l1_and_huber(reduction, beta):
    x, y = RNG.normal(size=(4, 5)) * 2, RNG.normal(size=(4, 5))
    d = np.abs(x - y)
    if beta:
        smooth = np.where(d < beta, 0.5 * d**2 / beta, d - 0.5 * beta)
        huber = np.where(d <= beta, 0.5 * d**2, beta * (d - 0.5 * beta))
        out = F.huber_loss(t(x), y, reduction=reduction, delta=beta)
        np.testing.assert_allclose(out.data, reduce(huber, reduction), rtol=1e-12)
        check_grad(lambda a: F.huber_loss(a, y, reduction=reduction, delta=beta), [t(x)])
    else:
        smooth = d
    out = F.smooth_l1_loss(t(x), y, reduction=reduction, beta=beta)
    np.testing.assert_allclose(out.data, reduce(smooth, reduction), rtol=1e-12)
    check_grad(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta), [t(x), t(y)])


def test_huber_gradient_is_clipped_difference():
    x = t([0.0, 0.5, 3.0, -3.0])
    F.huber_loss(x, np.zeros(4), reduction="sum", delta=1.0).backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 1.0, -1.0])


@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
def test_kl_div(reduction):
    q = log_softmax(RNG.normal(size=(3, 4)))
    p = RNG.dirichlet(np.ones(4), size=3)
    p[0, 1] = 0.0  # 0 log 0 = 0
    p[0] /= p[0].sum()
    point = np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0) - p * q
    expected = point.sum() / 3 if reduction == "batchmean" else reduce(point, reduction)
    out = F.kl_div(t(q), p, reduction=reduction)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    check_grad(lambda a: F.kl_div(a, p, reduction=reduction), [t(q)])
    logp = np.log(RNG.dirichlet(np.ones(4), size=3))
    point = np.exp(logp) * (logp - q)
    expected = point.sum() / 3 if reduction == "batchmean" else reduce(point, reduction)
    out = F.kl_div(t(q), logp, reduction=reduction, log_target=True)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    check_grad(lambda a, b: F.kl_div(a, b, reduction, log_target=True), [t(q), t(logp)])


def test_kl_div_gradient_wrt_a_tensor_target_with_zeros():
    q = log_softmax(RNG.normal(size=(2, 3)))
    p = np.array([[0.2, 0.3, 0.5], [0.5, 0.0, 0.5]])
    target = t(p)
    F.kl_div(t(q), target, reduction="sum").backward()
    expected = np.where(p > 0, np.log(np.where(p > 0, p, 1)) + 1, 0) - q
    np.testing.assert_allclose(target.grad, expected, rtol=1e-12)
    check_grad(lambda b: F.kl_div(t(q[:1], False), b, reduction="sum"), [t(p[:1])])


# --- misuse: each a clear error naming the problem ----------------------------------------


@pytest.mark.parametrize("bad", [[0.2, 1.5], [-0.1, 0.5], [np.nan, 0.5], [3.0, -2.0]])
def test_bce_given_logits_raises_and_names_the_with_logits_loss(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\].*binary_cross_entropy_with_logits"):
        F.binary_cross_entropy(t(bad), np.array([1.0, 0.0]))


def test_losses_accept_plain_arrays_and_lists():
    x, y = RNG.normal(size=(4, 3)), np.array([0, 2, 1, 1])
    np.testing.assert_allclose(
        F.cross_entropy(x, y).item(), F.cross_entropy(t(x), y).item(), rtol=1e-15
    )
    assert F.mse_loss([1.0, 2.0], [1.0, 4.0]).item() == 2.0
    assert F.l1_loss(np.array([1, 2]), np.array([0, 0])).item() == 1.5  # ints become floats
    assert F.binary_cross_entropy([0.5], [1.0]).item() == pytest.approx(np.log(2))
    out = F.binary_cross_entropy_with_logits(np.zeros(2), np.ones(2))
    assert isinstance(out, Tensor) and not out.requires_grad


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: F.mse_loss("abc", [1.0]),
            TypeError,
            "mse_loss: input must be a Tensor or an array",
        ),
        (lambda: F.mse_loss(t([1.0]), ["a"]), TypeError, "mse_loss: target must be numbers"),
        (lambda: F.mse_loss(t([1.0]), [1.0], reduction="avg"), ValueError, "reduction must be"),
        (
            lambda: F.cross_entropy(t(np.zeros((2, 3))), [0, 1], reduction="batchmean"),
            ValueError,
            "reduction",
        ),
        (
            lambda: F.cross_entropy(t(np.zeros((2, 3))), [0, 1], label_smoothing=1.5),
            ValueError,
            "label_smoothing",
        ),
        (
            lambda: F.cross_entropy(t(np.zeros((2, 3))), [0, 1], weight=[1.0, 2.0]),
            ValueError,
            "weight must be 3",
        ),
        (
            lambda: F.cross_entropy(t(np.zeros((2, 3))), [0, 5], ignore_index=1),
            ValueError,
            "label 5 is out of range",
        ),
        (lambda: F.nll_loss(t(np.zeros(3)), [0, 1, 2]), ValueError, r"\(n, classes\)"),
        (lambda: F.huber_loss(t([1.0]), [0.0], delta=0.0), ValueError, "delta must be > 0"),
        (lambda: F.smooth_l1_loss(t([1.0]), [0.0], beta=-1.0), ValueError, "beta must be >= 0"),
        (lambda: F.kl_div(t([0.0]), [-0.5]), ValueError, "log_target=True"),
        (
            lambda: F.binary_cross_entropy_with_logits(
                t(np.zeros((2, 3))), np.zeros((2, 3)), pos_weight=[1.0, 2.0]
            ),
            ValueError,
            "does not broadcast",
        ),
        (
            lambda: F.one_hot([0, 1], -3),
            ValueError,
            "num_classes must be a non-negative integer, got -3",
        ),
        (lambda: F.one_hot([0, 1], 2.5), ValueError, "num_classes must be a non-negative integer"),
    ],
)
def test_loss_misuse(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_one_hot_zero_classes_and_no_table():
    assert F.one_hot(np.array([], dtype=int), 0).shape == (0, 0)
    np.testing.assert_array_equal(F.one_hot(np.array([1]), 3, dtype=np.float32), [[0, 1, 0]])


# --- optional: against PyTorch itself (skipped without torch; its import takes seconds) ---


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")  # torch's kl_div
def test_losses_and_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    rng = np.random.default_rng(11)
    x = rng.normal(size=(6, 4)) * 3
    y = np.array([0, 3, -100, 1, 2, 3])
    w = rng.uniform(0.2, 2.0, size=4)
    p = rng.uniform(0.01, 0.99, size=(6, 4))
    b = rng.uniform(size=(6, 4))
    probs = rng.dirichlet(np.ones(4), size=6)
    logq = log_softmax(rng.normal(size=(6, 4)))
    q = w[::-1].copy()
    cases = [  # (ours, theirs, input, target, keyword arguments)
        (F.cross_entropy, tF.cross_entropy, x, y, {"weight": w, "label_smoothing": 0.2}),
        (F.cross_entropy, tF.cross_entropy, x, probs, {"weight": w, "label_smoothing": 0.1}),
        (F.nll_loss, tF.nll_loss, logq, y, {"weight": w}),
        (F.mse_loss, tF.mse_loss, x, b, {}),
        (F.l1_loss, tF.l1_loss, x, b, {}),
        (F.smooth_l1_loss, tF.smooth_l1_loss, x, b, {"beta": 0.7}),
        (F.huber_loss, tF.huber_loss, x, b, {"delta": 1.5}),
        (F.kl_div, tF.kl_div, logq, probs, {}),
        (F.kl_div, tF.kl_div, logq, np.log(probs), {"log_target": True}),
        (F.binary_cross_entropy, tF.binary_cross_entropy, p, b, {"weight": w}),
        (
            F.binary_cross_entropy_with_logits,
            tF.binary_cross_entropy_with_logits,
            x,
            b,
            {"weight": w, "pos_weight": q},
        ),
    ]
    for ours, theirs, data, target, kw in cases:
        name = f"{ours.__name__}({', '.join(kw)})"
        tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        reductions = ["mean", "sum", "none"] + (["batchmean"] if ours is F.kl_div else [])
        for r in reductions:
            a = t(data)
            out = ours(a, target, reduction=r, **kw)
            ta = torch.tensor(data, requires_grad=True)
            tout = theirs(ta, torch.tensor(target), reduction=r, **tkw)
            np.testing.assert_allclose(
                out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=f"{name} {r}"
            )
            g = RNG.normal(size=out.shape)
            (out * g).sum().backward()
            (tout * torch.tensor(g)).sum().backward()
            np.testing.assert_allclose(
                a.grad, ta.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=f"{name} {r} grad"
            )
