"""The workflow registry: which commands the server may run, and how parameters become argv.

The registry is a file on the server (JSON or TOML). No request can name an executable: a
schedule only picks a workflow by name and fills its declared parameters, which become
flags and values in an argv list that is never given to a shell.

Two parameter forms are accepted: the seed's `{"number": "-n"}` and the extended
`{"number": {"flag": "-n", "type": "integer", ...}}`. A seed-form parameter is a switch when
its flag is one of the seed's switches, and otherwise of type `any`: like the seed, it takes
a string, a number, a list (flag then values) or a boolean (flag alone when true), so the
seed's own schedules (`{"number": 10, "regions": ["germany", "austria"]}`) keep working.
"""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tickwork.errors import ConfigError, FieldError, ValidationFailed

ParamType = Literal["integer", "number", "string", "boolean", "list", "any"]
PARAM_TYPES: tuple[ParamType, ...] = ("integer", "number", "string", "boolean", "list", "any")
CUSTOM_ARGS = "custom_args"
# Bounds on what a schedule's parameters may hold. Linux refuses a single argument over 128 KiB
# and a whole command line over about 2 MiB ("Argument list too long"), and every list of
# schedules and every backup repeats the parameters, so they are kept far below that.
MAX_STRING_CHARS = 4096
MAX_LIST_ITEMS = 100
MAX_TOTAL_CHARS = 64 * 1024
# Bare flags in the seed's short form are switches; everything else takes a value.
SEED_BOOLEAN_FLAGS = {
    "--no-applications",
    "--no-purge",
    "--pre-eval-only",
    "--all-accepted",
    "--purge",
}


@dataclass(frozen=True)
class Parameter:
    name: str
    flag: str
    type: ParamType = "string"
    default: Any = None
    required: bool = False
    choices: tuple[Any, ...] | None = None
    description: str = ""


@dataclass(frozen=True)
class Workflow:
    name: str
    description: str
    base_command: tuple[str, ...]
    parameters: dict[str, Parameter]
    working_dir: Path | None = None
    env: dict[str, str] = field(default_factory=dict, repr=False)

    def argv(self, values: dict[str, Any]) -> list[str]:
        """The argv for validated `values`; a bare `python` means the interpreter we run on."""
        head = list(self.base_command)
        if head[0] == "python":
            head[0] = sys.executable
        args: list[str] = []
        for name, param in self.parameters.items():
            value = values.get(name, param.default)
            args += _flag_args(param, value)
        args += [str(a) for a in values.get(CUSTOM_ARGS) or []]
        return head + args

    def validate(self, values: Any, field_prefix: str = "parameters") -> dict[str, Any]:
        """`values` checked against the declared types; unknown names are refused."""
        if values is None:
            values = {}
        if not isinstance(values, dict):
            raise ValidationFailed.one(field_prefix, "must be an object")
        errors: list[FieldError] = []
        clean: dict[str, Any] = {}
        for name, value in values.items():
            where = f"{field_prefix}.{name}"
            if name == CUSTOM_ARGS:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    errors.append(FieldError(where, "must be a list of strings"))
                elif problem := _size_problem(value) or _nul_problem(value):
                    errors.append(FieldError(where, problem))
                else:
                    clean[name] = value
                continue
            param = self.parameters.get(name)
            if param is None:
                known = ", ".join(sorted([*self.parameters, CUSTOM_ARGS]))
                errors.append(
                    FieldError(where, f"unknown parameter for {self.name}; known: {known}")
                )
                continue
            if value is None:
                continue
            problem = _type_problem(param, value)
            if problem:
                errors.append(FieldError(where, problem))
            else:
                clean[name] = value
        for name, param in self.parameters.items():
            # A value given with a type error is reported once, as that error.
            if param.required and values.get(name) is None and param.default is None:
                errors.append(FieldError(f"{field_prefix}.{name}", "is required"))
        if not errors and (total := _text_size(clean)) > MAX_TOTAL_CHARS:
            errors.append(
                FieldError(
                    field_prefix,
                    f"too long together: {total} characters, at most {MAX_TOTAL_CHARS}",
                )
            )
        if errors:
            raise ValidationFailed(errors)
        return clean


def _text_size(values: dict[str, Any]) -> int:
    """About how many characters `values` add to a command line."""
    total = 0
    for value in values.values():
        for item in value if isinstance(value, list) else [value]:
            total += len(str(item)) + 1
    return total


def _size_problem(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and len(value) > MAX_LIST_ITEMS:
        return f"has {len(value)} items, at most {MAX_LIST_ITEMS}"
    longest = max((len(v) for v in items if isinstance(v, str)), default=0)
    if longest > MAX_STRING_CHARS:
        return f"a value of {longest} characters is too long, at most {MAX_STRING_CHARS}"
    return None


def _nul_problem(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    if any(isinstance(v, str) and "\x00" in v for v in items):
        return "must not contain NUL characters"
    return None


def _flag_args(param: Parameter, value: Any) -> list[str]:
    if value is None:
        return []
    if param.type == "boolean" or isinstance(value, bool):
        return [param.flag] if value else []
    if param.type == "list" or isinstance(value, list):
        return [param.flag, *(str(v) for v in value)] if value else []
    return [param.flag, str(value)]


def _type_problem(param: Parameter, value: Any) -> str | None:
    def scalar(v: Any) -> bool:
        return isinstance(v, str | int | float) and not isinstance(v, bool)

    is_list = isinstance(value, list) and all(scalar(v) for v in value)
    ok = {
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "list": is_list,
        "any": scalar(value) or isinstance(value, bool) or is_list,
    }[param.type]
    if not ok:
        return f"must be of type {param.type}"
    if problem := _size_problem(value) or _nul_problem(value):
        return problem
    items = value if isinstance(value, list) else [value]
    if param.choices is not None:
        bad = [v for v in items if v not in param.choices]
        if bad:
            return f"{bad[0]!r} is not one of {list(param.choices)}"
    return None


@dataclass(frozen=True)
class Registry:
    workflows: dict[str, Workflow]
    source: Path | None = None

    def get(self, name: str, field_name: str = "workflow_type") -> Workflow:
        try:
            return self.workflows[name]
        except KeyError:
            known = ", ".join(sorted(self.workflows)) or "none configured"
            raise ValidationFailed.one(
                field_name, f"unknown workflow type {name!r}; known: {known}"
            ) from None


def load_registry(path: Path | None) -> Registry:
    if path is None:
        return Registry({})
    try:
        text = path.read_text()
        raw = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"workflow registry {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"workflow registry {path}: expected an object of workflows")
    raw = raw.get("workflows", raw)
    if not isinstance(raw, dict):
        raise ConfigError(f"workflow registry {path}: workflows must be an object")
    workflows = {name: parse_workflow(name, spec, path.parent) for name, spec in raw.items()}
    return Registry(workflows, path)


def parse_workflow(name: str, spec: Any, base_dir: Path) -> Workflow:
    where = f"workflow {name!r}"
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: expected an object")
    command = spec.get("base_command")
    if not isinstance(command, list) or not command or not all(isinstance(c, str) for c in command):
        raise ConfigError(f"{where}: base_command must be a non-empty list of strings")
    params_raw = spec.get("parameters") or {}
    if not isinstance(params_raw, dict):
        raise ConfigError(f"{where}: parameters must be an object")
    if CUSTOM_ARGS in params_raw:
        raise ConfigError(f"{where}: {CUSTOM_ARGS} is built in and cannot be declared")
    params = {p: _parse_parameter(where, p, s) for p, s in params_raw.items()}
    working_dir = spec.get("working_dir")
    if working_dir is not None and not isinstance(working_dir, str):
        raise ConfigError(f"{where}: working_dir must be a string")
    env = spec.get("env") or {}
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ConfigError(f"{where}: env must map names to strings")
    return Workflow(
        name=name,
        description=str(spec.get("description", "")),
        base_command=tuple(command),
        parameters=params,
        working_dir=(base_dir / working_dir).resolve() if working_dir else None,
        env=dict(env),
    )


def _parse_parameter(where: str, name: str, spec: Any) -> Parameter:
    if isinstance(spec, str):
        kind: ParamType = "boolean" if spec in SEED_BOOLEAN_FLAGS else "any"
        return Parameter(name=name, flag=spec, type=kind)
    if not isinstance(spec, dict) or not isinstance(spec.get("flag"), str):
        raise ConfigError(f"{where}: parameter {name!r} needs a flag")
    kind = spec.get("type", "string")
    if kind not in PARAM_TYPES:
        raise ConfigError(f"{where}: parameter {name!r} has unknown type {kind!r}")
    choices = spec.get("choices")
    if choices is not None and not isinstance(choices, list):
        raise ConfigError(f"{where}: parameter {name!r} choices must be a list")
    param = Parameter(
        name=name,
        flag=spec["flag"],
        type=kind,
        default=spec.get("default"),
        required=bool(spec.get("required", False)),
        choices=tuple(choices) if choices is not None else None,
        description=str(spec.get("description", "")),
    )
    # A default goes into argv unchecked at run time, so it is checked here, once.
    problem = None if param.default is None else _type_problem(param, param.default)
    if problem:
        raise ConfigError(f"{where}: parameter {name!r} default {problem}")
    return param
