"""Filter files: load, validate, and resolve a filter's settings for languages and a dataset.

    version: 1
    filters:                      # in order; the first filter that matches removes the input
      - empty                     # a name alone: the filter with its defaults
      - too_long: {max_words: 150}
      - num_mismatch: false       # listed but off, unless an override sets it true
    languages:                    # overrides per language (its language subtag, then the full code;
                                  # any spelling: zh_hant is zh-Hant)
      th: {length_ratio: false}
    datasets:                     # overrides per dataset key: fnmatch glob, or the key itself
      "opus_OpenSubtitles/*": {length_ratio: {max_ratio: 2}, num_mismatch: true}

An entry's value is a mapping of parameters (`enabled` included), `true` / `false`
(shorthand for `{enabled: true}` / `{enabled: false}`) or nothing. Settings of a filter
= its defaults, then its entry in `filters`, then the overrides of each language, then
those of each dataset glob matching the key, in file order; later ones win. Every
problem of an invalid file is reported at once, in one line.
"""

import fnmatch
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.clean.filters import FILTERS
from pipeline.common import langs as language_codes
from pipeline.common.errors import UserError

VERSION = 1
FILTERS_DIR = Path(__file__).resolve().parent / "filters"
DEFAULT = FILTERS_DIR / "default.yml"
_REPO = Path(__file__).resolve().parents[2]
_KEYS = {"version", "filters", "languages", "datasets"}


@dataclass(frozen=True)
class FilterFile:
    path: str  # as the report shows it: relative to the repository when inside it
    version: int
    filters: dict[str, dict]  # name -> settings of its entry, in file order
    languages: dict[str, dict[str, dict]]  # code -> name -> settings
    datasets: dict[str, dict[str, dict]]  # glob -> name -> settings

    def settings(self, name: str, langs: list[str], dataset: str | None) -> dict:
        """The settings (`enabled` and every parameter) of `name` for these languages and dataset."""
        settings = {"enabled": True, **FILTERS[name].defaults(), **self.filters[name]}
        for lang in map(language_codes.canonical, langs):
            for code in dict.fromkeys((language_codes.primary(lang), lang)):
                settings.update(self.languages.get(code, {}).get(name, {}))
        for pattern, overrides in self.datasets.items():
            if dataset is not None and (dataset == pattern or fnmatch.fnmatchcase(dataset, pattern)):
                settings.update(overrides.get(name, {}))
        return settings


def resolve(name_or_path: str) -> Path:
    """A filter file's path: `opus-en-de` is pipeline/clean/filters/opus-en-de.yml (the files
    the tasks' cache digests cover); anything with a `/` or `.yml` is a path."""
    if "/" in name_or_path or name_or_path.endswith(".yml"):
        return Path(name_or_path)
    return FILTERS_DIR / f"{name_or_path}.yml"


def load(path: Path | str = DEFAULT) -> FilterFile:
    path = resolve(str(path))
    if not path.is_file():
        raise UserError(f"{path}: filter file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise UserError(f"{path}: not valid YAML{line} ({getattr(error, 'problem', None) or error})") from None
    problems: list[str] = []
    filter_file = _parse(path, data, problems)
    if problems:
        raise UserError(f"{path}: invalid filter file: {'; '.join(problems)}")
    return filter_file


def _parse(path: Path, data, problems: list[str]) -> FilterFile | None:
    if not isinstance(data, dict):
        problems.append("expected a mapping with version and filters")
        return None
    problems.extend(f"{key}: unknown key (expected {', '.join(sorted(_KEYS))})" for key in data if key not in _KEYS)
    if "version" not in data:
        problems.append(f"version: missing (write version: {VERSION})")
    elif data["version"] != VERSION:
        problems.append(f"version: {data['version']!r} is not supported; this pipeline reads version {VERSION}")
    filters = _parse_filters(data.get("filters"), problems)
    languages = {
        language_codes.canonical(str(code)): _parse_overrides(f"languages.{code}", overrides, filters, problems)
        for code, overrides in _mapping("languages", data.get("languages"), problems).items()
        if _language_ok(code, problems)
    }
    datasets = {
        str(pattern): _parse_overrides(f"datasets.{pattern}", overrides, filters, problems)
        for pattern, overrides in _mapping("datasets", data.get("datasets"), problems).items()
    }
    resolved = path.resolve()
    shown = str(resolved.relative_to(_REPO)) if resolved.is_relative_to(_REPO) else str(path)
    return FilterFile(shown, data.get("version"), filters, languages, datasets)


def _mapping(key: str, value, problems: list[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{key}: expected a mapping, got {value!r}")
        return {}
    return value


def _language_ok(code, problems: list[str]) -> bool:
    if isinstance(code, bool):  # YAML reads no / yes / on / off as booleans
        problems.append(f"languages.{code}: not a language code (write it in quotes, e.g. \"no\")")
        return False
    if problem := language_codes.problem(str(code)):
        problems.append(f"languages.{code}: {problem}")
        return False
    return True


def _parse_filters(entries, problems: list[str]) -> dict[str, dict]:
    if not isinstance(entries, list) or not entries:
        problems.append("filters: expected a list of filters")
        return {}
    filters: dict[str, dict] = {}
    for number, entry in enumerate(entries):
        where = f"filters[{number}]"
        if isinstance(entry, str):
            name, value = entry, None
        elif isinstance(entry, dict) and len(entry) == 1:
            ((name, value),) = entry.items()
        else:
            problems.append(f"{where}: expected a filter name or {{name: parameters}}, got {entry!r}")
            continue
        if name in filters:
            problems.append(f"{where}: {name} is listed twice")
            continue
        settings = _parse_settings(f"{where}.{name}", name, value, problems)
        if settings is not None:
            filters[name] = settings
    _check_batch_filters_last(list(filters), problems)
    return filters


def _check_batch_filters_last(names: list[str], problems: list[str]) -> None:
    scopes = [FILTERS[name].scope for name in names]
    for number, name in enumerate(names):
        if scopes[number] == "batch" and any(scope != "batch" for scope in scopes[number + 1 :]):
            problems.append(f"filters: {name} scores pairs in batches and must come after the other filters")


def _parse_overrides(where: str, overrides, filters: dict[str, dict], problems: list[str]) -> dict[str, dict]:
    parsed = {}
    for name, value in _mapping(where, overrides, problems).items():
        settings = _parse_settings(f"{where}.{name}", name, value, problems, default_enabled=False)
        if settings is None:
            continue
        if name not in filters:
            problems.append(f"{where}.{name}: not in the filters list; add it there (with false to keep it off)")
            continue
        parsed[name] = settings
    return parsed


def _parse_settings(where: str, name, value, problems: list[str], default_enabled: bool = True) -> dict | None:
    """An entry's value as settings; None (and a problem) when it is invalid.

    In the filters list a bare name means enabled; in an override, parameters alone leave
    `enabled` as it was.
    """
    if name not in FILTERS:
        problems.append(f"{where}: unknown filter (known: {', '.join(FILTERS)})")
        return None
    if value is None or isinstance(value, bool):
        enabled = True if value is None else value
        return {"enabled": enabled} if value is not None or default_enabled else {}
    if not isinstance(value, dict):
        problems.append(f"{where}: expected parameters, true or false, got {value!r}")
        return None
    params = FILTERS[name].params
    settings = {}
    for key, item in value.items():
        if key == "enabled":
            annotation = bool
        elif key in params:
            annotation = params[key].annotation
        else:
            known = ", ".join(["enabled", *params])
            problems.append(f"{where}.{key}: unknown parameter (known: {known})")
            continue
        problem = _type_problem(annotation, item)
        if problem:
            problems.append(f"{where}.{key}: {problem}")
        else:
            settings[key] = float(item) if annotation is float else item
    return settings


def _type_problem(annotation, value) -> str | None:
    if annotation is bool:
        ok, expected = isinstance(value, bool), "true or false"
    elif annotation is int:
        ok, expected = isinstance(value, int) and not isinstance(value, bool), "an integer"
    elif annotation is float:
        ok, expected = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
    elif annotation is str:
        ok, expected = isinstance(value, str), "a string"
    elif annotation == list[str]:
        ok, expected = isinstance(value, list) and all(isinstance(v, str) for v in value), "a list of strings"
    else:
        raise TypeError(f"filter parameter type {annotation} is not supported")  # a bug in filters.py
    return None if ok else f"expected {expected}, got {value!r}"
