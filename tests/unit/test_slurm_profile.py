"""Cluster profiles: validation, the default < worker type < kind layering, sbatch options."""

import pytest

from translations_taskgraph.config import ConfigError
from translations_taskgraph.local import profile
from translations_taskgraph.local.slurm import sbatch_options


def write(tmp_path, text):
    path = tmp_path / "slurm.yml"
    path.write_text(text)
    return str(path)


def test_layers_and_cpu_tasks_never_get_gpus(tmp_path):
    loaded = profile.load(write(tmp_path, """
default: {account: proj, time: "24:00:00", setup: [module load X]}
worker-types:
  gpu: {partition: gpu, gpus: 1, cpus: 7}
  cpu: {partition: small, gpus: 2}
kinds:
  train-teacher: {gpus: 8, sbatch-args: [--constraint=a100]}
"""))
    teacher = loaded.resources("train-teacher", "gpu")
    assert teacher == {"account": "proj", "time": "24:00:00", "setup": ["module load X"], "partition": "gpu", "gpus": 8,
                       "cpus": 7, "sbatch-args": ["--constraint=a100"]}
    assert sbatch_options(teacher) == [
        "--partition=gpu", "--account=proj", "--cpus-per-task=7", "--time=24:00:00", "--gres=gpu:8", "--constraint=a100",
    ]
    assert loaded.resources("clean-corpus", "cpu") == {"account": "proj", "time": "24:00:00", "setup": ["module load X"], "partition": "small"}


def test_no_profile_means_the_cluster_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv(profile.ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert profile.find(None) is None
    assert sbatch_options(profile.load(None).resources("train-teacher", "gpu")) == []
    monkeypatch.setenv(profile.ENV, write(tmp_path, "max-requeues: 2\n"))
    assert profile.load(None).max_requeues == 2


def test_every_problem_is_one_line(tmp_path):
    with pytest.raises(ConfigError) as error:
        profile.load(write(tmp_path, "default: {acount: p, gpus: -1, mem: lots}\nworker-types: {tpu: {}}\n"))
    path = tmp_path / "slurm.yml"
    assert error.value.errors == [
        f"{path}: default: unknown key 'acount' (known keys: partition, account, qos, gpus, cpus, mem, time, sbatch-args, setup, command-prefix)",
        f"{path}: default.gpus: -1 is less than the minimum of 0",
        f"{path}: default.mem: 'lots' is not allowed: `--mem`, e.g. 32G",
        f"{path}: worker-types: key 'tpu' is not allowed: it must match ^(cpu|gpu|largegpu)$",
    ]
