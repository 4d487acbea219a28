"""Run a filter file's filters over a stream of segments and build the cleaning report.

The same code cleans pairs (clean_corpus: two languages, each item a (src, trg) tuple)
and monolingual lines (clean_mono: one language, each item a 1-tuple). Each item is
whitespace-normalized (stripped, runs of spaces collapsed), then the filters see it in
file order and the first that matches removes it. The per-item filters run in forked
worker processes (one per CPU by default: language identification is the cost of
cleaning), CHUNK items at a time; batch filters (bicleaner) run last, in this process, on
blocks of BATCH pairs. Memory stays bounded, and the output order is the input order.
"""

import multiprocessing
import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.clean.filter_file import FilterFile
from pipeline.clean.filters import FILTERS, Filter, Unavailable
from pipeline.common import langs as language_codes
from pipeline.common.corpus import write_json
from pipeline.common.errors import UserError
from pipeline.common.hashset import batched
from pipeline.common.logs import Progress, get_logger

logger = get_logger(__name__)

BATCH = 10_000  # pairs a batch filter (bicleaner) scores at once
CHUNK = 5_000  # items a worker judges at once
_SPACES = re.compile(" {2,}")


def normalize(line: str) -> str:
    return _SPACES.sub(" ", line.strip())


@dataclass(frozen=True)
class Active:
    name: str
    batch: bool
    # check(*sides) -> bool; batch: check(src_lines, trg_lines) -> list[bool]; None: skipped
    check: Callable | None


def build(filter_file: FilterFile, langs: list[str], dataset: str | None) -> tuple[list[Active], dict[str, str]]:
    """The filters enabled for these languages (one: mono; two: src, trg) and dataset, in
    file order, and {filter: why it is skipped} for those that cannot run here (logged)."""
    for lang in langs:
        if problem := language_codes.problem(lang):
            raise UserError(problem)
    active, skipped = [], {}
    for name in filter_file.filters:
        spec = FILTERS[name]
        if spec.scope == "side":
            made = [_make(spec, [lang], filter_file.settings(name, [lang], dataset)) for lang in langs]
        elif len(langs) == 2:
            made = [_make(spec, langs, filter_file.settings(name, langs, dataset))]
        else:
            continue  # a pair filter in clean-mono
        if all(item is None for item in made):
            continue  # disabled
        reasons = [item[1] for item in made if item and item[1]]
        if reasons:
            skipped[name] = "; ".join(reasons)
            logger.warning("%s: %s", name, skipped[name])
        checks = [item[0] if item else None for item in made]
        active.append(Active(name, spec.scope == "batch", _combine(checks)))
    return active, skipped


def _make(spec: Filter, langs: list[str], settings: dict) -> tuple[Callable | None, str] | None:
    """None when disabled, else (check, "") or (None, why it is skipped)."""
    if not settings.pop("enabled"):
        return None
    try:
        return spec.make(*langs, **settings), ""
    except Unavailable as reason:
        return None, f"skipped for {'-'.join(langs)}: {reason}"


def _combine(checks: list[Callable | None]) -> Callable | None:
    """One check over all sides from per-side checks (None: that side is not checked)."""
    if len(checks) == 1:
        return checks[0]
    src_check, trg_check = checks
    if src_check and trg_check:
        return lambda src, trg: src_check(src) or trg_check(trg)
    if src_check:
        return lambda src, trg: src_check(src)
    if trg_check:
        return lambda src, trg: trg_check(trg)
    return None


def _first_match(chunk: list[tuple[str, ...]], line_checks) -> list[tuple[str | None, tuple[str, ...]]]:
    """(name of the first filter that removes it, or None; the normalized sides), per item."""
    verdicts = []
    for sides in chunk:
        sides = tuple(map(normalize, sides))
        verdicts.append((next((name for name, check in line_checks if check(*sides)), None), sides))
    return verdicts


_worker_checks: list = []  # set before the pool forks: the workers inherit the filters


def _worker(chunk):
    return _first_match(chunk, _worker_checks)


def _verdicts(items: Iterable[tuple[str, ...]], line_checks, workers: int) -> Iterator[tuple[str | None, tuple]]:
    """The items' verdicts in input order, judged by `workers` forked processes in chunks;
    at most 2 chunks a worker are in flight, so memory stays bounded."""
    chunks = batched(items, CHUNK)
    if workers <= 1:
        for chunk in chunks:
            yield from _first_match(chunk, line_checks)
        return
    global _worker_checks
    _worker_checks = line_checks
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_worker, (chunk,)))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


def clean(
    items: Iterable[tuple[str, ...]], write: Callable, active: list[Active], max_samples: int, workers: int = 1
) -> dict:
    """Write the items every filter keeps (`write(*sides)`); return counts and samples.

    samples: the first max_samples items each filter removed, as [src, trg] (pairs) or
    the line (mono). Line filters run in `workers` processes; batch filters here.
    """
    line_checks = [(f.name, f.check) for f in active if f.check and not f.batch]
    batch_checks = [(f.name, f.check) for f in active if f.check and f.batch]
    removed = {f.name: 0 for f in active}
    samples: dict[str, list] = {f.name: [] for f in active}
    kept = 0

    def drop(name: str, sides: tuple[str, ...]) -> None:
        removed[name] += 1
        if len(samples[name]) < max_samples:
            samples[name].append(sides[0] if len(sides) == 1 else list(sides))

    def flush(block: list[tuple[str, ...]]) -> int:
        for name, check in batch_checks:
            verdicts = check([sides[0] for sides in block], [sides[1] for sides in block]) if block else []
            remaining = []
            for sides, remove in zip(block, verdicts):
                if remove:
                    drop(name, sides)
                else:
                    remaining.append(sides)
            block = remaining
        for sides in block:
            write(*sides)
        return len(block)

    progress = Progress(logger, "clean")
    block: list[tuple[str, ...]] = []
    for failed, sides in _verdicts(items, line_checks, workers):
        progress.tick()
        if failed:
            drop(failed, sides)
        elif not batch_checks:
            write(*sides)
            kept += 1
        else:
            block.append(sides)
            if len(block) >= BATCH:
                kept += flush(block)
                block = []
    kept += flush(block)
    progress.done()
    return {"lines_in": progress.count, "lines_out": kept, "removed": removed, "samples": samples}


def write_report(
    result: dict, skipped: dict[str, str], filter_file: FilterFile, dataset: str | None, output_prefix: Path, unit: str
) -> dict:
    """Log the lines each filter removed; write `<output-prefix>.cleaning.json`; return the report."""
    for name, count in result["removed"].items():
        logger.info("removed by %s: %d", name, count)
    logger.info("kept %d of %d %s", result["lines_out"], result["lines_in"], unit)
    report = {
        "filters_file": {"path": filter_file.path, "version": filter_file.version},
        "dataset": dataset,
        "lines_in": result["lines_in"],
        "lines_out": result["lines_out"],
        "removed": result["removed"],
        "skipped": skipped,
        "samples": result["samples"],
    }
    write_json(output_prefix.parent / f"{output_prefix.name}.cleaning.json", report)
    return report
