"""The workflow registry: loading it, checking parameters, and turning them into argv."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tickwork.errors import ConfigError, ValidationFailed
from tickwork.workflows import Registry, Workflow, load_registry, parse_workflow

DEMO_REGISTRY = Path(__file__).resolve().parents[2] / "examples" / "workflows.toml"

# The seed's WORKFLOW_COMMANDS, exactly as the seed wrote it.
SEED_COMMANDS: dict[str, Any] = {
    "main": {
        "description": "Full Workflow (scrape → evaluate → generate → dashboard)",
        "base_command": ["python", "main.py"],
        "parameters": {
            "number": "-n",
            "regions": "-r",
            "output_dir": "-o",
            "no_applications": "--no-applications",
            "no_purge": "--no-purge",
        },
    },
    "evaluate": {
        "description": "Evaluation Only",
        "base_command": ["python", "evaluate_projects.py"],
        "parameters": {"pre_eval_only": "--pre-eval-only"},
    },
    "generate": {
        "description": "Generate Applications",
        "base_command": ["python", "main.py", "--generate-applications"],
        "parameters": {"all_accepted": "--all-accepted", "threshold": "--application-threshold"},
    },
}

EXTENDED_TOML = """
[report]
description = "Weekly report"
base_command = ["/opt/report/.venv/bin/python", "report.py"]
working_dir = "../app"
env = { REPORT_MODE = "weekly" }

[report.parameters.count]
flag = "--count"
type = "integer"
default = 3
description = "How many"

[report.parameters.ratio]
flag = "--ratio"
type = "number"

[report.parameters.label]
flag = "--label"
type = "string"
required = true

[report.parameters.format]
flag = "--format"
choices = ["html", "pdf"]
default = "html"

[report.parameters.verbose]
flag = "-v"
type = "boolean"

[report.parameters.regions]
flag = "-r"
type = "list"
choices = ["germany", "austria", "switzerland"]
"""

EXTENDED_JSON = {
    "workflows": {
        "report": {
            "description": "Weekly report",
            "base_command": ["/opt/report/.venv/bin/python", "report.py"],
            "working_dir": "../app",
            "env": {"REPORT_MODE": "weekly"},
            "parameters": {
                "count": {
                    "flag": "--count",
                    "type": "integer",
                    "default": 3,
                    "description": "How many",
                },
                "ratio": {"flag": "--ratio", "type": "number"},
                "label": {"flag": "--label", "type": "string", "required": True},
                "format": {"flag": "--format", "choices": ["html", "pdf"], "default": "html"},
                "verbose": {"flag": "-v", "type": "boolean"},
                "regions": {
                    "flag": "-r",
                    "type": "list",
                    "choices": ["germany", "austria", "switzerland"],
                },
            },
        }
    }
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def seed(tmp_path: Path) -> Registry:
    return load_registry(write(tmp_path / "workflows.json", json.dumps(SEED_COMMANDS)))


@pytest.fixture
def demo() -> Registry:
    return load_registry(DEMO_REGISTRY)


@pytest.fixture
def report(tmp_path: Path) -> Workflow:
    return load_registry(write(tmp_path / "conf" / "workflows.toml", EXTENDED_TOML)).get("report")


def argv_of(workflow: Workflow, values: dict[str, Any]) -> list[str]:
    return workflow.argv(workflow.validate(values))


def fields_of(caught: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [e.field for e in caught.value.errors]


# Loading the seed's registry as it is


def test_it_loads_the_seed_registry_as_is(seed):
    assert sorted(seed.workflows) == ["evaluate", "generate", "main"]
    main = seed.get("main")
    assert main.description == "Full Workflow (scrape → evaluate → generate → dashboard)"
    assert main.base_command == ("python", "main.py")
    assert {name: p.flag for name, p in main.parameters.items()} == {
        "number": "-n",
        "regions": "-r",
        "output_dir": "-o",
        "no_applications": "--no-applications",
        "no_purge": "--no-purge",
    }
    assert seed.get("generate").base_command == ("python", "main.py", "--generate-applications")


@pytest.mark.parametrize("registry", ["seed", "demo"])
def test_it_builds_the_seed_example_schedule(registry, request):
    values = {"number": 10, "regions": ["germany", "austria"], "custom_args": ["--no-purge"]}
    assert argv_of(request.getfixturevalue(registry).get("main"), values) == [
        sys.executable,
        "main.py",
        "-n",
        "10",
        "-r",
        "germany",
        "austria",
        "--no-purge",
    ]


def test_it_treats_the_seeds_bare_switches_as_booleans(seed):
    main = seed.get("main")
    assert argv_of(main, {"no_purge": True, "no_applications": False}) == [
        sys.executable,
        "main.py",
        "--no-purge",
    ]
    with pytest.raises(ValidationFailed) as caught:
        main.validate({"no_purge": "yes"})
    assert fields_of(caught) == ["parameters.no_purge"]


def test_it_passes_seed_values_with_their_flags(seed):
    generate = seed.get("generate")
    assert argv_of(generate, {"all_accepted": True, "threshold": 0.8}) == [
        sys.executable,
        "main.py",
        "--generate-applications",
        "--all-accepted",
        "--application-threshold",
        "0.8",
    ]
    assert argv_of(seed.get("main"), {"output_dir": "out/today"})[-2:] == ["-o", "out/today"]


def test_it_refuses_a_list_of_objects_for_a_seed_parameter(seed):
    with pytest.raises(ValidationFailed) as caught:
        seed.get("main").validate({"regions": [{"name": "germany"}]})
    assert fields_of(caught) == ["parameters.regions"]


# Loading the extended form


def test_it_loads_the_extended_form_from_toml(report, tmp_path):
    assert report.description == "Weekly report"
    assert report.base_command == ("/opt/report/.venv/bin/python", "report.py")
    count = report.parameters["count"]
    assert (count.flag, count.type, count.default, count.required, count.description) == (
        "--count",
        "integer",
        3,
        False,
        "How many",
    )
    assert report.parameters["label"].required is True
    assert report.parameters["format"].type == "string"
    assert report.parameters["format"].choices == ("html", "pdf")
    assert report.parameters["regions"].type == "list"


def test_toml_and_json_registries_load_alike(report, tmp_path):
    from_json = load_registry(
        write(tmp_path / "conf" / "workflows.json", json.dumps(EXTENDED_JSON))
    ).get("report")
    assert from_json == report
    assert from_json.env == report.env == {"REPORT_MODE": "weekly"}


def test_working_dir_is_relative_to_the_registry_file(report, tmp_path):
    assert report.working_dir == (tmp_path / "app").resolve()


def test_a_workflow_without_working_dir_has_none(seed):
    assert seed.get("main").working_dir is None
    assert seed.get("main").env == {}


def test_an_absolute_working_dir_is_kept(tmp_path):
    spec = {"base_command": ["true"], "working_dir": str(tmp_path / "abs")}
    assert parse_workflow("w", spec, Path("/elsewhere")).working_dir == tmp_path / "abs"


def test_no_registry_file_means_no_workflows():
    registry = load_registry(None)
    assert registry.workflows == {}
    with pytest.raises(ValidationFailed, match="none configured"):
        registry.get("main")


def test_it_refuses_an_unknown_workflow_type_naming_the_known_ones(seed):
    with pytest.raises(ValidationFailed) as caught:
        seed.get("cleanup")
    assert fields_of(caught) == ["workflow_type"]
    assert "evaluate, generate, main" in caught.value.errors[0].message


# Bad registries


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("w.json", "{not json", "w.json"),
        ("w.toml", "[main\nbase_command = 1", "w.toml"),
        ("w.json", "[]", "expected an object"),
        ("w.json", '{"workflows": []}', "workflows must be an object"),
        ("w.json", '{"main": "python main.py"}', "'main': expected an object"),
        ("w.json", '{"main": {"description": "x"}}', "base_command"),
        ("w.json", '{"main": {"base_command": []}}', "base_command"),
        ("w.json", '{"main": {"base_command": "python main.py"}}', "base_command"),
        ("w.json", '{"main": {"base_command": ["python", 1]}}', "base_command"),
        ("w.json", '{"main": {"base_command": ["x"], "parameters": ["-n"]}}', "parameters"),
        (
            "w.json",
            '{"main": {"base_command": ["x"], "parameters": {"n": {"type": "integer"}}}}',
            "'n' needs a flag",
        ),
        (
            "w.json",
            '{"main": {"base_command": ["x"], "parameters": '
            '{"n": {"flag": "-n", "type": "float"}}}}',
            "unknown type 'float'",
        ),
        (
            "w.json",
            '{"main": {"base_command": ["x"], "parameters": {"custom_args": "--x"}}}',
            "custom_args",
        ),
        ("w.json", '{"main": {"base_command": ["x"], "env": {"A": 1}}}', "env"),
        ("w.json", '{"main": {"base_command": ["x"], "env": ["A=1"]}}', "env"),
        ("w.json", '{"main": {"base_command": ["x"], "working_dir": 5}}', "working_dir"),
        (
            "w.json",
            '{"main": {"base_command": ["x"], "parameters": '
            '{"f": {"flag": "-f", "choices": "abc"}}}}',
            "choices",
        ),
        (
            "w.json",
            '{"main": {"base_command": ["x"], "parameters": '
            '{"n": {"flag": "-n", "type": "integer", "default": "ten"}}}}',
            "'n' default must be of type integer",
        ),
        (
            "w.json",
            '{"main": {"base_command": ["x"], "parameters": '
            '{"f": {"flag": "-f", "choices": ["a", "b"], "default": "c"}}}}',
            "'f' default 'c' is not one of",
        ),
    ],
)
def test_it_refuses_a_bad_registry_with_a_clear_message(tmp_path, name, text, message):
    with pytest.raises(ConfigError) as caught:
        load_registry(write(tmp_path / name, text))
    assert message in caught.value.message


def test_it_refuses_a_missing_registry_file(tmp_path):
    with pytest.raises(ConfigError, match="nowhere.toml"):
        load_registry(tmp_path / "nowhere.toml")


# Argv building


def test_a_boolean_adds_its_flag_only_when_true(report):
    base = {"label": "x"}
    assert "-v" in argv_of(report, {**base, "verbose": True})
    assert "-v" not in argv_of(report, {**base, "verbose": False})
    assert "-v" not in argv_of(report, base)


def test_a_list_gives_its_flag_followed_by_its_values(report):
    got = argv_of(report, {"label": "x", "regions": ["germany", "austria"]})
    at = got.index("-r")
    assert got[at : at + 3] == ["-r", "germany", "austria"]
    assert "-r" not in argv_of(report, {"label": "x", "regions": []})


def test_scalars_become_flag_and_value(report):
    got = argv_of(report, {"label": "Q3 report", "count": 7, "ratio": 0.25})
    assert got == [
        "/opt/report/.venv/bin/python",
        "report.py",
        "--count",
        "7",
        "--ratio",
        "0.25",
        "--label",
        "Q3 report",
        "--format",
        "html",
    ]


def test_defaults_are_used_when_values_are_not_given(report):
    got = argv_of(report, {"label": "x"})
    assert got[got.index("--count") + 1] == "3"
    assert got[got.index("--format") + 1] == "html"
    assert "--ratio" not in got


def test_a_given_value_replaces_the_default(report):
    got = argv_of(report, {"label": "x", "count": 12, "format": "pdf"})
    assert got[got.index("--count") + 1] == "12"
    assert got[got.index("--format") + 1] == "pdf"


def test_a_null_value_means_the_default(report):
    got = argv_of(report, {"label": "x", "count": None})
    assert got[got.index("--count") + 1] == "3"


@pytest.mark.parametrize("workflow_type", ["main", "evaluate", "generate"])
def test_custom_args_are_appended_verbatim_for_every_workflow(demo, workflow_type):
    extra = ["--sleep", "0.5", "a value with spaces", "--x=1;rm -rf /"]
    got = argv_of(demo.get(workflow_type), {"custom_args": extra})
    assert got[-4:] == extra


def test_a_bare_python_becomes_the_running_interpreter(seed):
    assert seed.get("evaluate").argv({})[0] == sys.executable


@pytest.mark.parametrize("head", ["/srv/app/.venv/bin/python", "python3", "./python", "node"])
def test_another_interpreter_is_kept(head):
    workflow = parse_workflow("w", {"base_command": [head, "job.py"]}, Path("."))
    assert workflow.argv({}) == [head, "job.py"]


# Type checks


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("count", True),
        ("count", "5"),
        ("count", 5.5),
        ("count", [5]),
        ("ratio", True),
        ("ratio", "0.5"),
        ("label", 5),
        ("label", ["x"]),
        ("verbose", "yes"),
        ("verbose", 1),
        ("regions", "germany"),
        ("regions", [{"name": "germany"}]),
        ("regions", [True]),
        ("regions", [["germany"]]),
    ],
)
def test_it_refuses_a_value_of_the_wrong_type(report, name, value):
    with pytest.raises(ValidationFailed) as caught:
        report.validate({"label": "x", name: value})
    assert fields_of(caught) == [f"parameters.{name}"]


@pytest.mark.parametrize(("name", "value"), [("count", 0), ("ratio", 2), ("ratio", 0.5)])
def test_it_accepts_numbers_of_the_right_type(report, name, value):
    assert report.validate({"label": "x", name: value})[name] == value


def test_it_refuses_unknown_parameters_by_name(report):
    with pytest.raises(ValidationFailed) as caught:
        report.validate({"label": "x", "colour": "red"})
    assert fields_of(caught) == ["parameters.colour"]
    assert "count" in caught.value.errors[0].message


def test_it_refuses_a_value_outside_its_choices(report):
    with pytest.raises(ValidationFailed) as caught:
        report.validate({"label": "x", "format": "docx"})
    assert fields_of(caught) == ["parameters.format"]
    assert "'docx'" in caught.value.errors[0].message


def test_it_checks_every_list_item_against_the_choices(report):
    assert report.validate({"label": "x", "regions": ["austria"]})["regions"] == ["austria"]
    with pytest.raises(ValidationFailed) as caught:
        report.validate({"label": "x", "regions": ["austria", "france"]})
    assert "'france'" in caught.value.errors[0].message


def test_it_refuses_a_missing_required_parameter(report):
    with pytest.raises(ValidationFailed) as caught:
        report.validate({})
    assert fields_of(caught) == ["parameters.label"]
    assert "required" in caught.value.errors[0].message


def test_a_required_parameter_given_as_null_is_missing(report):
    with pytest.raises(ValidationFailed) as caught:
        report.validate({"label": None})
    assert fields_of(caught) == ["parameters.label"]


def test_it_reports_every_problem_at_once(report):
    with pytest.raises(ValidationFailed) as caught:
        report.validate({"count": "x", "colour": "red"})
    assert sorted(fields_of(caught)) == [
        "parameters.colour",
        "parameters.count",
        "parameters.label",
    ]


@pytest.mark.parametrize("values", [[], "number=10", 10])
def test_it_refuses_parameters_that_are_not_an_object(demo, values):
    with pytest.raises(ValidationFailed) as caught:
        demo.get("main").validate(values)
    assert fields_of(caught) == ["parameters"]


@pytest.mark.parametrize("extra", ["--no-purge", [1, 2], ["ok", None]])
def test_it_refuses_custom_args_that_are_not_a_list_of_strings(demo, extra):
    with pytest.raises(ValidationFailed) as caught:
        demo.get("main").validate({"custom_args": extra})
    assert fields_of(caught) == ["parameters.custom_args"]


@pytest.mark.parametrize(
    "values",
    [{"output_dir": "a\x00b"}, {"regions": ["germany", "aus\x00tria"]}, {"custom_args": ["\x00"]}],
)
def test_it_refuses_nul_characters_that_no_argv_can_carry(demo, values):
    with pytest.raises(ValidationFailed) as caught:
        demo.get("main").validate(values)
    assert "NUL" in caught.value.errors[0].message


def test_it_names_errors_under_the_prefix_it_was_given(demo):
    with pytest.raises(ValidationFailed) as caught:
        demo.get("main").validate({"number": "ten"}, field_prefix="schedules.2.parameters")
    assert fields_of(caught) == ["schedules.2.parameters.number"]


# The demo registry that `make run` serves


def test_the_demo_registry_has_the_seeds_three_types_and_flags(demo):
    flags = {
        name: {p: param.flag for p, param in w.parameters.items()}
        for name, w in demo.workflows.items()
    }
    assert flags == {
        "main": {
            "number": "-n",
            "regions": "-r",
            "output_dir": "-o",
            "no_applications": "--no-applications",
            "no_purge": "--no-purge",
        },
        "evaluate": {"pre_eval_only": "--pre-eval-only"},
        "generate": {"all_accepted": "--all-accepted", "threshold": "--application-threshold"},
    }


def test_the_demo_registry_runs_in_the_examples_folder(demo):
    assert {w.working_dir for w in demo.workflows.values()} == {DEMO_REGISTRY.parent}
    assert (DEMO_REGISTRY.parent / "main.py").is_file()
    assert (DEMO_REGISTRY.parent / "evaluate_projects.py").is_file()


def test_the_demo_main_argv_with_every_parameter(demo):
    values = {
        "number": 3,
        "regions": ["switzerland"],
        "output_dir": "dash",
        "no_applications": True,
        "no_purge": True,
    }
    assert argv_of(demo.get("main"), values) == [
        sys.executable,
        "main.py",
        "-n",
        "3",
        "-r",
        "switzerland",
        "-o",
        "dash",
        "--no-applications",
        "--no-purge",
    ]


def test_the_demo_main_uses_its_default_number(demo):
    assert argv_of(demo.get("main"), {}) == [sys.executable, "main.py", "-n", "10"]


def test_the_demo_evaluate_and_generate_argv(demo):
    assert argv_of(demo.get("evaluate"), {"pre_eval_only": True}) == [
        sys.executable,
        "evaluate_projects.py",
        "--pre-eval-only",
    ]
    assert argv_of(demo.get("generate"), {"all_accepted": True, "threshold": 0.75}) == [
        sys.executable,
        "main.py",
        "--generate-applications",
        "--all-accepted",
        "--application-threshold",
        "0.75",
    ]


def test_the_demo_main_refuses_the_number_as_a_string(demo):
    with pytest.raises(ValidationFailed) as caught:
        demo.get("main").validate({"number": "10"})
    assert fields_of(caught) == ["parameters.number"]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"output_dir": "x" * 4097}, "parameters.output_dir", "at most 4096"),
        ({"regions": ["de"] * 101}, "parameters.regions", "101 items, at most 100"),
        ({"regions": ["de", "y" * 5000]}, "parameters.regions", "5000 characters"),
        ({"custom_args": ["-v"] * 101}, "parameters.custom_args", "at most 100"),
        ({"custom_args": ["z" * 4097]}, "parameters.custom_args", "at most 4096"),
    ],
)
def test_it_bounds_strings_and_lists(demo, values, field, words):
    with pytest.raises(ValidationFailed) as caught:
        demo.get("main").validate(values)
    assert fields_of(caught) == [field]
    assert words in caught.value.errors[0].message


def test_it_bounds_all_parameters_together(demo):
    values = {"regions": ["r" * 4000] * 10, "custom_args": ["c" * 4000] * 10}
    with pytest.raises(ValidationFailed) as caught:
        demo.get("main").validate(values)
    assert fields_of(caught) == ["parameters"]
    assert "at most 65536" in caught.value.errors[0].message


def test_values_at_the_bounds_are_accepted(demo):
    values = {"output_dir": "x" * 4096, "regions": ["de"] * 100}
    assert demo.get("main").validate(values) == values
