"""What a config's `continuation` section does to the graph (docs/continuation.md).

Each configured item is one task of the `continuation` kind that copies or downloads its
files. A vocabulary, a corpus or a `use` model stands in for the kinds that would make
it (`replaces`): their stages are not generated, and their consumers fetch the
continuation task's artifacts, which have the same names. An `init` or `continue` model
is fetched by its training task instead.

A location's identity, not its place, goes into the digests: a file's sha256 (a local
path, a stored result, a URL's `#sha256=`), else a URL's ETag or `#version=`. So a file
moved elsewhere is reused, and a new upload at the same URL is not.
"""

import copy
import functools
import re
import urllib.error
import urllib.request
from pathlib import Path

from pipeline.common.contract import CHECKPOINT_SUFFIXES, tree_sha256
from pipeline.common.download import http_open, mirrored
from pipeline.common.errors import UserError
from translations_taskgraph.config import STAGES, locations

# What a distilled corpus replaces: every stage from merge-corpus to cefilter but the devset.
BEFORE_STUDENT = set(STAGES[STAGES.index("merge-corpus") : STAGES.index("cefilter") + 1]) - {"merge-devset"}


def items(tc: dict) -> dict[str, dict | str]:
    """The configured items by task name: vocab, parallel, backtranslations, distillation,
    teacher, backwards. Without a vocab, a Marian model brings its own (beside the first
    one): it only decodes or trains with the vocabulary it was trained with."""
    continuation = tc["continuation"]
    found = {"vocab": continuation["vocab"], **continuation["corpora"], **continuation["models"]}
    found = {name: item for name, item in found.items() if item}
    if "vocab" not in found:
        for name in ("teacher", "backwards"):
            model = found.get(name)
            if model and model["type"] == "marian":
                found["vocab"] = vocab_beside(model_locations(model)[0], tc) or sibling(model_locations(model)[0], "vocab.spm")
                break
    return found


def model_locations(model: dict) -> list[str]:
    return model["locations"] if "locations" in model else [model["location"]]


def vocab_beside(location: str, tc: dict) -> str | dict | None:
    """The vocabulary in a local model's folder: `vocab.<src>.spm` and `vocab.<trg>.spm` (one
    per side) or `vocab.spm` (joint); for a URL, the `vocab.spm` beside it."""
    if location.startswith("https://"):
        return sibling(location, "vocab.spm")
    sides = {side: sibling(location, f"vocab.{tc['experiment'][side]}.spm") for side in ("src", "trg")}
    if all(Path(path).is_file() for path in sides.values()):
        return sides
    return joint if Path(joint := sibling(location, "vocab.spm")).is_file() else None


def per_side(vocab: str | dict) -> dict[str, str]:
    """{src: location, trg: location} of a joint or per-side vocabulary."""
    return vocab if isinstance(vocab, dict) else {"src": vocab, "trg": vocab}


def sibling(location: str, name: str) -> str:
    """The location of the file `name` in the same folder (a URL's identity suffix dropped)."""
    return f"{location.split('#')[0].rsplit('/', 1)[0]}/{name}"


def problems(tc: dict) -> list[str]:
    """What stops the continuation before anything runs, one line each: a local file that
    is not there; a Marian model whose `vocab.spm` beside it is not the pipeline's
    vocabulary (checked where both are known by content: local files, stored results,
    URLs with #sha256=)."""
    found = [f"{where}: {holder[key]}: {problem}" for where, holder, key in locations(tc["continuation"])
             if (problem := _unavailable(holder[key], tc["taskcluster"]["data-mirror"]))]
    return found + _vocab_problems(tc) + _checkpoint_problems(tc)


def _checkpoint_problems(tc: dict) -> list[str]:
    """A local model to `continue` needs its checkpoint files beside it."""
    found, problems = items(tc), []
    for name in ("teacher", "backwards"):
        model = found.get(name)
        for location in model_locations(model) if model and model["mode"] == "continue" else []:
            missing = [Path(location).name + suffix for suffix in CHECKPOINT_SUFFIXES if not Path(location + suffix).is_file()]
            if Path(location).is_file() and missing:
                problems.append(f"continuation.models.{name}: {location} has no {', '.join(missing)} beside it; "
                                "continuing a training needs its checkpoint files (or use mode init)")
    return problems


def _unavailable(location: str, mirror: str) -> str | None:
    """Why a location cannot be read now (a local file that is not there, a URL that does
    not answer a HEAD request), or None."""
    if not location.startswith("https://"):
        return None if Path(location).exists() else "not found; give an existing file, or the URL it is published at"
    url = location.split("#")[0]
    why = _head(source := mirrored(url, mirror))[0]
    via = "" if source == url else f" (via the mirror: {source})"
    return f"{why}{via}; check the URL" if why else None


def _vocab_problems(tc: dict) -> list[str]:
    found = items(tc)
    ours = per_side(found.get("vocab"))
    mirror = tc["taskcluster"]["data-mirror"]
    problems = []
    for name in ("teacher", "backwards"):
        model = found.get(name)
        for location in model_locations(model) if model and model["type"] == "marian" else []:
            beside = vocab_beside(location, tc)
            if beside is None:
                if tc["continuation"]["vocab"] is None:
                    problems.append(f"continuation.models.{name}: {location} has no vocab.spm beside it; "
                                    "set continuation.vocab to the vocabulary it was trained with")
                continue
            for side, its in per_side(beside).items():
                if its == ours[side] or not (ours[side].startswith("https://") or Path(ours[side]).is_file()):
                    continue  # a vocabulary that is not there is said once, with its config key
                known = identity(ours[side], mirror), identity(its, mirror)
                if all(sha.startswith("sha256:") for sha in known) and known[0] != known[1]:
                    which = "vocabulary" if ours["src"] == ours["trg"] else f"{side} vocabulary"
                    problems.append(f"continuation.models.{name}: {its} differs from the pipeline's {which} "
                                    f"{ours[side]}; a Marian model only works with the vocabulary it was trained with")
                    break
    return problems


def identified(tc: dict) -> dict:
    """The config with each continuation location replaced by its identity: what a task that
    records the config (export) is given, so that a file that moves does not rerun it."""
    if not items(tc):
        return tc
    tc = copy.deepcopy(tc)
    for _, holder, key in locations(tc["continuation"]):
        holder[key] = identity(holder[key], tc["taskcluster"]["data-mirror"])
    return tc


def replaces(name: str, item) -> list[str]:
    """The kinds whose tasks this item's task stands in for."""
    if name in ("teacher", "backwards"):
        return [f"train-{name}"] if item["mode"] == "use" else []
    if name == "distillation":
        return ["cefilter", "merge-corpus"] + (["alignments"] if item.get("alignments") else [])
    return {"vocab": ["train-vocab"], "parallel": ["merge-corpus"], "backtranslations": ["collect-mono-trg"]}[name]


def skipped_stages(tc: dict) -> set[str]:
    """Stages not generated, because a continuation replaces them."""
    skipped = set()
    for name, item in items(tc).items():
        if name == "distillation":
            skipped |= BEFORE_STUDENT
        skipped |= {"translate-mono-trg" if kind == "collect-mono-trg" else kind for kind in replaces(name, item)}
    return skipped


def files(name: str, item, tc: dict, member: int | None) -> dict[str, str]:
    """{artifact name: location} of the item's task (a teacher's: of ensemble member `member`)."""
    src, trg = tc["experiment"]["src"], tc["experiment"]["trg"]
    if name == "vocab":
        sides = per_side(item)
        return {f"vocab.{src}.spm": sides["src"], f"vocab.{trg}.spm": sides["trg"]}
    if name in ("parallel", "backtranslations", "distillation"):
        prefix = "mono-bt" if name == "backtranslations" else "corpus"
        found = {f"{prefix}.{src}.zst": item["src"], f"{prefix}.{trg}.zst": item["trg"]}
        return found | ({"corpus.aln.zst": item["alignments"]} if item.get("alignments") else {})
    location = model_locations(item)[(member or 1) - 1]
    if item["type"] == "opus-mt":
        return {"opus-mt": location}
    found = {"model.npz": location}
    if item["mode"] == "continue":
        # A URL's identity suffix belongs to the model file only.
        found |= {f"model.npz{suffix}": location.split("#")[0] + suffix for suffix in CHECKPOINT_SUFFIXES}
    return found


def identity(location: str, mirror: str = "") -> str:
    """What the digest holds for a location (docs/continuation.md); a URL's ETag is asked of
    the dataset mirror when there is one, as the task downloads from it."""
    if location.startswith("https://"):
        url, _, pinned = location.partition("#")
        if pinned.startswith("sha256="):
            return f"sha256:{pinned.removeprefix('sha256=')}"
        if pinned.startswith("version="):
            return f"{url} {pinned}"
        return f"{url} {_stamp(_head(mirrored(url, mirror))[1])}".strip()
    path = Path(location)
    stat = path.stat() if path.exists() else None
    if stat is None:
        raise UserError(f"{location}: not found; give an existing file, or the URL it is published at")
    return f"sha256:{_sha256(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)}"


@functools.lru_cache(maxsize=None)
def _sha256(path: str, size: int, mtime_ns: int, inode: int) -> str:
    """Hashed once per process while the file stays the same (a graph asks per task)."""
    return tree_sha256(Path(path))


@functools.lru_cache(maxsize=None)
def _head(url: str) -> tuple[str, dict]:
    """("", the headers) of a HEAD request to the URL, or (why it failed, {})."""
    try:
        with http_open(urllib.request.Request(url, method="HEAD"), timeout=30) as response:
            return "", dict(response.headers)
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}", {}
    except (urllib.error.URLError, OSError, ValueError, UserError) as error:
        return f"not reachable ({getattr(error, 'reason', error)})", {}


def _stamp(headers: dict) -> str:
    """The ETag the server gives (else its Last-Modified and size); "" when it gives none."""
    # What a server says goes into a command: printable ASCII only, bounded.
    said = {name: re.sub(r"[^\x21-\x7e ]", "", headers.get(name, ""))[:200] for name in ("ETag", "Last-Modified", "Content-Length")}
    if said["ETag"]:
        return f"etag={said['ETag']}"
    return " ".join(f"{name.lower()}={value}" for name, value in said.items() if value)
