"""nn.optim.lr_scheduler: every schedule against its closed form, PyTorch's step semantics,
state_dict round trips and misuse."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn import Parameter
from nn.optim import SGD, Adagrad, Adam
from nn.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
)


def sgd(lr=0.1, groups=None, **kw):
    if groups:
        return SGD([{"params": [Parameter(np.ones(1))], "lr": g} for g in groups], lr=lr, **kw)
    return SGD([Parameter(np.ones(1))], lr=lr, **kw)


def run(make, steps, lr=0.1, **kw):
    opt = sgd(lr, **kw)
    sched = make(opt)
    lrs = [sched.get_last_lr()[0]]
    assert opt.param_groups[0]["lr"] == lrs[0]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == lrs[-1]
    assert sched.last_epoch == steps
    return lrs


CLOSED_FORMS = [
    (lambda o: StepLR(o, step_size=3, gamma=0.5), lambda e: 0.1 * 0.5 ** (e // 3)),
    (
        lambda o: MultiStepLR(o, milestones=[5, 2, 7], gamma=0.1),
        lambda e: 0.1 * 0.1 ** sum(m <= e for m in (2, 5, 7)),
    ),
    (lambda o: ExponentialLR(o, gamma=0.9), lambda e: 0.1 * 0.9**e),
    (
        lambda o: CosineAnnealingLR(o, T_max=6, eta_min=0.01),
        lambda e: 0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * e / 6)) / 2,
    ),
    (
        lambda o: LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4),
        lambda e: 0.1 * (0.25 + 0.75 * min(e, 4) / 4),
    ),
    (
        lambda o: LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=5),
        lambda e: 0.1 * (1 - min(e, 5) / 5),
    ),
]


@pytest.mark.parametrize("make, closed", CLOSED_FORMS)
def test_closed_forms(make, closed):
    lrs = run(make, 12)
    np.testing.assert_allclose(lrs, [closed(e) for e in range(13)], rtol=1e-14, atol=1e-18)


def test_groups_keep_their_own_base_lr():
    opt = sgd(groups=[0.1, 1.0])
    sched = StepLR(opt, step_size=1, gamma=0.5)
    sched.step()
    assert sched.get_last_lr() == [0.05, 0.5]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 1.0]


def test_scheduler_step_after_optimizer_step_uses_each_epochs_lr():
    p = Parameter(np.array([0.0]))
    opt = SGD([p], lr=1.0)
    sched = ExponentialLR(opt, gamma=0.5)
    for _ in range(3):
        p.grad = np.array([1.0])
        opt.step()
        sched.step()
    np.testing.assert_allclose(p.data, [-(1.0 + 0.5 + 0.25)])


def test_annealing_to_zero_lr_steps_as_a_no_op():
    p = Parameter(np.array([1.0]))
    opt = SGD([p], lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=2)
    sched.step()
    sched.step()
    assert opt.lr == 0.0
    p.grad = np.array([1.0])
    opt.step()
    assert p.data[0] == 1.0


def one_cycle_reference(step, total, max_lr, pct, div, final_div, strategy, three):
    def anneal(a, b, x):
        if strategy == "cos":
            return b + (a - b) / 2 * (math.cos(math.pi * x) + 1)
        return a + (b - a) * x

    lo, hi = max_lr / div, max_lr
    floor = lo / final_div
    up_end = pct * total - 1
    if three:
        down_end = 2 * pct * total - 2
        if step <= up_end:
            return anneal(lo, hi, step / up_end)
        if step <= down_end:
            return anneal(hi, lo, (step - up_end) / (down_end - up_end))
        return anneal(lo, floor, (step - down_end) / (total - 1 - down_end))
    if step <= up_end:
        return anneal(lo, hi, step / up_end)
    return anneal(hi, floor, (step - up_end) / (total - 1 - up_end))


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("three", [False, True])
def test_one_cycle_closed_form(strategy, three):
    total = 20
    lrs = run(
        lambda o: OneCycleLR(
            o, max_lr=0.5, total_steps=total, pct_start=0.25, anneal_strategy=strategy,
            three_phase=three, cycle_momentum=False,
        ),
        total - 1,
    )  # fmt: skip
    expected = [
        one_cycle_reference(s, total, 0.5, 0.25, 25.0, 1e4, strategy, three) for s in range(total)
    ]
    np.testing.assert_allclose(lrs, expected, rtol=1e-13)
    assert lrs[0] == pytest.approx(0.5 / 25) and lrs[-1] == pytest.approx(0.5 / 25 / 1e4)
    assert max(lrs) == pytest.approx(0.5)


def test_one_cycle_momentum_and_betas_and_its_end():
    opt = sgd(momentum=0.9)
    sched = OneCycleLR(opt, max_lr=1.0, epochs=2, steps_per_epoch=5)  # pct 0.3 -> peak at step 2
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)
    sched.step()
    sched.step()
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.85)
    assert sched.get_last_lr()[0] == pytest.approx(1.0)
    for _ in range(8):
        sched.step()
    with pytest.raises(ValueError, match="stepped 11 times, but total_steps is 10"):
        sched.step()
    adam = Adam([Parameter(np.ones(1))])
    OneCycleLR(adam, max_lr=0.01, total_steps=10)
    assert adam.param_groups[0]["betas"] == (pytest.approx(0.95), 0.999)
    with pytest.raises(ValueError, match="cycle_momentum needs an optimizer with momentum"):
        OneCycleLR(Adagrad([Parameter(np.ones(1))]), max_lr=0.1, total_steps=10)


def test_reduce_on_plateau_by_hand():
    opt = sgd(lr=1.0)
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, min_lr=0.2)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]
    # bad epochs: 1 after 0.95, 2 -> reduce (1.0 -> 0.5), cooldown eats one, then 1, 2 -> 0.25,
    # cooldown, 1, 2 -> max(0.125, 0.2) = 0.2, then stays at the floor
    expected = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2]
    got = []
    for m in metrics:
        sched.step(m)
        got.append(sched.get_last_lr()[0])
    assert got == expected
    assert sched.last_epoch == len(metrics)


def test_reduce_on_plateau_mode_max_and_abs_threshold():
    opt = sgd(lr=1.0)
    sched = ReduceLROnPlateau(opt, mode="max", patience=0, threshold=0.1, threshold_mode="abs")
    sched.step(0.5)  # best 0.5
    sched.step(0.55)  # not better than 0.5 + 0.1: reduce
    assert opt.lr == pytest.approx(0.1)
    sched.step(0.7)  # better
    assert opt.lr == pytest.approx(0.1)


@pytest.mark.parametrize(
    "make",
    [
        lambda o: StepLR(o, 2, 0.5),
        lambda o: CosineAnnealingLR(o, 10),
        lambda o: OneCycleLR(o, 1.0, total_steps=12),
        lambda o: LinearLR(o, 0.1, total_iters=8),
    ],
)
def test_state_dict_round_trip_continues_exactly(make):
    opt = sgd(momentum=0.9)
    sched = make(opt)
    for _ in range(4):
        sched.step()
    opt_sd, sched_sd = opt.state_dict(), sched.state_dict()
    rest = []
    for _ in range(5):
        sched.step()
        rest.append((sched.get_last_lr(), dict(opt.param_groups[0], params=None)))
    opt2 = sgd(momentum=0.9)
    sched2 = make(opt2)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    for lrs, group in rest:
        sched2.step()
        assert sched2.get_last_lr() == lrs
        assert dict(opt2.param_groups[0], params=None) == group


def test_reduce_on_plateau_state_round_trip():
    opt = sgd(lr=1.0)
    a = ReduceLROnPlateau(opt, patience=1)
    for m in (1.0, 2.0):
        a.step(m)
    b = ReduceLROnPlateau(sgd(lr=1.0), patience=1)
    b.load_state_dict(a.state_dict())
    assert b.num_bad_epochs == 1 and b.best == 1.0 and b.last_epoch == 2


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda o: StepLR([1], 2), TypeError, "needs an nn.optim optimizer, got list"),
        (lambda o: StepLR(o, 0), ValueError, "step_size must be a positive int"),
        (lambda o: StepLR(o, 2, gamma=float("nan")), ValueError, "gamma must be > 0"),
        (lambda o: MultiStepLR(o, [1.5]), ValueError, "milestones must be non-negative ints"),
        (lambda o: CosineAnnealingLR(o, T_max=0), ValueError, "T_max"),
        (lambda o: LinearLR(o, start_factor=0), ValueError, r"start_factor must be in \(0, 1\]"),
        (lambda o: OneCycleLR(o, 1.0), ValueError, "give total_steps"),
        (lambda o: OneCycleLR(o, [1.0, 2.0], total_steps=5), ValueError, "one per group"),
        (lambda o: ReduceLROnPlateau(o, factor=1.0), ValueError, r"factor must be in \(0, 1\)"),
        (lambda o: ReduceLROnPlateau(o, mode="low"), ValueError, "mode must be"),
        (lambda o: ReduceLROnPlateau(o).step("x"), TypeError, "metrics must be a number"),
        (lambda o: StepLR(o, 2, last_epoch=3), ValueError, "no 'initial_lr'"),
    ],
)
def test_scheduler_misuse(call, error, message):
    with pytest.raises(error, match=message):
        call(sgd())


# --- optional: against PyTorch itself (skipped without torch; its import takes seconds) ---


@pytest.mark.slow
def test_schedulers_match_pytorch():
    torch = pytest.importorskip("torch")
    tS = torch.optim.lr_scheduler
    cases = [  # (our class, keyword arguments), PyTorch's class of the same name
        (StepLR, {"step_size": 3, "gamma": 0.5}),
        (MultiStepLR, {"milestones": [2, 5], "gamma": 0.3}),
        (ExponentialLR, {"gamma": 0.9}),
        (CosineAnnealingLR, {"T_max": 7, "eta_min": 0.001}),
        (LinearLR, {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 4}),
        (OneCycleLR, {"max_lr": 0.5, "total_steps": 12}),
        (
            OneCycleLR,
            {"max_lr": 0.5, "total_steps": 12, "three_phase": True, "anneal_strategy": "linear"},
        ),
    ]
    pairs = [
        (lambda o, c=c, kw=kw: c(o, **kw), lambda o, c=c, kw=kw: getattr(tS, c.__name__)(o, **kw))
        for c, kw in cases
    ]
    for ours_make, theirs_make in pairs:
        opt = sgd(lr=0.1, momentum=0.9)
        topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        ours, theirs = ours_make(opt), theirs_make(topt)
        for _ in range(11):
            np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-13)
            assert opt.param_groups[0]["momentum"] == pytest.approx(
                topt.param_groups[0]["momentum"], rel=1e-13
            )
            topt.step()
            ours.step()
            theirs.step()
        assert ours.last_epoch == theirs.last_epoch
    opt = sgd(lr=1.0)
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    kw = {"factor": 0.5, "patience": 1, "cooldown": 1, "min_lr": 0.1, "threshold": 0.05}
    ours, theirs = ReduceLROnPlateau(opt, **kw), tS.ReduceLROnPlateau(topt, **kw)
    for m in [1.0, 0.98, 0.9, 0.9, 0.9, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]:
        ours.step(m)
        theirs.step(m)
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-15)
