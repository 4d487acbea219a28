"""Preflight: where each dataset of a config comes from, and whether it can be reached,
before hours of compute depend on it (`translations datasets`, the Train action).

| importer | checked |
|---|---|
| `po_` with a requirement | PyPI's JSON API knows the project (and version, if pinned) |
| `file_` relative | the file exists in this checkout |
| `file_` / `po_` absolute | not checkable here: the path is on the machine that runs the task |
| the others | each URL the importer's `urls(name, *langs)` names answers a HEAD request, through the config's `taskcluster.data-mirror` or `TRANSLATIONS_DATA_MIRROR` when set (`hf_`: `HF_ENDPOINT`) |

A definite "not there" (HTTP 404/410, a missing file) is an error, as is a key its
importer rejects; a network failure is only "unknown", so the check never blocks work
where the network is not allowed.
"""

import os
import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline.common.datasets import parse_key
from pipeline.common.download import mirrored
from pipeline.common.errors import UserError
from pipeline.data import importers

TIMEOUT_S = 15


@dataclass
class Check:
    key: str
    location: str
    status: str  # "ok", "missing", "unknown" or "not checked"
    detail: str = ""


def _head(url: str) -> tuple[str, str]:
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "translations-pipeline"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S):
            return "ok", ""
    except urllib.error.HTTPError as error:
        return ("missing" if error.code in (404, 410) else "unknown"), f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return "unknown", str(getattr(error, "reason", error))


def _worst(results: list[tuple[str, str]]) -> tuple[str, str]:
    for status in ("missing", "unknown"):
        for result in results:
            if result[0] == status:
                return result
    return results[0]


def check(key: str, langs: tuple[str, ...], checkout: Path, mirror: str = "") -> Check:
    importer, name = parse_key(key)
    if importer == "po" and not name.startswith("/"):
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(?:==([A-Za-z0-9._+!-]+))?", name)
        if not match:
            return Check(key, name, "not checked", "not a plain `name` or `name==version` requirement")
        project, version = match.groups()
        pypi = os.environ.get("PYPI_JSON_URL", "https://pypi.org/pypi")  # a mirror's JSON API
        url = f"{pypi}/{project}/{version}/json" if version else f"{pypi}/{project}/json"
        return Check(key, url, *_head(url))
    if importer == "file" and not name.startswith("/"):
        paths = [checkout / name.replace("[LANG]", lang) for lang in langs]
        missing = [str(path) for path in paths if not path.is_file()]
        return Check(key, " ".join(map(str, paths)), "missing" if missing else "ok", ", ".join(missing))
    if importer in ("file", "po"):
        return Check(key, name, "not checked", "a path on the machine that runs the task")
    try:
        urls = importers.load(importer).urls(name, *langs)
    except UserError as error:
        return Check(key, name, "missing", str(error))
    if not urls:
        return Check(key, name, "not checked", "its files are only known when the import runs")
    # The Hugging Face Hub is an API with its own mirror setting (HF_ENDPOINT), not a file host.
    fetched = urls if importer == "hf" else [mirrored(url, mirror) for url in urls]
    return Check(key, " ".join(urls), *_worst([_head(url) for url in fetched]))


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
