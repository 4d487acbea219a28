"""Every `translations` command and option explains itself in --help; --version names the release."""

import argparse
import importlib.metadata

from tests.conftest import run_cli
from translations_taskgraph.cli import parser


def walk(command: argparse.ArgumentParser, name: str = "translations"):
    """(name of the (sub)command, its parser) for the command and every subcommand below it."""
    yield name, command
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, subparser in action.choices.items():
                yield from walk(subparser, f"{name} {sub}")


def test_every_command_and_option_has_help():
    commands = dict(walk(parser()))
    assert {"translations run", "translations verify", "translations cache explain"} <= set(commands)
    missing = []
    for name, command in commands.items():
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{name} {choice.dest}" for choice in action._choices_actions if not (choice.help or "").strip()]
                undocumented = set(action.choices) - {choice.dest for choice in action._choices_actions}
                missing += [f"{name} {sub}" for sub in undocumented]
            elif not (action.help or "").strip():
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_version_is_the_installed_distribution():
    answer = run_cli("--version")
    assert answer.returncode == 0
    assert answer.stdout == f"translations {importlib.metadata.version('translations')}\n"
