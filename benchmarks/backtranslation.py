"""Back-translation by sampling against beam search on the quickstart: time and the teacher.

    .venv/bin/python benchmarks/backtranslation.py --workdir /work/bt [--methods beam,sampling]

configs/quickstart.yml has no monolingual data, so this adds German text: the translations
of the gettext catalogs of packages that are neither its training, dev nor test data
(`MONO_TRG`, about 21K lines). Each method is that config with
`experiment.decoding.backtranslation.method` set, run with `translations run
--target-stage evaluate-teacher` in one work directory, so the data stages and the backward
model are shared; only translate-mono-trg and the teacher differ. The table gives the
translate-mono-trg time (all chunks, and the backward model's conversion where it has one),
the back-translated lines, the teacher's validation chrF at each validation and its test
chrF.
"""

import argparse
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recipe_sweep import training_figures  # noqa: E402

from pipeline.common.corpus import read_lines  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

MONO_TRG = [
    "po_django==5.2.20",
    "po_ckan==2.12.0",
    "po_plone.app.locales==7.0.4",
    "po_pretix==2026.8.0",
    "po_indico==3.2.9",
    "po_jupyterlab-language-pack-de-DE==4.5.post3",
    "po_deluge==2.2.0",
    "po_kiwitcms==12.4",
]


def method_config(base: dict, method: str) -> dict:
    config = copy.deepcopy(base)
    config["experiment"]["name"] = f"bt-{method}"
    config["experiment"].setdefault("decoding", {})["backtranslation"] = {"method": method}
    config["datasets"]["mono-trg"] = MONO_TRG
    config["target-stage"] = "evaluate-teacher"
    return config


def task_seconds(run_dir: Path, prefixes: tuple[str, ...]) -> float:
    return sum(json.loads((task / "task.json").read_text())["seconds"]
               for task in run_dir.iterdir() if task.name.startswith(prefixes))


def figures(workdir: Path, method: str) -> dict:
    run_dir = workdir / f"bt-{method}"
    back_translated = next(run_dir.glob("collect-mono-trg-*/artifacts/mono-bt.*.zst"))
    metrics = next(run_dir.glob("evaluate-teacher-*/artifacts/*.metrics.json"))
    return {
        "translate": task_seconds(run_dir, ("translate-mono-trg-",)),
        "convert": task_seconds(run_dir, ("convert-backwards-",)),
        "lines": sum(1 for _ in read_lines(back_translated)),
        "teacher": training_figures(next(run_dir.glob("train-teacher-*")) / "log.txt"),
        "chrf": json.loads(metrics.read_text())["chrf"],
        "bleu": json.loads(metrics.read_text())["bleu"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=ROOT / "configs/quickstart.yml")
    parser.add_argument("--methods", default="beam,sampling")
    args = parser.parse_args()
    base = yaml.safe_load(args.config.read_text())
    rows = []
    for method in args.methods.split(","):
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as config:
            yaml.safe_dump(method_config(base, method), config)
        print(f"{method}: running", file=sys.stderr, flush=True)
        subprocess.run([str(ROOT / ".venv/bin/translations"), "run", config.name, "--workdir", str(args.workdir)],
                       check=True, stdout=subprocess.DEVNULL)
        rows.append((method, figures(args.workdir, method)))
        print(f"{method}: {rows[-1][1]}", file=sys.stderr, flush=True)
    print("| back-translation | lines | translate-mono-trg | teacher training | teacher validation chrF (minute, update) | test chrF | test BLEU |")
    print("|---|---|---|---|---|---|---|")
    for method, row in rows:
        valid = "; ".join(f"{score:.1f} ({minute:.1f}, {update})" for minute, update, score in row["teacher"]["valid"])
        convert = f" + {row['convert']:.0f} s conversion" if row["convert"] else ""
        print(f"| {method} | {row['lines']:,} | {row['translate']:.1f} s{convert} | {row['teacher']['wall'] / 60:.1f} min | {valid} "
              f"| {row['chrf']:.2f} | {row['bleu']:.2f} |")


if __name__ == "__main__":
    main()
