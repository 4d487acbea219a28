"""Preflight: where each dataset of a config comes from, and whether it can be reached,
before hours of compute depend on it (`translations datasets`, the Train action).

| importer | checked |
|---|---|
| `url_` | each language's URL answers a HEAD request |
| `po_` with a requirement | PyPI's JSON API knows the project (and version, if pinned) |
| `file_` relative | the file exists in this checkout |
| `file_` / `po_` absolute | not checkable here: the path is on the machine that runs the task |

A definite "not there" (HTTP 404/410, a missing file) is an error; a network failure is
only "unknown", so the check never blocks work where the network is not allowed.
"""

import os
import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline.common.datasets import parse_key

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


def check(key: str, src: str, trg: str, checkout: Path) -> Check:
    importer, name = parse_key(key)
    if importer == "url":
        urls = [name.replace("[LANG]", lang) for lang in (src, trg)]
        return Check(key, " ".join(urls), *_worst([_head(url) for url in urls]))
    if importer == "po" and not name.startswith("/"):
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(?:==([A-Za-z0-9._+!-]+))?", name)
        if not match:
            return Check(key, name, "not checked", "not a plain `name` or `name==version` requirement")
        project, version = match.groups()
        pypi = os.environ.get("PYPI_JSON_URL", "https://pypi.org/pypi")  # a mirror's JSON API
        url = f"{pypi}/{project}/{version}/json" if version else f"{pypi}/{project}/json"
        return Check(key, url, *_head(url))
    if importer == "file" and not name.startswith("/"):
        paths = [checkout / name.replace("[LANG]", lang) for lang in (src, trg)]
        missing = [str(path) for path in paths if not path.is_file()]
        return Check(key, " ".join(map(str, paths)), "missing" if missing else "ok", ", ".join(missing))
    return Check(key, name, "not checked", "a path on the machine that runs the task")


def check_all(config: dict, checkout: Path) -> list[Check]:
    src, trg = config["experiment"]["src"], config["experiment"]["trg"]
    keys = list(dict.fromkeys(key for keys in config["datasets"].values() for key in keys))
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda key: check(key, src, trg, checkout), keys))
