"""The quickstart's task set with and without each continuation: tasks per kind.

    python3 benchmarks/continuation_task_sets.py --workdir /work/qs

The work directory must hold a finished quickstart run: its stored vocabulary, models and
distilled corpus are the continuations (`run:quickstart/...`). Prints a Markdown table.
"""

import argparse
import collections
import copy
import logging
from pathlib import Path

from translations_taskgraph import config as config_schema
from translations_taskgraph.cli import _resolve_runs
from translations_taskgraph.local.graph import target_graph

REPO = Path(__file__).resolve().parents[1]
VOCAB = "run:quickstart/train-vocab-en-de/vocab.en.spm"
TEACHER = "run:quickstart/train-teacher-en-de-1/model.npz"
BACKWARDS = "run:quickstart/train-backwards-en-de/model.npz"
CORPUS = {side: f"run:quickstart/merge-corpus-en-de/corpus.{lang}.zst" for side, lang in (("src", "en"), ("trg", "de"))}
DISTILLED = {side: f"run:quickstart/cefilter-en-de/corpus.{lang}.zst" for side, lang in (("src", "en"), ("trg", "de"))}
VARIANTS = {
    "none": {},
    "vocab": {"vocab": VOCAB},
    "parallel corpus": {"vocab": VOCAB, "corpora": {"parallel": CORPUS}},
    "teacher use": {"vocab": VOCAB, "models": {"teacher": {"mode": "use", "locations": [TEACHER]}}},
    "teacher init": {"vocab": VOCAB, "models": {"teacher": {"mode": "init", "locations": [TEACHER]}}},
    "teacher continue": {"vocab": VOCAB, "models": {"teacher": {"mode": "continue", "locations": [TEACHER.replace("model.npz", "model.train.npz")]}}},
    "backwards use": {"vocab": VOCAB, "models": {"backwards": {"mode": "use", "location": BACKWARDS}}},
    "teacher + backwards use": {"vocab": VOCAB, "models": {"teacher": {"mode": "use", "locations": [TEACHER]},
                                                           "backwards": {"mode": "use", "location": BACKWARDS}}},
    "distilled corpus": {"vocab": VOCAB, "corpora": {"distillation": DISTILLED}},
}


def kinds(section: dict, workdir: Path) -> collections.Counter:
    raw = config_schema.read_yaml(REPO / "configs" / "quickstart.yml")
    raw["continuation"] = copy.deepcopy(section)
    if "parallel" in section.get("corpora", {}) or "distillation" in section.get("corpora", {}):
        raw["datasets"]["train"] = []
    config = config_schema.normalize(raw)
    _resolve_runs("quickstart.yml", config, workdir)
    graph = target_graph(config)
    return collections.Counter(task.kind for task in graph.tasks.values() if task.kind != "docker-image")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args()
    logging.getLogger("taskgraph").setLevel(logging.WARNING)
    counts = {name: kinds(section, args.workdir) for name, section in VARIANTS.items()}
    every = sorted({kind for count in counts.values() for kind in count})
    print("| kind | " + " | ".join(counts) + " |")
    print("|---" * (len(counts) + 1) + "|")
    for kind in every:
        print(f"| {kind} | " + " | ".join(str(count.get(kind, "")) for count in counts.values()) + " |")
    print("| **tasks** | " + " | ".join(f"**{sum(count.values())}**" for count in counts.values()) + " |")


if __name__ == "__main__":
    main()
