"""nn.optim: every optimizer against PyTorch's documented update written out in numpy,
param_groups, state_dict round trips, and misuse."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from nn import Parameter
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop

from helpers import peak_allocation

RNG = np.random.default_rng(3)
STEPS = 5


def reference(name, p, grads, lr, **h):
    """The documented algorithm, plainly, one fresh array per line."""
    p = p.copy()
    state = {}
    for t, grad in enumerate(grads, start=1):
        wd = h.get("weight_decay", 1e-2 if name == "adamw" else 0.0)
        if name == "sgd":
            g = grad + wd * p
            mu, damp = h.get("momentum", 0.0), h.get("dampening", 0.0)
            if mu:
                b = g if t == 1 else mu * state["b"] + (1 - damp) * g
                state["b"] = b
                g = g + mu * b if h.get("nesterov") else b
            p = p - lr * g
        elif name in ("adam", "adamw"):
            b1, b2 = h.get("betas", (0.9, 0.999))
            eps = h.get("eps", 1e-8)
            if name == "adamw":
                p = p * (1 - lr * wd)
                g = grad
            else:
                g = grad + wd * p
            m = b1 * state.get("m", 0) + (1 - b1) * g
            v = b2 * state.get("v", 0) + (1 - b2) * g * g
            state["m"], state["v"] = m, v
            if h.get("amsgrad"):
                v = state["vmax"] = np.maximum(state.get("vmax", 0), v)
            p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        elif name == "rmsprop":
            alpha, eps, mu = h.get("alpha", 0.99), h.get("eps", 1e-8), h.get("momentum", 0.0)
            g = grad + wd * p
            v = state["v"] = alpha * state.get("v", 0) + (1 - alpha) * g * g
            if h.get("centered"):
                a = state["a"] = alpha * state.get("a", 0) + (1 - alpha) * g
                v = v - a * a
            if mu:
                b = state["b"] = mu * state.get("b", 0) + g / (np.sqrt(v) + eps)
                p = p - lr * b
            else:
                p = p - lr * g / (np.sqrt(v) + eps)
        elif name == "adagrad":
            g = grad + wd * p
            s = state["s"] = state.get("s", h.get("initial_accumulator_value", 0.0)) + g * g
            clr = lr / (1 + (t - 1) * h.get("lr_decay", 0.0))
            p = p - clr * g / (np.sqrt(s) + h.get("eps", 1e-10))
    return p


CASES = [
    ("sgd", SGD, 0.1, {}),
    ("sgd", SGD, 0.1, {"momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("sgd", SGD, 0.05, {"momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("adam", Adam, 0.01, {"betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("adam", Adam, 0.01, {"amsgrad": True}),
    ("adamw", AdamW, 0.01, {}),
    ("adamw", AdamW, 0.02, {"weight_decay": 0.3, "amsgrad": True, "eps": 1e-6}),
    ("rmsprop", RMSprop, 0.01, {}),
    ("rmsprop", RMSprop, 0.01, {"momentum": 0.9, "weight_decay": 0.05}),
    ("rmsprop", RMSprop, 0.01, {"centered": True, "momentum": 0.5, "alpha": 0.9}),
    ("adagrad", Adagrad, 0.1, {}),
    (
        "adagrad",
        Adagrad,
        0.1,
        {"lr_decay": 0.1, "weight_decay": 0.01, "initial_accumulator_value": 0.5},
    ),
]


@pytest.mark.parametrize("name, cls, lr, hyper", CASES)
def test_against_the_documented_algorithm(name, cls, lr, hyper):
    start = RNG.normal(size=(3, 4))
    grads = [RNG.normal(size=(3, 4)) for _ in range(STEPS)]
    p = Parameter(start.copy())
    opt = cls([p], lr=lr, **hyper)
    for g in grads:
        p.grad = g.copy()
        opt.step()
    np.testing.assert_allclose(
        p.data, reference(name, start, grads, lr, **hyper), rtol=1e-12, atol=1e-15
    )


def test_adamw_first_step_by_hand():
    p = Parameter(np.array([2.0]))
    p.grad = np.array([0.5])
    AdamW([p], lr=0.1, weight_decay=0.5).step()
    # decay 2 * (1 - 0.05) = 1.9, then the Adam step 0.1 * 0.5 / (0.5 + 1e-8)
    np.testing.assert_allclose(p.data, [1.9 - 0.1 * 0.5 / (0.5 + 1e-8)], rtol=1e-15)


@pytest.mark.parametrize("name, cls, lr, hyper", CASES)
def test_state_dict_round_trip_continues_identically(name, cls, lr, hyper):
    grads = [RNG.normal(size=4) for _ in range(4)]
    a = Parameter(np.ones(4))
    b = Parameter(np.ones(4))
    opt_a = cls([a], lr=lr, **hyper)
    opt_b = cls([b], lr=lr, **hyper)
    for g in grads[:2]:
        a.grad = g.copy()
        opt_a.step()
    b.data[...] = a.data
    sd = opt_a.state_dict()
    for s in sd["state"].values():
        assert all(isinstance(v, (np.ndarray, int, float)) for v in s.values())
    opt_b.load_state_dict(sd)
    for g in grads[2:]:
        a.grad, b.grad = g.copy(), g.copy()
        opt_a.step()
        opt_b.step()
    np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_is_a_copy_and_numbers_params_in_group_order():
    p, q = Parameter(np.ones(2)), Parameter(np.ones(3))
    opt = Adam([{"params": [q]}, {"params": [p], "lr": 0.5}])
    p.grad, q.grad = np.ones(2), np.ones(3)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["lr"] == 1e-3
    assert sd["state"][0]["exp_avg"].shape == (3,) and sd["state"][1]["step"] == 1
    sd["state"][0]["exp_avg"][:] = 99
    assert opt.state_dict()["state"][0]["exp_avg"][0] != 99


def test_param_groups_have_their_own_lr_and_weight_decay():
    a, b = Parameter(np.array([1.0])), Parameter(np.array([1.0]))
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "weight_decay": 1.0}], lr=0.1)
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    np.testing.assert_allclose(a.data, [0.9])
    np.testing.assert_allclose(b.data, [1 - 0.5 * 2.0])
    assert opt.param_groups[0]["momentum"] == 0.0  # defaults filled in
    c = Parameter(np.array([1.0]))
    opt.add_param_group({"params": c, "lr": 1.0})
    c.grad = np.array([2.0])
    opt.step()
    np.testing.assert_allclose(c.data, [-1.0])
    assert opt.params == [a, b, c]
    opt.lr = 0.01  # sets every group
    assert [g["lr"] for g in opt.param_groups] == [0.01] * 3


def test_load_state_dict_rejects_other_shapes_and_leaves_state_alone():
    p = Parameter(np.ones(2))
    opt = Adam([p])
    p.grad = np.ones(2)
    opt.step()
    other = Adam([Parameter(np.ones(3))])
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        other.load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match=r"\[1\] parameters.*\[2\]"):
        Adam([Parameter(np.ones(2)), Parameter(np.ones(2))]).load_state_dict(opt.state_dict())
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = float("nan")
    with pytest.raises(ValueError, match="lr must be a finite number >= 0, got nan"):
        opt.load_state_dict(sd)
    assert opt.lr == 1e-3


@pytest.mark.parametrize("cls", [AdamW, RMSprop, Adagrad])
@pytest.mark.parametrize("extra", [{}, {"weight_decay": 1e-4}])
def test_new_optimizers_step_allocates_nothing(cls, extra):
    params = [Parameter(np.ones((100, 50))), Parameter(np.ones(50))]
    for p in params:
        p.grad = np.full(p.shape, 0.5)
    kw = {"momentum": 0.9, "centered": True} if cls is RMSprop else {}
    opt = cls(params, lr=1e-3, **kw, **extra)
    opt.step()
    peak = peak_allocation(opt.step, 20)
    assert peak < 2_000, f"a step allocated {peak} bytes (one temporary would be 40,000)"


# --- misuse ----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW, RMSprop, Adagrad])
@pytest.mark.parametrize("lr", [float("nan"), -0.1, float("inf"), "0.01", None, True])
def test_bad_lr_is_refused(cls, lr):
    with pytest.raises(ValueError, match=f"{cls.__name__}: lr must be a positive finite number"):
        cls([Parameter(np.ones(2))], lr=lr)


def test_lr_made_nan_later_is_refused_at_step():
    p = Parameter(np.ones(2))
    p.grad = np.ones(2)
    opt = SGD([p], lr=0.1)
    opt.param_groups[0]["lr"] = float("nan")  # as a buggy scheduler would
    with pytest.raises(ValueError, match="lr must be a finite number >= 0, got nan"):
        opt.step()
    np.testing.assert_array_equal(p.data, [1.0, 1.0])
    with pytest.raises(ValueError, match="got -1"):
        opt.lr = -1


def test_module_instead_of_parameters():
    model = nn.Linear(2, 3)
    with pytest.raises(TypeError, match=r"Linear module, not its parameters.*model.parameters\(\)"):
        Adam(model)
    with pytest.raises(TypeError, match="single Tensor"):
        SGD(Parameter(np.ones(2)), lr=0.1)
    with pytest.raises(TypeError, match="iterable of parameters"):
        SGD(3, lr=0.1)
    with pytest.raises(TypeError, match="is a str, not a Tensor"):
        SGD(["w"], lr=0.1)


def test_other_bad_hyperparameters():
    ps = [Parameter(np.ones(2))]
    with pytest.raises(ValueError, match="momentum must be a finite number >= 0"):
        SGD(ps, lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match="betas must be two numbers"):
        AdamW(ps, betas=(0.9,))
    with pytest.raises(ValueError, match="eps must be a positive"):
        RMSprop(ps, eps=0)
    with pytest.raises(ValueError, match="alpha must be a number in"):
        RMSprop(ps, alpha=1.5)
    with pytest.raises(ValueError, match="lr_decay"):
        Adagrad(ps, lr_decay=-1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": ps}, {"params": ps}], lr=0.1)


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW, RMSprop, Adagrad])
def test_grad_of_the_wrong_shape_at_step(cls):
    ok, bad = Parameter(np.ones(2)), Parameter(np.ones((2, 3)))
    ok.grad, bad.grad = np.ones(2), np.ones(3)
    opt = cls([ok, bad], lr=0.1)
    with pytest.raises(
        ValueError, match=r"parameter 1 has shape \(2, 3\) but its .grad has shape \(3,\)"
    ):
        opt.step()
    bad.grad = [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="its .grad has shape list"):
        opt.step()


# --- nn.utils: gradient clipping -----------------------------------------------------------


def grads_of(*arrays):
    ps = []
    for a in arrays:
        p = Parameter(np.zeros(np.shape(a)))
        p.grad = None if a is None else np.array(a, dtype=float)
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_clip_grad_norm_scales_to_max_norm_and_returns_the_total(norm_type):
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=5)
    ps = grads_of(a, b) + [Parameter(np.ones(2))]  # the last one has no .grad
    flat = np.concatenate([a.ravel(), b])
    expected = (
        np.max(np.abs(flat))
        if norm_type == np.inf
        else np.sum(np.abs(flat) ** norm_type) ** (1 / norm_type)
    )
    total = nn.utils.clip_grad_norm_(ps, max_norm=0.5, norm_type=norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(expected, rel=1e-12)
    coef = 0.5 / (expected + 1e-6)
    np.testing.assert_allclose(ps[0].grad, a * coef, rtol=1e-12)
    np.testing.assert_allclose(ps[1].grad, b * coef, rtol=1e-12)
    assert ps[2].grad is None


def test_clip_grad_norm_leaves_small_gradients_alone():
    (p,) = grads_of([0.3, 0.4])
    data = p.grad
    assert nn.utils.clip_grad_norm_(p, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(p.grad, [0.3, 0.4])
    assert p.grad is data
    assert nn.utils.clip_grad_norm_([Parameter(np.ones(2))], 1.0) == 0.0
    assert nn.utils.clip_grad_norm_(grads_of(np.zeros((0, 3))), 1.0) == 0.0


def test_clip_grad_norm_nonfinite_and_misuse():
    ps = grads_of([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="norm of the gradients is inf"):
        nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm must be a finite number >= 0"):
        nn.utils.clip_grad_norm_(ps, float("nan"))
    with pytest.raises(ValueError, match="norm_type must be > 0"):
        nn.utils.clip_grad_norm_(ps, 1.0, norm_type=0)
    with pytest.raises(TypeError, match="pass model.parameters"):
        nn.utils.clip_grad_norm_(nn.Linear(2, 2), 1.0)


def test_clip_grad_value_in_place():
    ps = grads_of([-3.0, 0.5, 2.0], None)
    data = ps[0].grad
    nn.utils.clip_grad_value_(ps, 1.0)
    np.testing.assert_array_equal(ps[0].grad, [-1.0, 0.5, 1.0])
    assert ps[0].grad is data and ps[1].grad is None
    with pytest.raises(ValueError, match="clip_value must be a finite number >= 0"):
        nn.utils.clip_grad_value_(ps, -1.0)


# --- optional: against PyTorch itself (skipped without torch; its import takes seconds) ---


@pytest.mark.slow
def test_optimizers_match_pytorch():
    torch = pytest.importorskip("torch")
    pairs = [
        (
            SGD,
            torch.optim.SGD,
            {"lr": 0.1, "momentum": 0.9, "dampening": 0.2, "weight_decay": 0.01},
        ),
        (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        (Adam, torch.optim.Adam, {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
        (AdamW, torch.optim.AdamW, {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.2}),
        (
            RMSprop,
            torch.optim.RMSprop,
            {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1},
        ),
        (RMSprop, torch.optim.RMSprop, {"lr": 0.01}),
        (
            Adagrad,
            torch.optim.Adagrad,
            {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.3, "weight_decay": 0.1},
        ),
    ]
    rng = np.random.default_rng(5)
    for ours_cls, theirs_cls, hyper in pairs:
        start = [rng.normal(size=(3, 2)), rng.normal(size=4)]
        ours = [Parameter(s.copy()) for s in start]
        theirs = [torch.tensor(s.copy(), requires_grad=True) for s in start]
        # two groups, the second with its own lr, as PyTorch's list-of-dicts form
        opt = ours_cls([{"params": ours[:1]}, {"params": ours[1:], "lr": hyper["lr"] / 2}], **hyper)
        topt = theirs_cls(
            [{"params": theirs[:1]}, {"params": theirs[1:], "lr": hyper["lr"] / 2}], **hyper
        )
        for _ in range(6):
            for o, th in zip(ours, theirs):
                g = rng.normal(size=o.shape)
                o.grad = g.copy()
                th.grad = torch.tensor(g)
            opt.step()
            topt.step()
        for o, th in zip(ours, theirs):
            np.testing.assert_allclose(
                o.data, th.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=ours_cls.__name__
            )
