"""Cluster profiles: how the Slurm engine asks for resources. A YAML file, kept out of the
training config and out of every cache digest, so the same experiment runs on another
cluster with another profile and reuses its results.

    default:            # every job
      account: project_465000000
      time: "24:00:00"
      setup: ["module load LUMI", "source /scratch/me/translations/.venv/bin/activate"]
    worker-types:       # by the worker type a kind declares: cpu, gpu, largegpu
      cpu: {partition: small, cpus: 8, mem: 16G}
      gpu: {partition: standard-g, gpus: 1, cpus: 7, mem: 60G}
    kinds:              # overrides for one kind
      train-teacher: {gpus: 8, time: "72:00:00"}
    max-requeues: 5

A job's settings are `default`, then its worker type's, then its kind's. Without a profile
jobs get the cluster's defaults and no GPUs: Marian runs on CPU.
"""

import os
from pathlib import Path
from typing import Annotated

import msgspec

from translations_taskgraph.config import ConfigError, doc, read_yaml, schema_errors

DEFAULT_PATH = Path("~/.config/translations/slurm.yml")
ENV = "TRANSLATIONS_SLURM_PROFILE"

Word = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.:+-]{1,128}$")]


class Resources(msgspec.Struct, kw_only=True, rename="kebab", forbid_unknown_fields=True, omit_defaults=True):
    partition: Annotated[Word, doc("`--partition`")] = None
    account: Annotated[Word, doc("`--account`")] = None
    qos: Annotated[Word, doc("`--qos`")] = None
    gpus: Annotated[int, doc("GPUs per task (`--gres=gpu:N`); CPU tasks never get any", ge=0, le=64)] = None
    cpus: Annotated[int, doc("`--cpus-per-task`", ge=1, le=4096)] = None
    mem: Annotated[str, doc("`--mem`, e.g. 32G", pattern=r"^[0-9]+[KMGT]?$")] = None
    time: Annotated[str, doc("`--time`, e.g. 24:00:00 or 2-00:00:00", pattern=r"^[0-9:-]{1,16}$")] = None
    sbatch_args: Annotated[list[Annotated[str, msgspec.Meta(max_length=256)]], doc("more `sbatch` options", max_length=32)] = None
    setup: Annotated[list[Annotated[str, msgspec.Meta(max_length=1024)]], doc("shell lines run before the task, e.g. `module load ...`", max_length=32)] = None
    command_prefix: Annotated[str, doc("runs the task runner inside, e.g. `apptainer exec --nv image.sif`", max_length=1024)] = None


class Profile(msgspec.Struct, kw_only=True, rename="kebab", forbid_unknown_fields=True):
    default: Resources = msgspec.field(default_factory=Resources)
    worker_types: dict[Annotated[str, msgspec.Meta(pattern="^(cpu|gpu|largegpu)$")], Resources] = {}
    kinds: dict[Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{1,64}$")], Resources] = {}
    max_requeues: Annotated[int, doc("how often a training job may be requeued before it fails", ge=0)] = 5
    signal_seconds: Annotated[int, doc("SIGTERM this long before the time limit, so Marian saves", ge=10)] = 300

    def resources(self, kind: str, worker_type: str) -> dict:
        """The settings of a job: default, then its worker type's, then its kind's."""
        merged: dict = {}
        for layer in (self.default, self.worker_types.get(worker_type), self.kinds.get(kind)):
            if layer is not None:
                merged.update(msgspec.to_builtins(layer))
        if worker_type == "cpu":
            merged.pop("gpus", None)
        return merged


def find(path: str | None) -> Path | None:
    """`--profile`, else $TRANSLATIONS_SLURM_PROFILE, else ~/.config/translations/slurm.yml if it exists."""
    if path or os.environ.get(ENV):
        return Path(path or os.environ[ENV])
    default = DEFAULT_PATH.expanduser()
    return default if default.exists() else None


def load(path: str | None) -> Profile:
    found = find(path)
    if found is None:
        return Profile()
    raw = read_yaml(found) or {}
    errors = schema_errors(msgspec.json.schema(Profile), raw)
    if errors:
        raise ConfigError(str(found), errors)
    return msgspec.convert(raw, Profile)
