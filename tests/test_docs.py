"""The README documents every command of the CLI, and every command has help text."""
import argparse
from pathlib import Path

from flows.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def commands(parser, prefix=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*prefix, name), helps.get(name), sub
                yield from commands(sub, (*prefix, name))


def test_every_command_has_help_and_is_in_the_readme():
    found = list(commands(build_parser()))
    assert len(found) >= 10
    for path, help_text, _ in found:
        assert help_text, f"no help for {' '.join(path)}"
        leaf = " ".join(path)
        assert f"rightsradar {leaf}" in README or (len(path) > 1 and f"`{path[-1]} " in README), leaf
