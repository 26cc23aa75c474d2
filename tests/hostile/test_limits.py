"""Input built to exhaust memory, the stack or Python's int conversion: refused with one
sentence and exit 2, long before it could (YAML aliases, nesting, size; filter depth and
literal size)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crmlink.filters.lexer import MAX_FILTER_CHARS, MAX_NUMBER_DIGITS
from crmlink.filters.parser import MAX_DEPTH as FILTER_DEPTH
from crmlink.filters.parser import parse
from crmlink.workflow.yaml_source import MAX_ALIASES, MAX_BYTES, MAX_DEPTH, MAX_NODES


def _laughs(levels: int, width: int = 9) -> str:
    """The "billion laughs": each level a list of `width` aliases of the one before."""
    lines = ["name: bomb", 'a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"activities: {{q: {{type: query, table: recipient, x: *a{levels}}}}}")
    return "\n".join(lines) + "\n"


def _nested(depth: int, flow: bool) -> str:
    if flow:
        return "name: deep\nactivities: " + "[" * depth + "]" * depth + "\n"
    body = "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + "  " * depth + "v: 1\n"
    return "name: deep\nactivities:\n" + "".join("  " + line for line in body.splitlines(True))


ALIAS_BOMBS = {
    # 9**8 = 43 million items from a file of about 1 KB
    "laughs-43-million": (_laughs(8), "aliases"),
    "laughs-wide": (_laughs(3, width=60), "aliases"),
    "many-small-aliases": (
        "name: a\nx: &x 1\nl: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\nactivities: {}\n",
        f"more than {MAX_ALIASES} aliases",
    ),
    "self-reference": ("name: a\nactivities: &s {q: *s}\n", "refers to itself"),
    "self-reference-list": ("name: a\nl: &s [1, *s]\nactivities: {}\n", "refers to itself"),
    "alias-depth": (
        "name: a\n"
        + "".join(
            f"d{i}: &d{i} " + "[" * 40 + (f"*d{i - 1}" if i else "1") + "]" * 40 + "\n"
            for i in range(3)
        )
        + "activities: {}\n",
        "nest deeper",
    ),
}


@pytest.mark.parametrize(("text", "says"), list(ALIAS_BOMBS.values()), ids=list(ALIAS_BOMBS))
def test_an_alias_bomb_is_refused(hostile, text, says):
    path = hostile.write("bomb.yaml", text)
    assert path.stat().st_size < 2000
    sentence = hostile.refuses("workflow", "run", str(path), says=says)
    assert sentence.startswith(f"{path}: line ")


@pytest.mark.parametrize("command", [("workflow", "run"), ("workflow", "add")])
def test_an_alias_bomb_is_refused_by_every_command_that_loads(hostile, command):
    path = hostile.write("bomb.yaml", _laughs(8))
    hostile.refuses(*command, str(path), says="aliases")


def test_a_few_aliases_within_the_limits_still_load(hostile):
    text = "name: ok\nactivities:\n  a: &opts {type: query, table: recipient}\n  b: *opts\n"
    path = hostile.write("ok.yaml", text)
    hostile.accepts("workflow", "run", str(path))


@pytest.mark.parametrize(
    "text",
    [_nested(MAX_DEPTH + 1, flow=True), _nested(3000, flow=True), _nested(MAX_DEPTH + 5, False)],
    ids=["flow-just-over", "flow-3000", "block-just-over"],
)
def test_yaml_nested_too_deep_is_refused(hostile, text):
    path = hostile.write("deep.yaml", text)
    hostile.refuses("workflow", "run", str(path), says=f"deeper than {MAX_DEPTH} levels")


@pytest.mark.parametrize("size", [MAX_BYTES + 1, 5 * MAX_BYTES])
def test_a_workflow_file_over_the_size_limit_is_refused(hostile, size):
    head = "name: big\nactivities: {q: {type: query, table: recipient}}\n"
    path = hostile.write("big.yaml", head + "#" * (size - len(head) - 1) + "\n")
    hostile.refuses("workflow", "run", str(path), says=f"at most {MAX_BYTES} bytes")


def test_many_plain_values_under_the_size_limit_are_counted_too(hostile):
    items = ", ".join(["1"] * (MAX_NODES + 10))
    path = hostile.write("wide.yaml", f"name: w\nl: [{items}]\nactivities: {{}}\n")
    hostile.refuses("workflow", "run", str(path), says=f"more than {MAX_NODES} values")


# -- filters ------------------------------------------------------------------------------------
QUERY = (
    "name: f\nactivities:\n  q:\n    type: query\n    table: recipient\n    filter: '{filter}'\n"
)


def _filter_file(hostile, text: str):
    return hostile.write("f.yaml", QUERY.format(filter=text.replace("'", "''")))


FILTERS = {
    "parens-3000": ("(" * 3000 + "email = 'a'" + ")" * 3000, f"deeper than {FILTER_DEPTH}"),
    "parens-just-over": (
        "(" * (FILTER_DEPTH + 1) + "email = 'a'" + ")" * (FILTER_DEPTH + 1),
        f"deeper than {FILTER_DEPTH}",
    ),
    "nots-3000": ("not " * 3000 + "email = 'a'", f"deeper than {FILTER_DEPTH}"),
    "unclosed-3000": ("(" * 3000, f"deeper than {FILTER_DEPTH}"),
    "digits-5000": ("email_opt_out = " + "9" * 5000, f"at most {MAX_NUMBER_DIGITS}"),
    "digits-just-over": ("id = " + "1" * (MAX_NUMBER_DIGITS + 1), f"at most {MAX_NUMBER_DIGITS}"),
    "decimal-5000": ("id = 1." + "5" * 5000, f"at most {MAX_NUMBER_DIGITS}"),
    "negative-5000": ("id = -" + "7" * 5000, f"at most {MAX_NUMBER_DIGITS}"),
    "in-list-of-huge": ("id in (1, " + "2" * 4400 + ")", f"at most {MAX_NUMBER_DIGITS}"),
    "text-too-long": ("email = '" + "a" * MAX_FILTER_CHARS + "'", f"at most {MAX_FILTER_CHARS}"),
}


@pytest.mark.parametrize(("text", "says"), list(FILTERS.values()), ids=list(FILTERS))
def test_a_filter_beyond_its_limits_is_refused(hostile, text, says):
    sentence = hostile.refuses("workflow", "run", str(_filter_file(hostile, text)), says=says)
    assert "activities.q.filter" in sentence
    assert len(sentence) < 600  # the sentence does not repeat 5,000 digits


def test_a_filter_at_its_limits_still_runs(hostile):
    depth = FILTER_DEPTH - 1
    text = "(" * depth + f"id != {2**63 - 1}" + ")" * depth
    assert parse("x = " + "1" * MAX_NUMBER_DIGITS) == parse("x = " + "1" * MAX_NUMBER_DIGITS)
    hostile.accepts("workflow", "run", str(_filter_file(hostile, text)))


@pytest.mark.parametrize("digits", [MAX_NUMBER_DIGITS + 1, 5000])
def test_a_huge_number_in_a_variable_is_refused(hostile, digits):
    path = _filter_file(hostile, "id = {{n}}")
    hostile.refuses("workflow", "run", str(path), "--var", "n=" + "9" * digits,
                    says=f"more than {MAX_NUMBER_DIGITS} digits")  # fmt: skip


@pytest.mark.parametrize("number", [str(2**63), str(-(2**63) - 1), "9" * MAX_NUMBER_DIGITS])
def test_a_whole_number_beyond_64_bits_is_refused_for_an_integer_column(hostile, number):
    path = _filter_file(hostile, f"id = {number}")
    hostile.refuses("workflow", "run", str(path), says="at most 64 bits")


@pytest.mark.parametrize("command", ["run", "add"])
@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_a_workflow_path_that_is_not_a_regular_file_is_refused_unopened(hostile, command, kind):
    # a FIFO nobody writes to would block the read forever; /dev/zero never ends
    if kind == "fifo":
        path = hostile.home / "w.yaml"
        os.mkfifo(path)
    elif kind == "folder":
        path = hostile.home / "w.yaml"
        path.mkdir()
    else:
        path = Path("/dev/zero")
    # `run` takes a name when the path is no file; either way nothing is read
    says = "no workflow file" if (kind, command) == ("device", "run") else "not a file"
    hostile.refuses("workflow", command, str(path), says=says)
