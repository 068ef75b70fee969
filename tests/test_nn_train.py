"""nn.train: fit/evaluate end to end, the CLI, and memory over 1000 training steps."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import functional as F
from nn.datasets import load_digits, make_blobs, train_test_split
from nn.optim import SGD, Adam
from nn.train import evaluate, fit, main

from helpers import write_mnist_dir

ROOT = Path(__file__).resolve().parent.parent


def blobs():
    X, y = make_blobs(600, centers=np.array([[0, 0], [6, 0], [0, 6]]), seed=0)
    return train_test_split(X, y, 0.25, seed=0)


def test_fit_on_blobs_reaches_98_percent():
    X_train, y_train, X_test, y_test = blobs()
    model = nn.MLP(2, [16], 3, seed=0)
    loader = nn.DataLoader(X_train, y_train, batch_size=32, seed=0)
    history = fit(
        model,
        F.cross_entropy,
        Adam(model.parameters(), lr=0.01),
        loader,
        10,
        val_data=(X_test, y_test),
        verbose=False,
    )
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"}
    assert all(len(v) == 10 for v in history.values())
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] >= 0.98
    result = evaluate(model, X_test, y_test, F.cross_entropy)
    assert result["accuracy"] == history["val_accuracy"][-1]
    assert result["loss"] == pytest.approx(history["val_loss"][-1])


def test_fit_digits_mlp_reaches_95_percent():
    X_train, y_train, X_test, y_test = load_digits()
    model = nn.MLP(64, [32], 10, seed=0)
    loader = nn.DataLoader(X_train, y_train, batch_size=32, seed=0)
    fit(model, F.cross_entropy, Adam(model.parameters(), lr=3e-3), loader, 8, verbose=False)
    assert evaluate(model, X_test, y_test)["accuracy"] >= 0.95


def test_binary_logistic_regression_on_blobs():
    X, y = make_blobs(400, centers=np.array([[-2, -2], [2, 2]]), seed=1)
    model = nn.LogisticRegression(2)
    loader = nn.DataLoader(X, y, batch_size=50, seed=0)

    def loss_fn(out, yb):
        return F.binary_cross_entropy_with_logits(out, yb.astype(np.float64))

    history = fit(model, loss_fn, SGD(model.parameters(), lr=0.5), loader, 5, verbose=False)
    assert history["accuracy"][-1] >= 0.97


def test_verbose_output_and_callbacks(capsys):
    X_train, y_train, X_test, y_test = blobs()
    model = nn.MLP(2, [8], 3, seed=0)
    seen = []

    def stop_after_two(epoch, logs):
        seen.append((epoch, sorted(logs)))
        return epoch == 2

    history = fit(
        model,
        F.cross_entropy,
        Adam(model.parameters(), lr=0.01),
        nn.DataLoader(X_train, y_train, 32, seed=0),
        5,
        val_data=(X_test, y_test),
        callbacks=[stop_after_two],
    )
    assert len(history["loss"]) == 2 and [e for e, _ in seen] == [1, 2]
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].startswith("epoch 1/5  loss ")
    assert "train acc" in out[0] and "test acc" in out[0] and out[0].endswith(" s")


def test_regression_history_has_no_accuracy():
    X = np.random.default_rng(0).normal(size=(64, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    model = nn.Linear(3, 1, seed=0)
    history = fit(
        model,
        lambda out, t: F.mse_loss(out.reshape(-1), t),
        SGD(model.parameters(), lr=0.1),
        nn.DataLoader(X, y, 16, seed=0),
        30,
        verbose=False,
    )
    assert "accuracy" not in history and history["loss"][-1] < 1e-3


def test_memory_is_flat_over_1000_steps():
    """Keeping one graph per step alive adds ~20 KB a step here (20 MB over 1000 steps,
    measured); the 1 MB bound leaves room for caches that plateau (~120 KB measured)."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 8)), rng.integers(0, 4, size=16)
    model = nn.MLP(8, [16], 4, seed=0)
    opt = SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        opt.step()

    for _ in range(20):
        step()
    gc.collect()
    gc.disable()  # graphs must be freed by reference counting alone
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(1000):
            step()
        growth = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        gc.enable()
    assert growth < 1_000_000, f"memory grew by {growth} bytes over 1000 steps"


# --- CLI -------------------------------------------------------------------------------------
def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "nn.train", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_cli_on_moons_and_save(tmp_path):
    path = tmp_path / "moons.npz"
    result = run_cli(
        "--dataset",
        "moons",
        "--model",
        "mlp",
        "--hidden",
        "16",
        "16",
        "--epochs",
        "3",
        "--batch-size",
        "32",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--seed",
        "1",
        "--save",
        str(path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert len(epochs) == 3
    for line in epochs:
        assert "loss" in line and "train acc" in line and "test acc" in line
    assert any(line.startswith("final: train acc") for line in lines)
    model = nn.load(nn.MLP(2, [16, 16], 1, dtype=np.float32), path)
    assert model[0].weight.shape == (2, 16)


def test_cli_in_process_spheres_logreg(capsys):
    args = "--dataset spheres --model logreg --epochs 5 --optimizer sgd --lr 0.1 --batch-size 16"
    assert main([*args.split(), "--momentum", "0.5", "--lr-decay", "0.5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len([line for line in out if line.startswith("epoch ")]) == 5
    assert "test acc 100.00%" in out[-2]
    assert out[-1].startswith("final: train acc 100.00%  test acc 100.00%")


def test_run_returns_history_and_decays_lr():
    from nn.train import build_parser, run

    args = build_parser().parse_args(
        "--dataset moons --hidden 8 --epochs 3 --lr 0.01 --lr-decay 0.5 --quiet".split()
    )
    result = run(args)
    assert len(result["history"]["loss"]) == 3
    assert 0.5 <= result["test_accuracy"] <= 1.0
    assert isinstance(result["model"], nn.MLP)


def test_cli_help():
    result = run_cli("--help")
    assert result.returncode == 0
    for option in (
        "--dataset",
        "--model",
        "--hidden",
        "--epochs",
        "--batch-size",
        "--lr",
        "--optimizer",
        "--seed",
        "--save",
        "--demo",
        "fashion-mnist",
    ):
        assert option in result.stdout


def test_cli_missing_fashion_mnist_names_the_package(tmp_path):
    result = run_cli(
        "--dataset",
        "fashion-mnist",
        "--epochs",
        "1",
        env={"FASHION_MNIST_DIR": str(tmp_path / "none")},
    )
    assert result.returncode == 2
    assert "apt-get install dataset-fashion-mnist" in result.stderr


def test_progress_bar_on_a_terminal(capsys, monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    X_train, y_train, _, _ = blobs()
    model = nn.MLP(2, [4], 3, seed=0)
    fit(
        model,
        F.cross_entropy,
        SGD(model.parameters(), lr=0.1),
        nn.DataLoader(X_train, y_train, 100, seed=0),
        1,
    )
    captured = capsys.readouterr()
    assert "epoch 1/1" in captured.err  # tqdm draws on stderr
    assert captured.out.startswith("epoch 1/1  loss")


def test_predict_batches_and_restores_training_mode():
    X_train, *_ = blobs()
    model = nn.MLP(2, [4], 3, seed=0)
    out = nn.train.predict(model, X_train, batch_size=7)
    assert out.shape == (len(X_train), 3) and model.training
    np.testing.assert_allclose(out, model(X_train).data)


def test_cli_mnist_from_idx_dir(tmp_path, capsys):
    write_mnist_dir(tmp_path / "mnist", n_train=40, n_test=10)
    assert (
        main(
            [
                "--dataset",
                "mnist",
                "--data-dir",
                str(tmp_path / "mnist"),
                "--epochs",
                "1",
                "--hidden",
                "8",
            ]
        )
        == 0
    )
    assert "mnist: 40 train / 10 test rows, mlp 784-8-10" in capsys.readouterr().out
    assert main(["--dataset", "mnist", "--epochs", "1"]) == 2
    assert "needs --data-dir" in capsys.readouterr().err
