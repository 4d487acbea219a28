"""Optional bicleaner-ai scoring for the `bicleaner` filter.

bicleaner-ai (https://github.com/bitextor/bicleaner-ai) is not a dependency of this
project: it pulls TensorFlow. Where it is installed and a model for the pair is on disk,
the filter scores pairs with it; otherwise the step logs one line saying what is missing
and cleans without it. Models are directories as `bicleaner-ai-download SRC TRG full DIR`
leaves them: `DIR/<src>-<trg>/metadata.yaml` (a `<trg>-<src>` model is used with the
sides swapped).

UNTESTED HERE: the scoring path (`_scorer`) follows bicleaner-ai 3.x's own classifier
(`bicleaner_ai.util.get_model(...)(dir, settings).load()`, then `predict(srcs, trgs,
batch_size)` returning one probability per pair), but the test suite never runs it; the
skip path is what the tests cover.
"""

import importlib.util
import os
from pathlib import Path
from typing import Callable

import yaml

ENV = "BICLEANER_AI_MODELS"

Scorer = Callable[[list[str], list[str]], list[float]]


def find_model(src: str, trg: str, model_dir: str) -> tuple[Path | None, bool, str]:
    """(model path or None, swapped, where it was looked for)."""
    root = Path(model_dir)
    for name, swapped in ((f"{src}-{trg}", False), (f"{trg}-{src}", True)):
        if (root / name / "metadata.yaml").is_file():
            return root / name, swapped, ""
    return None, False, f"{root / f'{src}-{trg}'} (nor {root / f'{trg}-{src}'})"


def load(src: str, trg: str, model_dir: str, batch_size: int) -> tuple[str, Scorer | None]:
    """("", scorer) when bicleaner-ai and a model are there, else (why not and what to do, None)."""
    model_dir = model_dir or os.environ.get(ENV, "")
    missing = []
    if importlib.util.find_spec("bicleaner_ai") is None:
        missing.append("the bicleaner_ai package is not installed")
    model, swapped, looked_at = find_model(src, trg, model_dir) if model_dir else (None, False, "")
    if model is None:
        missing.append(f"no model at {looked_at}" if model_dir else f"no model directory (${ENV} is not set)")
    if missing:
        return (
            f"{' and '.join(missing)}; install bicleaner-ai and "
            f"run `bicleaner-ai-download {src} {trg} full DIR`, then set ${ENV}=DIR "
            "(or the filter's model_dir)"
        ), None
    return "", _scorer(model, swapped, batch_size)


def _scorer(model: Path, swapped: bool, batch_size: int) -> Scorer:  # pragma: no cover (untested here)
    from bicleaner_ai.util import get_model  # imports TensorFlow: only when a model is there

    metadata = yaml.safe_load((model / "metadata.yaml").read_text())
    classifier = get_model(metadata["classifier_type"])(str(model), metadata["classifier_settings"])
    classifier.load()

    def score(src_lines: list[str], trg_lines: list[str]) -> list[float]:
        first, second = (trg_lines, src_lines) if swapped else (src_lines, trg_lines)
        return [float(row[0]) for row in classifier.predict(first, second, batch_size)]

    return score
