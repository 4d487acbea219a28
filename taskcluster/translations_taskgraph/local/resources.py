"""What each task of a local run may use: its own share of this machine's cores, so that
`--jobs` never oversubscribes them, and, for a GPU task, its own GPUs from the pool in
`GPUS`; a CPU task sees no GPU.

A task's cores are its CPU affinity: Marian's `--cpu-threads` and the data steps' worker
counts follow it (`pipeline.common.contract.usable_cpus`), as they follow a Slurm
job's cpuset. Its GPUs are given the way Slurm gives them: `CUDA_VISIBLE_DEVICES` names
them, and `GPUS` numbers them from 0 for Marian's `--devices`.
"""

import os
from dataclasses import dataclass

from pipeline.common.errors import UserError

GPU_RESOURCES = ("gpu", "largegpu")


@dataclass(frozen=True)
class Grant:
    cores: tuple[int, ...]
    gpus: tuple[str, ...] = ()  # CUDA device numbers as this machine sees them

    def apply(self, env: dict[str, str]) -> None:
        """Give the task's environment its GPUs (or none)."""
        env["CUDA_VISIBLE_DEVICES"] = ",".join(self.gpus)
        if self.gpus:
            env["GPUS"] = " ".join(str(number) for number in range(len(self.gpus)))
        else:
            env.pop("GPUS", None)


class Pool:
    def __init__(self, jobs: int, gpus: str = "", gpus_per_task: int | None = None, cores=None, visible: str | None = None):
        """`gpus`: the pool, as `GPUS` says it ("0 1 2 3"; numbers within `visible`, the
        CUDA_VISIBLE_DEVICES the run was started with, if any). `gpus_per_task`: what one
        GPU task takes (default: the whole pool, so one GPU task runs at a time)."""
        cores = sorted(os.sched_getaffinity(0) if cores is None else cores)
        self.jobs = max(1, min(jobs, len(cores)))
        size, extra = divmod(len(cores), self.jobs)
        starts = [number * size + min(number, extra) for number in range(self.jobs + 1)]
        self.free_cores = [tuple(cores[start:end]) for start, end in zip(starts, starts[1:])]
        self.free_gpus = _devices(gpus.split(), visible)
        self.gpus_per_task = len(self.free_gpus) if gpus_per_task is None else gpus_per_task
        if gpus_per_task is not None and not 1 <= gpus_per_task <= len(self.free_gpus):
            raise UserError(f"--gpus-per-task {gpus_per_task}: GPUS={gpus!r} has {len(self.free_gpus)} GPU(s); "
                            f"set GPUS to the GPUs this run may use, and ask for 1 to that many per task")

    def take(self, resource: str) -> Grant | None:
        """A grant for a task of this worker type, or None while what it needs is in use."""
        wanted = self.gpus_per_task if resource in GPU_RESOURCES else 0
        if not self.free_cores or len(self.free_gpus) < wanted:
            return None
        gpus, self.free_gpus = self.free_gpus[:wanted], self.free_gpus[wanted:]
        return Grant(self.free_cores.pop(0), tuple(gpus))

    def give_back(self, grant: Grant) -> None:
        self.free_cores.append(grant.cores)
        self.free_gpus += grant.gpus


def _devices(pool: list[str], visible: str | None) -> list[str]:
    """The pool's GPUs as CUDA device numbers of this machine."""
    bad = [gpu for gpu in pool if not gpu.isdigit()]
    if bad:
        raise UserError(f"GPUS={' '.join(pool)!r}: {bad[0]!r} is not a GPU number; set GPUS to numbers such as \"0 1\"")
    if not visible:
        return pool
    devices = visible.split(",")
    outside = [gpu for gpu in pool if int(gpu) >= len(devices)]
    if outside:
        raise UserError(f"GPUS={' '.join(pool)!r}: GPU {outside[0]} is not among CUDA_VISIBLE_DEVICES={visible!r}")
    return [devices[int(gpu)] for gpu in pool]
