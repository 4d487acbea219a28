"""export: the deployable package of the int8 student.

Inputs: the int8 model (`--model`, .bin) and its `--model-config` (model.yml from
quantize.py), the binary shortlist (`--shortlist`), the vocabularies (`--vocabs`),
the evaluation metrics (`--metrics`, `<dataset>.metrics.json` files) and the training
config (`--config`, JSON). Outputs in `--output-dir`, every file gzipped (deterministic:
no name or time in the gzip header):

- `model.<src><trg>.intgemm8.bin.gz`, `lex.50.50.<src><trg>.s2t.bin.gz`, `vocab.<src><trg>.spm.gz`
  (or `srcvocab.<src><trg>.spm.gz` and `trgvocab.<src><trg>.spm.gz` when the sides differ);
- `metadata.json`: languages, the architecture (Marian's options stored in the model),
  for each file its bytes and sha256 both as shipped (.gz) and uncompressed, the
  evaluation scores per test set, and the training config.

To use the package: gunzip, then
`pymarian decode -m model.*.bin -v vocab.*.spm vocab.*.spm --shortlist lex.*.bin false`
(`-v srcvocab.*.spm trgvocab.*.spm` for a vocabulary per side).
"""

import argparse
import gzip
import hashlib
import json
import shutil
from pathlib import Path

import yaml

from pipeline.common import marian
from pipeline.common.corpus import write_json
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger

logger = get_logger(__name__)

# The option names that describe a Marian model's shape, as stored in it.
ARCHITECTURE_KEYS = (
    "type", "dim-vocabs", "dim-emb", "enc-depth", "dec-depth", "dec-cell", "tied-embeddings-all", "transformer-heads",
    "transformer-dim-ffn", "transformer-ffn-depth", "transformer-ffn-activation", "transformer-decoder-autoreg",
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def gzip_file(source: Path, target: Path) -> dict:
    """Gzip `source` to `target`; returns the sizes and hashes of both."""
    partial = target.with_name(f".{target.name}.tmp")
    with open(source, "rb") as f, open(partial, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) as out:
        shutil.copyfileobj(f, out, 1 << 20)
    partial.replace(target)
    return {
        "bytes": target.stat().st_size,
        "sha256": sha256(target),
        "uncompressed_bytes": source.stat().st_size,
        "uncompressed_sha256": sha256(source),
    }


def model_architecture(model_config: Path) -> dict:
    """The shape options among those Marian stored in the model."""
    config = yaml.safe_load(model_config.read_text(encoding="utf-8"))
    if not isinstance(config, dict):
        raise UserError(f"{model_config}: not Marian's model options (YAML)")
    return {key: config[key] for key in ARCHITECTURE_KEYS if key in config}


def scores(metrics_files: list[Path]) -> dict:
    result = {}
    for path in metrics_files:
        metrics = json.loads(path.read_text())
        result[metrics["dataset"]] = {key: metrics[key] for key in ("bleu", "chrf", "chrfpp", "lines")}
    return result


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--model-config", required=True, type=Path)
    parser.add_argument("--shortlist", required=True, type=Path)
    marian.add_vocabs_argument(parser, "the")
    parser.add_argument("--metrics", nargs="*", default=[], type=Path)
    parser.add_argument("--config", required=True, type=json.loads, help="the training config, as JSON")
    parser.add_argument("--output-dir", required=True, type=Path)
    args = parser.parse_args(argv)
    for path in (args.model, args.model_config, args.shortlist, *args.vocabs, *args.metrics):
        if not path.exists():
            raise UserError(f"{path}: file not found")
    pair = f"{args.src}{args.trg}"
    names = {
        "model": (args.model, f"model.{pair}.intgemm8.bin.gz"),
        "shortlist": (args.shortlist, f"lex.50.50.{pair}.s2t.bin.gz"),
    }
    if marian.joint(args.vocabs):
        names["vocab"] = (args.vocabs[0], f"vocab.{pair}.spm.gz")
    else:
        names |= {"srcvocab": (args.vocabs[0], f"srcvocab.{pair}.spm.gz"), "trgvocab": (args.vocabs[1], f"trgvocab.{pair}.spm.gz")}
    args.output_dir.mkdir(parents=True, exist_ok=True)
    files = {name: {"file": target, **gzip_file(source, args.output_dir / target)} for name, (source, target) in names.items()}
    metadata = {
        "sourceLanguage": args.src,
        "targetLanguage": args.trg,
        "architecture": model_architecture(args.model_config),
        "gemmType": "intgemm8",
        "files": files,
        "scores": scores(args.metrics),
        "config": args.config,
    }
    write_json(args.output_dir / "metadata.json", metadata)
    logger.info("exported %s", ", ".join(f"{f['file']} ({f['bytes']} bytes)" for f in files.values()))


if __name__ == "__main__":
    main()
