"""OPUS-MT / Tatoeba-MT releases: unpack one into the files our steps read, and decode
with its own pre- and post-processing (their `preprocess.sh` and `postprocess.sh`, in
Python).

A release (a zip, or its unpacked folder) holds the Marian weights (`*.npz`), one joint
YAML vocabulary of SentencePiece pieces (`*.vocab.yml`; its ids are not SentencePiece
ids), `source.spm` and `target.spm`, `decoder.yml` and a README. Marian only sees
pieces: the source is normalized (full-width punctuation and digits to ASCII, control
and zero-width characters removed, spaces squeezed), cut into pieces with `source.spm`
and, for a model with several target languages, given a `>>xxx<<` label; the output
pieces are joined back into text.

`unpack` writes: `model.npz`, `opus-mt.vocab.yml`, `source.spm`, `target.spm` and
`opus-mt.json` (its target labels and the README's benchmark table).
"""

import json
import re
import shutil
import tempfile
import unicodedata
import zipfile
from pathlib import Path

from pipeline.common import langs
from pipeline.common.errors import UserError
from pipeline.common.logs import get_logger
from pipeline.common.marian import is_number

logger = get_logger(__name__)
FILES = ("model.npz", "opus-mt.vocab.yml", "source.spm", "target.spm", "opus-mt.json")
LABEL = re.compile(r">>([A-Za-z0-9_]+)<<")
# CJK punctuation their preprocessing maps to ASCII; the full-width ASCII block (U+FF01-FF5E) maps too.
PUNCTUATION = {"，": ",", "、": ",", "。": ". ", "“": '"', "”": '"', "∶": ":", "《": '"', "》": '"', "\u3000": " "}
FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def unpack(release: Path, out: Path) -> dict:
    """Write FILES into `out` from a release zip or folder; returns the metadata."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = release
        if release.is_file():
            if not zipfile.is_zipfile(release):
                raise UserError(f"{release}: not a zip file; an OPUS-MT model is its release zip or the unpacked folder")
            with zipfile.ZipFile(release) as archive:
                _extract(archive, Path(tmp))
            folder = Path(tmp)
        files = {path.name: path for path in folder.rglob("*") if path.is_file()}
        npz = [name for name in files if name.endswith(".npz") and ".optimizer." not in name]
        vocab = [name for name in files if name.endswith(".vocab.yml")]
        missing = [what for what, found in (("the weights (*.npz)", npz), ("the vocabulary (*.vocab.yml)", vocab),
                                             ("source.spm", "source.spm" in files), ("target.spm", "target.spm" in files)) if not found]
        if missing:
            raise UserError(f"{release}: not an OPUS-MT release: no {', '.join(missing)}")
        if len(npz) > 1:
            raise UserError(f"{release}: more than one model ({', '.join(sorted(npz))}); give the release of one")
        out.mkdir(parents=True, exist_ok=True)
        for name, source in (("model.npz", npz[0]), ("opus-mt.vocab.yml", vocab[0]), ("source.spm", "source.spm"), ("target.spm", "target.spm")):
            shutil.copyfile(files[source], out / name)
        readme = files["README.md"].read_text(encoding="utf-8", errors="replace") if "README.md" in files else ""
    metadata = {"labels": labels(out / "opus-mt.vocab.yml"), "benchmarks": benchmarks(readme)}
    (out / "opus-mt.json").write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
    return metadata


def _extract(archive: zipfile.ZipFile, into: Path) -> None:
    """Extract, refusing names that would land outside `into` (a hostile zip)."""
    for member in archive.infolist():
        target = (into / member.filename).resolve()
        if not target.is_relative_to(into.resolve()):
            raise UserError(f"{archive.filename}: the entry {member.filename!r} points outside the archive's folder")
    archive.extractall(into)


def labels(vocab: Path) -> list[str]:
    """The target-language labels in the vocabulary (`>>deu<<` -> `deu`); none for a one-target model."""
    found = []
    for line in vocab.read_text(encoding="utf-8").splitlines():
        piece = line.split(":", 1)[0].strip().strip("'\"")
        if match := LABEL.fullmatch(piece):
            found.append(match.group(1))
    return sorted(set(found))


def benchmarks(readme: str) -> list[dict]:
    """The README's benchmark table rows: testset, BLEU, chr-F (as they are written)."""
    rows = []
    for line in readme.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[1].replace(".", "", 1).isdigit():
            rows.append({"testset": cells[0], "BLEU": float(cells[1]), "chr-F": float(cells[2]) if is_number(cells[2]) else cells[2]})
    return rows


def target_label(metadata: dict, trg: str) -> str | None:
    """The `>>xxx<<` label a multi-target model needs for the target language (None for a
    one-target model): the language's code as the model spells it, `de`, `deu` or `deu_Latn`."""
    if not metadata["labels"]:
        return None
    written = langs.alpha3_script(trg)
    for candidate in (trg, langs.base(trg), written.split("_")[0], written):
        if candidate in metadata["labels"]:
            return f">>{candidate}<<"
    raise UserError(f"the OPUS-MT model's target labels are {', '.join(metadata['labels'])}; none of them is {trg} "
                    f"({written}): is it a model for this language pair?")


def normalize(line: str) -> str:
    """What their preprocessing does before SentencePiece."""
    line = "".join(PUNCTUATION.get(char, char) for char in line).translate(FULL_WIDTH)
    line = "".join(char for char in line if not unicodedata.category(char).startswith("C"))
    return " ".join(line.split())


class Package:
    """An unpacked release: pieces in for Marian, text out."""

    def __init__(self, folder: Path, trg: str):
        import sentencepiece

        self.folder = folder
        self.metadata = json.loads((folder / "opus-mt.json").read_text())
        self.label = target_label(self.metadata, trg)
        logger.info("OPUS-MT model %s: its own pieces and vocabulary, target label %s", folder / "model.npz", self.label or "none")
        self.source = sentencepiece.SentencePieceProcessor(model_file=str(folder / "source.spm"))

    @property
    def vocab(self) -> Path:
        return self.folder / "opus-mt.vocab.yml"

    def encode(self, line: str) -> str:
        pieces = " ".join(self.source.encode(normalize(line), out_type=str))
        return f"{self.label} {pieces}" if self.label else pieces


def decode_pieces(line: str) -> str:
    """Their postprocessing: pieces back to text."""
    return line.replace(" ", "").replace("\u2581", " ").strip()


def decode_output(line: str, nbest: bool) -> str:
    """A line of Marian's output in pieces, as text; of an n-best list, its hypothesis field."""
    fields = line.split(" ||| ")
    if not nbest or len(fields) < 4:
        return decode_pieces(line)
    return " ||| ".join([fields[0], decode_pieces(" ||| ".join(fields[1:-2])), *fields[-2:]])


def package_of(models: list[Path], trg: str) -> Package | None:
    """The OPUS-MT release a model belongs to (`opus-mt.json` beside it), if any."""
    if not any((model.parent / "opus-mt.json").exists() for model in models):
        return None
    if len(models) > 1:
        raise UserError(f"{', '.join(map(str, models))}: an OPUS-MT model decodes alone, not in an ensemble")
    return Package(models[0].parent, trg)
