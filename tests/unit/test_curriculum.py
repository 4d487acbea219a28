"""The teacher's OpusTrainer curriculum: stages per mode, with and without back-translations."""

from pathlib import Path

import pytest
import yaml
from opustrainer.trainer import CurriculumLoader

from pipeline.train import curriculum

MODIFIERS = [{"UpperCase": 0.07}, {"TitleCase": 0.05}]


def test_two_stage_pretrains_with_backtranslations_then_finetunes(tmp_path):
    datasets = {"original": tmp_path / "original.tsv", "backtranslated": tmp_path / "bt.tsv"}
    plan = curriculum.config(datasets, "two-stage", MODIFIERS, seed=3, trainer=["pymarian", "--seed", "3"])
    assert plan["stages"] == ["pretrain", "finetune"]
    assert plan["pretrain"] == {"mix": ["original 0.60", "backtranslated 0.40", "until original 2"], "modifiers": MODIFIERS}
    assert plan["finetune"] == {"mix": ["original 1.0", "until original inf"], "modifiers": MODIFIERS}
    assert (plan["seed"], plan["trainer"]) == (3, "pymarian --seed 3")
    for path in datasets.values():
        path.write_text("a\tb\n")
    loaded = CurriculumLoader().load(yaml.safe_load(yaml.safe_dump(plan)), basepath=str(tmp_path))
    assert [stage.name for stage in loaded.stages.values()] == ["pretrain", "finetune"]  # OpusTrainer accepts it


@pytest.mark.parametrize("mode", curriculum.MODES)
def test_without_backtranslations_every_mode_trains_on_original_data(mode):
    plan = curriculum.config({"original": Path("o.tsv")}, mode, [], seed=1, trainer=["pymarian"])
    assert plan["stages"] == ["train"]
    assert plan["train"]["mix"] == ["original 1.0", "until original inf"]


def test_one_stage_mixes_for_the_whole_training():
    plan = curriculum.config({"original": Path("o.tsv"), "backtranslated": Path("b.tsv")}, "one-stage", [], 1, ["x"])
    assert plan["train"]["mix"] == ["original 0.60", "backtranslated 0.40", "until original inf"]

