"""Every command's --help reads at 80 columns: plain text, defaults and URLs whole, no table of types."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from microscope.cli import app


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def _help(*path: str) -> str:
    done = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert done.exit_code == 0, done.output
    return done.output


def _command(path: tuple[str, ...]) -> Any:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "microscope")
def test_help_is_plain_text_with_each_default_and_env_var_whole(path: tuple[str, ...]) -> None:
    text = " ".join(_help(*path).split())  # the wrapping aside
    assert "Usage:" in text and not set("│╭╰") & set(text)  # no boxes: a table's narrow columns cut words
    for param in _command(path).params:
        if param.default not in (None, "", False, True) and param.show_default and not callable(param.default):
            assert f"default: {param.default}" in text, param.name
        if param.envvar:
            assert f"env var: {param.envvar}" in text, param.name


def test_the_command_list_reaches_every_subcommand() -> None:
    assert {("precompute",), ("serve",), ("demo",), ("tours", "check"), ("labels", "import")} <= set(COMMANDS)


@pytest.mark.parametrize("command", ["serve", "precompute", "demo"])
def test_the_default_database_url_is_shown_whole(command: str) -> None:
    assert "sqlite:///STORE/microscope.sqlite" in " ".join(_help(command).split())


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "microscope")
def test_each_option_names_its_value_not_its_python_type(path: tuple[str, ...]) -> None:
    options = [line.split()[0:2] for line in _help(*path).splitlines() if line.lstrip().startswith("--")]
    for words in options:
        assert "<" not in " ".join(words), words  # Typer's `<str>`, `<int range>`, `<path>`
    shown = {" ".join(words) for words in options}
    if path == ("precompute",):
        assert {"--steps N", "--model MODEL", "--device [cpu|cuda]", "--lr NUMBER"} <= shown, shown
