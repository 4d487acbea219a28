"""SIGTERM or SIGHUP to `translations run` (a CI timeout, a closed terminal) stops it as
Ctrl-C does: the training task gets SIGTERM, Marian saves a checkpoint, nothing of the run
is left running, and the run says so and exits 128 + the signal number."""

import signal
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, TRANSLATIONS
from tests.e2e.waiting import wait_for_log


def processes_using(path: Path) -> list[str]:
    """Command lines of the processes whose arguments name something under `path`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().decode(errors="replace").split("\0")
        except OSError:  # the process ended meanwhile
            continue
        if any(str(path) in arg for arg in args):
            found.append(" ".join(args))
    return found




@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_stops_training_with_a_checkpoint(tmp_path, signum):
    config = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
    # No periodic checkpoint: the one found afterwards is the one saved on SIGTERM.
    never = {"after-batches": 100000, "save-freq": 100000, "valid-freq": 100000, "disp-freq": 10}
    config["marian-args"]["training-backward"] = {**config["marian-args"]["training-backward"], **never}
    config["target-stage"] = "train-backwards"
    (tmp_path / "ci.yml").write_text(yaml.safe_dump(config))
    workdir = tmp_path / "runs"
    run = subprocess.Popen(
        [TRANSLATIONS, "run", str(tmp_path / "ci.yml"), "--workdir", str(workdir)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    attempt = wait_for_log(workdir, run, "train-backwards", " : Up. 20 : ").parent  # Marian is training
    assert not (attempt / "artifacts" / "model.train.npz").exists()
    run.send_signal(signum)
    stdout, stderr = run.communicate(timeout=120)

    assert run.returncode == 128 + signum, stderr[-3000:]
    name = signal.Signals(signum).name
    assert f"] {name} received: stopping 1 running task(s) (SIGTERM: Marian saves a checkpoint)\n" in stderr
    assert "stopped  train-backwards-en-de (the next run continues it)" in stderr
    assert stderr.endswith(f"interrupted by {name}; run the same command again to continue where it stopped\n")
    assert "executed 8 task(s), reused 0" in stdout
    assert processes_using(tmp_path) == []
    log = (attempt / "log.txt").read_text()
    assert "Training interrupted (via signal)." in log and "Saving Adam parameters" in log
    assert (attempt / "artifacts" / "model.train.npz").exists()
    assert (attempt / "artifacts" / "model.train.npz.optimizer.npz").exists()
