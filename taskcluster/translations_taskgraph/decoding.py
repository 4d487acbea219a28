"""What the config's `experiment.teacher-decoder` and `experiment.decoding` do to the graph
(docs/decoding.md).

`decoders(tc)` says which decoder each translating model gets: CTranslate2 when the config
asks for it and it can decode the model (one transformer; not an ensemble, whose
predictions CTranslate2 cannot average, nor an OPUS-MT model with its own processing),
else Marian; `notes(tc)` says what runs, for `translations validate`.

The transform, listed before the pipeline in the kinds that decode or convert a model:
- a task with `decoder-of: teacher|backwards` and `if-decoder: ctranslate2|marian` is
  only generated when that model's decoder is the one named (the `convert` kind);
- in a task with `decoder-of`, an upstream with `if-decoder` is only kept when that
  model's decoder is the one named (the Marian model, or its CTranslate2 conversion);
- a task with `decoding: backtranslation|distillation` gets `{decoding_args}` in its
  command: the Marian options of that purpose's method (`--output-sampling ...` for
  sampling, nothing for beam search), which the CTranslate2 path maps to its own.
"""

from taskgraph.transforms.base import TransformSequence

from translations_taskgraph import training_config

MODELS = ("teacher", "backwards")
# Marian model options CTranslate2's converter refuses (ct2_convert.not_convertible checks the model itself).
CONVERTIBLE = {"type": "transformer", "transformer-decoder-autoreg": "self-attention"}
TRAINING_ARGS = {"teacher": "training-teacher", "backwards": "training-backward"}


def _why_marian(tc: dict, model: str) -> str:
    """Why `model` decodes with Marian although the config asks for CTranslate2, or ""."""
    experiment = tc["experiment"]
    continued = tc["continuation"]["models"].get(model) or {}
    if model == "teacher" and experiment["teacher-ensemble"] > 1:
        return (f"the {experiment['teacher-ensemble']}-teacher ensemble decodes with Marian: CTranslate2 decodes one model "
                "and cannot average an ensemble's predictions")
    if continued.get("type") == "opus-mt":
        return f"the OPUS-MT {model} model decodes with Marian, through its own vocabulary and processing"
    options = tc["marian-args"][TRAINING_ARGS[model]]
    for key, value in CONVERTIBLE.items():
        if key in options and options[key] != value:
            return f"the {model} model ({key}: {options[key]}) decodes with Marian: CTranslate2 converts only {key} {value}"
    return ""


def decoders(tc: dict) -> dict[str, str]:
    """{"teacher": "ctranslate2" | "marian", "backwards": ...}."""
    wanted = tc["experiment"]["teacher-decoder"]
    return {model: "ctranslate2" if wanted == "ctranslate2" and not _why_marian(tc, model) else "marian" for model in MODELS}


def notes(tc: dict) -> list[str]:
    """What decodes each model, one line each, when the config asks for CTranslate2; a model
    that decodes with Marian instead is a `warning:` line saying why."""
    if tc["experiment"]["teacher-decoder"] != "ctranslate2":
        return []
    names = {"teacher": "the teacher", "backwards": "the backward model"}
    return [f"warning: experiment.teacher-decoder: ctranslate2: {why}" if (why := _why_marian(tc, model))
            else f"{names[model]} decodes with CTranslate2 (convert-{model})" for model in MODELS
            if model == "teacher" or tc["datasets"]["mono-trg"]]


def method_args(decoding: dict) -> str:
    """The Marian options of one purpose's decoding method."""
    if decoding["method"] == "beam":
        return ""
    sampled = f"topk {decoding['top-k']}" if decoding["top-k"] else "full"
    return f"--output-sampling {sampled} {decoding['temperature']} --seed 1"


transforms = TransformSequence()


@transforms.add
def by_decoder(config, tasks):
    tc = training_config.get(config.params)
    chosen = decoders(tc)
    for task in tasks:
        model = task.pop("decoder-of", None)
        if model and task.pop("if-decoder", chosen[model]) != chosen[model]:
            continue
        if model:
            task["upstreams"] = [up for up in task.get("upstreams", []) if up.pop("if-decoder", chosen[model]) == chosen[model]]
        purpose = task.pop("decoding", None)
        if purpose:
            task.setdefault("render-context", {})["decoding_args"] = method_args(tc["experiment"]["decoding"][purpose])
        yield task
