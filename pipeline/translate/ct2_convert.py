"""convert: a Marian transformer (`.npz`) as a CTranslate2 model, for the teacher's and the
backward model's decoding with `experiment.teacher-decoder: ctranslate2` (docs/decoding.md).

Outputs in `--output-dir`: `model.bin` (float32 weights: the decoding task picks its compute
type, int8 on CPU, float16 on GPU), `config.json`, `source_vocabulary.json` and
`target_vocabulary.json` (always both, so the graph knows the names).

Three things in our Marian models need care (../shared/reference/ctranslate2.md):
- pymarian 1.12.40+ pads the `special:model.yml` entry with NULs to a multiple of 256
  bytes; the converter strips one byte and then fails to read the YAML;
- the converter's fallback position table (no `Wpos` in the npz: every Marian model with
  fixed positions) uses frequencies 1e-4^(i/(d/2)) where Marian uses 1e-4^(i/(d/2-1)):
  we give it Marian's table, so its scores are Marian's;
- the vocabularies are SentencePiece models whose ids are Marian's ids: the converter reads
  YAML `piece: id` vocabularies, so we write them from the pieces in id order, and check
  the converted vocabularies against the pieces.
"""

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import sentencepiece
import yaml

from pipeline.common import marian
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger

logger = get_logger(__name__)

CONFIG_KEY = "special:model.yml"
# Positions of the encoding table: the cleaning filters cap a sentence at 1,000 characters.
POSITIONS = 4096
FILES = ("model.bin", "config.json", "source_vocabulary.json", "target_vocabulary.json")


def fixed_config(entry: np.ndarray) -> np.ndarray:
    """The `special:model.yml` bytes with exactly one trailing NUL, as the converter expects."""
    return np.frombuffer(entry.tobytes().rstrip(b"\0") + b"\0", dtype=np.int8)


def marian_positions(dim: int, positions: int = POSITIONS) -> np.ndarray:
    """Marian's sinusoid table (inits::sinusoidalPositionEmbeddings): sines, then cosines,
    frequency exp(-i * ln(1e4) / (dim/2 - 1))."""
    timescales = dim // 2
    frequencies = np.exp(np.arange(timescales) * -(np.log(10000.0) / (timescales - 1)))
    angles = np.arange(positions)[:, None] * frequencies[None, :]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)


def prepared_npz(model: Path, output: Path) -> dict:
    """Write the model with its config entry fixed and Marian's position table as `Wpos`
    (what the converter uses before its own table); return the model's config."""
    with np.load(model) as weights:
        arrays = {name: weights[name] for name in weights.files}
    if CONFIG_KEY not in arrays:
        raise UserError(f"{model}: no {CONFIG_KEY} entry: not a Marian model saved by Marian")
    arrays[CONFIG_KEY] = fixed_config(arrays[CONFIG_KEY])
    config = yaml.safe_load(arrays[CONFIG_KEY][:-1].tobytes())
    unsupported = not_convertible(config)
    if unsupported:
        raise UserError(f"{model}: CTranslate2 cannot decode this model ({unsupported}); set experiment.teacher-decoder: marian")
    if "Wpos" not in arrays:
        arrays["Wpos"] = marian_positions(int(config["dim-emb"]))
    np.savez(output, **arrays)
    return config


def not_convertible(config: dict) -> str:
    """Why the converter refuses a Marian model, or ""."""
    if config.get("type") != "transformer":
        return f"type {config.get('type')}: only transformers convert"
    if config.get("transformer-decoder-autoreg", "self-attention") != "self-attention":
        return f"transformer-decoder-autoreg {config['transformer-decoder-autoreg']}: only self-attention decoders convert"
    return ""


def pieces(spm: Path) -> list[str]:
    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm))
    return [processor.id_to_piece(number) for number in range(processor.get_piece_size())]


def write_yaml_vocab(tokens: list[str], path: Path) -> None:
    """`"piece": id` lines in id order, quoted as the converter's own parser reads them."""
    with open(path, "w", encoding="utf-8") as out:
        for number, token in enumerate(tokens):
            out.write('"' + token.replace("\\", "\\\\").replace('"', '\\"') + f'": {number}\n')


def convert(model: Path, vocabs: list[Path], output_dir: Path) -> None:
    from ctranslate2.converters import MarianConverter

    output_dir.mkdir(parents=True, exist_ok=True)
    sides = [pieces(vocab) for vocab in vocabs]
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".convert.") as tmp:
        work = Path(tmp)
        config = prepared_npz(model, work / "model.npz")
        yaml_vocabs = [work / "source.yml", work / "target.yml"]
        for tokens, path in zip(sides, yaml_vocabs):
            write_yaml_vocab(tokens, path)
        converted = work / "ctranslate2"
        try:
            MarianConverter(str(work / "model.npz"), [str(path) for path in yaml_vocabs]).convert(str(converted))
        except (ValueError, NotImplementedError) as error:
            raise UserError(f"{model}: CTranslate2 cannot convert this model: {error}; set experiment.teacher-decoder: marian") from None
        _split_shared_vocabulary(converted)
        for name, tokens in zip(("source", "target"), sides):
            if json.loads((converted / f"{name}_vocabulary.json").read_text(encoding="utf-8")) != tokens:
                raise UserError(f"{vocabs[0 if name == 'source' else 1]}: a piece did not survive the YAML vocabulary; "
                                "set experiment.teacher-decoder: marian")
        for name in FILES:  # model.bin first is fine: the task's result is stored only when the step succeeds
            (converted / name).replace(output_dir / name)
    logger.info("converted %s (%s, %d+%d layers, dim %s) into %s", model, config["type"], config["enc-depth"],
                config["dec-depth"], config["dim-emb"], output_dir)


def _split_shared_vocabulary(converted: Path) -> None:
    """The converter writes one shared vocabulary when both sides are equal: always write
    both sides' files, so the artifacts' names do not depend on the vocabularies."""
    shared = converted / "shared_vocabulary.json"
    if shared.exists():
        shutil.copyfile(shared, converted / "source_vocabulary.json")
        shared.replace(converted / "target_vocabulary.json")


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path, help="the Marian model (.npz)")
    marian.add_vocabs_argument(parser)
    parser.add_argument("--output-dir", required=True, type=Path)
    args = parser.parse_args(argv)
    for path in [args.model, *args.vocabs]:
        if not path.is_file():
            raise UserError(f"{path}: file not found")
    convert(args.model, args.vocabs, args.output_dir)


if __name__ == "__main__":
    main()
