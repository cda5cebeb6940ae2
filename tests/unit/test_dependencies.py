"""The depends_on graph walks: cycles through a schedule found and named in order, shared
upstreams (a diamond) and cycles elsewhere not mistaken for one."""

from __future__ import annotations

from tickwork import dependencies


def test_a_cycle_is_the_path_back_to_the_start() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["a"]}
    assert dependencies.cycle_from(graph, "a") == ["a", "b", "c", "a"]
    assert (
        dependencies.describe(["a", "b", "a"], {"a": "A", "b": "B"}) == "makes a cycle: A → B → A"
    )


def test_a_diamond_is_no_cycle() -> None:
    graph = {"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}
    assert dependencies.cycle_from(graph, "a") is None
    assert dependencies.any_cycle(graph, ["a", "b", "c", "d"]) is None


def test_a_cycle_that_does_not_pass_the_start_is_found_from_its_members() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["b"]}
    assert dependencies.cycle_from(graph, "a") is None
    assert dependencies.any_cycle(graph, ["a", "b", "c"]) == ["b", "c", "b"]


def test_problems_name_itself_unknown_and_twice() -> None:
    assert dependencies.problems("a", ["a", "x", "b", "b"], {"a", "b"}) == [
        "a schedule cannot depend on itself",
        "no schedule x",
        "schedule b is listed twice",
    ]
    assert dependencies.problems(None, ["b"], {"b"}) == []
