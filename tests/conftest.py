import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["tests.http_fixture"]

REPO = Path(__file__).resolve().parents[1]
TRANSLATIONS = str(Path(sys.executable).parent / "translations")


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def run_cli(*args: str, cwd: Path = REPO, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the `translations` command as a user would."""
    return subprocess.run([TRANSLATIONS, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
