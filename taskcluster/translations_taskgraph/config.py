"""THE training-config schema: one definition for validation, defaults, the taskgraph
parameters, the Train action's JSON Schema and the docs' config reference.

`load(path)` / `check(raw)` report every problem at once: structural problems come from
jsonschema's `iter_errors` over the JSON Schema that msgspec derives from the classes
below; semantic checks (language codes, dataset keys, ...) add theirs.
"""

import re
import urllib.parse
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

import jsonschema
import msgspec
import yaml

from pipeline.common import langs
from pipeline.clean import filter_file
from pipeline.common.datasets import MONO_IMPORTERS, parse_key, sanitize
from pipeline.common.errors import UserError
from pipeline.data import importers

# Stage names, in pipeline order: `target-stage` takes one; every task has one.
STAGES = (
    "dataset",
    "clean-corpus",
    "clean-mono",
    "merge-corpus",
    "merge-mono",
    "merge-devset",
    "train-vocab",
    "train-backwards",
    "evaluate-backwards",
    "translate-mono-trg",
    "train-teacher",
    "evaluate-teacher",
    "evaluate-teacher-ensemble",
    "translate-corpus",
    "translate-mono-src",
    "merge-translated",
    "score",
    "cefilter",
    "alignments",
    "shortlist",
    "train-student",
    "evaluate-student",
    "finetune-student",
    "evaluate-finetuned-student",
    "quantize",
    "evaluate-quantized",
    "export",
    "all",
)
KINDS_DIR = Path(__file__).resolve().parents[1] / "kinds"
MAX_ERRORS = 100  # problems listed; the rest are counted
MAX_LINE = 1000  # characters of one problem's line


def doc(text: str, **constraints) -> msgspec.Meta:
    return msgspec.Meta(description=text, **constraints)


# Limits on what users type: every free-form value that becomes a path, label, route or
# command has a pattern and a size, so the schema (and the Train action's form) refuses
# hostile or accidental input before anything runs. Lists allow production sizes (the graph
# is tested with 2,451 training datasets).
MAX_DATASETS = 10_000  # per category
NAME_PATTERN = r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
DatasetKey = Annotated[
    str,
    doc(
        "A dataset key `<importer>_<name>` (docs/datasets.md): at most 2,048 characters, no control characters.",
        min_length=1, max_length=2048, pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]+$",
    ),
]
DatasetKeys = Annotated[list[DatasetKey], msgspec.Meta(max_length=MAX_DATASETS)]
Text = Annotated[str, msgspec.Meta(max_length=1024)]
MarianValue = Union[Text, int, float, bool, Annotated[list[Union[Text, int, float]], msgspec.Meta(max_length=64)]]
MarianOptions = Annotated[
    dict[Annotated[str, doc("A Marian option name, e.g. `beam-size`.", pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")], MarianValue],
    msgspec.Meta(max_length=200),
]
Modifier = Annotated[
    dict[
        Annotated[str, doc("An OpusTrainer modifier or its setting, e.g. `Typos`.", pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")],
        Union[float, int, Annotated[str, msgspec.Meta(max_length=256)]],
    ],
    msgspec.Meta(max_length=16),
]


LANGUAGE_TAGS = (
    "ISO 639-1 or 639-3, optionally with script and region, e.g. `en`, `fil`, `zh-Hant`, `pt-BR`, `es-419`; "
    "any spelling is read as its canonical form: `zh_hant` is `zh-Hant`, `tl` is `fil`"
)


class Section(msgspec.Struct, kw_only=True, rename="kebab", forbid_unknown_fields=True):
    """Config sections: kebab-case keys, unknown keys rejected, defaults kept on output."""


class Decoding(Section):
    method: Annotated[
        Literal["beam", "sampling"],
        doc("`beam`: beam search (the beam size from `marian-args`); `sampling`: one sample per sentence from the model's distribution."),
    ] = "beam"
    top_k: Annotated[int, doc("Sampling: from the K most likely pieces at each step; 0: from all of them.", ge=0)] = 10
    temperature: Annotated[float, doc("Sampling: the softmax temperature; below 1 sharper, above 1 flatter.", gt=0, le=10)] = 1.0


class BacktranslationDecoding(Decoding):
    method: Annotated[
        Literal["beam", "sampling"],
        doc("Back-translation with the backward model: `sampling` (the default: better at scale, Edunov et al. 2018) or `beam`; docs/decoding.md."),
    ] = "sampling"


class DistillationDecoding(Decoding):
    method: Annotated[
        Literal["beam", "sampling"],
        doc("The teacher's translation of the corpus (n-best, the best by chrF kept) and of source mono data: `beam` (the default) or `sampling` (beam-size samples for the n-best list); docs/decoding.md."),
    ] = "beam"


class DecodingPurposes(Section):
    backtranslation: Annotated[BacktranslationDecoding, doc("`translate-mono-trg`.")] = msgspec.field(default_factory=BacktranslationDecoding)
    distillation: Annotated[DistillationDecoding, doc("`translate-corpus` and `translate-mono-src`.")] = msgspec.field(default_factory=DistillationDecoding)


class Experiment(Section):
    name: Annotated[
        str,
        doc(
            "Experiment name, part of run directories and artifact names: 1-64 letters, digits, `.`, `_` or `-`, "
            "starting with a letter or digit, no `..`.",
            pattern=NAME_PATTERN,
        ),
    ]
    src: Annotated[str, doc(f"Source language: a BCP-47 tag ({LANGUAGE_TAGS}).", max_length=64)]
    trg: Annotated[str, doc(f"Target language: a BCP-47 tag ({LANGUAGE_TAGS}).", max_length=64)]
    vocab_size: Annotated[int, doc("Joint SentencePiece vocabulary size.", ge=100)] = 32000
    teacher_ensemble: Annotated[int, doc("Number of teacher models, each its own task and seed.", ge=1)] = 1
    teacher_mode: Annotated[
        Literal["two-stage", "one-stage"],
        doc("`two-stage`: pretrain on original + back-translated data, then fine-tune on original; `one-stage`: one mix."),
    ] = "two-stage"
    teacher_modifiers: Annotated[
        Annotated[list[Modifier], msgspec.Meta(max_length=32)],
        doc("OpusTrainer augmentation for the teacher, e.g. `[{UpperCase: 0.07}, {TitleCase: 0.05}, {Typos: 0.01}]`."),
    ] = msgspec.field(default_factory=lambda: [{"UpperCase": 0.07}, {"TitleCase": 0.05}])
    cleaning_filters: Annotated[
        str,
        doc("Filter file of clean-corpus and clean-mono: `pipeline/clean/filters/<name>.yml` (docs/cleaning.md).", max_length=64),
    ] = "default"
    corpus_max_sentences: Annotated[
        int, doc("Cap on training pairs after merge and dedupe (seeded sample); 0 keeps all.", ge=0)
    ] = 0
    mono_max_sentences_src: Annotated[
        int, doc("Cap on source-language monolingual sentences after dedupe (seeded sample).", ge=1)
    ] = 100_000_000
    mono_max_sentences_trg: Annotated[
        int, doc("Cap on target-language monolingual sentences after dedupe (seeded sample).", ge=1)
    ] = 20_000_000
    best_model: Annotated[
        Literal["chrf", "bleu", "ce-mean-words"],
        doc("Validation metric that picks the best checkpoint and drives early stopping."),
    ] = "chrf"
    student_model: Annotated[
        Literal["tiny", "base"],
        doc("Student preset: `tiny` (256-dim) or `base` (512-dim); 6-layer encoder, 2-layer SSRU decoder."),
    ] = "tiny"
    cefilter_drop: Annotated[
        float,
        doc("Share of distilled pairs to drop: those the backward model scores worst (cross-entropy filter).", ge=0, lt=1),
    ] = 0.05
    teacher_decoder: Annotated[
        Literal["marian", "ctranslate2"],
        doc(
            "Decoder of the teacher and the backward model in translate-corpus, translate-mono-src and translate-mono-trg: "
            "`ctranslate2` converts each model once (the `convert-teacher` and `convert-backwards` tasks); an ensemble or an OPUS-MT model decodes with "
            "Marian (`translations validate` says so); docs/decoding.md."
        ),
    ] = "marian"
    decoding: Annotated[
        DecodingPurposes, doc("Beam search or sampling, per purpose (docs/decoding.md).")
    ] = msgspec.field(default_factory=DecodingPurposes)


class Datasets(Section):
    train: Annotated[DatasetKeys, doc("Parallel training datasets (dataset keys).")]
    devtest: Annotated[DatasetKeys, doc("Parallel validation sets, used during training.")] = []
    test: Annotated[DatasetKeys, doc("Parallel test sets; every model is evaluated on each.")] = []
    mono_src: Annotated[DatasetKeys, doc("Source-language monolingual datasets.")] = []
    mono_trg: Annotated[DatasetKeys, doc("Target-language monolingual datasets.")] = []


class MarianArgs(Section):
    training_backward: Annotated[
        MarianOptions, doc("Marian options for the backward (target-to-source) model, after the defaults.")
    ] = {}
    decoding_backward: Annotated[
        MarianOptions, doc("Marian options for decoding with the backward model (evaluation).")
    ] = {}
    training_teacher: Annotated[
        MarianOptions, doc("Marian options for teacher training, appended after the defaults.")
    ] = {}
    decoding_teacher: Annotated[
        MarianOptions, doc("Marian options for decoding with the teacher (evaluation and distillation).")
    ] = {}
    training_student: Annotated[MarianOptions, doc("Marian options for student training, after the preset.")] = {}
    training_student_finetuned: Annotated[
        MarianOptions, doc("Marian options for the student's quantization-aware fine-tuning.")
    ] = {}
    decoding_student: Annotated[
        MarianOptions, doc("Marian options for decoding with the students (evaluation, also of the int8 model).")
    ] = {}


class Taskcluster(Section):
    worker_classes: Annotated[
        dict[Annotated[str, doc("A kind name or `default`.", pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")], Literal["standard", "spot"]],
        doc("Worker class per kind (`default` for the rest): `standard` or preemptible `spot`.", max_length=100),
    ] = msgspec.field(default_factory=lambda: {"default": "standard"})
    split_chunks: Annotated[int, doc("Number of parallel chunks for translation steps.", ge=1)] = 10
    data_mirror: Annotated[
        str,
        doc(
            "Base URL of a dataset mirror (`<mirror>/<host>/<path>`) for the import tasks, on both engines; not part of their cache digests (docs/datasets.md).",
            max_length=2048, pattern=r"^\S*$",
        ),
    ] = ""
    interactive: Annotated[
        list[Annotated[str, doc("A task label or label prefix.", pattern=r"^[A-Za-z0-9_-]{1,256}$")]],
        doc(
            "Labels or label prefixes of tasks to create as interactive tasks: a shell in the task's container from the Taskcluster UI.",
            max_length=1000,
        ),
    ] = []


# A continuation location names one file (an OPUS-MT model may also be its unpacked folder).
LOCATION_RULE = (
    "An absolute local path (local and Slurm engines), an `https://` URL (optionally ending in `#sha256=<hex>` or "
    "`#version=<text>`), or `run:<experiment>/<label>/<file>`, a file of a task's stored result in the work directory "
    "(local and Slurm engines); docs/continuation.md."
)
LOCATION_PATTERN = r"^(/|https://|run:)[^\x00-\x1f\x7f-\x9f\u2028\u2029\s]*$"
Location = Annotated[str, doc(LOCATION_RULE, min_length=2, max_length=2048, pattern=LOCATION_PATTERN)]
MODE_RULE = (
    "`use`: no training, the model as it is; `init`: train anew starting from its weights (fresh optimizer and schedule); "
    "`continue`: resume its training (its checkpoint files next to it)."
)
TYPE_RULE = (
    "`marian`: a Marian model (`.npz`) with its vocabulary next to it (`vocab.spm`, or `vocab.<lang>.spm` per side); `opus-mt`: an OPUS-MT / Tatoeba-MT release "
    "(its zip or unpacked folder), `use` only."
)


class ContinuationCorpus(Section):
    src: Annotated[Location, doc("The source side (`.zst`, one sentence a line).")]
    trg: Annotated[Location, doc("The target side, line by line parallel to `src`.")]
    alignments: Annotated[Optional[Location], doc("Optional word alignments (`.zst`), one line per pair.")] = None


class ContinuationCorpora(Section):
    parallel: Annotated[Optional[ContinuationCorpus], doc("Replaces the merged parallel corpus (`merge-corpus`).")] = None
    backtranslations: Annotated[
        Optional[ContinuationCorpus], doc("Replaces the back-translated target mono data (`collect-mono-trg`).")
    ] = None
    distillation: Annotated[
        Optional[ContinuationCorpus],
        doc("Replaces the distilled corpus (`cefilter`): no teacher, translation or scoring runs; needs `vocab`."),
    ] = None


class ContinuationVocab(Section):
    src: Annotated[Location, doc("The source side's SentencePiece model.")]
    trg: Annotated[Location, doc("The target side's SentencePiece model.")]


class ContinuationTeacher(Section):
    mode: Annotated[Literal["use", "init", "continue"], doc(MODE_RULE)]
    locations: Annotated[
        list[Location], doc("One model per teacher (`experiment.teacher-ensemble` of them).", min_length=1, max_length=16)
    ]
    type: Annotated[Literal["marian", "opus-mt"], doc(TYPE_RULE)] = "marian"


class ContinuationBackwards(Section):
    mode: Annotated[Literal["use", "init", "continue"], doc(MODE_RULE)]
    location: Annotated[Location, doc("The backward (target-to-source) model.")]
    type: Annotated[Literal["marian", "opus-mt"], doc(TYPE_RULE)] = "marian"


class ContinuationModels(Section):
    teacher: Annotated[Optional[ContinuationTeacher], doc("Teachers that exist: no or shorter `train-teacher`.")] = None
    backwards: Annotated[Optional[ContinuationBackwards], doc("A backward model that exists.")] = None


class Continuation(Section):
    vocab: Annotated[
        Union[Location, ContinuationVocab, None],
        doc("The vocabulary instead of `train-vocab`: one joint SentencePiece model, or `{src, trg}`, one per side."),
    ] = None
    corpora: Annotated[ContinuationCorpora, doc("Corpora that exist, instead of the stages that make them.")] = msgspec.field(
        default_factory=ContinuationCorpora
    )
    models: Annotated[ContinuationModels, doc("Models that exist, used as they are or trained further.")] = msgspec.field(
        default_factory=ContinuationModels
    )


class Report(Section):
    price_per_cpu_hour: Annotated[
        float, doc("What one core-hour costs (any currency): the report estimates each task's cost as its cores × its wall time at this price, plus its GPUs'.", ge=0)
    ] = 0.0
    price_per_gpu_hour: Annotated[float, doc("What one GPU-hour costs: a task's GPUs × its wall time at this price (docs/report.md).", ge=0)] = 0.0


WANDB_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"


class WandB(Section):
    project: Annotated[str, doc("The W&B project the runs go to (grouped by experiment name).", pattern=WANDB_NAME)]
    entity: Annotated[
        Optional[Annotated[str, msgspec.Meta(pattern=WANDB_NAME)]], doc("The W&B team or user (default: the logged-in user's).")
    ] = None


class Tracking(Section):
    wandb: Annotated[
        Optional[WandB],
        doc("Publish each training's curves, each evaluation's scores and the run config to Weights & Biases (`WANDB_MODE=offline` works: `wandb sync` later)."),
    ] = None
    tensorboard: Annotated[bool, doc("Write TensorBoard event files of each training's curves next to its model (`tensorboard/`).")] = False


class TrainingConfig(Section):
    experiment: Annotated[Experiment, doc("What to train.")]
    datasets: Annotated[Datasets, doc("Dataset keys `<importer>_<name>` per category.")]
    target_stage: Annotated[
        Literal[STAGES], doc("Run the graph up to this stage (and everything it needs).")
    ] = "all"
    marian_args: Annotated[MarianArgs, doc("Extra Marian options per purpose.")] = msgspec.field(default_factory=MarianArgs)
    taskcluster: Annotated[Taskcluster, doc("Taskcluster settings.")] = msgspec.field(default_factory=Taskcluster)
    continuation: Annotated[
        Continuation, doc(f"Start from what exists: a vocabulary, corpora, models (docs/continuation.md). Each location is: {LOCATION_RULE}")
    ] = msgspec.field(default_factory=Continuation)
    report: Annotated[Report, doc("The run's report (docs/report.md).")] = msgspec.field(default_factory=Report)
    tracking: Annotated[
        Tracking, doc("Trackers the curves and scores are also published to; off by default, never part of a task's digest (docs/report.md).")
    ] = msgspec.field(default_factory=Tracking)


# Sections about the run, not the models: the export's metadata and the trackers' run config leave them out.
RUN_SECTIONS = ("report", "tracking")


def without_run_sections(config: dict) -> dict:
    return {key: value for key, value in config.items() if key not in RUN_SECTIONS}


def json_schema() -> dict:
    """The config's JSON Schema with every `$ref` inlined (the Train action's form)."""
    schema = msgspec.json.schema(TrainingConfig)
    defs = schema.pop("$defs")

    def inline(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return inline({**defs[node["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in node.items() if k != "$ref"}})
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return inline(schema)


def _path(error: jsonschema.ValidationError) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path]
    return "".join(parts).lstrip(".") or "(top level)"


def _short(value) -> str:
    """repr(value), shortened: hostile input may be megabytes."""
    text = repr(value)
    if len(text) <= 60:
        return text
    return f"{text[:40]}... ({len(value):,} characters)" if isinstance(value, str) else f"{text[:40]}..."


def _describe(error: jsonschema.ValidationError) -> str:
    where = _path(error)
    limit = error.validator_value
    if error.validator in ("maxLength", "maxItems", "maxProperties"):
        unit = {"maxLength": "characters", "maxItems": "items", "maxProperties": "keys"}[error.validator]
        return f"{where}: {len(error.instance):,} {unit}; at most {limit:,}"
    if error.validator == "pattern":
        what = "key " if "propertyNames" in error.absolute_schema_path else ""
        rule = LOCATION_RULE if limit == LOCATION_PATTERN else error.schema.get("description") or f"it must match {limit}"
        return f"{where}: {what}{_short(error.instance)} is not allowed: {rule}"
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = ", ".join(error.schema.get("properties", {}))
        return f"{where}: unknown key {', '.join(map(repr, unknown))} (known keys: {known})"
    if error.validator == "required":
        return f"{where}: missing required key {error.message.split()[0]}"
    if error.validator == "enum":
        return f"{where}: {error.instance!r} is not valid; use one of: {', '.join(map(str, error.validator_value))}"
    return f"{where}: {error.message.replace(repr(error.instance), _short(error.instance))}"


JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}


def _meant(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """For a value that matches no alternative of an `anyOf`, the problems of the alternative
    of its own type (a mapping's missing key, a string's pattern), not "valid under none"."""
    if error.validator != "anyOf" or not error.context:
        return [error]
    kind = JSON_TYPES.get(type(error.instance))
    for index, alternative in enumerate(error.validator_value):
        if alternative.get("type") == kind:
            return [meant for sub in error.context if sub.relative_schema_path[0] == index for meant in _meant(sub)]
    return [error]


def schema_errors(schema: dict, value) -> list[str]:
    """Every problem of `value` against a JSON Schema, one line each, in document order."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = [meant for error in validator.iter_errors(value) for meant in _meant(error)]
    return [_describe(error) for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path)))]


def _structural_errors(raw) -> list[str]:
    return schema_errors(json_schema(), raw)


def _semantic_errors(config: dict) -> list[str]:
    """Checks the JSON Schema cannot express; tolerant of a structurally broken config."""
    experiment = config.get("experiment") if isinstance(config.get("experiment"), dict) else {}
    datasets = config.get("datasets") if isinstance(config.get("datasets"), dict) else {}
    errors = []
    codes = []
    for side in ("src", "trg"):
        code = experiment.get(side)
        if isinstance(code, str) and (problem := langs.problem(code)):
            errors.append(f"experiment.{side}: {problem}")
        elif isinstance(code, str):
            codes.append(langs.canonical(code))
    if len(codes) == 2 and codes[0] == codes[1]:
        errors.append(f"experiment: src and trg are both {codes[0]!r}; they must differ")
    continuation = config.get("continuation") if isinstance(config.get("continuation"), dict) else {}
    corpora = continuation.get("corpora") if isinstance(continuation.get("corpora"), dict) else {}
    if datasets and not datasets.get("train") and not (corpora.get("distillation") or corpora.get("parallel")):
        errors.append("datasets.train: empty; list at least one training dataset")
    if datasets and not datasets.get("devtest"):
        errors.append("datasets.devtest: empty; list at least one validation dataset")
    errors += _dataset_key_errors(datasets, dict(zip(("mono-src", "mono-trg"), codes)) if len(codes) == 2 else {})
    errors += _worker_class_errors(config.get("taskcluster"))
    errors += _filter_file_errors(experiment.get("cleaning-filters"))
    errors += _mirror_errors(config.get("taskcluster"))
    errors += _continuation_errors(continuation, experiment, datasets)
    return errors


RUN_LOCATION = re.compile(r"run:(?P<experiment>[^/]+)/(?P<label>[A-Za-z0-9_-]{1,256})/(?P<file>[^/]+)")
URL_IDENTITY = re.compile(r"#(sha256=[0-9a-f]{64}|version=[A-Za-z0-9._+-]{1,128})")


def locations(continuation: dict) -> list[tuple[str, dict | list, str | int]]:
    """(where in the config, holder, key) of every continuation location that is a string,
    so `holder[key]` reads or replaces it; tolerant of a broken config."""
    found = [("continuation.vocab", continuation, "vocab")]
    if isinstance(continuation.get("vocab"), dict):
        found = [(f"continuation.vocab.{side}", continuation["vocab"], side) for side in ("src", "trg")]
    corpora = continuation.get("corpora") or {}
    for name, corpus in corpora.items() if isinstance(corpora, dict) else []:
        for part in corpus if isinstance(corpus, dict) else []:
            found.append((f"continuation.corpora.{name}.{part}", corpus, part))
    models = continuation.get("models") or {}
    teacher, backwards = (models.get(name) or {} for name in ("teacher", "backwards"))
    teachers = teacher.get("locations") if isinstance(teacher, dict) else None
    for index in range(len(teachers) if isinstance(teachers, list) else 0):
        found.append((f"continuation.models.teacher.locations[{index}]", teachers, index))
    if isinstance(backwards, dict):
        found.append(("continuation.models.backwards.location", backwards, "location"))
    return [(where, holder, key) for where, holder, key in found if isinstance(holder.get(key) if isinstance(holder, dict) else holder[key], str)]


def _location_errors(where: str, location: str) -> list[str]:
    if location.startswith("run:") and not (RUN_LOCATION.fullmatch(location) and re.fullmatch(NAME_PATTERN, location[4:].split("/")[0])):
        return [f"{where}: {location!r}: write a stored result's file as run:<experiment>/<label>/<file>, "
                "e.g. run:quickstart/train-teacher-en-de-1/model.npz"]
    if location.startswith("https://") and "#" in location and not URL_IDENTITY.fullmatch(location[location.index("#"):]):
        return [f"{where}: {location!r}: a URL may end in #sha256=<64 hex digits> or #version=<letters, digits, ._+->, nothing else"]
    if location.startswith("/") and ".." in Path(location).parts:
        return [f"{where}: {location!r}: write the path without `..`"]
    return []


def _continuation_errors(continuation: dict, experiment: dict, datasets: dict) -> list[str]:
    errors = [error for where, holder, key in locations(continuation) for error in _location_errors(where, holder[key])]
    models = continuation.get("models") if isinstance(continuation.get("models"), dict) else {}
    corpora = continuation.get("corpora") if isinstance(continuation.get("corpora"), dict) else {}
    teacher = models.get("teacher") if isinstance(models.get("teacher"), dict) else {}
    members = experiment.get("teacher-ensemble", 1)
    if isinstance(teacher.get("locations"), list) and isinstance(members, int) and len(teacher["locations"]) != members:
        errors.append(f"continuation.models.teacher.locations: {len(teacher['locations'])} model(s) for "
                      f"experiment.teacher-ensemble {members}; give one model per teacher")
    for name in ("teacher", "backwards"):
        model = models.get(name) if isinstance(models.get(name), dict) else {}
        if model.get("type") == "opus-mt" and model.get("mode") in ("init", "continue"):
            errors.append(f"continuation.models.{name}: an opus-mt model can only be used (mode: use): "
                          "its vocabulary and pre-processing are not the pipeline's")
    if isinstance(models.get("backwards"), dict) and models["backwards"].get("type") == "opus-mt":
        errors.append("continuation.models.backwards: an opus-mt model cannot be the backward model: it also scores "
                      "the distilled corpus in the pipeline's vocabulary; give a Marian model (type marian)")
    if teacher.get("type") == "opus-mt" and isinstance(members, int) and members > 1:
        errors.append("continuation.models.teacher: an opus-mt teacher decodes alone; set experiment.teacher-ensemble to 1")
    for name in ("parallel", "backtranslations"):
        if isinstance(corpora.get(name), dict) and corpora[name].get("alignments"):
            errors.append(f"continuation.corpora.{name}.alignments: only the distilled corpus's alignments are used "
                          "(the student's guided alignment); remove them")
    for name, category in (("parallel", "train"), ("backtranslations", "mono-trg")):
        if corpora.get(name) and not corpora.get("distillation") and datasets.get(category):
            errors.append(f"datasets.{category}: not used with continuation.corpora.{name}, which replaces what they make; remove them")
    if corpora.get("distillation"):
        if not continuation.get("vocab"):
            errors.append("continuation.corpora.distillation: needs continuation.vocab, the vocabulary the student trains with")
        replaced = [f"datasets.{category}" for category in ("train", "mono-src", "mono-trg") if datasets.get(category)]
        replaced += [f"continuation.corpora.{name}" for name in ("parallel", "backtranslations") if corpora.get(name)]
        replaced += [f"continuation.models.{name}" for name in ("teacher", "backwards") if models.get(name)]
        errors += [f"{where}: not used with continuation.corpora.distillation, which replaces every stage "
                   "before the student; remove it" for where in replaced]
    return errors


def _mirror_errors(taskcluster) -> list[str]:
    mirror = taskcluster.get("data-mirror") if isinstance(taskcluster, dict) else None
    if not mirror or not isinstance(mirror, str) or urllib.parse.urlsplit(mirror).scheme in ("http", "https"):
        return []
    return [f"taskcluster.data-mirror: {mirror!r} is not an http(s) URL, e.g. https://mirror.example.org/data"]


def _filter_file_errors(name) -> list[str]:
    if not isinstance(name, str):
        return []
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        return [f"experiment.cleaning-filters: {name!r}: name a file of pipeline/clean/filters/ without .yml, e.g. default"]
    try:
        filter_file.load(name)
    except UserError as error:
        return [f"experiment.cleaning-filters: {error}"]
    return []


def _dataset_key_errors(datasets: dict, mono_langs: dict[str, str]) -> list[str]:
    """Key errors; `mono_langs` is each mono category's language (empty when the pair is invalid)."""
    errors, seen = [], {}
    for category, keys in datasets.items():
        for index, key in enumerate(keys if isinstance(keys, list) else []):
            if not isinstance(key, str):
                continue
            try:
                importer, name = parse_key(key)
                _offline_key_check(importer, key, name, mono=category.startswith("mono"))
            except UserError as error:
                errors.append(f"datasets.{category}[{index}]: {error}")
                continue
            if category.startswith("mono") and importer not in MONO_IMPORTERS:
                errors.append(
                    f"datasets.{category}[{index}]: {key!r}: the {importer}_ importer has parallel data only; "
                    f"monolingual datasets use one of {', '.join(MONO_IMPORTERS)}"
                )
            elif importer == "po" and langs.primary(mono_langs.get(category, "")) == "en":
                errors.append(
                    f"datasets.{category}[{index}]: {key!r}: gettext catalogs give monolingual text in the "
                    "language they translate into, not en; list the catalogs under train instead"
                )
            other = seen.setdefault(sanitize(key), key)
            if other != key:
                errors.append(
                    f"datasets.{category}[{index}]: {key!r} and {other!r} have the same file name "
                    f"{sanitize(key)!r}; rename one"
                )
    return errors


def _offline_key_check(importer: str, key: str, name: str, mono: bool) -> None:
    """The import's own key check, for the importers whose check needs no index or network
    (the preflight runs every importer's): a path out with `..`, a non-HTTP URL, a pip option."""
    langs = ("xx",) if mono else ("xx", "yy")  # placeholders: only [LANG]'s presence matters
    if importer == "file":
        importers.load("file").check(key, name, langs)
    elif importer == "url":
        importers.load("url").urls(name, *langs)
    elif importer == "po":
        importers.load("po").check(key, name)


def _worker_class_errors(taskcluster) -> list[str]:
    classes = taskcluster.get("worker-classes") if isinstance(taskcluster, dict) else None
    if not isinstance(classes, dict):
        return []
    kinds = sorted(path.name for path in KINDS_DIR.iterdir())
    return [
        f"taskcluster.worker-classes: {kind!r} is not a kind; use default or one of: {', '.join(kinds)}"
        for kind in classes
        if kind != "default" and kind not in kinds
    ]


def check(raw) -> tuple[dict | None, list[str]]:
    """Validate a raw config; return (config with defaults filled, []) or (None, errors)."""
    if not isinstance(raw, dict):
        return None, ["(top level): the config must be a YAML mapping"]
    errors = _structural_errors(raw) + _semantic_errors(raw)
    if errors:
        return None, bounded(errors)
    config = msgspec.to_builtins(msgspec.convert(raw, TrainingConfig))
    for side in ("src", "trg"):  # one spelling for labels, file names and steps: zh_hant -> zh-Hant
        config["experiment"][side] = langs.canonical(config["experiment"][side])
    return config, []


def bounded(errors: list[str]) -> list[str]:
    """One printable line per problem, each and all of them bounded."""
    lines = ["".join(c if c.isprintable() else repr(c)[1:-1] for c in error) for error in errors[:MAX_ERRORS]]
    lines = [line if len(line) <= MAX_LINE else line[: MAX_LINE - 3] + "..." for line in lines]
    return lines + ([f"... and {len(errors) - MAX_ERRORS} more problems"] if len(errors) > MAX_ERRORS else [])


class ConfigError(UserError):
    def __init__(self, source: str, errors: list[str]):
        self.errors = [f"{source}: {error}" for error in errors]
        super().__init__("\n".join(self.errors))


def read_yaml(path: Path | str):
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: config file not found") from None
    except yaml.YAMLError as error:
        raise UserError(f"{path}: not valid YAML: {str(error).splitlines()[0]}") from None


def load(path: Path | str) -> dict:
    """Read, validate and fill defaults; raise ConfigError with every problem."""
    config, errors = check(read_yaml(path))
    if errors:
        raise ConfigError(str(path), errors)
    return config


def normalize(raw: dict) -> dict:
    """Fill defaults of an already-valid config (parameters may omit defaulted keys)."""
    config, errors = check(raw)
    if errors:
        raise ConfigError("training_config", errors)
    return config
