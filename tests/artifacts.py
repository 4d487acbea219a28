"""What each kind's step writes, as names built from the task's attributes: the graph tests
check every fetch against it, and the end-to-end run checks the steps really write it."""

import json

from pipeline.common.contract import CONTINUATION_ENV
from pipeline.common.datasets import sanitize
from pipeline.continuation import opus_mt
from pipeline.translate import ct2_convert

TRAINED_MODEL = ("model.npz", "model.train.npz", "model.train.npz.optimizer.npz", "model.train.npz.progress.yml", "train.log", "valid.log")
# {d}: the task's dataset file name; {l}: each language it has; {n}: its chunk; {c}: every chunk.
PRODUCES = {
    "dataset": ("{d}.{l}.zst",),
    "clean-corpus": ("{d}.{l}.zst", "{d}.cleaning.json"),
    "clean-mono": ("{d}.{l}.zst", "{d}.cleaning.json"),
    "merge-corpus": ("corpus.{l}.zst", "corpus.stats.json"),
    "merge-devset": ("devset.{l}.zst", "devset.stats.json"),
    "merge-mono": ("mono.{l}.zst", "mono.{l}.stats.json"),
    "train-vocab": ("vocab.{l}.spm",),
    "train-backwards": TRAINED_MODEL,
    "split-mono-trg": ("mono-{c}.{l}.zst",),
    "translate-mono-trg": ("mono-{n}.{l}.zst",),
    "collect-mono-trg": ("mono-bt.{l}.zst",),
    "train-teacher": (*TRAINED_MODEL, "opustrainer.state"),
    "convert-backwards": ct2_convert.FILES,
    "convert-teacher": ct2_convert.FILES,
    "split-corpus": ("corpus-{c}.{l}.zst",),
    "translate-corpus": ("corpus-{n}.{l}.zst",),
    "split-mono-src": ("mono-{c}.{l}.zst",),
    "translate-mono-src": ("mono-{n}.{l}.zst",),
    "merge-translated": ("corpus.{l}.zst", "corpus.stats.json"),
    "score": ("scores.zst",),
    "cefilter": ("corpus.{l}.zst", "corpus.stats.json"),
    "alignments": ("corpus.aln.zst", "corpus.priors.zst"),
    "shortlist": ("lex.s2t.zst", "lex.s2t.bin"),
    "train-student": TRAINED_MODEL,
    "finetune-student": TRAINED_MODEL,
    "quantize": ("model.intgemm8.bin", "model.yml"),
    "evaluate": ("{d}.metrics.json", "{d}.translated.{l}.zst", "{d}.reference.{l}.zst"),
    "export": ("model.{s}{t}.intgemm8.bin.gz", "lex.50.50.{s}{t}.s2t.bin.gz", "vocab.{s}{t}.spm.gz", "metadata.json"),
    "all": (),
}
SIDES = {"mono-src": "src", "mono-trg": "trg"}


def languages(task) -> list[str]:
    """The languages a task writes: one side for monolingual data, the output language of
    an evaluation, else both."""
    attributes = task.attributes
    side = attributes.get("side") or SIDES.get(attributes.get("dataset-category")) or SIDES.get(task.kind.removeprefix("split-"))
    if side:
        return [attributes[f"{side}_locale"]]
    if task.kind == "evaluate":
        return [attributes["src_locale" if attributes["stage"] == "evaluate-backwards" else "trg_locale"]]
    return [attributes["src_locale"], attributes["trg_locale"]]


def produced(task, chunks: int) -> set[str]:
    if task.kind == "continuation":  # the files its config item names; an OPUS-MT release, unpacked
        names = set(json.loads(task.task["payload"]["env"][CONTINUATION_ENV]))
        return set(opus_mt.FILES) if names == {"opus-mt"} else names
    attributes = task.attributes
    values = {"s": attributes["src_locale"], "t": attributes["trg_locale"], "n": attributes.get("this_chunk")}
    if "dataset" in attributes:
        values["d"] = sanitize(attributes["dataset"])
    names = set()
    for template in PRODUCES[task.kind]:
        for lang in languages(task):
            for chunk in range(1, chunks + 1):
                names.add(template.format(**values, l=lang, c=chunk))
    return names
