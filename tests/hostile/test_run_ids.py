"""Run ids and counts past SQLite's integer range, negative, zero or not numbers: one
sentence naming the argument and its range, exit 2 — never an OverflowError — and nothing
stored."""

from __future__ import annotations

import pytest

HUGE = "99999999999999999999999"
JUST_OVER = str(2**63)
LARGEST = str(2**63 - 1)

BAD_IDS = {
    "huge": (HUGE, "range"),
    "just-over-64-bit": (JUST_OVER, "range"),
    "negative": ("-1", "positive number"),
    "negative-huge": ("-" + HUGE, "positive number"),
    "zero": ("0", "range"),
    "word": ("abc", "'abc'"),
    "empty": ("", "''"),
    "decimal": ("1.5", "'1.5'"),
    "exponent": ("1e3", "'1e3'"),
    "rtl-mark": ("\u202e12", "RUN_ID"),
    "very-long": ("9" * 5000, "range"),
}


@pytest.mark.parametrize("command", ["run-show", "rejects"])
@pytest.mark.parametrize(("value", "says"), list(BAD_IDS.values()), ids=list(BAD_IDS))
def test_a_run_id_out_of_range_is_refused(hostile, command, value, says):
    sentence = hostile.refuses("workflow", command, value, says=says)
    assert f"crmlink workflow {command} --help" in sentence
    assert len(sentence) < 500  # a 5000-digit id is cut, not pasted


@pytest.mark.parametrize("value", ["1", LARGEST])
def test_a_run_id_in_range_that_does_not_exist_is_not_found(hostile, value):
    hostile.refuses("workflow", "run-show", value, says=f"run {value}")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("workflow", "runs", "--limit", HUGE), "--limit"),
        (("workflow", "runs", "--limit", "0"), "--limit"),
        (("workflow", "runs", "--limit", "-5"), "--limit"),
        (("worker", "--once", "--poll", "nan"), "--poll"),
        (("worker", "--once", "--poll", "inf"), "--poll"),
        (("worker", "--once", "--poll", "1e309"), "--poll"),
        (("demo", "--records", HUGE), "--records"),
    ],
    ids=[
        "limit-huge",
        "limit-zero",
        "limit-negative",
        "poll-nan",
        "poll-inf",
        "poll-overflow",
        "demo-records-huge",
    ],  # fmt: skip
)
def test_a_count_out_of_range_is_refused(hostile, args, says):
    hostile.refuses(*args, says=says)
