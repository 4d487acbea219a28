"""The sacrebleu_, flores_ and hf_ importers through the import_dataset step, offline.

sacrebleu_ and flores_ are served by the loopback `data_server` (TRANSLATIONS_DATA_MIRROR)
from fixture archives built here in the upstreams' exact layouts. hf_ runs the step in a
subprocess (the Hub libraries read HF_ENDPOINT and HF_HOME when imported) against a small
emulation of the Hub's HTTP API below, serving a parquet and a jsonl dataset repo.
"""

import hashlib
import http.server
import io
import json
import os
import re
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sacrebleu.dataset

from pipeline.common import download
from pipeline.common.corpus import read_lines
from pipeline.common.datasets import sanitize
from pipeline.common.errors import UserError
from pipeline.data.importers import flores, hf
from pipeline.data.importers import sacrebleu as sacrebleu_importer
from tests.importing import import_error, run_import, tgz_bytes

REPO = Path(__file__).resolve().parents[2]


def tgz(members: dict[str, str]) -> bytes:
    return tgz_bytes({name: text.encode() for name, text in members.items()})


# --- sacrebleu_ ------------------------------------------------------------------------

WMT19 = "data.statmt.org/wmt19/translation-task/test.tgz"
WMT19_URL = f"https://{WMT19}"


def sgm(kind: str, lang: str, segments: list[str]) -> str:
    """A WMT 'fake SGML' file as in the wmt19 test.tgz (a source srcset or a reference refset)."""
    tag, attributes, sysid = (
        ("srcset", 'srclang="any"', "") if kind == "src" else ("refset", f'srclang="any" trglang="{lang}"', ' sysid="ref"')
    )
    segs = "".join(f'<seg id="{i}">{text}</seg>\n' for i, text in enumerate(segments, start=1))
    return (f'<{tag} setid="newstest2019" {attributes}>\n<doc{sysid} docid="abcnews.1" genre="news" origlang="en">\n'
            f"<p>\n{segs}</p>\n</doc>\n</{tag}>\n")


WMT19_MEMBERS = {
    "sgm/newstest2019-ende-src.en.sgm": sgm("src", "en", ["Hello  world.", "Second line"]),
    "sgm/newstest2019-ende-ref.de.sgm": sgm("ref", "de", ["Hallo Welt.", "  Zweite   Zeile "]),
    "sgm/newstest2019-deen-src.de.sgm": sgm("src", "de", ["Nur deutsch"]),
    "sgm/newstest2019-deen-ref.en.sgm": sgm("ref", "en", ["German only"]),
    "sgm/newstest2019-encs-src.en.sgm": sgm("src", "en", ["One", "Two"]),
    "sgm/newstest2019-encs-ref.cs.sgm": sgm("ref", "cs", ["Jedna", "Dva"]),
}


@pytest.fixture
def wmt19(data_server, tmp_path, monkeypatch):
    """wmt19's test.tgz on the mirror; sacrebleu's cache in tmp; the fixture's MD5 as sacrebleu's."""
    archive = tgz(WMT19_MEMBERS)
    data_server.put(WMT19, archive)
    monkeypatch.setenv("SACREBLEU", str(tmp_path / "sacrebleu-home"))
    monkeypatch.setattr(sacrebleu.dataset.DATASETS["wmt19"], "md5", [hashlib.md5(archive).hexdigest()])
    monkeypatch.setattr(download, "BACKOFF_S", 0)
    return data_server


def test_sacrebleu_both_directions(wmt19, tmp_path):
    wmt19.faults.errors[f"/{WMT19}"] = [503]  # a transient error is retried
    src, trg = run_import("sacrebleu_wmt19", tmp_path / "out")
    assert (src, trg) == (["Hello world.", "Second line"], ["Hallo Welt.", "Zweite Zeile"])  # sacrebleu's cleaning
    # de-en is a set of its own, not en-de swapped
    assert run_import("sacrebleu_wmt19", tmp_path / "out", "de", "en") == (["Nur deutsch"], ["German only"])
    # wmt19 has en-cs only: cs-en is it swapped
    assert run_import("sacrebleu_wmt19", tmp_path / "out", "cs", "en") == (["Jedna", "Dva"], ["One", "Two"])
    assert wmt19.requests == [f"GET /{WMT19}"] * 2  # downloaded once (after a retry), through the mirror
    assert (tmp_path / "sacrebleu-home/wmt19/raw/wmt19.test.tgz").is_file()
    assert sacrebleu.dataset.DATASETS["wmt19"].data == [WMT19_URL]  # the shared object is untouched


def test_sacrebleu_uses_translations_data_cache(wmt19, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATIONS_DATA_CACHE", str(tmp_path / "cache"))
    expected = (["Hello world.", "Second line"], ["Hallo Welt.", "Zweite Zeile"])
    assert run_import("sacrebleu_wmt19", tmp_path / "out") == expected
    assert (tmp_path / "cache/sacrebleu/wmt19/raw/sgm/newstest2019-ende-src.en.sgm").is_file()
    assert not (tmp_path / "sacrebleu-home").exists()
    monkeypatch.delenv("TRANSLATIONS_DATA_MIRROR")  # a pre-staged cache needs no network
    monkeypatch.setattr(sacrebleu.dataset.DATASETS["wmt19"], "data", ["http://127.0.0.1:9/unreachable/test.tgz"])
    assert run_import("sacrebleu_wmt19", tmp_path / "out2") == expected
    assert wmt19.requests == [f"GET /{WMT19}"]


def test_sacrebleu_md5_mismatch_is_one_line_and_retried_next_time(wmt19, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sacrebleu.dataset.DATASETS["wmt19"], "md5", ["84de7162d158e28403103b01aeefc39a"])
    actual = hashlib.md5((wmt19.root / WMT19).read_bytes()).hexdigest()
    assert import_error("sacrebleu_wmt19", tmp_path / "out", capsys) == (
        f"error: dataset sacrebleu_wmt19: {WMT19_URL} via the mirror: {wmt19.url}/{WMT19}: "
        f"MD5 {actual} does not match sacrebleu's 84de7162d158e28403103b01aeefc39a"
    )
    assert not (tmp_path / "sacrebleu-home/wmt19/raw/wmt19.test.tgz").exists()  # not reused next time
    monkeypatch.setattr(sacrebleu.dataset.DATASETS["wmt19"], "md5", [actual])
    assert run_import("sacrebleu_wmt19", tmp_path / "out")[0] == ["Hello world.", "Second line"]


def test_sacrebleu_errors(data_server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SACREBLEU", str(tmp_path / "sacrebleu-home"))
    out = tmp_path / "out"
    assert import_error("sacrebleu_wmt19", out, capsys) == (
        f"error: dataset sacrebleu_wmt19: {WMT19_URL} via the mirror: {data_server.url}/{WMT19}: HTTP 404 File not found"
    )
    assert import_error("sacrebleu_wmt19", out, capsys, "en", "fr") == (
        "error: dataset sacrebleu_wmt19: sacrebleu set wmt19 has no en-fr or fr-en; it has "
        "cs-de de-cs de-en de-fr en-cs en-de en-fi en-gu en-kk en-lt en-ru en-zh fi-en fr-de gu-en kk-en lt-en ru-en zh-en"
    )
    assert import_error("sacrebleu_wmt1999", out, capsys) == (
        "error: dataset sacrebleu_wmt1999: 'wmt1999' is not a sacrebleu test set; did you mean wmt19, wmt21, wmt18?"
    )
    assert import_error("sacrebleu_no-such-thing", out, capsys) == (
        "error: dataset sacrebleu_no-such-thing: 'no-such-thing' is not a sacrebleu test set; `sacrebleu --list` names them"
    )


def test_sacrebleu_urls():
    assert sacrebleu_importer.urls("wmt19", "cs", "en") == [WMT19_URL]
    assert sacrebleu_importer.urls("wmt20/robust/set1", "de", "en") == [
        "https://data.statmt.org/wmt20/robustness-task/robustness20-3-sets.zip"
    ]
    with pytest.raises(UserError, match="^dataset sacrebleu_wmt19: sacrebleu set wmt19 has no en-fr or fr-en; it has cs-de "):
        sacrebleu_importer.urls("wmt19", "en", "fr")


# --- flores_ ---------------------------------------------------------------------------

FLORES = "dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz"
FLORES_URL = f"https://{FLORES}"
FLORES_TEXT = {
    "eng_Latn": ["On Monday, scientists announced a new test.", "It costs about one U.S. cent each."],
    "deu_Latn": ["Am Montag gaben Wissenschaftler einen neuen Test bekannt.", "Er kostet etwa einen US-Cent."],
    "zho_Hant": ["週一，科學家宣布了一項新測試。", "每個約一美分。"],
    "zho_Hans": ["周一，科学家宣布了一项新测试。", "每个约一美分。"],
}


@pytest.fixture
def flores200(data_server):
    members = {}
    for split in ("dev", "devtest"):
        for code, lines in FLORES_TEXT.items():
            members[f"flores200_dataset/{split}/{code}.{split}"] = "".join(f"{split}: {line}\n" for line in lines)
    members["flores200_dataset/README"] = "FLORES-200\n"
    data_server.put(FLORES, tgz(members))
    return data_server


def test_flores_both_directions_and_codes(flores200, tmp_path):
    out = tmp_path / "out"
    eng = [f"devtest: {line}" for line in FLORES_TEXT["eng_Latn"]]
    deu = [f"devtest: {line}" for line in FLORES_TEXT["deu_Latn"]]
    assert run_import("flores_devtest", out) == (eng, deu)
    assert run_import("flores_devtest", out, "de", "en") == (deu, eng)
    assert run_import("flores_dev", out, "en", "zh_Hant") == (
        [f"dev: {line}" for line in FLORES_TEXT["eng_Latn"]], [f"dev: {line}" for line in FLORES_TEXT["zho_Hant"]]
    )
    # a code in the key wins; a FLORES-200 code is also a language
    assert run_import("flores_dev:zh=zho_Hant", out, "zh", "eng_Latn")[0] == [f"dev: {line}" for line in FLORES_TEXT["zho_Hant"]]
    assert run_import("flores_dev", out, "zh", "en")[0] == [f"dev: {line}" for line in FLORES_TEXT["zho_Hans"]]
    assert flores200.requests == [f"GET /{FLORES}"] * 5


def test_flores_errors(data_server, tmp_path, capsys):
    out = tmp_path / "out"
    assert import_error("flores_devtest", out, capsys) == (
        f"error: dataset flores_devtest: {FLORES_URL} via the mirror: {data_server.url}/{FLORES}: HTTP 404 File not found"
    )
    assert import_error("flores_devtest", out, capsys, "en", "xx") == (
        "error: dataset flores_devtest: 'xx' is not a language code; use a BCP-47 tag, e.g. en, de, fil, pt-BR, zh-Hant"
    )
    assert import_error("flores_test", out, capsys) == (
        "error: dataset flores_test: FLORES-200 has the splits dev and devtest, not 'test': use flores_dev or flores_devtest"
    )
    assert import_error("flores_dev:xx=xxx_Latn", out, capsys, "en", "xx") == (
        "error: dataset flores_dev:xx=xxx_Latn: 'xx=xxx_Latn' is not <lang>=<FLORES-200 code>, e.g. zh=zho_Hant "
        "(codes: https://github.com/facebookresearch/flores/blob/main/flores200/README.md)"
    )
    assert data_server.requests == [f"GET /{FLORES}"]  # the others fail before any download


def test_flores_language_missing_from_archive(flores200, tmp_path, capsys):
    assert import_error("flores_dev", tmp_path / "out", capsys, "en", "fr") == (
        f"error: dataset flores_dev: {FLORES_URL} has no flores200_dataset/dev/fra_Latn.dev"
    )


def test_flores_codes_and_urls():
    codes = {lang: flores.flores_code("flores_dev", lang) for lang in ("de", "pt-BR", "nb", "zh-TW", "zh_Hant", "ast", "arb_Arab")}
    assert codes == {"de": "deu_Latn", "pt-BR": "por_Latn", "nb": "nob_Latn", "zh-TW": "zho_Hant", "zh_Hant": "zho_Hant",
                     "ast": "ast_Latn", "arb_Arab": "arb_Arab"}
    assert flores.urls("devtest", "en", "de") == [FLORES_URL]
    with pytest.raises(UserError, match="^dataset flores_devtest: 'xx' is not a language code; "):
        flores.urls("devtest", "en", "xx")


# --- hf_ -------------------------------------------------------------------------------

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class Hub:
    """Just enough of the Hugging Face Hub's HTTP API for `datasets.load_dataset(streaming=True)`:
    repo info, tree listing, paths-info, and file resolution with Range, for branch `main`
    and commit COMMIT. Unknown repos, revisions and files answer 404 with the Hub's X-Error-Code."""

    def __init__(self, repos: dict[str, dict[str, bytes]]):
        self.repos = repos
        self.requests: list[str] = []
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hub.answer(self, body=True)

            def do_HEAD(self):
                hub.answer(self, body=False)

            def do_POST(self):
                hub.answer(self, body=True)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @staticmethod
    def entry(path: str, data: bytes) -> dict:
        return {"type": "file", "path": path, "size": len(data), "oid": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()}

    def answer(self, handler, body: bool) -> None:
        url = urllib.parse.urlsplit(handler.path)
        path = urllib.parse.unquote(url.path)
        self.requests.append(f"{handler.command} {path}")
        form = {}
        if handler.command == "POST":
            form = urllib.parse.parse_qs(handler.rfile.read(int(handler.headers["Content-Length"] or 0)).decode())
        match = re.fullmatch(r"/(?:api/)?datasets/([^/]+/[^/]+)(?:/(revision|tree|paths-info|resolve)/([^/]+)(?:/(.*))?)?", path)
        if not match or match[1] not in self.repos:
            return self.send(handler, body, 404, {"error": "Repository not found"}, "RepoNotFound")
        repo, kind, revision, rest = match.groups()
        files = self.repos[repo]
        if revision not in (None, "main", COMMIT):
            return self.send(handler, body, 404, {"error": "Invalid rev id"}, "RevisionNotFound")
        if kind in (None, "revision"):
            return self.send(handler, body, 200, {
                "id": repo, "sha": COMMIT, "private": False, "gated": False, "disabled": False, "tags": [],
                "siblings": [{"rfilename": name} for name in files], "lastModified": "2024-01-01T00:00:00.000Z",
            })
        if kind == "tree":
            prefix = (rest or "").strip("/")
            recursive = "recursive=true" in url.query.lower()
            listing, dirs = [], set()
            for name, data in sorted(files.items()):
                if prefix and not name.startswith(prefix + "/"):
                    continue
                parts = (name[len(prefix) + 1:] if prefix else name).split("/")
                for depth in range(1, len(parts) if recursive else min(2, len(parts))):
                    folder = "/".join(([prefix] if prefix else []) + parts[:depth])
                    if folder not in dirs:
                        dirs.add(folder)
                        listing.append({"type": "directory", "path": folder, "oid": "0" * 40, "size": 0})
                if recursive or len(parts) == 1:
                    listing.append(self.entry(name, data))
            return self.send(handler, body, 200, listing)
        if kind == "paths-info":
            infos = [self.entry(name, files[name]) for name in form.get("paths", []) if name in files]
            return self.send(handler, body, 200, infos)
        if rest not in files:
            return self.send(handler, body, 404, {"error": "Entry not found"}, "EntryNotFound")
        data = files[rest]
        start, end = 0, len(data) - 1
        if handler.headers["Range"]:
            first, last = handler.headers["Range"][len("bytes="):].split("-")
            start, end = (int(first), min(int(last or end), end)) if first else (len(data) - int(last), end)
        handler.send_response(206 if handler.headers["Range"] else 200)
        handler.send_header("Content-Length", str(end - start + 1))
        handler.send_header("ETag", f'"{self.entry(rest, data)["oid"]}"')
        handler.send_header("X-Repo-Commit", COMMIT)
        handler.send_header("Accept-Ranges", "bytes")
        if handler.headers["Range"]:
            handler.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        handler.end_headers()
        if body:
            handler.wfile.write(data[start:end + 1])

    @staticmethod
    def send(handler, body: bool, status: int, payload, error_code: str | None = None) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        if error_code:
            handler.send_header("X-Error-Code", error_code)
        handler.end_headers()
        if body:
            handler.wfile.write(data)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def parquet(columns: dict) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


PARALLEL_README = b"""---
configs:
- config_name: de-en
  data_files:
  - split: train
    path: de-en/train-*.parquet
  - split: validation
    path: de-en/validation-*.parquet
- config_name: columns
  data_files:
  - split: train
    path: columns/train-*.parquet
---
# A tiny parallel dataset
"""


@pytest.fixture
def hub(tmp_path):
    server = Hub({
        "org/tiny-parallel": {
            "README.md": PARALLEL_README,
            "de-en/train-00000-of-00001.parquet": parquet({"translation": [
                {"de": "Hallo Welt", "en": "Hello world"}, {"de": "Zwei\nZeilen", "en": "Two\nlines"}, {"de": "Ja", "en": "Yes"},
            ]}),
            "de-en/validation-00000-of-00001.parquet": parquet({"translation": [{"de": "Prüfung", "en": "Check"}]}),
            "columns/train-00000-of-00001.parquet": parquet({"id": [1, 2], "EN": ["One", "Two"], "de": ["Eins", "Zwei"]}),
        },
        "org/tiny-mono": {
            "data/train.jsonl": b'{"text": "Erster Satz.\\nZweiter Satz.\\n\\n"}\n{"text": "Dritter Satz."}\n',
        },
    })
    yield server
    server.close()


def run_step(endpoint: str, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The import step as a pipeline task runs it: a fresh process, the Hub at HF_ENDPOINT."""
    environ = {name: value for name, value in os.environ.items() if not name.startswith(("HF_", "HUGGINGFACE"))}
    environ.update(HF_ENDPOINT=endpoint, HF_HOME=str(tmp_path / "hf-home"), HF_HUB_DISABLE_TELEMETRY="1", **env)
    return subprocess.run(
        [sys.executable, "-m", "pipeline.data.import_dataset", *args, "--output-dir", str(tmp_path / "out")],
        cwd=REPO, env=environ, capture_output=True, text=True, timeout=300,
    )


def hf_import(hub: Hub, tmp_path: Path, key: str, src: str = "en", trg: str = "de", **env: str):
    result = run_step(hub.url, tmp_path, "--dataset", key, "--src", src, "--trg", trg, **env)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    return list(read_lines(out / f"{sanitize(key)}.{src}.zst")), list(read_lines(out / f"{sanitize(key)}.{trg}.zst"))


def hf_error(hub: Hub, tmp_path: Path, key: str, src: str = "en", trg: str = "de") -> str:
    result = run_step(hub.url, tmp_path, "--dataset", key, "--src", src, "--trg", trg)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_hf_parallel_both_directions(hub, tmp_path):
    assert hf_import(hub, tmp_path, "hf_org/tiny-parallel:de-en") == (
        ["Hello world", "Two lines", "Yes"], ["Hallo Welt", "Zwei Zeilen", "Ja"]
    )
    assert hf_import(hub, tmp_path, f"hf_org/tiny-parallel:de-en@validation#{COMMIT}", "de", "en") == (["Prüfung"], ["Check"])
    assert hf_import(hub, tmp_path, "hf_org/tiny-parallel:columns", "de", "en") == (["Eins", "Zwei"], ["One", "Two"])
    assert f"GET /datasets/org/tiny-parallel/resolve/{COMMIT}/de-en/train-00000-of-00001.parquet" in hub.requests


def test_hf_monolingual(hub, tmp_path):
    result = run_step(hub.url, tmp_path, "--dataset", "hf_org/tiny-mono", "--mono-lang", "de")
    assert result.returncode == 0, result.stderr
    assert list(read_lines(tmp_path / "out/hf_org_tiny-mono.de.zst")) == ["Erster Satz.", "Zweiter Satz.", "Dritter Satz."]
    assert f"GET /datasets/org/tiny-mono/resolve/{COMMIT}/data/train.jsonl" in hub.requests


def test_hf_errors(hub, tmp_path):
    assert hf_error(hub, tmp_path, "hf_org/tiny-parallel:nope") == (
        "error: dataset hf_org/tiny-parallel:nope: BuilderConfig 'nope' not found. Available: ['de-en', 'columns']"
    )
    assert hf_error(hub, tmp_path, "hf_org/tiny-parallel:de-en@test") == (
        "error: dataset hf_org/tiny-parallel:de-en@test: Bad split: test. Available splits: ['train', 'validation']"
    )
    assert hf_error(hub, tmp_path, "hf_org/tiny-parallel:de-en", "en", "fr") == (
        "error: dataset hf_org/tiny-parallel:de-en: no en and fr among its translation keys de, en"
    )
    assert hf_error(hub, tmp_path, "hf_org/missing") == (
        "error: dataset hf_org/missing: Dataset 'org/missing' doesn't exist on the Hub or cannot be accessed. "
        "(a private or gated set needs HF_TOKEN)"
    )


def test_hf_local_copy_offline(tmp_path):
    (tmp_path / "snapshot/de-en").mkdir(parents=True)
    (tmp_path / "snapshot/de-en/train.parquet").write_bytes(parquet({"en": ["Local"], "de": ["Lokal"]}))
    key = f"hf_{tmp_path}/snapshot/de-en"
    result = run_step("http://127.0.0.1:9", tmp_path, "--dataset", key, "--src", "de", "--trg", "en", HF_HUB_OFFLINE="1")
    assert result.returncode == 0, result.stderr
    assert list(read_lines(tmp_path / f"out/{sanitize(key)}.de.zst")) == ["Lokal"]
    assert list(read_lines(tmp_path / f"out/{sanitize(key)}.en.zst")) == ["Local"]


def test_hf_key_syntax_and_urls(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.example.org/")
    monkeypatch.delenv("TRANSLATIONS_DATA_MIRROR", raising=False)
    assert hf.urls("Helsinki-NLP/europarl:de-en@train", "en", "de") == ["https://hub.example.org/api/datasets/Helsinki-NLP/europarl"]
    assert hf.urls("org/x#v1.0", "de") == ["https://hub.example.org/api/datasets/org/x/revision/v1.0"]  # mono: one language
    assert hf.urls("/data/snapshot:de-en", "en", "de") == []
    monkeypatch.setenv("TRANSLATIONS_DATA_MIRROR", "http://mirror.example.org")  # for files; the Hub has HF_ENDPOINT
    assert hf.urls("org/x", "en", "de") == ["https://hub.example.org/api/datasets/org/x"]
    assert hf._parse("k", "org/x:cfg@test#abc") == {"path": "org/x", "config": "cfg", "split": "test", "revision": "abc"}
    assert hf._parse("k", "org/x") == {"path": "org/x", "config": None, "split": "train", "revision": None}
    assert import_error("hf_org/x:a:b", tmp_path / "out", capsys) == (
        "error: dataset hf_org/x:a:b: expected hf_<org/name>[:<config>][@<split>][#<revision>], e.g. hf_Helsinki-NLP/europarl:de-en@train"
    )
