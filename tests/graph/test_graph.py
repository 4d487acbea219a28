"""Graph generation: exact task labels, target-stage selection, attributes, digests."""

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path


import yaml

from tests.conftest import REPO, run_cli
from tests.graph.helpers import TRAIN_INPUT, TRAIN_INPUT_LABELS, copy_repo, train_action
from translations_taskgraph import config as config_schema
from tests.artifacts import produced
from translations_taskgraph.local import graph
from translations_taskgraph.local.task import from_graph_task

CI = config_schema.load(REPO / "configs" / "ci.yml")
CI_LABELS = {
    "dataset-en-de-file_tests_data_ci_train-a_LANG_zst",
    "dataset-en-de-file_tests_data_ci_train-b_LANG_zst",
    "dataset-en-de-file_tests_data_ci_devtest_LANG_zst",
    "dataset-en-de-file_tests_data_ci_test_LANG_zst",
    "clean-corpus-en-de-file_tests_data_ci_train-a_LANG_zst",
    "clean-corpus-en-de-file_tests_data_ci_train-b_LANG_zst",
    "merge-corpus-en-de",
    "merge-devset-en-de",
    "dataset-mono-src-en-de-file_tests_data_ci_mono_LANG_zst",
    "dataset-mono-trg-en-de-file_tests_data_ci_mono_LANG_zst",
    "clean-mono-src-en-de-file_tests_data_ci_mono_LANG_zst",
    "clean-mono-trg-en-de-file_tests_data_ci_mono_LANG_zst",
    "merge-mono-src-en-de",
    "merge-mono-trg-en-de",
    "split-mono-trg-en-de",
    "translate-mono-trg-en-de-1",
    "translate-mono-trg-en-de-2",
    "collect-mono-trg-en-de",
    "train-vocab-en-de",
    "train-backwards-en-de",
    "evaluate-backwards-en-de-file_tests_data_ci_test_LANG_zst",
    "train-teacher-en-de-1",
    "evaluate-teacher-en-de-file_tests_data_ci_test_LANG_zst-1",
    "all-en-de",
} | {
    "split-corpus-en-de",
    "translate-corpus-en-de-1",
    "translate-corpus-en-de-2",
    "split-mono-src-en-de",
    "translate-mono-src-en-de-1",
    "translate-mono-src-en-de-2",
    "merge-translated-en-de",
    "score-en-de",
    "cefilter-en-de",
    "alignments-en-de",
    "shortlist-en-de",
    "train-student-en-de",
    "evaluate-student-en-de-file_tests_data_ci_test_LANG_zst",
    "finetune-student-en-de",
    "evaluate-finetuned-student-en-de-file_tests_data_ci_test_LANG_zst",
    "quantize-en-de",
    "evaluate-quantized-en-de-file_tests_data_ci_test_LANG_zst",
    "export-en-de",
}
# The tasks downstream of the teacher, in the CI graph.
CI_DISTILLATION = {
    label
    for label in CI_LABELS
    if label.split("-en-de")[0]
    in {
        "split-corpus", "translate-corpus", "translate-mono-src", "merge-translated", "score", "cefilter",
        "alignments", "shortlist", "train-student", "evaluate-student", "finetune-student",
        "evaluate-finetuned-student", "quantize", "evaluate-quantized", "export",
    }
}
PROD_LIKE = config_schema.normalize(
    {
        "experiment": {"name": "prod", "src": "ru", "trg": "en", "teacher-ensemble": 2},
        "datasets": {
            "train": ["po_indico==3.3.14", "url_https://example.org/c.[LANG].gz", "file_/data/x.[LANG].zst"],
            "devtest": ["url_https://example.org/dev.[LANG]"],
            "test": ["url_https://example.org/t1.[LANG]", "po_Trac==1.6"],
            "mono-trg": ["url_https://example.org/news.[LANG].gz"],
        },
    }
)


def labels(task_graph) -> set[str]:
    return {label for label, task in task_graph.tasks.items() if task.kind != "docker-image"}


def test_ci_config_full_graph_labels():
    assert labels(graph.generator(CI).full_task_graph) == CI_LABELS


def test_prod_like_graph_fans_out_per_dataset_and_member():
    full = graph.generator(PROD_LIKE).full_task_graph
    assert labels(full) == {
        "dataset-ru-en-po_indico_3_3_14",
        "dataset-ru-en-url_https_example_org_c_LANG_gz",
        "dataset-ru-en-file__data_x_LANG_zst",
        "dataset-ru-en-url_https_example_org_dev_LANG",
        "dataset-ru-en-url_https_example_org_t1_LANG",
        "dataset-ru-en-po_Trac_1_6",
        "clean-corpus-ru-en-po_indico_3_3_14",
        "clean-corpus-ru-en-url_https_example_org_c_LANG_gz",
        "clean-corpus-ru-en-file__data_x_LANG_zst",
        "merge-corpus-ru-en",
        "merge-devset-ru-en",
        "dataset-mono-trg-ru-en-url_https_example_org_news_LANG_gz",
        "clean-mono-trg-ru-en-url_https_example_org_news_LANG_gz",
        "merge-mono-trg-ru-en",
        "split-mono-trg-ru-en",
        *(f"translate-mono-trg-ru-en-{n}" for n in range(1, 11)),
        "collect-mono-trg-ru-en",
        "train-vocab-ru-en",
        "train-backwards-ru-en",
        "evaluate-backwards-ru-en-url_https_example_org_t1_LANG",
        "evaluate-backwards-ru-en-po_Trac_1_6",
        "train-teacher-ru-en-1",
        "train-teacher-ru-en-2",
        "evaluate-teacher-ru-en-url_https_example_org_t1_LANG-1",
        "evaluate-teacher-ru-en-url_https_example_org_t1_LANG-2",
        "evaluate-teacher-ru-en-po_Trac_1_6-1",
        "evaluate-teacher-ru-en-po_Trac_1_6-2",
        "evaluate-teacher-ensemble-ru-en-url_https_example_org_t1_LANG",
        "evaluate-teacher-ensemble-ru-en-po_Trac_1_6",
        "all-ru-en",
        "split-corpus-ru-en",
        *(f"translate-corpus-ru-en-{n}" for n in range(1, 11)),
        "merge-translated-ru-en",
        "score-ru-en",
        "cefilter-ru-en",
        "alignments-ru-en",
        "shortlist-ru-en",
        "train-student-ru-en",
        "finetune-student-ru-en",
        "quantize-ru-en",
        "export-ru-en",
        *(f"evaluate-{model}-ru-en-{test}" for model in ("student", "finetuned-student", "quantized")
          for test in ("url_https_example_org_t1_LANG", "po_Trac_1_6")),
    }
    merge = full.tasks["merge-corpus-ru-en"]
    assert set(merge.dependencies) - {"docker-image"} == {
        "clean-corpus-ru-en-po_indico_3_3_14",
        "clean-corpus-ru-en-url_https_example_org_c_LANG_gz",
        "clean-corpus-ru-en-file__data_x_LANG_zst",
    }
    teacher = full.tasks["train-teacher-ru-en-2"]
    assert "--seed 2" in teacher.task["payload"]["command"][-1]
    assert teacher.task["workerType"] == "b-gpu" and teacher.task["payload"]["env"]["GPUS"] == "0 1 2 3"
    chunk = full.tasks["translate-mono-trg-ru-en-7"]
    assert "--input-prefix $MOZ_FETCHES_DIR/mono-7 " in chunk.task["payload"]["command"][-1]
    ensemble = full.tasks["evaluate-teacher-ensemble-ru-en-po_Trac_1_6"].task["payload"]["command"][-1]
    assert "--models $MOZ_FETCHES_DIR/teacher-1/model.npz $MOZ_FETCHES_DIR/teacher-2/model.npz " in ensemble
    collected = full.tasks["collect-mono-trg-ru-en"]
    assert {label for label in collected.dependencies.values() if label.startswith("translate")} == {
        f"translate-mono-trg-ru-en-{n}" for n in range(1, 11)
    }
    assert {75, 143} <= set(teacher.task["payload"]["onExitStatus"]["retry"])


def test_attributes():
    full = graph.generator(PROD_LIKE).full_task_graph
    clean = full.tasks["clean-corpus-ru-en-po_indico_3_3_14"].attributes
    assert (clean["stage"], clean["src_locale"], clean["trg_locale"]) == ("clean-corpus", "ru", "en")
    assert (clean["dataset"], clean["provider"], clean["dataset-category"]) == ("po_indico==3.3.14", "po", "train")
    test_set = full.tasks["dataset-ru-en-po_Trac_1_6"].attributes
    assert test_set["dataset-category"] == "test"
    assert full.tasks["evaluate-teacher-ru-en-po_Trac_1_6-2"].attributes["stage"] == "evaluate-teacher"


def test_target_stage_merge_corpus_is_the_training_data_path_only():
    assert labels(graph.target_graph(CI, "merge-corpus")) == {
        "dataset-en-de-file_tests_data_ci_train-a_LANG_zst",
        "dataset-en-de-file_tests_data_ci_train-b_LANG_zst",
        "clean-corpus-en-de-file_tests_data_ci_train-a_LANG_zst",
        "clean-corpus-en-de-file_tests_data_ci_train-b_LANG_zst",
        "merge-corpus-en-de",
    }


def test_graph_cli_lists_target_labels():
    result = run_cli("graph", "configs/ci.yml", "--target-stage", "train-teacher")
    assert result.returncode == 0, result.stderr
    # The teacher needs the back-translations (so the backward model), not the evaluations
    # or the source-side monolingual data.
    assert set(result.stdout.split()) == CI_LABELS - {
        "evaluate-teacher-en-de-file_tests_data_ci_test_LANG_zst-1",
        "evaluate-backwards-en-de-file_tests_data_ci_test_LANG_zst",
        "all-en-de",
        "dataset-en-de-file_tests_data_ci_test_LANG_zst",
        "dataset-mono-src-en-de-file_tests_data_ci_mono_LANG_zst",
        "clean-mono-src-en-de-file_tests_data_ci_mono_LANG_zst",
        "merge-mono-src-en-de",
        "split-mono-src-en-de",
        *CI_DISTILLATION,
    }


def test_taskgraph_full_offline_without_environment(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "taskgraph"), "full", "-p", "taskcluster/test/params/ci.yml"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert set(result.stdout.split()) == CI_LABELS | {"docker-image-train"}


DIGESTS = """
import json, sys
from pathlib import Path
from translations_taskgraph import config
from translations_taskgraph.local import graph
full = graph.generator(config.load(sys.argv[1]), root=Path(sys.argv[2])).full_task_graph
print(json.dumps({label: task.attributes["cached_task"]["digest"] for label, task in full.tasks.items()}))
"""


def _digests(root: Path) -> dict[str, str]:
    """Generate in a subprocess: taskgraph allows one graph root per process."""
    result = subprocess.run(
        [sys.executable, "-c", DIGESTS, str(REPO / "configs" / "ci.yml"), str(root)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout)


def test_digests_follow_the_files_a_task_uses(tmp_path):
    root = copy_repo(tmp_path)
    before = _digests(root)

    (root / "docs" / "config.md").write_text("unrelated edit\n")
    assert _digests(root) == before

    train = root / "pipeline" / "train" / "train.py"
    train.write_text(train.read_text() + "\n# changed\n")
    after = _digests(root)
    changed = {label for label in before if before[label] != after[label]}
    # Every model trains with train.py: all from the backward model on; not the data
    # tasks, nor the splits of data that does not depend on a model.
    assert changed == (CI_DISTILLATION - {"split-corpus-en-de"}) | {
        "train-teacher-en-de-1",
        "evaluate-teacher-en-de-file_tests_data_ci_test_LANG_zst-1",
        "train-backwards-en-de",
        "evaluate-backwards-en-de-file_tests_data_ci_test_LANG_zst",
        "translate-mono-trg-en-de-1",
        "translate-mono-trg-en-de-2",
        "collect-mono-trg-en-de",
        "all-en-de",
    }


def test_digest_follows_config_values_a_task_reads():
    full = graph.generator(CI).full_task_graph
    before = {label: task.attributes["cached_task"]["digest"] for label, task in full.tasks.items()}
    changed_config = copy.deepcopy(CI)
    changed_config["marian-args"]["decoding-student"]["beam-size"] = 3
    full = graph.generator(changed_config).full_task_graph
    changed = {label for label, task in full.tasks.items() if task.attributes["cached_task"]["digest"] != before[label]}
    # The student evaluations read it; the export embeds the whole config in its metadata.
    assert changed == {
        "evaluate-student-en-de-file_tests_data_ci_test_LANG_zst",
        "evaluate-finetuned-student-en-de-file_tests_data_ci_test_LANG_zst",
        "evaluate-quantized-en-de-file_tests_data_ci_test_LANG_zst",
        "export-en-de",
        "all-en-de",
    }


def test_data_mirror_reaches_the_imports_but_not_their_digests():
    before = {label: task.attributes["cached_task"]["digest"] for label, task in graph.generator(CI).full_task_graph.tasks.items()}
    mirrored = copy.deepcopy(CI)
    mirrored.setdefault("taskcluster", {})["data-mirror"] = "https://mirror.example.org/data"
    full = graph.generator(mirrored).full_task_graph
    env = {label: task.task["payload"]["env"].get("TRANSLATIONS_DATA_MIRROR") for label, task in full.tasks.items()}
    assert {label for label, value in env.items() if value == "https://mirror.example.org/data"} == {
        label for label in full.tasks if label.startswith("dataset-")
    }
    changed = {label for label, task in full.tasks.items() if task.attributes["cached_task"]["digest"] != before[label]}
    assert changed == {"export-en-de", "all-en-de"}  # the export embeds the config


def test_tracking_reaches_trainings_and_evaluations_but_no_digest():
    before = {label: task.attributes["cached_task"]["digest"] for label, task in graph.generator(CI).full_task_graph.tasks.items()}
    tracked = copy.deepcopy(CI)
    tracked["tracking"] = {"tensorboard": True, "wandb": {"project": "mt-runs"}}
    tracked["report"] = {"price-per-gpu-hour": 2.5}
    full = graph.generator(tracked).full_task_graph
    env = {label: json.loads(task.task["payload"]["env"]["TRANSLATIONS_TRACKING"])
           for label, task in full.tasks.items() if "TRANSLATIONS_TRACKING" in task.task["payload"]["env"]}
    assert set(env) == {label for label in full.tasks if label.startswith(("train-", "finetune-", "evaluate-")) and label != "train-vocab-en-de"}
    teacher = env["train-teacher-en-de-1"]
    assert teacher["config"]["experiment"]["name"] == "ci" and "tracking" not in teacher["config"]
    assert {key: teacher[key] for key in ("name", "tensorboard", "wandb")} == {
        "name": "train-teacher-en-de-1", "tensorboard": True, "wandb": {"entity": None, "group": "ci", "project": "mt-runs"}}
    assert {label for label, task in full.tasks.items() if task.attributes["cached_task"]["digest"] != before[label]} == set()


def test_train_action_creates_the_target_stage_graph(tmp_path):
    result = train_action(tmp_path, TRAIN_INPUT)
    assert result.returncode == 0, result.stderr[-3000:]
    labels = set(re.findall(r'"label": "([^"]+)"', result.stdout))
    assert labels == TRAIN_INPUT_LABELS
    target = json.loads((tmp_path / "repo" / "artifacts" / "target-tasks.json").read_text())
    assert target == ["train-vocab-en-de"]
    parameters = (tmp_path / "repo" / "artifacts" / "parameters.yml").read_text()
    assert "target_tasks_method: train-target-stage" in parameters


def test_train_action_reports_every_config_problem(tmp_path):
    bad = {**TRAIN_INPUT, "target-stage": "nope", "experiment": {"name": "x", "src": "xx", "trg": "de"}}
    result = train_action(tmp_path, bad)
    assert result.returncode != 0
    assert "Train action input: target-stage: 'nope' is not valid" in result.stderr
    assert "Train action input: experiment.src: 'xx' is not a language code" in result.stderr
    assert '"label"' not in result.stdout


def test_train_action_fails_on_a_missing_dataset(tmp_path):
    datasets = {**TRAIN_INPUT["datasets"], "test": ["file_tests/data/ci/gone.[LANG].zst"]}
    result = train_action(tmp_path, {**TRAIN_INPUT, "datasets": datasets})
    assert result.returncode != 0
    assert "Train action input: datasets: file_tests/data/ci/gone.[LANG].zst is not there: " in result.stderr
    assert "gone.en.zst" in result.stderr and '"label"' not in result.stdout


def test_graph_and_run_need_no_github_remote(tmp_path):
    root = copy_repo(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "remote", "add", "origin", "https://git.example.org/team/translations.git"], cwd=root, check=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": f"{root}:{root / 'taskcluster'}"}
    cli = [sys.executable, "-m", "translations_taskgraph.cli"]
    graph_run = subprocess.run([*cli, "graph", "configs/ci.yml"], cwd=root, env=env, capture_output=True, text=True)
    assert graph_run.returncode == 0, graph_run.stderr[-2000:]
    assert set(graph_run.stdout.split()) == CI_LABELS
    local_run = subprocess.run(
        [*cli, "run", "configs/ci.yml", "--target-stage", "dataset", "--workdir", str(tmp_path / "runs")],
        cwd=root, env=env, capture_output=True, text=True,
    )
    assert local_run.returncode == 0, local_run.stderr[-2000:]
    assert "executed 6 task(s), reused 0" in local_run.stdout


def test_interactive_tasks():
    config = copy.deepcopy(CI)
    config["taskcluster"]["interactive"] = ["train-teacher-", "merge-corpus-en-de"]
    full = graph.generator(config).full_task_graph
    marked = {label for label, task in full.tasks.items() if task.task["payload"].get("features", {}).get("interactive")}
    assert marked == {"train-teacher-en-de-1", "merge-corpus-en-de"}
    assert "docker-worker:feature:interactive" in full.tasks["merge-corpus-en-de"].task["scopes"]
    assert "docker-worker:feature:interactive" not in full.tasks["train-vocab-en-de"].task["scopes"]


def test_cache_explain_against_a_previous_graph(tmp_path):
    previous = run_cli("graph", "configs/ci.yml", "--json")
    assert previous.returncode == 0, previous.stderr
    (tmp_path / "full-task-graph.json").write_text(previous.stdout)
    config = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
    config["experiment"]["vocab-size"] = 900
    (tmp_path / "ci.yml").write_text(yaml.safe_dump(config))

    def explain(label: str) -> list[str]:
        result = run_cli("cache", "explain", str(tmp_path / "ci.yml"), label, "--previous", str(tmp_path / "full-task-graph.json"))
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    assert explain("merge-corpus-en-de") == [f"merge-corpus-en-de: reused: same digest as in {tmp_path / 'full-task-graph.json'}"]
    vocab = explain("train-vocab-en-de")
    assert vocab[0].startswith("train-vocab-en-de: runs: 1 input(s) differ")
    assert vocab[1:] == [
        "  command changed:",
        "    was: python3 -m pipeline.vocab.train_vocab --src en --trg de --corpus-prefix $MOZ_FETCHES_DIR/corpus "
        "--vocab-size 1000 --output-dir $TASK_WORKDIR/artifacts",
        "    now: python3 -m pipeline.vocab.train_vocab --src en --trg de --corpus-prefix $MOZ_FETCHES_DIR/corpus "
        "--vocab-size 900 --output-dir $TASK_WORKDIR/artifacts",
    ]
    assert explain("train-teacher-en-de-1")[1:] == [
        "  upstream task changed: collect-mono-trg-en-de (explain it to see why)",
        "  upstream task changed: train-vocab-en-de (explain it to see why)",
    ]


def test_production_sized_graph_validates_within_the_dependency_limit():
    """2,451 training datasets: every task passes taskgraph's payload schemas and no task
    has more dependencies than Taskcluster accepts (taskgraph verifies both)."""
    from taskgraph import MAX_DEPENDENCIES

    config = config_schema.normalize(
        {
            "experiment": {"name": "big", "src": "en", "trg": "de", "teacher-ensemble": 2},
            "datasets": {
                "train": [f"url_https://data.example.org/c{i}.[LANG].zst" for i in range(2451)],
                "devtest": ["url_https://data.example.org/dev.[LANG]"],
                "test": [f"url_https://data.example.org/t{i}.[LANG]" for i in range(10)],
            },
        }
    )
    full = graph.generator(config).full_task_graph
    assert len(full.tasks) == 5011
    widest = max(full.tasks.values(), key=lambda task: len(task.dependencies))
    assert widest.label == "merge-corpus-en-de" and len(widest.dependencies) == 2452 <= MAX_DEPENDENCIES


def _pipeline_imports(module: str, seen: set[str]) -> set[str]:
    """The `pipeline.*` modules a step imports, transitively (read from the source)."""
    import ast

    if module in seen:
        return seen
    seen.add(module)
    path = REPO / (module.replace(".", "/") + ".py")
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names if alias.name.startswith("pipeline")]
        for name in names:
            if (REPO / (name.replace(".", "/") + ".py")).exists():
                _pipeline_imports(name, seen)
    return seen


def test_every_file_a_step_imports_is_in_its_digest():
    """A task's digest must change when any module its step runs changes."""
    full = graph.generator(PROD_LIKE).full_task_graph
    for label, task in full.tasks.items():
        step = re.match(r"python3 -m (pipeline\.\S+)", task.task["payload"]["command"][-1]) if task.kind != "docker-image" else None
        if not step:
            continue
        files = {name.replace(".", "/") + ".py" for name in _pipeline_imports(step.group(1), set())}
        missing = files - set(task.attributes["cache-inputs"]["files"])
        assert not missing, f"{label}: its digest misses {sorted(missing)}"


PRODUCTION = config_schema.normalize(
    {
        "experiment": {"name": "prod", "src": "en", "trg": "ru", "teacher-ensemble": 2},
        "datasets": {
            "train": [f"url_https://data.example.org/train-{i}.[LANG].gz" for i in range(40)],
            "devtest": ["url_https://data.example.org/dev.[LANG].gz"],
            "test": ["url_https://data.example.org/wmt.[LANG].gz", "url_https://data.example.org/flores.[LANG].gz"],
            "mono-src": ["url_https://data.example.org/news.[LANG].gz", "url_https://data.example.org/hplt.[LANG].zst"],
            "mono-trg": ["url_https://data.example.org/news.[LANG].gz", "url_https://data.example.org/hplt.[LANG].zst"],
        },
        "taskcluster": {"split-chunks": 10},
    }
)
PRODUCTION_KINDS = {
    "docker-image", "dataset", "clean-corpus", "clean-mono", "merge-corpus", "merge-devset", "merge-mono",
    "train-vocab", "train-backwards", "split-mono-trg", "translate-mono-trg", "collect-mono-trg", "train-teacher",
    "split-corpus", "translate-corpus", "split-mono-src", "translate-mono-src", "merge-translated", "score",
    "cefilter", "alignments", "shortlist", "train-student", "finetune-student", "quantize", "evaluate", "export", "all",
}


def test_production_graph_kinds_count_and_fetches_match_what_steps_write():
    full = graph.generator(PRODUCTION).full_task_graph
    assert {task.kind for task in full.tasks.values()} == PRODUCTION_KINDS
    assert len(full.tasks) == sum(
        [
            1,  # docker image
            40 + 1 + 2 + 2 + 2,  # dataset: train, devtest, test, mono-src, mono-trg
            40 + 4,  # clean-corpus (train), clean-mono
            1 + 1 + 2 + 1,  # merge-corpus, merge-devset, merge-mono, train-vocab
            1 + 2,  # train-backwards, evaluate-backwards per test set
            1 + 10 + 1,  # back-translation: split, chunks, collect
            2 + 2 * 2 + 2,  # teachers, evaluate-teacher per member and test set, ensemble per test set
            1 + 10 + 1 + 10,  # split-corpus, translate-corpus, split-mono-src, translate-mono-src
            1 + 1 + 1 + 1 + 1,  # merge-translated, score, cefilter, alignments, shortlist
            1 + 1 + 1 + 1,  # train-student, finetune-student, quantize, export
            3 * 2,  # evaluate student, fine-tuned student, int8 student per test set
            1,  # all
        ]
    )
    checked = 0
    for task in full.tasks.values():
        if task.kind == "docker-image":
            continue
        for fetch in from_graph_task(task).fetches:
            upstream = full.tasks[fetch.upstream]
            assert fetch.name in produced(upstream, chunks=10), f"{task.label} fetches {fetch.name}, which {upstream.label} does not write"
            checked += 1
    assert checked > 400
    ensemble = full.tasks["translate-corpus-en-ru-3"]
    assert [(f.upstream, f.dest) for f in from_graph_task(ensemble).fetches if f.name == "model.npz"] == [
        ("train-teacher-en-ru-1", "teacher-1"), ("train-teacher-en-ru-2", "teacher-2"),
    ]
    merged = from_graph_task(full.tasks["merge-translated-en-ru"]).fetches
    assert len(merged) == 2 * 10 * 2  # both sides of every corpus and mono-src chunk
    final = full.tasks["all-en-ru"].dependencies.values()
    assert "export-en-ru" in final and sum(label.startswith("evaluate-") for label in final) == 2 + 4 + 2 + 6
