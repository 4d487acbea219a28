"""Run a filter file's filters over a stream of segments and build the cleaning report.

The same code cleans pairs (clean_corpus: two languages, two files, two columns of lines)
and monolingual lines (clean_mono: one of each). This process reads the files CHUNK lines
at a time, undecoded, and writes what is kept; forked worker processes (one per CPU by
default: language identification is the cost of cleaning) decode a chunk, whitespace-
normalize each segment (stripped, runs of spaces collapsed), then run the filters on it in
file order, each on the items the ones before kept, so the first filter that matches an
item removes it. Batch filters (bicleaner) run last, in this process, on blocks of BATCH
pairs. Memory stays bounded, and the output order is the input order.
"""

import multiprocessing
import re
from collections import deque
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter, not_
from pathlib import Path
from typing import Callable, Iterator

from pipeline.clean.filter_file import FilterFile
from pipeline.clean.filters import FILTERS, Filter, Unavailable
from pipeline.common import langs as language_codes
from pipeline.common.corpus import LineWriter, decoded_lines, line_chunks, write_json
from pipeline.common.errors import UserError
from pipeline.common.logs import Progress, get_logger

logger = get_logger(__name__)

BATCH = 10_000  # pairs a batch filter (bicleaner) scores at once, at least
CHUNK = 5_000  # items a worker judges at once
_SPACES = re.compile(" {2,}")

Columns = list[list[str]]  # one list of lines per side: [src_lines, trg_lines] or [lines]
Removed = list[tuple[str, tuple[str, ...]]]  # (the filter that removed it, its sides), in input order


def normalized(lines: list[str]) -> list[str]:
    """The lines stripped, runs of spaces collapsed to one."""
    return [_SPACES.sub(" ", line) if "  " in line else line for line in map(str.strip, lines)]


@dataclass(frozen=True)
class Active:
    name: str
    batch: bool
    # check(*columns) -> one verdict per item, True: remove it; None: skipped
    check: Callable[..., list[bool]] | None


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
        return _either(src_check, trg_check)
    if src_check:
        return lambda src_lines, trg_lines: src_check(src_lines)
    if trg_check:
        return lambda src_lines, trg_lines: trg_check(trg_lines)
    return None


def _either(src_check: Callable, trg_check: Callable) -> Callable:
    """A pair goes when either side's check removes it; targets are judged only where the source passed."""

    def check(src_lines: list[str], trg_lines: list[str]) -> list[bool]:
        verdicts = src_check(src_lines)
        if not any(verdicts):
            return trg_check(trg_lines)
        passed = [index for index, removed in enumerate(verdicts) if not removed]
        for index, removed in zip(passed, trg_check([trg_lines[i] for i in passed])):
            verdicts[index] = removed
        return verdicts

    return check


def judge(columns: Columns, filters: list[Active]) -> tuple[Columns, Removed]:
    """Normalize the items and run the filters (those with a check) on them in order, each on
    the items the ones before kept: (the kept items, the removed ones with the first filter
    that matched each, in input order)."""
    return _apply(list(map(normalized, columns)), filters)


def _apply(columns: Columns, filters: list[Active]) -> tuple[Columns, Removed]:
    positions = list(range(len(columns[0])))  # of the items left, in the chunk
    removed: list[tuple[int, str, tuple[str, ...]]] = []
    for name, check in ((f.name, f.check) for f in filters if f.check):
        if not positions:
            break
        verdicts = check(*columns)
        if not any(verdicts):
            continue
        for index in compress(range(len(verdicts)), verdicts):
            removed.append((positions[index], name, tuple(column[index] for column in columns)))
        positions = list(compress(positions, map(not_, verdicts)))
        columns = [list(compress(column, map(not_, verdicts))) for column in columns]
    removed.sort(key=itemgetter(0))
    return columns, [(name, sides) for _, name, sides in removed]


def _judge_chunk(labels: list[str], first: int, chunk: list[list[bytes]], filters: list[Active]) -> tuple[list[str], Removed]:
    """Decode a chunk of lines (line `first` on, in the files `labels`) and judge it: (the kept
    lines of each side joined, each ending with "\n"; the removed items)."""
    columns = [list(decoded_lines(lines, label, first)) for lines, label in zip(chunk, labels)]
    kept, removed = judge(columns, filters)
    return [_joined(lines) for lines in kept], removed


def _joined(lines: list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


def _split(text: str) -> list[str]:
    return text.split("\n")[:-1]  # lines hold no "\n": they were split at them


_worker_filters: list[Active] = []  # set before the pool forks: the workers inherit the filters


def _worker(labels: list[str], first: int, chunk: list[list[bytes]]) -> tuple[list[str], Removed]:
    return _judge_chunk(labels, first, chunk, _worker_filters)


def _jobs(paths: list[Path]) -> Iterator[tuple[list[str], int, list[list[bytes]]]]:
    labels, first = [str(path) for path in paths], 1
    for chunk in line_chunks(paths, CHUNK):
        yield labels, first, chunk
        first += len(chunk[0])


def _judged(paths: list[Path], filters: list[Active], workers: int) -> Iterator[tuple[list[str], Removed]]:
    """The files' lines judged CHUNK at a time, in input order: read here, decoded and judged
    by `workers` forked processes; at most 2 chunks a worker are in flight, so memory stays
    bounded."""
    if workers <= 1:
        for job in _jobs(paths):
            yield _judge_chunk(*job, filters)
        return
    global _worker_filters
    _worker_filters = filters
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque = deque()
        for job in _jobs(paths):
            pending.append(pool.apply_async(_worker, job))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def clean(paths: list[Path], outputs: list[LineWriter], active: list[Active], max_samples: int, workers: int = 1) -> dict:
    """Clean the line-aligned files `paths` (one per side) into `outputs`: write the items
    every filter keeps, in input order; return counts and samples.

    samples: the first max_samples items each filter removed, as [src, trg] (pairs) or the
    line (mono). Line filters run in `workers` processes; batch filters here.
    """
    line_filters = [f for f in active if not f.batch]
    batch_filters = [f for f in active if f.batch and f.check]
    removed = {f.name: 0 for f in active}
    samples: dict[str, list] = {f.name: [] for f in active}
    kept = 0

    def drop(items: Removed) -> None:
        for name, sides in items:
            removed[name] += 1
            if len(samples[name]) < max_samples:
                samples[name].append(sides[0] if len(sides) == 1 else list(sides))

    def write(texts: list[str]) -> int:
        for output, text in zip(outputs, texts):
            output.write_text(text)
        return texts[0].count("\n")

    def flush(block: Columns) -> int:
        block, dropped = _apply(block, batch_filters)
        drop(dropped)
        return write([_joined(lines) for lines in block])

    progress = Progress(logger, "clean")
    block: Columns = []  # kept by the line filters, for the batch filters
    for texts, dropped in _judged(paths, line_filters, workers):
        progress.tick(texts[0].count("\n") + len(dropped))
        drop(dropped)
        if not batch_filters:
            kept += write(texts)
            continue
        columns = [_split(text) for text in texts]
        block = [whole + part for whole, part in zip(block, columns)] if block else columns
        if len(block[0]) >= BATCH:
            kept += flush(block)
            block = []
    if block:
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
