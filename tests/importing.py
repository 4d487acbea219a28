"""For the importer tests: run the import_dataset step (its outputs, or its one error
line), and build fixture files as upstreams publish them (text, zip, tar.gz)."""

import io
import tarfile
import zipfile
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


def text(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


def zip_bytes(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            if name in links:
                info.external_attr = 0o120777 << 16  # a symbolic link to `data`
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def tgz_bytes(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()
