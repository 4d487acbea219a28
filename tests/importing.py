"""Run the import_dataset step as the importer tests do: its outputs, or its one error line."""

from pathlib import Path

import pytest

from pipeline.common.corpus import read_lines
from pipeline.common.datasets import sanitize
from pipeline.data.import_dataset import main


def run_import(key: str, out: Path, src: str = "en", trg: str = "de") -> tuple[list[str], list[str]]:
    main(["--dataset", key, "--src", src, "--trg", trg, "--output-dir", str(out)])
    name = sanitize(key)
    return list(read_lines(out / f"{name}.{src}.zst")), list(read_lines(out / f"{name}.{trg}.zst"))


def import_error(key: str, out: Path, capsys, src: str = "en", trg: str = "de") -> str:
    """Run the step expecting a user error; returns its single stderr line (and nothing is written)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["--dataset", key, "--src", src, "--trg", trg, "--output-dir", str(out)])
    assert exit_info.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, lines
    assert not list(out.glob("*.zst")) if out.exists() else True
    return lines[0]
