"""The dataset importers (file_, url_, po_) through the import_dataset step.

No network beyond loopback: url_ is served by a local http.server, and po_'s PyPI path is
resolved by pip from a local wheel (PIP_NO_INDEX + PIP_FIND_LINKS).
"""

import gzip
import http.server
import io
import subprocess
import sys
import tarfile
import threading
import zipfile
from functools import partial
from pathlib import Path

import polib
import pytest
import zstandard

from pipeline.common import download
from pipeline.common.corpus import read_lines
from pipeline.common.datasets import sanitize
from pipeline.data.import_dataset import main
from tests.importing import import_error, run_import

REPO = Path(__file__).resolve().parents[2]
SRC_LINES = ["Hello world", "", "A\tB", "Ünïcödé line"]
TRG_LINES = ["Hallo Welt", "leer", "A B", "Ünïcödé Zeile"]


def write_corpus(path: Path, lines: list[str]) -> None:
    data = "".join(line + "\n" for line in lines).encode()
    if path.suffix == ".gz":
        data = gzip.compress(data)
    elif path.suffix == ".zst":
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)


# --- file_ -----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".gz", ".zst"])
def test_file_import(tmp_path, suffix):
    for lang, lines in (("en", SRC_LINES), ("de", TRG_LINES)):
        write_corpus(tmp_path / f"corpus.{lang}{suffix}", lines)
    src, trg = run_import(f"file_{tmp_path}/corpus.[LANG]{suffix}", tmp_path / "out")
    assert src == ["Hello world", "", "A B", "Ünïcödé line"]  # tabs become spaces
    assert trg == TRG_LINES


def test_file_missing_is_one_line_exit_2(tmp_path):
    write_corpus(tmp_path / "corpus.en.zst", SRC_LINES)
    key = f"file_{tmp_path}/corpus.[LANG].zst"
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.data.import_dataset", "--dataset", key,
         "--src", "en", "--trg", "de", "--output-dir", str(tmp_path / "out")],
        cwd=REPO, capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: dataset {key}: {tmp_path}/corpus.de.zst: file not found"
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_file_relative_path_and_misalignment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VCS_PATH", str(tmp_path / "checkout"))
    assert "climbs out of the checkout" in import_error("file_../corpus.[LANG].zst", tmp_path / "out", capsys)
    (tmp_path / "checkout" / "data").mkdir(parents=True)
    write_corpus(tmp_path / "checkout" / "data" / "r.en", SRC_LINES)
    write_corpus(tmp_path / "checkout" / "data" / "r.de", TRG_LINES)
    assert run_import("file_data/r.[LANG]", tmp_path / "relative")[1] == TRG_LINES
    write_corpus(tmp_path / "c.en", SRC_LINES)
    write_corpus(tmp_path / "c.de", TRG_LINES[:2])
    error = import_error(f"file_{tmp_path}/c.[LANG]", tmp_path / "out", capsys)
    assert error == f"error: misaligned corpus: {tmp_path}/c.en has 4 lines but {tmp_path}/c.de has 2"


# --- url_ ------------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    failures: dict[str, int] = {}  # path -> how many 503s to answer first

    def do_GET(self):
        if self.failures.get(self.path, 0) > 0:
            self.failures[self.path] -= 1
            self.send_error(503)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    _Handler.failures.clear()


@pytest.mark.parametrize("suffix", ["", ".gz", ".zst"])
def test_url_import(tmp_path, server, suffix):
    root, base = server
    for lang, lines in (("en", SRC_LINES), ("de", TRG_LINES)):
        write_corpus(root / f"corpus.{lang}{suffix}", lines)
    src, trg = run_import(f"url_{base}/corpus.[LANG]{suffix}", tmp_path / "out")
    assert src == ["Hello world", "", "A B", "Ünïcödé line"]
    assert trg == TRG_LINES


def test_url_404_is_one_line_naming_key_and_url(tmp_path, server, capsys):
    root, base = server
    write_corpus(root / "corpus.en.zst", SRC_LINES)
    key = f"url_{base}/corpus.[LANG].zst"
    error = import_error(key, tmp_path / "out", capsys)
    assert error == f"error: dataset {key}: {base}/corpus.de.zst: HTTP 404 File not found"


def test_url_retries_5xx(tmp_path, server, monkeypatch):
    monkeypatch.setattr(download, "BACKOFF_S", 0.01)
    root, base = server
    for lang, lines in (("en", SRC_LINES), ("de", TRG_LINES)):
        write_corpus(root / f"c.{lang}", lines)
    _Handler.failures["/c.de"] = 2
    assert run_import(f"url_{base}/c.[LANG]", tmp_path / "out")[1] == TRG_LINES


def test_url_rejects_other_schemes(tmp_path, capsys):
    error = import_error(f"url_file://{tmp_path}/c.[LANG]", tmp_path / "out", capsys)
    assert "only http:// and https://" in error and "'file'" in error


# --- po_ -------------------------------------------------------------------------------


def entry(msgid, msgstr="", **kwargs) -> polib.POEntry:
    return polib.POEntry(msgid=msgid, msgstr=msgstr, **kwargs)


def catalog(path: Path, entries: list[polib.POEntry], language: str | None = None, mo: bool = False) -> None:
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    if language:
        po.metadata["Language"] = language
    po.extend(entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    po.save_as_mofile(str(path)) if mo else po.save(str(path))


def make_catalogs(root: Path) -> None:
    """A package tree with de catalogs in every supported place, and some that must be ignored."""
    messages = root / "pkg/locale/de/LC_MESSAGES"
    obsolete = entry("Old entry", "Alter Eintrag")
    obsolete.obsolete = True
    catalog(messages / "django.po", [
        entry("Hello world", "Hallo Welt"),
        entry("Fuzzy entry", "Unscharfer Eintrag", flags=["fuzzy"]),
        obsolete,
        entry("Untranslated", ""),
        entry("One file", msgid_plural="%(n)s files", msgstr_plural={0: "Eine Datei", 1: "%(n)s Dateien"}),
        entry("Line one\nline  two\\nthree", "Zeile eins\n\tzwei  drei"),
        entry("label_show_all", "Alle anzeigen", comment='Default: "Show all\\n items"'),
        entry("help_long", "Langer Text", comment='Default: ""\n"A long "\n"default text"'),
        entry("help_no_default", "Hilfe ohne Vorgabe"),
        entry("_Clear", "_Leeren"),
        entry("Save _As", "Speichern _unter"),
        entry("%(user_name)s logged in", "%(user_name)s angemeldet"),
    ], language="de")
    catalog(messages / "django.mo", [entry("Only in the mo", "Nur im mo")], mo=True)  # .po beside: skipped
    catalog(messages / "djangojs.mo", [entry("Good morning", "Guten Morgen")], mo=True)
    catalog(root / "pkg/locale/de_DE/LC_MESSAGES/extra.po", [entry("Regional", "Regional (DE)")])
    catalog(root / "pkg/locale/fr/LC_MESSAGES/django.po", [entry("Hello world", "Bonjour le monde")], language="fr")
    catalog(root / "pkg/locale/fr/LC_MESSAGES/django.mo", [entry("Good morning", "Bonjour")], mo=True)
    catalog(root / "pkg/i18n/plone-de.po", [entry("Edit", "Bearbeiten")])
    catalog(root / "pkg/i18n/messages.po", [entry("From the header", "Aus der Kopfzeile")], language="de")
    catalog(root / "pkg/i18n/other.po", [entry("From the header", "De l'en-tête")], language="fr")
    (root / "pkg/module.py").write_text("print('not a catalog')\n")


# Sorted catalog paths, then entry order.
EXPECTED_DE = [
    ("From the header", "Aus der Kopfzeile"),  # pkg/i18n/messages.po (Language: header)
    ("Edit", "Bearbeiten"),  # pkg/i18n/plone-de.po (file name)
    ("Hello world", "Hallo Welt"),  # pkg/locale/de/LC_MESSAGES/django.po
    ("One file", "Eine Datei"),
    ("%(n)s files", "%(n)s Dateien"),
    ("Line one line two three", "Zeile eins zwei drei"),
    ("Show all items", "Alle anzeigen"),
    ("A long default text", "Langer Text"),
    ("Clear", "Leeren"),
    ("Save As", "Speichern unter"),
    ("%(user_name)s logged in", "%(user_name)s angemeldet"),
    ("Good morning", "Guten Morgen"),  # pkg/locale/de/LC_MESSAGES/djangojs.mo
    ("Regional", "Regional (DE)"),  # pkg/locale/de_DE/LC_MESSAGES/extra.po
]


def pack(root: Path, archive: Path, prefix: str = "") -> Path:
    files = sorted(path for path in root.rglob("*") if path.is_file())
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive, "w") as zip_file:
            for path in files:
                zip_file.write(path, prefix + path.relative_to(root).as_posix())
    else:
        with tarfile.open(archive, "w:gz") as tar_file:
            for path in files:
                tar_file.add(path, prefix + path.relative_to(root).as_posix())
    return archive


def po_pairs(key: str, out: Path, src: str = "en", trg: str = "de") -> list[tuple[str, str]]:
    src_lines, trg_lines = run_import(key, out, src, trg)
    return list(zip(src_lines, trg_lines))


def test_po_directory(tmp_path):
    make_catalogs(tmp_path / "tree")
    assert po_pairs(f"po_{tmp_path}/tree", tmp_path / "out") == EXPECTED_DE


def test_po_reversed_direction_swaps(tmp_path):
    make_catalogs(tmp_path / "tree")
    pairs = po_pairs(f"po_{tmp_path}/tree", tmp_path / "out", src="de", trg="en")
    assert pairs == [(de, en) for en, de in EXPECTED_DE]


def test_po_wheel_and_sdist(tmp_path):
    make_catalogs(tmp_path / "tree")
    wheel = pack(tmp_path / "tree", tmp_path / "demo-1.0-py3-none-any.whl")
    assert po_pairs(f"po_{wheel}", tmp_path / "out") == EXPECTED_DE
    catalog(tmp_path / "outside/de/LC_MESSAGES/evil.po", [entry("Outside", "Draußen")])
    sdist = pack(tmp_path / "tree", tmp_path / "demo-1.0.tar.gz", prefix="demo-1.0/")
    with tarfile.open(sdist, "r:gz") as tar_file:  # rewrite with a member that climbs out, and a link
        members = [(info, tar_file.extractfile(info).read()) for info in tar_file.getmembers()]
    with tarfile.open(sdist, "w:gz") as tar_file:
        for info, data in members:
            tar_file.addfile(info, io.BytesIO(data))
        tar_file.add(tmp_path / "outside/de/LC_MESSAGES/evil.po", "../de/LC_MESSAGES/evil.po")
        link = tarfile.TarInfo("demo-1.0/pkg/locale/de/LC_MESSAGES/zz-link.po")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar_file.addfile(link)
    assert po_pairs(f"po_{sdist}", tmp_path / "out2") == EXPECTED_DE


def test_po_monolingual_is_the_translated_side(tmp_path, capsys):
    make_catalogs(tmp_path / "tree")
    key = f"po_{tmp_path}/tree"
    main(["--dataset", key, "--mono-lang", "de", "--output-dir", str(tmp_path / "out")])
    assert list(read_lines(tmp_path / "out" / f"{sanitize(key)}.de.zst")) == [de for _, de in EXPECTED_DE]
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["--dataset", key, "--mono-lang", "en", "--output-dir", str(tmp_path / "en")])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"error: dataset {key}: gettext catalogs give monolingual text in the language they translate into, "
        "not en; list the catalogs under train instead"
    )
    assert not list((tmp_path / "en").glob("*.zst")) if (tmp_path / "en").exists() else True


def test_po_errors(tmp_path, capsys):
    make_catalogs(tmp_path / "tree")
    out = tmp_path / "out"
    error = import_error(f"po_{tmp_path}/tree", out, capsys, src="de", trg="fr")
    assert "src or trg (not both) must be en" in error
    error = import_error(f"po_{tmp_path}/tree", out, capsys, trg="es")
    assert error == f"error: dataset po_{tmp_path}/tree: no es gettext catalog entries found in {tmp_path}/tree"
    assert "no such file or directory" in import_error(f"po_{tmp_path}/missing.whl", out, capsys)
    (tmp_path / "notes.txt").write_text("hi\n")
    assert "not a directory or a supported archive" in import_error(f"po_{tmp_path}/notes.txt", out, capsys)


def make_wheel(directory: Path, catalogs: Path) -> Path:
    """A minimal valid wheel `demo_catalogs-1.0-py3-none-any.whl` holding the catalogs tree."""
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / "demo_catalogs-1.0-py3-none-any.whl"
    info = "demo_catalogs-1.0.dist-info"
    files = {
        path.relative_to(catalogs).as_posix().replace("pkg/", "demo_catalogs/", 1): path.read_bytes()
        for path in sorted(catalogs.rglob("*")) if path.is_file()
    }
    files[f"{info}/METADATA"] = b"Metadata-Version: 2.1\nName: demo_catalogs\nVersion: 1.0\n"
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join(f"{name},,\n" for name in files) + f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode()
    with zipfile.ZipFile(wheel, "w") as zip_file:
        for name, data in files.items():
            zip_file.writestr(name, data)
    return wheel


def test_po_pypi_requirement_offline(tmp_path, monkeypatch, capsys):
    make_catalogs(tmp_path / "tree")
    make_wheel(tmp_path / "index", tmp_path / "tree")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "index"))
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.chdir(tmp_path)  # a requirement is never taken for a local path
    assert po_pairs("po_demo_catalogs==1.0", tmp_path / "out") == EXPECTED_DE
    error = import_error("po_demo_catalogs==9.9", tmp_path / "out2", capsys)
    assert error.startswith("error: pip could not download 'demo_catalogs==9.9': ERROR: ")
    assert "demo_catalogs==9.9" in error.split(": ", 2)[2]


def test_a_key_cannot_escape_the_output_directory(tmp_path, server):
    root, base = server
    (root / "x").mkdir()
    for lang, lines in (("en", SRC_LINES), ("de", TRG_LINES)):
        write_corpus(root / "x" / f"c.{lang}", lines)
    key = f"url_{base}/x/../x/c.[LANG]"
    src, _ = run_import(key, tmp_path / "out")
    assert src == SRC_LINES[:2] + ["A B"] + SRC_LINES[3:]
    names = sorted(path.name for path in tmp_path.rglob("*.zst"))
    assert names == [f"url_http_127_0_0_1_{base.rsplit(':', 1)[1]}_x_x_c_LANG.{lang}.zst" for lang in ("de", "en")]
