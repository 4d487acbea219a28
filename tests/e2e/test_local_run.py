"""`translations run` end to end with real Marian on the tiny CI config."""

import gzip
import hashlib
import json
import re
import signal
import subprocess
from pathlib import Path

import pytest
import sacrebleu
import yaml

from pipeline.common.corpus import read_lines
from tests.data.make_ci_data import LEXICON

from tests.artifacts import produced
from tests.browser import Browser
from tests.conftest import REPO, TRANSLATIONS, run_cli
from tests.e2e.waiting import wait_for_log
from translations_taskgraph import config as config_schema
from translations_taskgraph.local import graph

TEST_SET = "file_tests/data/ci/test.[LANG].zst"
EVALUATE = "evaluate-teacher-en-de-file_tests_data_ci_test_LANG_zst-1"
EVALUATE_BACKWARDS = "evaluate-backwards-en-de-file_tests_data_ci_test_LANG_zst"
ALL_LABELS = 42
STUDENT_EVALUATIONS = {
    f"evaluate-{model}-en-de-file_tests_data_ci_test_LANG_zst" for model in ("student", "finetuned-student", "quantized")
}


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
    # The import stops at the cap (mono-max-sentences-trg: 290 of the file's 300 lines,
    # before the lines cleaning drops); merge-mono drops the 20 repeats and the 21
    # sentences of the parallel corpus (its 20 of train-a, one new one by chance).
    assert (mono["lines_in"], mono["duplicates"], mono["in_parallel_corpus"], mono["lines_out"]) == (290, 20, 21, 249)
    back_translated = result(workdir, "collect-mono-trg-en-de")
    originals = list(read_lines(back_translated / "mono-bt.de.zst"))
    assert originals == list(read_lines(result(workdir, "merge-mono-trg-en-de") / "mono.de.zst"))
    translations = list(read_lines(back_translated / "mono-bt.en.zst"))
    assert len(translations) == mono["lines_out"]
    known = [(english_of(de), en) for de, en in zip(originals, translations) if english_of(de)]
    assert len(known) >= len(translations) - 5  # all but the odd line the CI data adds for cleaning
    assert sacrebleu.corpus_chrf([en for _, en in known], [[ref for ref, _ in known]]).score > 80

    metrics = json.loads((result(workdir, EVALUATE) / "file_tests_data_ci_test_LANG_zst.metrics.json").read_text())
    assert metrics["lines"] + metrics["left_out_seen_in_training"] == 80
    assert metrics["chrf"] > 80 and metrics["bleu"] > 60, "the tiny teacher should learn the word-for-word mapping"
    backwards = json.loads((result(workdir, EVALUATE_BACKWARDS) / "file_tests_data_ci_test_LANG_zst.metrics.json").read_text())
    assert backwards["chrf"] > 80, "the tiny backward model learns the mapping too (de->en)"
    table = first.stdout.splitlines()[-8:-1]
    assert first.stdout.splitlines()[-1] == f"report: {workdir / 'ci' / 'report.html'}"
    assert table[0].split() == ["model", "test", "set", "lines", "BLEU", "chrF", "chrF++"]
    rows = [line.split() for line in table[2:]]
    scores = lambda m: [f"{m['bleu']:.2f}", f"{m['chrf']:.2f}", f"{m['chrfpp']:.2f}"]  # noqa: E731
    assert rows[:2] == [
        ["backwards", TEST_SET, str(backwards["lines"]), *scores(backwards)],
        ["teacher", "1", TEST_SET, str(metrics["lines"]), *scores(metrics)],
    ]
    assert [row[0] for row in rows[2:]] == ["student", "finetuned-student", "quantized"]
    assert all(float(row[-2]) > 80 for row in rows[2:]), "every student learns the mapping from the teacher"

    _check_distillation(workdir)
    _check_report(workdir)
    _check_package_decodes_the_test_set(workdir, tmp_path)
    _check_every_step_wrote_what_its_kind_declares(workdir)

    shell = subprocess.run(
        [TRANSLATIONS, "shell", "configs/ci.yml", EVALUATE, "--workdir", str(workdir)],
        cwd=REPO, input='ls "$MOZ_FETCHES_DIR"\necho "$TASK_COMMAND"\nexit 7\n', capture_output=True, text=True,
    )
    assert shell.returncode == 7
    listed, command = shell.stdout.splitlines()[:-1], shell.stdout.splitlines()[-1]
    assert sorted(listed) == [
        "corpus.en.zst", "file_tests_data_ci_test_LANG_zst.de.zst", "file_tests_data_ci_test_LANG_zst.en.zst",
        "model.npz", "vocab.de.spm", "vocab.en.spm",
    ]
    assert command.startswith("python3 -m pipeline.eval.evaluate --src en --trg de")

    again = run_cli("run", "configs/ci.yml", "--workdir", str(workdir))
    assert again.returncode == 0, again.stderr[-3000:]
    assert summary(again.stdout) == (0, ALL_LABELS)

    config = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
    config["marian-args"]["decoding-student"]["beam-size"] = 3
    changed = tmp_path / "ci.yml"
    changed.write_text(yaml.safe_dump(config))
    quantized = "evaluate-quantized-en-de-file_tests_data_ci_test_LANG_zst"
    explained = run_cli("cache", "explain", str(changed), quantized, "--workdir", str(workdir))
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.splitlines()[0].startswith(f"{quantized}: runs: 1 input(s) differ from {workdir}")
    assert "--beam-size 2\n    now: " in explained.stdout and explained.stdout.rstrip().endswith("--beam-size 3")
    kept = run_cli("cache", "explain", str(changed), "train-student-en-de", "--workdir", str(workdir))
    assert kept.stdout.startswith("train-student-en-de: reused: its inputs match the result stored in")

    rerun = run_cli("run", str(changed), "--workdir", str(workdir))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert summary(rerun.stdout) == (5, ALL_LABELS - 5)
    started = re.findall(r"started  (\S+)", rerun.stderr)
    assert set(started[:3]) == STUDENT_EVALUATIONS and started[3:] == ["export-en-de", "all-en-de"]

    start_from = run_cli("run", str(changed), "--workdir", str(workdir), "--start-from", "finetune-student")
    assert start_from.returncode == 0, start_from.stderr[-3000:]
    assert set(re.findall(r"started  (\S+)", start_from.stderr)) == {
        "finetune-student-en-de", "evaluate-finetuned-student-en-de-file_tests_data_ci_test_LANG_zst",
        "quantize-en-de", quantized, "export-en-de", "all-en-de",
    }


def _check_report(workdir: Path) -> None:
    """The report's results.json agrees with what the tasks wrote, and its page renders."""
    results = json.loads((workdir / "ci" / "results.json").read_text())
    assert len(results["scores"]) == 5
    for row in results["scores"]:
        metrics = json.loads(next(result(workdir, row["label"]).glob("*.metrics.json")).read_text())
        assert (row["bleu"], row["chrf"], row["chrfpp"], row["lines"]) == (metrics["bleu"], metrics["chrf"], metrics["chrfpp"], metrics["lines"])
        assert row["model_bytes"] > 10_000 and row["sentences_per_second"] > 0
    trainings = {"train-backwards-en-de", "train-teacher-en-de-1", "train-student-en-de", "finetune-student-en-de"}
    assert {curve["label"] for curve in results["curves"]} == trainings
    for curve in results["curves"]:
        log = (result(workdir, curve["label"]) / "train.log").read_text()
        assert [p["update"] for p in curve["train"]] == sorted({int(u) for u in re.findall(r"\] Ep\. \d+ : Up\. (\d+) : Sen\.", log)})
        for metric in ("chrf", "ce-mean-words"):
            logged = {int(u) for u in re.findall(rf"\[valid\] Ep\. \d+ : Up\. (\d+) : {metric} :", log)}
            assert [p["update"] for p in curve["valid"][metric]] == sorted(logged) and logged
        assert curve["best"]["chrf"]["value"] == max(p["value"] for p in curve["valid"]["chrf"])
    funnel = results["funnel"]
    steps = [s for group in ("datasets", "mono") for d in funnel[group] for s in d["steps"]] + funnel["corpus"]
    assert len(funnel["datasets"]) == 2 and len(funnel["mono"]) == 4 and [s["step"] for s in funnel["corpus"]] == [
        "merge-corpus", "merge-translated", "cefilter"]
    for step in steps:
        assert step["in"] == step["out"] + sum(step["removed"].values()), step
    assert funnel["datasets"][1]["steps"][0]["removed"]["empty"] == 1
    assert len(results["tasks"]) == ALL_LABELS
    for task in results["tasks"]:
        assert task["state"] == "stored" and task["seconds"] >= 0 and task["started"] > 0, task
        assert task["cpu_seconds"] >= 0 and task["peak_rss_mb"] > 0 and task["cores"] >= 1, task
    assert len(results["samples"]["rows"]) == 10
    assert set(results["samples"]["rows"][0]["outputs"]) == {"teacher 1", "student", "finetuned-student", "quantized"}
    _check_report_renders(workdir / "ci" / "report.html", expected_charts=sum(1 + len(c["valid"]) for c in results["curves"]) + 1)


def _check_report_renders(page: Path, expected_charts: int) -> None:
    """In headless Chromium: every chart draws as many visible series as it declares, no console errors."""
    with Browser() as browser:
        browser.open(page)
        drawn = browser.evaluate(
            "[...document.querySelectorAll('svg.chart')].map(svg => [Number(svg.dataset.series), [...svg.querySelectorAll("
            "'path.series, rect.bar')].filter(shape => { const box = shape.getBBox(); return box.width > 0 || box.height > 0; }).length])"
        )
        assert len(drawn) == expected_charts and all(declared == visible > 0 for declared, visible in drawn), drawn
        assert browser.errors() == []
        browser.screenshot(REPO / "test-output" / "report.png")


def _check_distillation(workdir: Path) -> None:
    corpus = json.loads((result(workdir, "merge-corpus-en-de") / "corpus.stats.json").read_text())
    mono = json.loads((result(workdir, "merge-mono-src-en-de") / "mono.en.stats.json").read_text())
    merged = json.loads((result(workdir, "merge-translated-en-de") / "corpus.stats.json").read_text())
    assert merged["lines_in"] == corpus["lines_out"] + mono["lines_out"]  # every chunk of both, collected
    filtered = json.loads((result(workdir, "cefilter-en-de") / "corpus.stats.json").read_text())
    assert filtered["lines_in"] == merged["lines_out"] and filtered["dropped"] == int(0.05 * merged["lines_out"])
    alignments = list(read_lines(result(workdir, "alignments-en-de") / "corpus.aln.zst"))
    assert len(alignments) == filtered["lines_out"]
    assert _chrf_of_distilled_pairs(result(workdir, "cefilter-en-de")) > 80


def _chrf_of_distilled_pairs(directory: Path) -> float:
    """chrF of the teacher's German against the lexicon's, through the English source."""
    sources, targets = list(read_lines(directory / "corpus.en.zst")), list(read_lines(directory / "corpus.de.zst"))
    known = [(english_of(de), en) for de, en in zip(targets, sources) if english_of(de)]
    assert len(known) > 0.9 * len(sources), "the teacher writes the lexicon's words"
    return sacrebleu.corpus_chrf([en for _, en in known], [[ref for ref, _ in known]]).score


def _check_package_decodes_the_test_set(workdir: Path, tmp_path: Path) -> None:
    """Only the package's files: gunzip them and decode the test set with pymarian."""
    package = result(workdir, "export-en-de")
    metadata = json.loads((package / "metadata.json").read_text())
    unpacked = tmp_path / "package"
    unpacked.mkdir()
    for entry in metadata["files"].values():
        packed = (package / entry["file"]).read_bytes()
        assert hashlib.sha256(packed).hexdigest() == entry["sha256"]
        (unpacked / entry["file"].removesuffix(".gz")).write_bytes(gzip.decompress(packed))
    assert metadata["architecture"]["dec-cell"] == "ssru" and metadata["config"]["experiment"]["name"] == "ci"
    sources = [*read_lines(REPO / "tests/data/ci/test.en.zst")]
    (tmp_path / "test.en").write_text("\n".join(sources) + "\n")
    files = {name: unpacked / metadata["files"][name]["file"].removesuffix(".gz") for name in ("model", "vocab", "shortlist")}
    decoded = subprocess.run(
        [str(Path(TRANSLATIONS).parent / "pymarian"), "decode", "-m", str(files["model"]), "-v", str(files["vocab"]), str(files["vocab"]),
         "--shortlist", str(files["shortlist"]), "false", "--cpu-threads", "1", "-i", str(tmp_path / "test.en"), "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert decoded.returncode == 0, decoded.stderr[-2000:]
    references = [*read_lines(REPO / "tests/data/ci/test.de.zst")]
    assert len(decoded.stdout.splitlines()) == len(references)
    assert sacrebleu.corpus_chrf(decoded.stdout.splitlines(), [references]).score > 80


def _check_every_step_wrote_what_its_kind_declares(workdir: Path) -> None:
    """tests/artifacts.py is what the graph tests check fetches against: it must be true."""
    full = graph.generator(config_schema.load(REPO / "configs" / "ci.yml")).full_task_graph
    for task in full.tasks.values():
        if task.kind != "docker-image":
            written = {path.name for path in result(workdir, task.label).iterdir()}
            assert produced(task, chunks=2) <= written, f"{task.label} did not write {produced(task, chunks=2) - written}"


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
    config["target-stage"] = "evaluate-teacher"
    path = tmp_path / "ci.yml"
    path.write_text(yaml.safe_dump(config))
    workdir = tmp_path / "runs"
    command = [TRANSLATIONS, "run", str(path), "--workdir", "runs"]  # relative, as `make run` has it
    with open(tmp_path / "first.log", "w") as log:
        first = subprocess.Popen(command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        train_log = wait_for_log(workdir, first, "train-teacher", "Saving Adam parameters")
        first.send_signal(signal.SIGKILL)
        first.wait()

    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-3000:]
    assert summary(second.stdout)[0] == 2
    assert re.findall(r"started  (\S+)", second.stderr) == ["train-teacher-en-de-1", EVALUATE]
    assert "Restoring the corpus state" in (workdir / "ci" / "train-teacher-en-de-1" / "log.txt").read_text()
    assert not train_log.exists()  # the attempt's directory moved into the store


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

    distill = run_cli("run", str(path), "--target-stage", "merge-translated", "--workdir", str(tmp_path / "runs"))
    assert distill.returncode == 0, distill.stderr[-3000:]
    assert set(re.findall(r"started  (\S+)", distill.stderr)) == {
        "split-corpus-en-de", "translate-corpus-en-de-1", "translate-corpus-en-de-2", "merge-translated-en-de",
    }
    chunk_log = (tmp_path / "runs" / "ci" / "translate-corpus-en-de-1" / "log.txt").read_text()
    assert re.search(r"--models \S+/teacher-1/model.npz \S+/teacher-2/model.npz .*--n-best", chunk_log)
    assert _chrf_of_distilled_pairs(result(tmp_path / "runs", "merge-translated-en-de")) > 80


@pytest.mark.slow
def test_whole_pipeline_longer_variant(tmp_path):
    """For local use (`make test PYTEST_ARGS=--runslow`): two teachers, three chunks,
    three times the training, monolingual data on both sides."""
    config = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
    config["experiment"]["teacher-ensemble"] = 2
    config["taskcluster"]["split-chunks"] = 3
    for purpose in ("training-teacher", "training-backward", "training-student"):
        config["marian-args"][purpose] = {**config["marian-args"][purpose], "after-batches": 900}
    path = tmp_path / "ci.yml"
    path.write_text(yaml.safe_dump(config))
    run = run_cli("run", str(path), "--workdir", str(tmp_path / "runs"), timeout=3600)
    assert run.returncode == 0, run.stderr[-3000:]
    models = [line.split()[0] for line in run.stdout.splitlines()[-8:-1]]
    assert models == ["backwards", "teacher", "teacher", "teacher-ensemble", "student", "finetuned-student", "quantized"]
    metadata = json.loads((result(tmp_path / "runs", "export-en-de") / "metadata.json").read_text())
    assert metadata["scores"]["file_tests_data_ci_test_LANG_zst"]["chrf"] > 90
    _check_distillation(tmp_path / "runs")
