"""A real one-node Slurm cluster for the Slurm engine's tests: Debian's slurm-wlm and munge,
installed when missing (as root, like CI), with two pretend GPUs.

    python -m tests.slurm_cluster start|stop     (the tests start and stop it themselves)

`start()` returns None when the cluster runs (or already ran), else the one-line reason it
cannot (not root, packages not installable), which the tests print when they skip.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

CONF_DIR = Path("/etc/slurm")
LOG_DIR = Path("/var/log/slurm-test")
PID_FILES = (Path("/run/slurmd.pid"), Path("/run/slurmctld.pid"))
PACKAGES = ("slurm-wlm", "munge")

SLURM_CONF = """\
ClusterName=local
SlurmctldHost={host}
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdSpoolDir=/var/spool/slurmd
StateSaveLocation=/var/spool/slurmctld
SlurmctldLogFile={logs}/slurmctld.log
SlurmdLogFile={logs}/slurmd.log
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
MinJobAge=3600
GresTypes=gpu
NodeName={host} CPUs={cpus} RealMemory=20000 Gres=gpu:2 State=UNKNOWN
PartitionName=main Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""
# Two pretend GPUs: GPU requests are scheduled and CUDA_VISIBLE_DEVICES is set.
GRES_CONF = "AutoDetect=off\nName=gpu File=/dev/tty[1-2]\n"


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, check=check)


def running() -> bool:
    return shutil.which("sinfo") is not None and _run("sinfo", "-h", "-o", "%T", check=False).stdout.strip() in ("idle", "mixed", "allocated")


def install() -> str | None:
    if all(shutil.which(tool) for tool in ("slurmctld", "slurmd", "sbatch", "munged")):
        return None
    if os.geteuid() != 0:
        return "Slurm is not installed and installing it needs root"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *PACKAGES]):
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode:
            return f"`{' '.join(command)}` failed: {(result.stderr.strip().splitlines() or ['?'])[-1]}"
    return None


def start(timeout: float = 60) -> str | None:
    if running():
        return None
    problem = install()
    if problem:
        return problem
    host, cpus = socket.gethostname().split(".")[0], os.cpu_count()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    CONF_DIR.mkdir(parents=True, exist_ok=True)
    (CONF_DIR / "slurm.conf").write_text(SLURM_CONF.format(host=host, cpus=cpus, logs=LOG_DIR))
    (CONF_DIR / "gres.conf").write_text(GRES_CONF)
    for spool in ("/var/spool/slurmd", "/var/spool/slurmctld"):
        Path(spool).mkdir(parents=True, exist_ok=True)
    _run("service", "munge", "start")  # munged runs as the munge user; by hand as root it refuses
    _run("slurmctld")
    _run("slurmd")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _run("sinfo", "-h", "-o", "%T", check=False).stdout.strip()
        if state in ("idle", "mixed", "allocated"):
            return None
        if state.startswith(("drain", "inval", "down")):
            _run("scontrol", "update", f"nodename={host}", "state=resume", check=False)
        time.sleep(1)
    return f"the test cluster did not come up within {timeout:.0f} s (node state {state!r}; logs in {LOG_DIR})"


def stop() -> None:
    for pid_file in PID_FILES:
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), 15)
            except (ProcessLookupError, ValueError):
                pass
    _run("service", "munge", "stop", check=False)


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "start"
    if action == "stop":
        stop()
    else:
        problem = start()
        print(problem or "the one-node Slurm cluster is up (sinfo)")
        sys.exit(1 if problem else 0)
