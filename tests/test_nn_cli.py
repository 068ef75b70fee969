"""nn.cli: the command line (``python -m nn``, and ``python -m nn.train`` with the same
flags), in a subprocess and in process, and the BLAS-thread limit it shares with the
benchmarks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import cli
from nn.cli import build_parser, limit_blas_threads, main, make_optimizer, run

from helpers import write_mnist_dir

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args, env=None, module="nn.train"):
    """``python -W error -m <module> *args``: a warning (runpy's included) fails the run."""
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", module, *args],
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
    args = build_parser().parse_args(
        "--dataset moons --hidden 8 --epochs 3 --lr 0.01 --lr-decay 0.5 --quiet".split()
    )
    result = run(args)
    assert len(result["history"]["loss"]) == 3
    assert 0.5 <= result["test_accuracy"] <= 1.0
    assert isinstance(result["model"], nn.MLP)


@pytest.mark.parametrize(
    "flags, kind, lr, weight_decay",
    [
        ("--optimizer sgd", "SGD", 0.1, 0.0),
        ("--optimizer adam", "Adam", 1e-3, 0.0),
        ("--optimizer adamw", "AdamW", 1e-3, 0.01),  # decoupled decay on by default, as PyTorch
        ("--optimizer adamw --weight-decay 0", "AdamW", 1e-3, 0.0),
        ("--optimizer rmsprop --momentum 0.9", "RMSprop", 1e-2, 0.0),
        ("--optimizer adagrad --lr 0.05 --weight-decay 1e-4", "Adagrad", 0.05, 1e-4),
    ],
)
def test_every_optimizer_of_the_cli_trains(flags, kind, lr, weight_decay):
    args = build_parser().parse_args(
        f"--dataset moons --hidden 16 --epochs 20 --quiet {flags}".split()
    )
    optimizer = make_optimizer(args, nn.MLP(2, [3], 2, seed=0).parameters())
    assert type(optimizer).__name__ == kind
    group = optimizer.param_groups[0]
    assert group["lr"] == lr and group["weight_decay"] == weight_decay
    if "--momentum" in flags:
        assert group["momentum"] == 0.9
    result = run(args)
    assert result["history"]["loss"][-1] < result["history"]["loss"][0]
    assert result["test_accuracy"] >= 0.8


def test_momentum_only_with_the_optimizers_that_take_it(capsys):
    assert main("--dataset moons --optimizer adagrad --momentum 0.9 --quiet".split()) == 2
    assert "--momentum" in capsys.readouterr().err


@pytest.mark.parametrize("module", ["nn", "nn.train"])
def test_cli_help(module):
    result = run_cli("--help", module=module)
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.startswith(f"usage: python -m {module} [-h]")
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
        module="nn",
    )
    assert result.returncode == 2
    assert "apt-get install dataset-fashion-mnist" in result.stderr


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


def test_train_keeps_the_names_the_cli_had():
    """``from nn.train import main, build_parser, run, load_dataset`` still works."""
    assert nn.train.__all__ == ["fit", "evaluate", "predict", "main"]
    for name in ("main", "build_parser", "run", "load_dataset", "DATASETS"):
        assert getattr(nn.train, name) is getattr(cli, name)


@pytest.mark.slow
def test_demo_reaches_97_percent_on_digits():
    result = run_cli("--demo", module="nn")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("demo: python -m nn --dataset digits --model mlp")
    final = re.search(r"^final: train acc [\d.]+%  test acc ([\d.]+)%", result.stdout, re.M)
    assert final and float(final.group(1)) >= 97.0, result.stdout


# --- BLAS threads ----------------------------------------------------------------------------
def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_limit_blas_threads_in_a_block_and_for_good():
    pytest.importorskip("threadpoolctl")
    before = _blas_threads()
    with limit_blas_threads(1) as limit:
        assert str(limit) == "BLAS threads: 1"
        assert all(n == 1 for n in _blas_threads())
    assert _blas_threads() == before
    limit = limit_blas_threads(1)  # called alone (the benchmarks): holds until restore()
    try:
        assert all(n == 1 for n in _blas_threads())
    finally:
        limit.restore()
    assert _blas_threads() == before
    with limit_blas_threads(0) as limit:
        assert str(limit) == "BLAS threads: library default"
        assert _blas_threads() == before


def test_limit_blas_threads_without_threadpoolctl(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    with limit_blas_threads(1) as limit:
        assert str(limit) == "BLAS threads: library default (threadpoolctl not installed)"
