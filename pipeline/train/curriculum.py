"""The teacher's data curriculum, streamed by OpusTrainer into Marian's stdin.

Datasets are TSV files (source<TAB>target): `original` (the merged parallel corpus) and,
when there is back-translated data, `backtranslated`. Modes:

- `two-stage`: `pretrain` mixes original and back-translated data until the original
  corpus has been seen PRETRAIN_EPOCHS times, then `finetune` trains on original data only;
- `one-stage`: one stage mixing both for the whole training.

Without back-translated data both modes train on the original data only. Augmentation
modifiers (`[{"UpperCase": 0.07}, {"TitleCase": 0.05}, {"Typos": 0.01}, ...]`, OpusTrainer's
names and probabilities) apply in every stage. OpusTrainer keeps its position in a state
file beside the model, so a resumed training continues the curriculum where it stopped.
"""

import shlex
import subprocess
from pathlib import Path

import yaml

from pipeline.common.corpus import LineWriter, read_lines, read_pairs
from pipeline.common.errors import UserError
from pipeline.common.logs import get_logger
from pipeline.common.tools import executable

logger = get_logger(__name__)

PRETRAIN_EPOCHS = 2
BACKTRANSLATED_SHARE = 0.4
STATE = "opustrainer.state"
MODES = ("two-stage", "one-stage")


def write_tsv(prefix: Path, src: str, trg: str, path: Path, alignments: Path | None = None) -> Path:
    """The aligned pair as `source<TAB>target[<TAB>alignment]` lines (once; a resumed run
    reuses it)."""
    if path.exists():
        return path
    pairs = read_pairs(f"{prefix}.{src}.zst", f"{prefix}.{trg}.zst")
    rows = (f"{s}\t{t}" for s, t in pairs)
    if alignments:
        rows = (f"{row}\t{links}" for row, links in zip(rows, read_lines(alignments), strict=True))
    with LineWriter(path) as out:
        try:
            for row in rows:
                out.write(row)
        except ValueError:
            raise UserError(f"{alignments}: not one alignment line per pair of {prefix}.{src}.zst") from None
    if out.count == 0:
        raise UserError(f"{prefix}.{src}.zst: no lines to train on")
    return path


def stages(mode: str, has_backtranslated: bool) -> dict:
    if not has_backtranslated:
        return {"train": ["original 1.0", "until original inf"]}
    mixed = [f"original {1 - BACKTRANSLATED_SHARE:.2f}", f"backtranslated {BACKTRANSLATED_SHARE:.2f}"]
    if mode == "one-stage":
        return {"train": [*mixed, "until original inf"]}
    return {
        "pretrain": [*mixed, f"until original {PRETRAIN_EPOCHS}"],
        "finetune": ["original 1.0", "until original inf"],
    }


def config(datasets: dict[str, Path], mode: str, modifiers: list[dict], seed: int, trainer: list[str]) -> dict:
    mixes = stages(mode, "backtranslated" in datasets)
    return {
        # OpusTrainer reads relative paths from the config's folder: give it absolute ones.
        "datasets": {name: str(Path(path).resolve()) for name, path in datasets.items()},
        "stages": list(mixes),
        **{name: {"mix": mix, "modifiers": modifiers} for name, mix in mixes.items()},
        "seed": seed,
        "trainer": shlex.join(trainer),
    }


def run(curriculum: dict, output_dir: Path, work_dir: Path) -> int:
    """Run OpusTrainer with this curriculum; returns the trainer's exit code."""
    path = work_dir / "opustrainer.yml"
    path.write_text(yaml.safe_dump(curriculum, sort_keys=False))
    (work_dir / "opustrainer-tmp").mkdir(exist_ok=True)
    command = [
        executable("opustrainer-train"), "--config", str(path), "--state", str(output_dir / STATE),
        "--temporary-directory", str(work_dir / "opustrainer-tmp"), "--log-level", "INFO",
    ]
    logger.info("curriculum: stages %s; running: %s", curriculum["stages"], " ".join(command))
    return subprocess.run(command).returncode
