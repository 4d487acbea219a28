"""The Marian runner's option handling: device choice and user options that win."""

import pytest

from pipeline.common import contract, marian


def test_cpu_without_gpus_uses_the_cores_of_its_affinity(monkeypatch):
    """The engine sets the affinity (a local task's share of the cores, a Slurm job's cpuset)."""
    monkeypatch.setattr(contract.os, "sched_getaffinity", lambda pid: {0, 3, 5})
    assert marian.device_options({}) == {"cpu-threads": "3", "workspace": "2000"}
    assert marian.device_options({"GPUS": "", "MARIAN_CPU_THREADS": "3"})["cpu-threads"] == "3"


def test_gpus_and_workspace_from_the_environment():
    assert marian.device_options({"GPUS": "0 1", "WORKSPACE": "12000"}) == {"devices": ["0", "1"], "workspace": "12000"}


def test_options_round_trip():
    options = {"after-batches": "500", "valid-metrics": ["chrf", "bleu"], "sync-sgd": True, "learn-rate": "-0.5"}
    args = marian.options_to_args(options)
    assert args == ["--after-batches", "500", "--valid-metrics", "chrf", "bleu", "--sync-sgd", "--learn-rate", "-0.5"]
    assert marian.args_to_options(args) == options


def test_false_drops_a_default_flag():
    assert marian.options_to_args({**{"mini-batch-fit": True}, **{"mini-batch-fit": False}, "beam-size": 4}) == ["--beam-size", "4"]


def test_split_argv():
    assert marian.split_argv(["--src", "en", "--", "--beam-size", "2"]) == (["--src", "en"], ["--beam-size", "2"])
    assert marian.split_argv(["--src", "en"]) == (["--src", "en"], [])


def _fake_nvidia_smi(tmp_path, monkeypatch, output: str, code: int = 0):
    script = tmp_path / "nvidia-smi"
    script.write_text(f"#!/bin/sh\nprintf '{output}'\nexit {code}\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))


def test_missing_gpus_exit_with_the_retry_code(tmp_path, monkeypatch):
    _fake_nvidia_smi(tmp_path, monkeypatch, "GPU 0: H100 (UUID: x)\\n")
    marian.require_gpus({"GPUS": "0"})
    with pytest.raises(SystemExit) as exit_info:
        marian.require_gpus({"GPUS": "0 1"})
    assert exit_info.value.code == marian.EXIT_NO_GPU == 75
    _fake_nvidia_smi(tmp_path, monkeypatch, "", code=9)
    with pytest.raises(SystemExit):
        marian.require_gpus({"GPUS": "0"})
