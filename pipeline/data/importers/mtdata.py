"""`mtdata_<mtdata id>`, e.g. `mtdata_Statmt-news_commentary-16-deu-eng`: a dataset of the
`mtdata` index (`<group>-<name>-<version>-<l1>-<l2>`, ISO 639-3 languages; list them with
`mtdata list -id -l deu-eng`).

mtdata is used only to look the entry up: its upstream URL (or one URL per side), the
archive type (zip, tar, tgz) and the files inside (globs), the format and columns. Only the
index module of the id's group is loaded, not mtdata's whole index (~300k entries, slow, a
140 MB cache under ~/.mtdata). The files are downloaded with our `fetch` (mirror, cache,
retries) and read here, streaming: archive members one by one, never extracted. Formats:
`txt` (two line-aligned files), `sgm` (two files of `<seg>` lines), `tsv` (columns given by
the entry, default the first two) and `tmx` (each `tuv` by its language, `en-GB` matching
en). The pairs come in the (src, trg) direction asked for, whichever order the entry has.
"""

import fnmatch
import html
import importlib
import re
import shutil
import sys
import tarfile
import tempfile
import threading
import types
import zipfile
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Iterator

from pipeline.common import langs
from pipeline.common.corpus import aligned, decoded_lines
from pipeline.common.download import fetch
from pipeline.common.errors import UserError
from pipeline.common.logs import get_logger
from pipeline.common.compression import decompression_errors, open_decompressed
from pipeline.data.importers import inside, tmx_pairs, tsv_pairs

logger = get_logger(__name__)  # before mtdata is imported: it would put its own handler on a bare root logger

# mtdata's index modules (mtdata.index.Index.load_all), cheapest first; OPUS's takes seconds.
MODULES = (
    "statmt", "paracrawl", "tilde", "joshua_indian", "unitednations", "wikimatrix", "other", "neulab_tedtalks",
    "elrc_share", "ai4bharat", "eu", "linguatools", "anuvaad", "allenai_nllb", "flores", "leipzig", "huggingface",
    "opus.opus100", "opus.opus_index",
)
# The module that defines a group's entries, where its name does not say it.
GROUP_MODULES = {
    "languk": ("statmt",), "kecl": ("paracrawl",), "facebook": ("wikimatrix",), "un": ("unitednations",),
    "joshuadec": ("joshua_indian",), "neulab": ("neulab_tedtalks",), "elrc": ("elrc_share",),
    "ai4bharath": ("ai4bharat",), "allenai": ("allenai_nllb",), "opus": ("opus.opus100", "opus.opus_index"),
}
FORMATS = ("txt", "sgm", "tsv", "tmx")

_lock = threading.Lock()  # the preflight looks entries up from several threads
_entries: dict = {}  # DatasetId -> Entry, from the modules loaded so far
_loaded: set[str] = set()


def _load(module: str) -> None:
    """Add one mtdata index module's entries to `_entries`, without building mtdata's index:
    `mtdata.index` would load every module on import, so a stand-in takes its place meanwhile."""
    import mtdata
    from mtdata.entry import DatasetId, Entry
    from mtdata.iso.bcp47 import BCP47Tag, bcp47

    class Collector:
        def add_entry(self, entry):
            _entries[entry.did] = entry

        def __add__(self, entry):
            self.add_entry(entry)
            return self

        def __contains__(self, did):
            return did in _entries

    real = sys.modules.get("mtdata.index")
    if real is not None and hasattr(real, "INDEX"):  # someone built the whole index already
        _entries.update(real.INDEX.entries)
        return
    stand_in = types.ModuleType("mtdata.index")
    stand_in.__path__ = [str(Path(mtdata.__file__).parent / "index")]
    stand_in.__dict__.update(Index=Collector, Entry=Entry, DatasetId=DatasetId, bcp47=bcp47, BCP47Tag=BCP47Tag,
                             log=mtdata.log)
    before = set(sys.modules)
    sys.modules["mtdata.index"] = stand_in
    try:
        importlib.import_module(f"mtdata.index.{module}").load_all(Collector())
    finally:
        for name in set(sys.modules) - before:
            if name.startswith("mtdata.index"):
                del sys.modules[name]


def lookup(key: str, name: str):
    """The mtdata Entry of an id (its languages in either order); a malformed or unknown id is a UserError."""
    from mtdata.entry import DatasetId

    try:
        if not 4 <= len(name.split("-")) <= 5:
            raise ValueError("e.g. Statmt-news_commentary-16-deu-eng")
        did = DatasetId.parse(name)
    except Exception as error:  # mtdata raises Exception, AssertionError or ValueError
        raise UserError(f"dataset {key}: not an mtdata id <group>-<name>-<version>-<l1>-<l2> ({error})") from None
    if len(did.langs) != 2:
        raise UserError(f"dataset {key}: a monolingual mtdata entry; the mtdata_ importer reads parallel data only")
    candidates = (did, DatasetId(group=did.group, name=did.name, version=did.version, langs=did.langs[::-1]))
    first = [module for module in GROUP_MODULES.get(did.group.lower(), (did.group.lower(),)) if module in MODULES]
    with _lock:
        for module in [*first, *(module for module in MODULES if module not in first), None]:
            if entry := next((_entries[each] for each in candidates if each in _entries), None):
                return entry
            if module and module not in _loaded:
                _load(module)
                _loaded.add(module)
    raise UserError(f"dataset {key}: no such mtdata entry; find ids with `mtdata list -id -l {did.lang_str}`")


def _entry_urls(entry) -> list[str]:
    return list(entry.url) if isinstance(entry.url, (list, tuple)) else [entry.url]


def urls(name: str, src: str, trg: str | None = None) -> list[str]:
    entry = lookup(f"mtdata_{name}", name)
    return [] if entry.ext == "hfds" else _entry_urls(entry)


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    from mtdata.iso.bcp47 import BCP47Tag, bcp47

    entry = lookup(key, name)
    fmt = entry.in_ext or entry.ext.split(".")[0]
    if fmt not in FORMATS:
        raise UserError(f"dataset {key}: mtdata's {fmt} format is not supported here (only {', '.join(FORMATS)})")
    try:
        # mtdata parses no numeric region (es-419): it gets language and script (langs.base)
        compatible, swap = BCP47Tag.check_compat_swap((bcp47(langs.base(src)), bcp47(langs.base(trg))), entry.did.langs)
    except (AssertionError, ValueError) as error:
        raise UserError(f"dataset {key}: cannot match {src}-{trg} with the entry's languages ({error})") from None
    if not compatible:
        raise UserError(f"dataset {key}: the entry's languages are {entry.did.lang_str}, not {src}-{trg}")
    logger.info("%s: mtdata entry %s, %s from %s", key, entry.did, fmt, " ".join(_entry_urls(entry)))
    return _pairs(key, entry, fmt, src, trg, swap)


def _pairs(key: str, entry, fmt: str, src: str, trg: str, swap: bool) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="import-mtdata-") as tmp, _files(key, entry, Path(tmp)) as files:
        if fmt == "tmx":  # picked by language: already in the (src, trg) direction
            src_lang, trg_lang = (lang.lang for lang in (entry.did.langs[::-1] if swap else entry.did.langs))
            for label, stream in files:
                label = f"dataset {key}: {label}"
                yield from _guard(label, tmx_pairs(stream, label, [src, src_lang], [trg, trg_lang]))
            return
        lines = [(label, _guard(f"dataset {key}: {label}", decoded_lines(stream, label))) for label, stream in files]
        cols = tuple(entry.cols or (0, 1))
        if fmt == "tsv" and not (len(files) == 2 and len(cols) == 1):
            rows = (row for label, each in lines for row in tsv_pairs(each, label, cols, strict=False))
        elif len(files) == 2:
            read = {"txt": _plain, "sgm": _sgm, "tsv": lambda each: _column(each, cols[0])}[fmt]
            (label1, lines1), (label2, lines2) = lines
            rows = aligned(read(lines1), read(lines2), label1, label2)
        else:
            raise UserError(f"dataset {key}: expected two {fmt} files (one per language), the entry has {len(files)}")
        for first, second in rows:
            yield (second, first) if swap else (first, second)


def _guard(label: str, items: Iterator) -> Iterator:
    """`items`, with a corrupt compressed stream or archive member reported as one line naming `label`."""
    with decompression_errors(label):
        yield from items


def _column(lines: Iterator[str], col: int) -> Iterator[str]:
    for line in lines:
        fields = line.split("\t")
        yield fields[col] if col < len(fields) else ""


def _plain(lines: Iterator[str]) -> Iterator[str]:
    return lines


_SEG = re.compile(r"<seg[^>]*>(.*)</seg>")


def _sgm(lines: Iterator[str]) -> Iterator[str]:
    """The text of each `<seg id="…">…</seg>` line (as mtdata reads WMT's .sgm files)."""
    for line in lines:
        if match := _SEG.search(line):
            yield " ".join(html.unescape(match.group(1)).split())


@contextmanager
def _files(key: str, entry, tmp: Path) -> Iterator[list[tuple[str, IO[bytes]]]]:
    """Download the entry and open its data files: (label, decompressed binary stream) each."""
    with ExitStack() as stack:
        urls = _entry_urls(entry)
        paths = [tmp / f"{index}.{entry.ext}" for index in range(len(urls))]
        for url, path in zip(urls, paths):
            fetch(url, path, f"dataset {key}")
        if not entry.is_archive:
            yield [(url, stack.enter_context(open_decompressed(path))) for url, path in zip(urls, paths)]
        elif zipfile.is_zipfile(paths[0]):
            yield _zip_members(key, urls[0], paths[0], entry.in_paths, stack)
        else:
            yield _tar_members(key, urls[0], paths[0], entry.in_paths, tmp, stack)


def _match(key: str, url: str, names: list[str], pattern: str) -> str:
    found = fnmatch.filter(names, pattern)
    if len(found) != 1:
        raise UserError(f"dataset {key}: {url}: {len(found)} files match {pattern!r}; expected one")
    return found[0]


def _zip_members(key: str, url: str, path: Path, patterns: list[str], stack: ExitStack) -> list[tuple[str, IO[bytes]]]:
    try:
        archive = stack.enter_context(zipfile.ZipFile(path))
    except zipfile.BadZipFile as error:
        raise UserError(f"dataset {key}: {url}: cannot read the zip archive ({error})") from None
    infos = {info.filename: info for info in archive.infolist() if not info.is_dir() and inside(info.filename)}
    members = []
    for pattern in patterns:
        info = infos[_match(key, url, list(infos), pattern)]
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise UserError(f"dataset {key}: {url}: {info.filename} is a symbolic link")
        members.append((f"{url}:{info.filename}", stack.enter_context(archive.open(info))))
    return members


def _tar_members(
    key: str, url: str, path: Path, patterns: list[str], tmp: Path, stack: ExitStack
) -> list[tuple[str, IO[bytes]]]:
    """One member streams from the archive; several are copied out (by content, to our own
    file names, in archive order) so they can be read side by side from a compressed tar."""
    try:
        archive = stack.enter_context(tarfile.open(path, "r:*"))
        infos = {
            info.name.removeprefix("./"): info for info in archive.getmembers() if not info.isdir() and inside(info.name)
        }
        chosen = [infos[_match(key, url, list(infos), pattern)] for pattern in patterns]
        for info in chosen:
            if not info.isfile():
                raise UserError(f"dataset {key}: {url}: {info.name} is a link or special file, not a regular file")
        if len(chosen) == 1:
            return [(f"{url}:{chosen[0].name}", stack.enter_context(archive.extractfile(chosen[0])))]
        copies = {}
        for index, info in sorted(enumerate(chosen), key=lambda item: item[1].offset_data):
            copies[index] = tmp / f"member-{index}"
            with archive.extractfile(info) as source, open(copies[index], "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise UserError(f"dataset {key}: {url}: cannot read the tar archive ({error})") from None
    return [(f"{url}:{info.name}", stack.enter_context(open(copies[index], "rb"))) for index, info in enumerate(chosen)]
