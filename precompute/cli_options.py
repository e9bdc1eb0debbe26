"""Typer options generated from a pydantic dataclass: one option per field, its help the field's description.

Names become `--option-names`, `Literal` choices Typer's choices (listed in errors), `ge` bounds a minimum, booleans
`--x/--no-x`, and tuples of strings comma-separated options. A command built here validates through the class; given
named presets, its `--preset NAME` hands on only the options given (on the command line or in the environment).
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

import typer
from pydantic import ValidationError
from pydantic.fields import FieldInfo

KEYWORD = inspect.Parameter.KEYWORD_ONLY
CONTEXT = "context"  # the parameter Typer hands a command's context in, when it needs to know which options were given
DEFAULT_SOURCES = ("DEFAULT", "DEFAULT_MAP")  # the sources of a value nobody gave (Typer's ParameterSource names)


def option_name(field: str) -> str:
    """`top_k` → `--top-k`."""
    return "--" + field.replace("_", "-")


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    """(T, True) for `T | None`, (annotation, False) otherwise."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _is_comma_list(annotation: Any) -> bool:
    return get_origin(_unwrap_optional(annotation)[0]) is tuple


def cli_annotation(cls: type, name: str, *, aliases: Sequence[str] = (), envvar: str | None = None) -> Any:
    """`Annotated[type, typer.Option(...)]` for the field `name` of the pydantic dataclass `cls`."""
    info: FieldInfo = cls.__pydantic_fields__[name]  # type: ignore[attr-defined]
    kind, optional = _unwrap_optional(info.annotation)
    help_text = info.description or ""
    if aliases:
        help_text += f" ({', '.join(aliases)}: deprecated alias.)"
    settings: dict[str, Any] = {"help": help_text, "envvar": envvar}
    decls = [option_name(name), *aliases]
    if kind is bool:
        decls = [f"{option_name(name)}/--no-{option_name(name)[2:]}"]
    elif get_origin(kind) is tuple:
        kind, optional = str, True  # comma-separated on the command line; split by `config_values`
    for bound in info.metadata:  # annotated_types.Ge, from Field(ge=…)
        if getattr(bound, "ge", None) is not None:
            settings["min"] = bound.ge
    return Annotated[kind | None if optional else kind, typer.Option(*decls, **settings)]  # type: ignore[operator]


def _cli_default(info: FieldInfo) -> Any:
    if info.is_required():
        return inspect.Parameter.empty
    if _is_comma_list(info.annotation) and info.default is not None:
        return ",".join(map(str, info.default))  # e.g. --quantiles: a tuple of floats
    return info.default


def config_values(cls: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """Command-line values as the class's field values: comma-separated options become tuples."""
    fields: dict[str, FieldInfo] = cls.__pydantic_fields__  # type: ignore[attr-defined]
    return {
        name: _comma_list(value) if _is_comma_list(fields[name].annotation) else value for name, value in values.items()
    }


def _comma_list(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(part.strip() for part in value.split(",") if part.strip())


def config_command(
    cls: type,
    run: Callable[[dict[str, Any]], None],
    *,
    name: str,
    doc: str,
    aliases: Mapping[str, Sequence[str]] | None = None,
    envvars: Mapping[str, str] | None = None,
    presets: Sequence[str] = (),
) -> Callable[..., None]:
    """A Typer command whose options are the fields of `cls`; it calls `run` with the field values. With `presets`
    it has a `--preset` option too: then `run` gets the preset's name under "preset" and only the options given."""
    aliases, envvars = aliases or {}, envvars or {}
    fields: dict[str, FieldInfo] = cls.__pydantic_fields__  # type: ignore[attr-defined]
    parameters = [
        inspect.Parameter(
            field,
            inspect.Parameter.KEYWORD_ONLY,
            default=_cli_default(info),
            annotation=cli_annotation(cls, field, aliases=aliases.get(field, ()), envvar=envvars.get(field)),
        )
        for field, info in fields.items()
    ]
    if presets:
        parameters += [_preset_parameter(presets), inspect.Parameter(CONTEXT, KEYWORD, annotation=typer.Context)]

    def command(**values: Any) -> None:
        preset, context = values.pop("preset", None), values.pop(CONTEXT, None)
        if preset is None:
            run(config_values(cls, values))
        else:
            run({**config_values(cls, _given(context, values)), "preset": preset})

    # Typer reads a command's options from its signature and annotations: these are the generated ones.
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    command.__name__ = command.__qualname__ = name
    command.__doc__ = doc
    return command


def _preset_parameter(presets: Sequence[str]) -> inspect.Parameter:
    help_text = f"Start from these named settings ({', '.join(presets)}); the options given go on top."
    annotation = Annotated[str | None, typer.Option("--preset", help=help_text)]
    return inspect.Parameter("preset", KEYWORD, default=None, annotation=annotation)


def _given(context: typer.Context, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the options given on the command line or in the environment, not left at their defaults."""
    source = {name: getattr(context.get_parameter_source(name), "name", None) for name in values}
    return {name: value for name, value in values.items() if source[name] not in DEFAULT_SOURCES}


def validation_message(error: ValidationError) -> str:
    """One line per problem, each naming the option it concerns (the rejected value is not repeated)."""
    lines = []
    for problem in error.errors():
        message = problem["msg"].removeprefix("Value error, ")
        where = ", ".join(option_name(str(part)) for part in problem["loc"])
        lines.append(f"{where}: {message}" if where else message)
    return "\n".join(lines)


def fill_bare_values(args: Sequence[str], bare: Mapping[str, str]) -> list[str]:
    """Command-line `args` with each option of `bare` written without a value (last, or followed by another option)
    given its bare value: `--ray --model m` → `--ray local --model m`. Typer's parser has no optional-value options."""
    filled = []
    for i, arg in enumerate(args):
        filled.append(arg)
        if arg in bare and (i + 1 == len(args) or args[i + 1].startswith("-")):
            filled.append(bare[arg])
    return filled
