"""Checkpoints: nn.save / nn.load of model, optimizer, scheduler and extras in one .npz
without pickle; fit(resume=...) and the CLI's --resume continue a run exactly; Ctrl-C saves
and exits 130; checkpoints holding complex or integer arrays."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import functional as F
from nn.cli import main
from nn.datasets import make_blobs
from nn.optim import Adam
from nn.optim.lr_scheduler import OneCycleLR, ReduceLROnPlateau, StepLR
from nn.train import fit

ROOT = Path(__file__).resolve().parent.parent


def test_checkpoint_round_trip_of_every_kind_of_entry(tmp_path):
    model = nn.MLP(3, [4], 2, seed=0)
    opt = Adam(model.parameters(), lr=0.01)
    sched = StepLR(opt, 2, 0.5)
    for p in model.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    sched.step()
    extra = {
        "nested": {1: "int key", "a": (1, 2.5, None), "big": 2**100, "nan": float("nan")},
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
        "flag": True,
    }
    path = tmp_path / "ckpt.npz"
    nn.save(path, model=model, optimizer=opt, scheduler=sched, epoch=7, **extra)
    with zipfile.ZipFile(path) as z:  # readable names, and nothing pickled
        names = z.namelist()
    assert "model/0.weight.npy" in names and "optimizer/state/0/exp_avg.npy" in names
    with np.load(path, allow_pickle=False) as f:
        assert all(f[name].dtype != object for name in f.files)

    model2 = nn.MLP(3, [4], 2, seed=1)
    opt2 = Adam(model2.parameters(), lr=0.5)
    sched2 = StepLR(opt2, 2, 0.5)
    ckpt = nn.load(path, model=model2, optimizer=opt2, scheduler=sched2)
    for p, q in zip(model.parameters(), model2.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    assert opt2.lr == opt.lr == 0.01 and sched2.last_epoch == 1
    np.testing.assert_array_equal(
        opt2.state_dict()["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"]
    )
    assert ckpt["epoch"] == 7 and ckpt["flag"] is True
    assert ckpt["nested"][1] == "int key" and ckpt["nested"]["a"] == (1, 2.5, None)
    assert ckpt["nested"]["big"] == 2**100 and np.isnan(ckpt["nested"]["nan"])
    np.testing.assert_array_equal(ckpt["array"], extra["array"])
    assert ckpt["array"].dtype == np.int16
    # the parameters-only form reads a checkpoint's model too
    model3 = nn.load(nn.MLP(3, [4], 2, seed=2), path)
    np.testing.assert_array_equal(model3[0].weight.data, model[0].weight.data)
    # and a parameters-only file reads as a checkpoint with a model entry
    nn.save(model, tmp_path / "m.npz")
    assert set(nn.load(tmp_path / "m.npz")) == {"model"}


def test_save_and_load_misuse(tmp_path):
    model = nn.Linear(2, 2, seed=0)
    path = tmp_path / "m.npz"
    with pytest.raises(TypeError, match="wrong order"):
        nn.save(str(path), model)
    nn.save(model, path)
    with pytest.raises(TypeError, match="wrong order"):
        nn.load(path, model)
    with pytest.raises(TypeError, match="needs a path"):
        nn.save(model)
    with pytest.raises(TypeError, match="without pickle"):
        nn.save(path, model=model, thing=object())
    with pytest.raises(TypeError, match="needs pickle"):
        nn.save(path, model=model, thing=np.array([{}], dtype=object))
    with pytest.raises(ValueError, match="has no \\['optimizer'\\]"):
        nn.load(path, optimizer=Adam(model.parameters()))
    with pytest.raises(ValueError, match="is a directory"):
        nn.load(tmp_path, model=model)


def write_v1(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, __nn_format__=np.array("nn-state-dict-v1"), **arrays)


def test_complex_checkpoint_is_an_error(tmp_path):
    path = tmp_path / "c.npz"
    write_v1(path, weight=np.ones((2, 2), complex), bias=np.zeros(2))
    model = nn.Linear(2, 2, seed=0)
    before = model.weight.data.copy()
    with pytest.raises(ValueError, match=r"weight holds complex numbers \(complex128\)"):
        nn.load(model, path)
    np.testing.assert_array_equal(model.weight.data, before)


def test_integer_checkpoint_converts_exactly_or_raises(tmp_path):
    path = tmp_path / "i.npz"
    write_v1(path, weight=np.array([[1, -2], [3, 2**24]], np.int64), bias=np.array([True, False]))
    model = nn.load(nn.Linear(2, 2, dtype=np.float32), path)
    np.testing.assert_array_equal(model.weight.data, [[1, -2], [3, 2**24]])
    np.testing.assert_array_equal(model.bias.data, [1.0, 0.0])
    write_v1(path, weight=np.array([[1, 2], [3, 2**24 + 1]], np.int64), bias=np.zeros(2))
    with pytest.raises(ValueError, match=r"weight holds integers up to 16777217, which float32"):
        nn.load(nn.Linear(2, 2, dtype=np.float32), path)
    model64 = nn.load(nn.Linear(2, 2, dtype=np.float64), path)  # exact in float64
    assert model64.weight.data[1, 1] == 2**24 + 1


# --- fit: resume exactly ---------------------------------------------------------------


def setup(seed_model=0, scheduler="step"):
    X, y = make_blobs(240, centers=np.array([[0, 0], [3, 0], [0, 3]]), seed=0)
    model = nn.MLP(2, [8], 3, seed=seed_model)
    opt = Adam(model.parameters(), lr=0.02)
    loader = nn.DataLoader(X, y, batch_size=32, shuffle=True, seed=5)
    if scheduler == "step":
        sched = StepLR(opt, step_size=1, gamma=0.7)
    else:
        sched = OneCycleLR(opt, max_lr=0.05, total_steps=4 * len(loader))
    return model, opt, sched, loader, (X[:50], y[:50])


def train(epochs, seed_model=0, scheduler="step", **kw):
    model, opt, sched, loader, val = setup(seed_model, scheduler)
    interval = "epoch" if scheduler == "step" else "batch"
    history = fit(
        model, F.cross_entropy, opt, loader, epochs, val_data=val, verbose=False,
        scheduler=sched, scheduler_interval=interval, **kw,
    )  # fmt: skip
    return model, history


def assert_same_run(a, b):
    (model_a, hist_a), (model_b, hist_b) = a, b
    assert set(hist_a) == set(hist_b)
    for key in hist_a.keys() - {"seconds"}:
        assert hist_a[key] == hist_b[key], key
    for p, q in zip(model_a.parameters(), model_b.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("scheduler", ["step", "onecycle"])
def test_two_plus_two_epochs_equal_four(tmp_path, scheduler):
    path = tmp_path / "run.npz"
    full = train(4, scheduler=scheduler)
    _, first = train(2, scheduler=scheduler, checkpoint=path)
    assert len(first["loss"]) == 2 and first["loss"] == full[1]["loss"][:2]
    resumed = train(4, seed_model=9, scheduler=scheduler, resume=path, checkpoint=path)
    assert len(resumed[1]["loss"]) == 4
    assert_same_run(full, resumed)
    assert nn.load(path)["progress"]["epoch"] == 4


def test_interrupt_mid_epoch_saves_and_resumes_exactly(tmp_path):
    path = tmp_path / "ctrl-c.npz"
    full = train(3)
    calls = {"n": 0}

    def flaky_loss(out, y):
        calls["n"] += 1
        if calls["n"] == 13:  # 8 batches of epoch 1, its validation, batches 1-3 of epoch 2
            raise KeyboardInterrupt
        return F.cross_entropy(out, y)

    model, opt, sched, loader, val = setup()
    with pytest.raises(KeyboardInterrupt) as info:
        fit(model, flaky_loss, opt, loader, 3, val_data=val, verbose=False, scheduler=sched,
            interrupt_checkpoint=path)  # fmt: skip
    assert info.value.checkpoint == os.fspath(path)
    progress = nn.load(path)["progress"]
    assert (progress["epoch"], progress["batch"]) == (1, 3)
    assert_same_run(full, train(3, seed_model=3, resume=path))


def test_sigint_finishes_the_batch_then_saves_and_a_second_one_saves_nothing(tmp_path):
    path = tmp_path / "sigint.npz"
    calls = {"n": 0}

    def signalling_loss(times):
        def loss_fn(out, y):
            calls["n"] += 1
            if calls["n"] == 11:  # epoch 2, batch 2 (after 8 batches and one validation)
                for _ in range(times):
                    os.kill(os.getpid(), signal.SIGINT)
            return F.cross_entropy(out, y)

        return loss_fn

    model, opt, sched, loader, val = setup()
    with pytest.raises(KeyboardInterrupt):
        fit(model, signalling_loss(1), opt, loader, 3, val_data=val, verbose=False,
            scheduler=sched, interrupt_checkpoint=path)  # fmt: skip
    progress = nn.load(path)["progress"]
    assert (progress["epoch"], progress["batch"]) == (1, 2)  # the signalled batch completed
    assert_same_run(train(3), train(3, seed_model=4, resume=path))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back

    calls["n"] = 0
    path.unlink()
    model, opt, sched, loader, val = setup()
    with pytest.raises(KeyboardInterrupt):
        fit(model, signalling_loss(2), opt, loader, 3, val_data=val, verbose=False,
            scheduler=sched, interrupt_checkpoint=path)  # fmt: skip
    assert not path.exists()


def test_interrupt_from_a_callback_saves_the_finished_epoch(tmp_path):
    path = tmp_path / "cb.npz"

    def stop_at_2(epoch, logs):
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(4, callbacks=[stop_at_2], interrupt_checkpoint=path)
    assert nn.load(path)["progress"] == {
        "epoch": 2, "batch": 0, "total_loss": 0.0, "correct": 0, "seen": 0, "classify": True,
    }  # fmt: skip
    assert_same_run(train(4), train(4, seed_model=1, resume=path))


class NoisyMLP(nn.Module):
    """A random layer: Gaussian noise from the module's own generator in training."""

    def __init__(self, seed):
        super().__init__()
        self.body = nn.MLP(2, [8], 3, seed=seed)
        self.rng = np.random.default_rng(123)

    def forward(self, x):
        if self.training:
            x = x + self.rng.normal(scale=0.5, size=np.shape(x))
        return self.body(x)


def test_resume_restores_the_generators_of_random_layers(tmp_path):
    path = tmp_path / "noisy.npz"
    X, y = make_blobs(200, centers=np.array([[0, 0], [3, 0], [0, 3]]), seed=1)

    def run(epochs, seed, **kw):
        model = NoisyMLP(seed)
        opt = Adam(model.parameters(), lr=0.02)
        loader = nn.DataLoader(X, y, batch_size=32, seed=5)
        hist = fit(model, F.cross_entropy, opt, loader, epochs, verbose=False, **kw)
        return model, hist

    full = run(3, 0)
    run(1, 0, checkpoint=path)
    assert list(nn.load(path)["generators"]) == ["/rng"]
    assert_same_run(full, run(3, 7, resume=path))


def test_fit_steps_reduce_on_plateau_with_the_validation_loss():
    model, opt, _, loader, val = setup()
    sched = ReduceLROnPlateau(opt, patience=0, factor=0.5)
    hist = fit(model, F.cross_entropy, opt, loader, 4, val_data=val, verbose=False, scheduler=sched)
    assert sched.last_epoch == 4 and sched.best == min(hist["val_loss"])


def test_resume_from_a_file_fit_did_not_write(tmp_path):
    path = tmp_path / "plain.npz"
    model, opt, sched, loader, _ = setup()
    nn.save(path, model=model, optimizer=opt, scheduler=sched)
    with pytest.raises(ValueError, match="not one written by fit"):
        fit(model, F.cross_entropy, opt, loader, 2, verbose=False, scheduler=sched, resume=path)
    with pytest.raises(ValueError, match="scheduler_interval"):
        fit(model, F.cross_entropy, opt, loader, 2, scheduler_interval="step")


# --- the command line ------------------------------------------------------------------


MOONS = ["--dataset", "moons", "--hidden", "8", "--lr-decay", "0.8", "--seed", "2", "--quiet"]


def test_cli_resume_equals_an_uninterrupted_run(tmp_path, capsys):
    full, half, ck = tmp_path / "full.npz", tmp_path / "half.npz", tmp_path / "ck.npz"
    assert main([*MOONS, "--epochs", "4", "--save", str(full)]) == 0
    assert main([*MOONS, "--epochs", "2", "--checkpoint", str(ck)]) == 0
    assert nn.load(ck)["progress"]["epoch"] == 2
    assert main([*MOONS, "--epochs", "4", "--resume", str(ck), "--save", str(half)]) == 0
    a = nn.load(nn.MLP(2, [8], 1, dtype=np.float32), full)
    b = nn.load(nn.MLP(2, [8], 1, dtype=np.float32), half)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    assert main([*MOONS, "--epochs", "4", "--resume", str(tmp_path / "none.npz")]) == 2


def test_cli_ctrl_c_saves_a_checkpoint_and_exits_130(tmp_path):
    ck = tmp_path / "ck.npz"
    args = ["--dataset", "moons", "--hidden", "32", "--epochs", "100000", "--checkpoint", str(ck)]
    proc = subprocess.Popen(
        [sys.executable, "-W", "error", "-m", "nn", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        for line in proc.stdout:  # wait until training runs
            if line.startswith("epoch "):
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert f"interrupted: checkpoint saved to {ck}" in err and "Traceback" not in err
    progress = nn.load(ck)["progress"]
    assert progress["epoch"] >= 1
    # the saved run continues from where it stopped
    done = progress["epoch"] + (progress["batch"] > 0)
    result = subprocess.run(
        [sys.executable, "-W", "error", "-m", "nn", *args[:4], "--epochs", str(done + 1),
         "--resume", str(ck)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    epochs = [line for line in result.stdout.splitlines() if line.startswith("epoch ")]
    assert epochs and epochs[-1].split()[1] == f"{done + 1}/{done + 1}"
