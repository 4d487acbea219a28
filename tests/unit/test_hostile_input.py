"""Hostile input: dataset keys, names, archives and Train action input.

Each is refused with one line naming the value and what to do (exit code 2 where a command
runs), nothing is fetched for a refused key, only http(s) is ever spoken, and nothing is
written outside the work directory.
"""

import http.server
import json
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from pipeline.data import preflight
from tests.conftest import REPO, TRANSLATIONS
from tests.graph.helpers import TRAIN_INPUT, train_action
from tests.http_fixture import serve
from tests.importing import import_error, text, tgz_bytes, zip_bytes
from translations_taskgraph import config as config_schema
from translations_taskgraph.actions import train

GOOD = {"experiment": {"name": "x", "src": "en", "trg": "de"},
        "datasets": {"train": ["opus_Books/v1"], "devtest": ["flores_dev"]}}
NAME_RULE = config_schema.json_schema()["properties"]["experiment"]["properties"]["name"]["description"]
KEY_RULE = config_schema.json_schema()["properties"]["datasets"]["properties"]["train"]["items"]["description"]


def files_under(root: Path) -> set[Path]:
    """Every file and link under `root` (empty directories aside)."""
    return {path for path in root.rglob("*") if path.is_symlink() or not path.is_dir()}


# --- dataset keys at the preflight: the importer's own check, before any I/O --------------

@pytest.mark.parametrize("key, langs, message", [
    ("file_../../etc/passwd", ("en",),
     "file_../../etc/passwd: ../../etc/passwd climbs out of the checkout with '..'; use a path inside it or an absolute one"),
    ("file_/abs/../x.[LANG]", ("en", "de"), "file_/abs/../x.[LANG]: /abs/../x.[LANG] contains '..'; name the file without it"),
    ("file_/data/corpus.zst", ("en", "de"),
     "file_/data/corpus.zst: the path must contain [LANG], e.g. file_/data/corpus.[LANG].zst"),
    ("url_file:///etc/passwd", ("en",), "url_file:///etc/passwd: only http:// and https:// URLs can be imported, not 'file'"),
    ("url_ftp://host/c.[LANG]", ("en", "de"), "url_ftp://host/c.[LANG]: only http:// and https:// URLs can be imported, not 'ftp'"),
    ("url_gopher://host/c.[LANG]", ("en", "de"),
     "url_gopher://host/c.[LANG]: only http:// and https:// URLs can be imported, not 'gopher'"),
    ("url_https:c.[LANG]", ("en", "de"), "url_https:c.[LANG]: the URL names no host; use url_https://host/corpus.[LANG].zst"),
    ("po_../../x", ("en", "de"),
     "po_../../x: '../../x' is neither an absolute path nor a PyPI requirement such as indico==3.3.14"),
    ("po_git+https://host/x.git", ("en", "de"),
     "po_git+https://host/x.git: 'git+https://host/x.git' is neither an absolute path nor a PyPI requirement such as indico==3.3.14"),
    ("po_/opt/../etc", ("en", "de"), "po_/opt/../etc: /opt/../etc contains '..'; name the directory or archive without '..'"),
    ("hf_../x", ("en", "de"), "hf_../x: '../x' is neither a Hub dataset <org>/<name> nor an absolute path (without '..')"),
    ("opus_../x/v1", ("en", "de"),
     "opus_../x/v1: expected opus_<corpus>/<version> with only A-Z a-z 0-9 . _ - in each, e.g. opus_ELRC-3075-wikipedia_health/v1"),
])
def test_preflight_refuses_what_the_import_refuses_without_any_io(key, langs, message, monkeypatch):
    monkeypatch.setattr(preflight, "_head", lambda url: pytest.fail(f"requested {url}"))
    check = preflight.check(key, langs, REPO)
    assert (check.status, check.detail) == ("invalid", f"dataset {message}")


class Redirects(http.server.BaseHTTPRequestHandler):
    """`/<scheme>/...` answers 302 to a `<scheme>:` URL."""

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        scheme = self.path.split("/")[1]
        self.send_response(302)
        self.send_header("Location", f"{scheme}://{'host' if scheme == 'ftp' else ''}/etc/passwd")
        self.end_headers()

    do_GET = do_HEAD


@pytest.fixture
def redirecting():
    with serve(Redirects) as url:
        yield url


@pytest.mark.parametrize("scheme, refusal", [
    ("ftp", "HTTP 302 redirect to 'ftp://host/etc/passwd' refused: not http(s)"),  # urllib alone would follow it
    ("file", "HTTP 302 Found - Redirection to url 'file:///etc/passwd' is not allowed"),
])
def test_only_http_is_spoken_even_after_a_redirect(scheme, refusal, redirecting, tmp_path, capsys, monkeypatch):
    key = f"url_{redirecting}/{scheme}/c.[LANG]"
    check = preflight.check(key, ("en", "de"), REPO)
    assert (check.status, check.detail) == ("unknown", refusal)
    monkeypatch.delenv("TRANSLATIONS_DATA_MIRROR", raising=False)
    monkeypatch.delenv("TRANSLATIONS_DATA_CACHE", raising=False)
    assert import_error(key, tmp_path / "out", capsys) == f"error: dataset {key}: {redirecting}/{scheme}/c.en: {refusal}"


def test_a_mirror_that_is_not_http_is_never_opened(monkeypatch):
    monkeypatch.setenv("TRANSLATIONS_DATA_MIRROR", "file:///etc")
    check = preflight.check("opus_Books/v1", ("en", "de"), REPO)
    assert (check.status, check.detail) == (
        "invalid", "'file:///etc/object.pouta.csc.fi/OPUS-Books/v1/moses/de-en.txt.zip': only http:// and https:// URLs are fetched"
    )


# --- config values: the schema's patterns and sizes, one bounded line each -----------------

@pytest.mark.parametrize("name, shown", [
    ("../x", "'../x'"),
    ("/abs", "'/abs'"),
    ("a/b", "'a/b'"),
    ("a..b", "'a..b'"),
    ("", "''"),
    ("a\u202eb", "'a\u202eb'"),
    ("x" * 100_000, "'" + "x" * 39 + "... (100,000 characters)"),
])
def test_experiment_names_that_would_be_paths_are_refused(name, shown):
    _, errors = config_schema.check({**GOOD, "experiment": {**GOOD["experiment"], "name": name}})
    assert errors == [f"experiment.name: {shown} is not allowed: {NAME_RULE}".replace("\u202e", "\\u202e")]


@pytest.mark.parametrize("key, error", [
    ("file_/data/a\nb.[LANG]", "datasets.train[1]: 'file_/data/a\\nb.[LANG]' is not allowed: " + KEY_RULE),
    ("file_/data/a\x00b.[LANG]", "datasets.train[1]: 'file_/data/a\\x00b.[LANG]' is not allowed: " + KEY_RULE),
    ("url_https://h/" + "a" * 100_000, "datasets.train[1]: 100,014 characters; at most 2,048"),
])
def test_dataset_keys_with_control_characters_or_too_long_are_refused(key, error):
    _, errors = config_schema.check({**GOOD, "datasets": {**GOOD["datasets"], "train": ["opus_Books/v1", key]}})
    assert errors[0] == error
    assert all(len(line) <= config_schema.MAX_LINE and line.isprintable() for line in errors)


def test_other_free_form_values_are_bounded():
    config = {
        **GOOD,
        "marian-args": {"training-teacher": {"--x; rm": 1, "beam-size": "9" * 2000}},
        "taskcluster": {"worker-classes": {"../kind": "spot"}, "interactive": ["train teacher"], "data-mirror": "https://m/ x"},
        "experiment": {**GOOD["experiment"], "cleaning-filters": "../../etc/x", "teacher-modifiers": [{"Typos; x": 1}]},
    }
    _, errors = config_schema.check(config)
    assert errors == [
        "experiment.teacher-modifiers[0]: key 'Typos; x' is not allowed: An OpusTrainer modifier or its setting, e.g. `Typos`.",
        "marian-args.training-teacher: key '--x; rm' is not allowed: A Marian option name, e.g. `beam-size`.",
        "marian-args.training-teacher.beam-size: 2,000 characters; at most 1,024",
        "taskcluster.data-mirror: 'https://m/ x' is not allowed: " + config_schema.json_schema()["properties"]["taskcluster"]
        ["properties"]["data-mirror"]["description"],
        "taskcluster.interactive[0]: 'train teacher' is not allowed: A task label or label prefix.",
        "taskcluster.worker-classes: key '../kind' is not allowed: A kind name or `default`.",
        # then the semantic checks
        "taskcluster.worker-classes: '../kind' is not a kind; use default or one of: " + ", ".join(
            sorted(path.name for path in config_schema.KINDS_DIR.iterdir())
        ),
        "experiment.cleaning-filters: '../../etc/x': name a file of pipeline/clean/filters/ without .yml, e.g. default",
    ]


def test_the_list_of_problems_is_bounded():
    keys = [f"zz_{number}" for number in range(500)]
    _, errors = config_schema.check({**GOOD, "datasets": {**GOOD["datasets"], "train": keys}})
    assert len(errors) == config_schema.MAX_ERRORS + 1
    assert errors[-1] == "... and 400 more problems"


def write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config))
    return path


def test_validate_and_run_refuse_with_one_line_and_write_nothing(tmp_path):
    config = write_config(tmp_path / "config.yml", {**GOOD, "experiment": {**GOOD["experiment"], "name": "../x"}})
    expected = f"error: {config}: experiment.name: '../x' is not allowed: {NAME_RULE}\n"
    before = files_under(tmp_path)
    validate = subprocess.run([TRANSLATIONS, "validate", str(config)], capture_output=True, text=True, cwd=tmp_path)
    run = subprocess.run(
        [TRANSLATIONS, "run", str(config), "--workdir", str(tmp_path / "work")], capture_output=True, text=True, cwd=tmp_path
    )
    assert (validate.returncode, validate.stderr) == (2, expected)
    assert (run.returncode, run.stderr) == (2, expected)
    assert files_under(tmp_path) == before


# --- archives: members that climb out, absolute ones and links are never used -------------

@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Imports run here, their temporary directories included."""
    work = tmp_path / "work"
    (work / "tmp").mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(work / "tmp"))
    return work


def assert_nothing_escaped(tmp_path: Path, before: set[Path]) -> None:
    assert files_under(tmp_path) == before
    assert not Path("/tmp/hostile-member").exists()


OPUS_URL = "object.pouta.csc.fi/OPUS-Books/v1/moses/de-en.txt.zip"


def test_opus_zip_members_outside_the_archive_are_not_candidates(data_server, workdir, tmp_path, capsys):
    data_server.put(OPUS_URL, zip_bytes({"../../Books.de-en.de": text(["a"]), "/tmp/hostile-member.de-en.en": text(["b"])}))
    before = files_under(tmp_path)
    assert import_error("opus_Books/v1", workdir / "out", capsys) == (
        f"error: dataset opus_Books/v1: https://{OPUS_URL} has no single Books.de-en.en (found 0 candidates)"
    )
    assert_nothing_escaped(tmp_path, before)


def test_flores_tar_links_and_climbing_members_are_not_read(data_server, workdir, tmp_path, capsys):
    data_server.put("dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz", tgz_bytes(
        {"flores200_dataset/dev/eng_Latn.dev": text(["a"]), "../../outside.txt": b"x\n", "/tmp/hostile-member": b"x\n"},
        links={"flores200_dataset/dev/deu_Latn.dev": "/etc/passwd"},
    ))
    before = files_under(tmp_path)
    assert import_error("flores_dev", workdir / "out", capsys) == (
        "error: dataset flores_dev: https://dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz has no "
        "flores200_dataset/dev/deu_Latn.dev"
    )
    assert_nothing_escaped(tmp_path, before)


def test_mtdata_archive_members_outside_the_archive_do_not_match(data_server, workdir, tmp_path, capsys):
    url = "data.statmt.org/wmt20/translation-task/dev.tgz"
    data_server.put(url, tgz_bytes({
        "../dev/newstest2014-deen-src.de.sgm": b"<seg id=\"1\">a</seg>\n",
        "/dev/newstest2014-deen-ref.en.sgm": b"<seg id=\"1\">b</seg>\n",
    }))
    before = files_under(tmp_path)
    error = import_error("mtdata_Statmt-newstest_deen-2014-deu-eng", workdir / "out", capsys)
    assert error.startswith(f"error: dataset mtdata_Statmt-newstest_deen-2014-deu-eng: http://{url}: 0 files match ")
    assert_nothing_escaped(tmp_path, before)


def test_po_archive_members_outside_the_archive_are_skipped(workdir, tmp_path, capsys):
    catalog = b'msgid "Open"\nmsgstr "Offen"\n'
    archive = tmp_path / "catalogs.tar.gz"
    archive.write_bytes(tgz_bytes(
        {"../de/LC_MESSAGES/x.po": catalog, "/tmp/hostile-member/de.po": catalog},
        links={"de/LC_MESSAGES/y.po": "/etc/passwd"},
    ))
    before = files_under(tmp_path)
    assert import_error(f"po_{archive}", workdir / "out", capsys) == (
        f"error: dataset po_{archive}: no de gettext catalog entries found in {archive}"
    )
    assert_nothing_escaped(tmp_path, before)


# --- the Train action: the whole input is bounded, and so is each value --------------------

SLUG = "ImageTskQ0C0000000001A"


@pytest.mark.parametrize("extra, errors", [
    ({"previous-group-ids": ["../../x"]}, ["previous-group-ids[0]: '../../x' is not allowed: A task group id."]),
    ({"previous-group-ids": [SLUG] * 101}, ["previous-group-ids: 101 items; at most 100"]),
    ({"existing-tasks": {"a/b": SLUG, "merge-corpus-en-de": "x"}}, [
        "existing-tasks: key 'a/b' is not allowed: A task label.",
        "existing-tasks.merge-corpus-en-de: 'x' is not allowed: A taskId.",
    ]),
    ({"start-task-prefix": "x; rm -rf /"}, [
        "start-task-prefix: 'x; rm -rf /' is not allowed: "
        "Rerun the tasks whose label starts with this, and everything downstream: a label prefix."
    ]),
    ({"datasets": {**GOOD["datasets"], "train": ["opus_Books/v1"] * 10_001}}, ["datasets.train: 10,001 items; at most 10,000"]),
    ({"experiment": {**GOOD["experiment"], "name": "n" * 100_000}},
     ["experiment.name: '" + "n" * 39 + f"... (100,000 characters) is not allowed: {NAME_RULE}"]),
])
def test_action_input_problems_are_one_line_each(extra, errors):
    config, _, problems = train.input_errors({**GOOD, **extra})
    assert (config, problems) == (None, errors)


def test_oversized_action_input_is_refused_as_a_whole():
    hostile = {**GOOD, "experiment": {**GOOD["experiment"], "name": "n" * 2_000_000}, "previous-group-ids": ["x"]}
    size = len(json.dumps(hostile))
    assert train.input_errors(hostile) == (None, {}, [f"(top level): {size:,} characters of JSON; at most 1,000,000"])
    assert train.input_errors(["not", "a", "mapping"])[2] == [
        "(top level): the input must be a mapping: a training config plus rerun options"
    ]


def test_the_action_refuses_a_hostile_name_before_creating_anything(tmp_path):
    result = train_action(tmp_path, {**TRAIN_INPUT, "experiment": {**TRAIN_INPUT["experiment"], "name": "../" * 30_000}})
    assert result.returncode != 0
    assert f"Train action input: experiment.name: '../../../../../../../../../../../../../... (90,000 characters) " \
           f"is not allowed: {NAME_RULE}" in result.stderr
    assert '"label"' not in result.stdout
    assert not (tmp_path / "repo" / "artifacts" / "task-graph.json").exists()


def test_long_dataset_keys_give_bounded_distinct_file_names_and_labels():
    from pipeline.common.datasets import SANITIZED_MAX, sanitize

    first, second = (f"url_https://h/{'a' * 2000}{end}.[LANG]" for end in "12")
    assert len(sanitize(first)) == len(sanitize(second)) == SANITIZED_MAX
    assert sanitize(first) != sanitize(second)
    assert sanitize("url_https://host/c.[LANG].zst") == "url_https_host_c_LANG_zst"  # short keys are unchanged
