"""The Marian runner's option handling: device choice and user options that win."""

from pipeline.common import marian


def test_cpu_without_gpus_uses_all_cores(monkeypatch):
    monkeypatch.setattr(marian.os, "cpu_count", lambda: 6)
    assert marian.device_options({}) == {"cpu-threads": "6", "workspace": "2000"}
    assert marian.device_options({"GPUS": "", "MARIAN_CPU_THREADS": "3"})["cpu-threads"] == "3"


def test_gpus_and_workspace_from_the_environment():
    assert marian.device_options({"GPUS": "0 1", "WORKSPACE": "12000"}) == {"devices": ["0", "1"], "workspace": "12000"}


def test_options_round_trip():
    options = {"after-batches": "500", "valid-metrics": ["chrf", "bleu"], "sync-sgd": True, "learn-rate": "-0.5"}
    args = marian.options_to_args(options)
    assert args == ["--after-batches", "500", "--valid-metrics", "chrf", "bleu", "--sync-sgd", "--learn-rate", "-0.5"]
    assert marian.args_to_options(args) == options


def test_false_drops_a_default_flag():
    assert marian.options_to_args({**{"mini-batch-fit": True}, **{"mini-batch-fit": False}, "beam-size": 4}) == ["--beam-size", "4"]


def test_split_argv():
    assert marian.split_argv(["--src", "en", "--", "--beam-size", "2"]) == (["--src", "en"], ["--beam-size", "2"])
    assert marian.split_argv(["--src", "en"]) == (["--src", "en"], [])
