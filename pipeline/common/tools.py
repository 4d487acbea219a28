"""Find the command-line tools the project installs (pymarian, opustrainer-train)."""

import shutil
import sys
from pathlib import Path

from pipeline.common.errors import UserError


def executable(name: str) -> str:
    """The tool beside this Python (the project's venv), else on PATH."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if not found:
        raise UserError(f"{name} not found: install the project (make install) or put {name} on PATH")
    return found
