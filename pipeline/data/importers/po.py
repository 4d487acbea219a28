"""`po_<source>`: English-sourced parallel pairs from gettext catalogs (.po and .mo).

The source is an absolute path to a directory or an archive (wheel/zip, sdist .tar.gz,
.tgz, .tar.bz2), or else a PyPI requirement such as `indico==3.3.14`, fetched with
`pip download --no-deps`. Archives are read member by member, never extracted.

A catalog belongs to a locale given by its `<loc>/LC_MESSAGES/` folder, else by its file
name (`de.po`, `plone-de.po`), else by its `Language:` header; `de`, `de_*` and `de-*`
match `de`. msgid is English, msgstr the other language. Listed under mono-src or mono-trg, a source
gives the msgstr side alone: monolingual text in that language (not in English).
"""

import codecs
import os
import re
import tarfile
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Callable, Iterator

from pipeline.common.errors import UserError
from pipeline.common import langs
from pipeline.common.logs import get_logger
from pipeline.data.download import pip_download
from pipeline.data.importers import inside

if TYPE_CHECKING:  # polib is imported where catalogs are parsed: the preflight imports this module without it
    import polib

logger = get_logger(__name__)

ZIP_SUFFIXES = (".whl", ".zip")
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar")

# A catalog member: its path inside the source, and how to read its bytes.
Member = tuple[PurePosixPath, Callable[[], bytes]]


def is_english(lang: str) -> bool:
    return langs.primary(lang) == "en"


_SPEC = r"(?:===?|[<>!~]=|[<>])[A-Za-z0-9.*+!_-]+"
_REQUIREMENT = re.compile(rf"([A-Za-z0-9][A-Za-z0-9._-]*)({_SPEC}(?:,{_SPEC})*)?")


def check(key: str, name: str) -> tuple[str, str | None] | None:
    """(project, pinned version or None) of a PyPI requirement; None for a local path. The
    same check for the import and the preflight: never a relative path, URL or pip option."""
    if name.startswith("/"):
        if ".." in PurePosixPath(name).parts:
            raise UserError(f"dataset {key}: {name} contains '..'; name the directory or archive without '..'")
        return None
    match = _REQUIREMENT.fullmatch(name)
    if not match:
        raise UserError(
            f"dataset {key}: {name!r} is neither an absolute path nor a PyPI requirement such as indico==3.3.14"
        )
    project, specs = match.groups()
    pinned = re.fullmatch(r"==([A-Za-z0-9.+!_-]+)", specs or "")
    return project, pinned.group(1) if pinned else None


def _check_source(key: str, name: str) -> None:
    check(key, name)
    if name.startswith("/") and not os.path.exists(name):
        raise UserError(f"dataset {key}: {name}: no such file or directory")


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    _check_source(key, name)
    if is_english(src) == is_english(trg):
        raise UserError(f"dataset {key}: gettext catalogs translate from English, so src or trg (not both) must be en; got {src}-{trg}")
    lang, swap = (trg, False) if is_english(src) else (src, True)
    return _pairs(key, name, lang, swap)


def lines(key: str, name: str, lang: str) -> Iterator[str]:
    """Monolingual data: the translations (msgstr) of the `lang` catalogs."""
    _check_source(key, name)
    if is_english(lang):
        raise UserError(f"dataset {key}: gettext catalogs give monolingual text in the language they translate into, not en; list the catalogs under train instead")
    return (other for _, other in _pairs(key, name, lang, False))


def _pairs(key: str, source: str, lang: str, swap: bool) -> Iterator[tuple[str, str]]:
    count = 0
    with _members(source, lambda path: is_candidate(path, lang)) as members:
        for path, read in select_catalogs(members, lang):
            catalog = parse_catalog(path, read())
            if catalog is None:
                continue
            before = count
            for english, other in catalog_pairs(catalog):
                count += 1
                yield (other, english) if swap else (english, other)
            logger.info("%s: %d pairs", path, count - before)
    if not count:
        raise UserError(f"dataset {key}: no {lang} gettext catalog entries found in {source}")


@contextmanager
def _members(source: str, wanted: Callable[[PurePosixPath], bool]) -> Iterator[list[Member]]:
    """The `wanted` files of a directory, an archive, or a PyPI requirement's archive."""
    if not source.startswith("/"):  # relative names are requirements, never local paths
        with tempfile.TemporaryDirectory(prefix="import-po-") as tmp:
            archive = pip_download(source, Path(tmp))
            with _archive_members(archive, wanted) as members:
                yield members
    elif os.path.isdir(source):
        yield [member for member in _directory_members(Path(source)) if wanted(member[0])]
    else:
        with _archive_members(Path(source), wanted) as members:
            yield members


def _directory_members(root: Path) -> Iterator[Member]:
    real_root = root.resolve()
    for folder, _, files in os.walk(root):
        for file in files:
            path = Path(folder, file)
            if path.is_symlink() and not path.resolve().is_relative_to(real_root):
                continue  # never follow a link out of the source
            yield PurePosixPath(path.relative_to(root).as_posix()), path.read_bytes


@contextmanager
def _archive_members(archive: Path, wanted: Callable[[PurePosixPath], bool]) -> Iterator[list[Member]]:
    name = archive.name.lower()
    try:
        if name.endswith(ZIP_SUFFIXES):
            with zipfile.ZipFile(archive) as zip_file:
                yield [
                    (PurePosixPath(info.filename), lambda info=info: zip_file.read(info))
                    for info in zip_file.infolist()
                    if not info.is_dir() and (info.external_attr >> 16) & 0o170000 != 0o120000  # no symlinks
                    and inside(info.filename) and wanted(PurePosixPath(info.filename))
                ]
        elif name.endswith(TAR_SUFFIXES):
            # Read in archive order: seeking back in a compressed tar re-reads it from the start.
            with tarfile.open(archive, "r:*") as tar_file:
                members = []
                for info in tar_file:
                    if info.isfile() and inside(info.name) and wanted(PurePosixPath(info.name)):  # no links
                        data = tar_file.extractfile(info).read()
                        members.append((PurePosixPath(info.name), lambda data=data: data))
            yield members
        else:
            raise UserError(
                f"{archive}: not a directory or a supported archive ({', '.join(ZIP_SUFFIXES + TAR_SUFFIXES)})"
            )
    except (zipfile.BadZipFile, tarfile.TarError, EOFError) as error:
        raise UserError(f"{archive}: cannot read the archive ({error})") from None


_LOCALE = r"[a-z]{2,3}(?:[-_](?:[A-Za-z]{2}|[0-9]{3}|[A-Z][a-z]+))*(?:@\w+)?"
_LOCALE_IN_NAME = re.compile(rf"(?:^|[-.])({_LOCALE})$")


def path_locale(path: PurePosixPath) -> str | None:
    """`…/de/LC_MESSAGES/x.po` -> de; `de.po`, `plone-de.po` -> de; otherwise None."""
    if len(path.parts) >= 3 and path.parts[-2] == "LC_MESSAGES":
        return path.parts[-3]
    match = _LOCALE_IN_NAME.search(path.stem)
    return match.group(1) if match else None


def locale_matches(locale: str | None, lang: str) -> bool:
    """`de_DE` is de; `zh_TW` is zh-Hant, not zh; `sr@latin` is sr-Latn (langs.matches)."""
    return langs.matches(locale, lang)


def is_candidate(path: PurePosixPath, lang: str) -> bool:
    """A .po/.mo whose path names `lang`, or names no locale (its header decides later)."""
    if path.suffix not in (".po", ".mo"):
        return False
    locale = path_locale(path)
    return locale is None or locale_matches(locale, lang)


def select_catalogs(members: list[Member], lang: str) -> Iterator[tuple[PurePosixPath, Callable[[], bytes]]]:
    """The .po/.mo members for `lang`, sorted by path; a .mo beside a .po of the same stem is skipped.

    Members whose path names no locale are parsed and kept if their Language: header matches.
    """
    names = {path for path, _ in members}
    for path, read in sorted(members, key=lambda member: str(member[0])):
        if not is_candidate(path, lang) or path.suffix == ".mo" and path.with_suffix(".po") in names:
            continue
        if path_locale(path) is None:
            catalog = parse_catalog(path, read())
            if catalog is None or not locale_matches(catalog.metadata.get("Language"), lang):
                continue
        yield path, read


_CHARSET = re.compile(rb"charset=([\w.:-]+)")


def parse_catalog(path: PurePosixPath, data: bytes) -> "polib.POFile | polib.MOFile | None":
    """Parse a .po or .mo; an unreadable catalog is logged and skipped (None)."""
    import polib

    try:
        if path.suffix == ".mo":
            return polib.mofile(data)
        text = _decode(data)
        return polib.pofile(text if "\n" in text else text + "\n")  # a one-liner could look like a path
    except Exception as error:  # third-party data: one broken catalog must not stop the import
        logger.warning("%s: skipped, cannot parse (%s)", path, error)
        return None


def _decode(data: bytes) -> str:
    match = _CHARSET.search(data)
    charsets = [match.group(1).decode("ascii")] if match else []
    for charset in [*charsets, "utf-8"]:
        try:
            codecs.lookup(charset)
            return data.decode(charset).lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError):
            continue
    raise ValueError("not valid UTF-8 or its declared charset")


def catalog_pairs(catalog: "polib.POFile | polib.MOFile") -> Iterator[tuple[str, str]]:
    for entry in catalog:
        yield from entry_pairs(entry)


def entry_pairs(entry: "polib.POEntry | polib.MOEntry") -> Iterator[tuple[str, str]]:
    """Clean (English, translation) pairs: no fuzzy/obsolete/header/untranslated entries; plurals give two."""
    if not entry.msgid or entry.obsolete or "fuzzy" in getattr(entry, "flags", ()):
        return
    if entry.msgid_plural:
        plural = entry.msgstr_plural
        forms = [(entry.msgid, plural.get(0, "")), (entry.msgid_plural, plural.get(1, ""))]
    else:
        default = default_text(getattr(entry, "comment", "") or "")
        forms = [(default if default is not None else entry.msgid, entry.msgstr)]
        if default is None and is_message_id(entry.msgid):
            return  # a Plone/Zope message id without its English text
    for english, other in forms:
        if not other:
            continue
        english, other = strip_mnemonic(english, other)
        english, other = collapse(english), collapse(other)
        if english and other:
            yield english, other


def default_text(comment: str) -> str | None:
    """The English text of a Zope/Plone `#. Default: "…"` comment (continuation lines joined)."""
    lines = comment.splitlines()
    for number, line in enumerate(lines):
        match = re.match(r"\s*Default:\s*(.*)$", line)
        if match:
            parts = [match.group(1)]
            parts += [rest.strip() for rest in lines[number + 1 :] if rest.strip().startswith('"')]
            return "".join(_unquote(part) for part in parts)
    return None


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return text.replace('\\"', '"').replace("\\t", " ").replace("\\\\", "\\")


_MESSAGE_ID = re.compile(r"[a-z][a-z0-9]*(?:[_.-][A-Za-z0-9]+)+")


def is_message_id(msgid: str) -> bool:
    """`label_showall`, `help_add_item`: one lower-case token with an underscore and no spaces."""
    return "_" in msgid and _MESSAGE_ID.fullmatch(msgid) is not None


_PLACEHOLDER = re.compile(r"%\([^)]*\)|\{[^}]*\}|\$\{[^}]*\}")


def _mnemonic(text: str) -> int | None:
    """Index of a GTK access-key underscore: the only `_`, before a letter or digit, not in a placeholder."""
    if text.count("_") != 1:
        return None
    index = text.index("_")
    if index + 1 == len(text) or not text[index + 1].isalnum():
        return None
    if any(match.start() <= index < match.end() for match in _PLACEHOLDER.finditer(text)):
        return None
    return index


def strip_mnemonic(english: str, other: str) -> tuple[str, str]:
    """`_Clear`/`_Leeren` -> `Clear`/`Leeren`: only when the msgid has one access-key underscore."""
    index = _mnemonic(english)
    if index is None:
        return english, other
    english = english[:index] + english[index + 1 :]
    other_index = _mnemonic(other)
    if other_index is not None:
        other = other[:other_index] + other[other_index + 1 :]
    return english, other


_SPACE = re.compile(r"(?:\\n|\s)+")


def collapse(text: str) -> str:
    """Newlines, literal `\\n`, tabs and runs of spaces become one space."""
    return _SPACE.sub(" ", text).strip()
