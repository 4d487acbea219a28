"""Preflight: where each dataset of a config comes from, and whether it can be reached,
before hours of compute depend on it (`translations datasets`, the Train action).

First each key goes through its importer's own check, the one its import runs (`..` in a
`file_` or `po_` path, a `url_` that is not http(s), an unknown OPUS name, ...): a key it
refuses is "invalid", with the importer's message, and nothing is fetched for it. Then:

| importer | checked |
|---|---|
| `po_` with a requirement | PyPI's JSON API knows the project (and version, if pinned) |
| `file_` relative | the file exists in this checkout |
| `file_` / `po_` absolute | not checked here: the path is on the machine that runs the task |
| `sacrebleu_`, `mtdata_` without their library | not checked (the decision image lacks them) |
| the others | each URL the importer's `urls(name, *langs)` names answers a HEAD request, through the config's `taskcluster.data-mirror` or `TRANSLATIONS_DATA_MIRROR` when set (`hf_`: `HF_ENDPOINT`) |

Only http(s) is ever spoken, redirects included. A definite "not there" (HTTP 404/410, a
missing file) is an error, as is an invalid key; a network failure is only "unknown", so
the check never blocks work where the network is not allowed.

This module runs in the decision task: it and the importer modules import only the
standard library at the top.
"""

import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline.common.datasets import parse_key
from pipeline.common.download import http_open, mirrored
from pipeline.common.errors import UserError
from pipeline.data import importers

TIMEOUT_S = 15
FAILED = ("invalid", "missing")  # the statuses that stop a run


@dataclass
class Check:
    key: str
    location: str
    status: str  # "ok", "invalid", "missing", "unknown" or "not checked"
    detail: str = ""


def _head(url: str) -> tuple[str, str]:
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "translations-pipeline"})
    try:
        with http_open(request, TIMEOUT_S):
            return "ok", ""
    except urllib.error.HTTPError as error:
        redirect = f" {error.reason}" if 300 <= error.code < 400 else ""  # one to a non-http(s) URL, refused
        return ("missing" if error.code in (404, 410) else "unknown"), f"HTTP {error.code}{redirect}"
    except (urllib.error.URLError, OSError) as error:
        return "unknown", str(getattr(error, "reason", error))


def _worst(results: list[tuple[str, str]]) -> tuple[str, str]:
    for status in ("missing", "unknown"):
        for result in results:
            if result[0] == status:
                return result
    return results[0]


def _locate(key: str, langs: tuple[str, ...], checkout: Path, mirror: str) -> Check:
    """The importer's own check (no I/O), then where its data is; raises its UserError."""
    importer, name = parse_key(key)
    if importer == "file":
        paths = importers.load("file").check(key, name, langs)
        if paths[0].is_absolute():
            return Check(key, name, "not checked", "a path on the machine that runs the task")
        missing = [str(checkout / path) for path in paths if not (checkout / path).is_file()]
        return Check(key, " ".join(str(checkout / path) for path in paths), "missing" if missing else "ok", ", ".join(missing))
    if importer == "po":
        requirement = importers.load("po").check(key, name)
        if requirement is None:
            return Check(key, name, "not checked", "a path on the machine that runs the task")
        project, version = requirement
        pypi = os.environ.get("PYPI_JSON_URL", "https://pypi.org/pypi")  # a mirror's JSON API
        url = f"{pypi}/{project}/{version}/json" if version else f"{pypi}/{project}/json"
        return Check(key, url, *_head(url))
    urls = importers.load(importer).urls(name, *langs)
    if not urls:
        return Check(key, name, "not checked", "its files are only known when the import runs")
    # The Hugging Face Hub is an API with its own mirror setting (HF_ENDPOINT), not a file host.
    fetched = urls if importer == "hf" else [mirrored(url, mirror) for url in urls]
    return Check(key, " ".join(urls), *_worst([_head(url) for url in fetched]))


def check(key: str, langs: tuple[str, ...], checkout: Path, mirror: str = "") -> Check:
    try:
        return _locate(key, langs, checkout, mirror)
    except UserError as error:
        return Check(key, key.partition("_")[2], "invalid", str(error))
    except ModuleNotFoundError as error:  # sacrebleu's or mtdata's index, absent from the decision image
        if (error.name or "").partition(".")[0] in ("pipeline", "translations_taskgraph"):
            raise
        return Check(key, key.partition("_")[2], "not checked", f"needs {error.name}, not installed here")


def check_all(config: dict, checkout: Path) -> list[Check]:
    """One check per dataset and the languages it is read in (a mono key: one language)."""
    src, trg = config["experiment"]["src"], config["experiment"]["trg"]
    side = {"mono-src": (src,), "mono-trg": (trg,)}
    items = list(dict.fromkeys(
        (key, side.get(category, (src, trg))) for category, keys in config["datasets"].items() for key in keys
    ))
    with ThreadPoolExecutor(max_workers=8) as pool:
        mirror = config.get("taskcluster", {}).get("data-mirror", "")  # as the import tasks get it
        return list(pool.map(lambda item: check(*item, checkout, mirror), items))
