"""`translations run` end to end with real Marian on the tiny CI config."""

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import sacrebleu
import yaml

from pipeline.common.corpus import read_lines
from tests.data.make_ci_data import LEXICON

from tests.conftest import REPO, TRANSLATIONS, run_cli

TEST_SET = "file_tests/data/ci/test.[LANG].zst"
EVALUATE = "evaluate-teacher-en-de-file_tests_data_ci_test_LANG_zst-1"
EVALUATE_BACKWARDS = "evaluate-backwards-en-de-file_tests_data_ci_test_LANG_zst"
ALL_LABELS = 24


def english_of(german: str) -> str | None:
    """The CI corpus is word for word: its English side follows from the lexicon
    (None for a line with a word outside it)."""
    inverse = {de: en for en, de in LEXICON.items()}
    words = german.rstrip(".").lower().split()
    if not all(word in inverse for word in words):
        return None
    return " ".join(inverse[word] for word in words).capitalize() + "."


def summary(stdout: str) -> tuple[int, int]:
    executed, reused = re.search(r"executed (\d+) task\(s\), reused (\d+)", stdout).groups()
    return int(executed), int(reused)


def result(workdir: Path, label: str) -> Path:
    return workdir / "ci" / label / "artifacts"


def test_ci_run_trains_evaluates_and_reuses(tmp_path):
    workdir = tmp_path / "runs"
    first = run_cli("run", "configs/ci.yml", "--workdir", str(workdir), "--jobs", "2")
    assert first.returncode == 0, first.stderr[-3000:]
    assert summary(first.stdout) == (ALL_LABELS, 0)

    cleaning = json.loads((result(workdir, "clean-corpus-en-de-file_tests_data_ci_train-b_LANG_zst") / "file_tests_data_ci_train-b_LANG_zst.cleaning.json").read_text())
    assert cleaning["lines_in"] == 600 and cleaning["removed"]["empty"] == 1 and cleaning["removed"]["source_equals_target"] == 1
    stats = json.loads((result(workdir, "merge-corpus-en-de") / "corpus.stats.json").read_text())
    assert stats["duplicates"] >= 100 and stats["lines_out"] == stats["lines_in"] - stats["duplicates"]
    mono = json.loads((result(workdir, "merge-mono-trg-en-de") / "mono.de.stats.json").read_text())
    assert mono["lines_in"] == 297 and mono["in_parallel_corpus"] >= 20 and mono["lines_out"] == 200  # the cap
    back_translated = result(workdir, "collect-mono-trg-en-de")
    originals = list(read_lines(back_translated / "mono-bt.de.zst"))
    assert originals == list(read_lines(result(workdir, "merge-mono-trg-en-de") / "mono.de.zst"))
    translations = list(read_lines(back_translated / "mono-bt.en.zst"))
    assert len(translations) == 200
    known = [(english_of(de), en) for de, en in zip(originals, translations) if english_of(de)]
    assert len(known) >= 190  # all but the odd line the CI data adds for cleaning
    assert sacrebleu.corpus_chrf([en for _, en in known], [[ref for ref, _ in known]]).score > 80

    metrics = json.loads((result(workdir, EVALUATE) / "file_tests_data_ci_test_LANG_zst.metrics.json").read_text())
    assert metrics["lines"] + metrics["left_out_seen_in_training"] == 80
    assert metrics["chrf"] > 80 and metrics["bleu"] > 60, "the tiny teacher should learn the word-for-word mapping"
    backwards = json.loads((result(workdir, EVALUATE_BACKWARDS) / "file_tests_data_ci_test_LANG_zst.metrics.json").read_text())
    assert backwards["chrf"] > 80, "the tiny backward model learns the mapping too (de->en)"
    table = first.stdout.splitlines()[-4:]
    assert table[0].split() == ["model", "test", "set", "lines", "BLEU", "chrF"]
    rows = sorted(line.split() for line in table[2:])
    assert rows == [
        ["backwards", TEST_SET, str(backwards["lines"]), f"{backwards['bleu']:.2f}", f"{backwards['chrf']:.2f}"],
        ["teacher", "1", TEST_SET, str(metrics["lines"]), f"{metrics['bleu']:.2f}", f"{metrics['chrf']:.2f}"],
    ]

    shell = subprocess.run(
        [TRANSLATIONS, "shell", "configs/ci.yml", EVALUATE, "--workdir", str(workdir)],
        cwd=REPO, input='ls "$MOZ_FETCHES_DIR"\necho "$TASK_COMMAND"\nexit 7\n', capture_output=True, text=True,
    )
    assert shell.returncode == 7
    listed, command = shell.stdout.splitlines()[:-1], shell.stdout.splitlines()[-1]
    assert sorted(listed) == [
        "corpus.en.zst", "file_tests_data_ci_test_LANG_zst.de.zst", "file_tests_data_ci_test_LANG_zst.en.zst",
        "model.npz", "vocab.spm",
    ]
    assert command.startswith("python3 -m pipeline.eval.evaluate --src en --trg de")

    again = run_cli("run", "configs/ci.yml", "--workdir", str(workdir))
    assert again.returncode == 0, again.stderr[-3000:]
    assert summary(again.stdout) == (0, ALL_LABELS)

    config = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
    config["marian-args"]["decoding-teacher"]["beam-size"] = 3
    changed = tmp_path / "ci.yml"
    changed.write_text(yaml.safe_dump(config))
    explained = run_cli("cache", "explain", str(changed), EVALUATE, "--workdir", str(workdir))
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.splitlines()[0].startswith(f"{EVALUATE}: runs: 1 input(s) differ from {workdir}")
    assert "--beam-size 2\n    now: " in explained.stdout and explained.stdout.rstrip().endswith("--beam-size 3")
    kept = run_cli("cache", "explain", str(changed), "train-teacher-en-de-1", "--workdir", str(workdir))
    assert kept.stdout.startswith("train-teacher-en-de-1: reused: its inputs match the result stored in")

    rerun = run_cli("run", str(changed), "--workdir", str(workdir))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert summary(rerun.stdout) == (2, ALL_LABELS - 2)
    assert re.findall(r"started  (\S+)", rerun.stderr) == [EVALUATE, "all-en-de"]

    start_from = run_cli("run", str(changed), "--workdir", str(workdir), "--start-from", "train-vocab")
    assert start_from.returncode == 0, start_from.stderr[-3000:]
    assert re.findall(r"started  (\S+)", start_from.stderr) == [
        "train-vocab-en-de", "train-backwards-en-de", EVALUATE_BACKWARDS,
        "translate-mono-trg-en-de-1", "translate-mono-trg-en-de-2", "collect-mono-trg-en-de",
        "train-teacher-en-de-1", EVALUATE, "all-en-de",
    ]


def test_target_stage_runs_only_the_training_data_path(tmp_path):
    run = run_cli("run", "configs/ci.yml", "--target-stage", "merge-corpus", "--workdir", str(tmp_path))
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(re.findall(r"finished (\S+)", run.stderr)) == [
        "clean-corpus-en-de-file_tests_data_ci_train-a_LANG_zst",
        "clean-corpus-en-de-file_tests_data_ci_train-b_LANG_zst",
        "dataset-en-de-file_tests_data_ci_train-a_LANG_zst",
        "dataset-en-de-file_tests_data_ci_train-b_LANG_zst",
        "merge-corpus-en-de",
    ]


def test_failed_step_reports_task_exit_code_and_log(tmp_path):
    config = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
    config["datasets"]["train"].append("file_tests/data/ci/missing.[LANG].zst")
    path = tmp_path / "ci.yml"
    path.write_text(yaml.safe_dump(config))
    run = run_cli("run", str(path), "--workdir", str(tmp_path / "runs"), "--target-stage", "merge-corpus")
    assert run.returncode == 1
    failed = re.search(r"FAILED: (\S+) exited (\d+); log: (\S+)", run.stderr)
    assert failed.group(1) == "dataset-en-de-file_tests_data_ci_missing_LANG_zst"
    assert failed.group(2) == "2"
    log = Path(failed.group(3)).read_text()
    assert "error: dataset file_tests/data/ci/missing.[LANG].zst: " in log and "missing.en.zst: file not found" in log
    assert "merge-corpus-en-de" not in re.findall(r"started  (\S+)", run.stderr)


def test_run_killed_during_training_resumes_without_redoing_tasks(tmp_path):
    config = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
    config["marian-args"]["training-teacher"].update({"after-batches": 600, "save-freq": 20, "valid-freq": 300})
    path = tmp_path / "ci.yml"
    path.write_text(yaml.safe_dump(config))
    workdir = tmp_path / "runs"
    command = [TRANSLATIONS, "run", str(path), "--workdir", "runs"]  # relative, as `make run` has it
    with open(tmp_path / "first.log", "w") as log:
        first = subprocess.Popen(command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        train_log = _wait_for_checkpoint(workdir, first)
        first.send_signal(signal.SIGKILL)
        first.wait()

    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-3000:]
    assert summary(second.stdout) == (3, ALL_LABELS - 3)
    assert re.findall(r"started  (\S+)", second.stderr) == ["train-teacher-en-de-1", EVALUATE, "all-en-de"]
    assert "Restoring the corpus state" in (workdir / "ci" / "train-teacher-en-de-1" / "log.txt").read_text()
    assert not train_log.exists()  # the attempt's directory moved into the store


def _wait_for_checkpoint(workdir: Path, process: subprocess.Popen, timeout: float = 300) -> Path:
    """Wait until the teacher has saved a checkpoint; return its attempt's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before training checkpointed"
        for log in (workdir / "work").glob("*/log.txt"):
            text = log.read_text(errors="replace")
            if "train-teacher" in text.splitlines()[0] and "Saving Adam parameters" in text:
                return log
        time.sleep(0.2)
    raise AssertionError("no checkpoint within the timeout")


def test_teacher_ensemble_is_evaluated_with_every_member(tmp_path):
    config = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
    config["experiment"]["teacher-ensemble"] = 2
    config["datasets"]["mono-src"] = []
    path = tmp_path / "ci.yml"
    path.write_text(yaml.safe_dump(config))
    run = run_cli("run", str(path), "--target-stage", "evaluate-teacher-ensemble", "--workdir", str(tmp_path / "runs"))
    assert run.returncode == 0, run.stderr[-3000:]
    ensemble = "evaluate-teacher-ensemble-en-de-file_tests_data_ci_test_LANG_zst"
    metrics = json.loads((result(tmp_path / "runs", ensemble) / "file_tests_data_ci_test_LANG_zst.metrics.json").read_text())
    assert metrics["models"] == ["model.npz", "model.npz"] and metrics["chrf"] > 80
    assert {"train-teacher-en-de-1", "train-teacher-en-de-2"} <= set(re.findall(r"finished (\S+)", run.stderr))
    assert any(line.split()[:2] == ["teacher-ensemble", TEST_SET] for line in run.stdout.splitlines())
