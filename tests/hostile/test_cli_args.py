"""Command-line arguments a tester types wrong or on purpose: unknown options, wrong types,
empty strings, control characters and right-to-left marks, 10 000-character values,
`--var` without `=` or twice, a `--home` that cannot be one, secrets given wrong. Each is
one sentence on stderr (no usage box, no raw control character, nothing pasted whole),
exit 2, and nothing stored; a secret never appears in the output."""

from __future__ import annotations

import pytest

SECRET = "s3cret-Client-Secret-9Qz"
LONG = "x" * 10_000
ADD = ("account", "add", "sf", "--type", "salesforce", "--url", "https://acme.example")
CC = ("--auth", "client-credentials", "--client-id", "c", "--secrets-stdin")
WORKFLOW = "name: ok\nactivities:\n  q: {type: query, table: recipient}\n"

CASES = {
    # unknown options and commands, missing and extra values
    "unknown-option": (("account", "list", "--bogus"), "No such option: --bogus"),
    "unknown-top-option": (("--bogus",), "No such option"),
    "unknown-command": (("nosuch",), "No such command"),
    "unknown-subcommand": (("account", "frobnicate"), "No such command"),
    "flag-given-a-value": (("workflow", "runs", "--json=yes"), "does not take a value"),
    "option-without-value": (("account", "add", "sf", "--type"), "requires an argument"),
    "missing-argument": (("account", "show"), "Missing argument"),
    "extra-argument": (("account", "show", "a", "b"), "unexpected extra argument"),
    # wrong types
    "limit-not-a-number": (("workflow", "runs", "--limit", "ten"), "'ten'"),
    "poll-not-a-number": (("worker", "--once", "--poll", "soon"), "'soon'"),
    "records-not-a-number": (("demo", "--records", "many"), "'many'"),
    # empty strings
    "empty-name": (("account", "add", "", *ADD[3:], *CC), "account name ''"),
    "empty-type": (("account", "add", "sf", "--type", "", "--url", ADD[-1], *CC), "''"),
    "empty-client-id": ((*ADD, "--auth", "client-credentials", "--client-id", ""), "empty"),
    "blank-username": ((*ADD, "--auth", "soap", "--username", "   "), "--username is empty"),
    "empty-api-version": ((*ADD, *CC, "--api-version", ""), "--api-version"),
    "empty-auth": ((*ADD, "--auth", ""), "--auth"),
    # control characters, right-to-left marks, very long values
    "escape-in-name": (("account", "add", "a\x1b[31mb", *ADD[3:], *CC), "not valid"),
    "rtl-in-name": (("account", "add", "\u202eab", *ADD[3:], *CC), "not valid"),
    "rtl-in-show": (("account", "show", "\u202eab"), "no account named"),
    "zero-width-in-show": (("account", "show", "a\u200bb"), "no account named"),
    "escape-in-schema": (("schema", "show", "\x1b]0;pwned\x07"), "no schema named"),
    "rtl-in-api-version": ((*ADD, *CC, "--api-version", "5\u202e9.0"), "--api-version"),
    "long-name": (("account", "add", LONG, *ADD[3:], *CC), "not valid"),
    "long-show": (("account", "show", LONG), "no account named"),
    "long-type": (("account", "add", "sf", "--type", LONG, "--url", ADD[-1], *CC), "type"),
    "long-auth": ((*ADD, "--auth", LONG), "--auth"),
    "long-option-name": (("account", "list", "--" + LONG), "No such option"),
    "long-workflow-path": (("workflow", "run", LONG), "File name too long"),
    "long-workflow-name": (("workflow", "show", LONG), "no registered workflow"),
    # secrets given wrong
    "secret-env-without-equals": ((*ADD, *CC[:4], "--secret-from-env", "NOEQUALS"), "VAR=field"),
    "secret-env-unknown-field": ((*ADD, *CC[:4], "--secret-from-env", "V=nosuch"), "VAR=field"),
    "secret-env-unset": (
        (*ADD, *CC[:4], "--secret-from-env", "NO_SUCH_VAR_X=client_secret"),
        "is not set",
    ),  # fmt: skip
}


def _clean(output: str) -> None:
    """No raw control or bidi character reaches the terminal; nothing is pasted whole."""
    raw = [c for c in output if c not in "\n" and (ord(c) < 32 or c in "\x7f\u200b\u202e")]
    assert not raw, f"raw characters {raw!r} in: {output!r}"
    assert len(output) < 1000, f"{len(output)} characters of output"


@pytest.mark.parametrize(("args", "says"), list(CASES.values()), ids=list(CASES))
def test_a_bad_argument_is_one_sentence(hostile, args, says):
    sentence = hostile.refuses(*args, says=says, input=f"client_secret={SECRET}\n")
    _clean(sentence)
    assert SECRET not in sentence


VARS = {
    "without-equals": (["--var", "region"], "not NAME=VALUE"),
    "empty": (["--var", ""], "not NAME=VALUE"),
    "empty-name": (["--var", "=x"], "not NAME=VALUE"),
    "space-in-name": (["--var", "a b=1"], "not NAME=VALUE"),
    "braces-in-name": (["--var", "{{x}}=1"], "not NAME=VALUE"),
    "given-twice": (["--var", "a=1", "--var", "a=2"], "given twice"),
    "given-twice-same-value": (["--var", "a=1", "--var", " a=1"], "given twice"),
    "long-name": (["--var", LONG + "=1"], "not NAME=VALUE"),
}


@pytest.mark.parametrize(("extra", "says"), list(VARS.values()), ids=list(VARS))
def test_a_bad_var_is_refused_before_the_run(hostile, extra, says):
    path = hostile.write("ok.yaml", WORKFLOW)
    sentence = hostile.refuses("workflow", "run", str(path), *extra, says=says, ignore=())
    _clean(sentence)


def test_a_file_as_home_is_refused(hostile, tmp_path):
    home = tmp_path / "a-file"
    home.write_text("not a folder\n")
    hostile.refuses("account", "list", "--home", str(home), says=[str(home), "is a file"])


def test_a_home_under_a_file_is_refused(hostile, tmp_path):
    (tmp_path / "a-file").write_text("x\n")
    home = tmp_path / "a-file" / "home"
    hostile.refuses("account", "list", "--home", str(home), says=["cannot create", "--home"])


@pytest.mark.parametrize("home", ["/dev/null", "/proc/crmlink-home"])
def test_a_home_the_system_will_not_give_is_refused(hostile, home):
    hostile.refuses("account", "list", "--home", home, says="--home")


def test_a_home_from_the_environment_that_is_a_file_is_refused(hostile, tmp_path):
    (tmp_path / "a-file").write_text("x\n")
    hostile.env["CRMLINK_HOME"] = str(tmp_path / "a-file")
    hostile.refuses("account", "list", says=["is a file", "--home"])


def test_a_home_whose_parents_do_not_exist_yet_is_created(hostile, tmp_path):
    home = tmp_path / "new" / "deeper" / "home"
    hostile.accepts("account", "list", "--home", str(home))
    assert home.is_dir()


def test_a_secret_given_twice_is_refused_without_showing_it(hostile, monkeypatch):
    monkeypatch.setenv("SF_SECRET_X", SECRET)
    args = (*ADD, *CC, "--secret-from-env", "SF_SECRET_X=client_secret")
    sentence = hostile.refuses(*args, input=f"client_secret={SECRET}\n", says="given twice")
    assert SECRET not in sentence


def test_a_secret_on_a_malformed_stdin_line_is_never_echoed(hostile):
    sentence = hostile.refuses(*ADD, *CC, input=f"{SECRET}\n", says="line 1 of stdin")
    assert SECRET not in sentence


def test_from_sandbox_naming_a_file_is_refused(hostile, tmp_path):
    (tmp_path / "a-file").write_text("x\n")
    hostile.refuses("account", "add", "sf", "--from-sandbox", str(tmp_path / "a-file"),
                    says=["--from-sandbox", "not a folder"])  # fmt: skip


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_from_sandbox_with_a_ready_line_that_is_no_file_is_refused_not_waited_on(
    hostile, tmp_path, kind
):
    import os

    state = tmp_path / "state"
    state.mkdir()
    os.mkfifo(state / "ready.json") if kind == "fifo" else (state / "ready.json").mkdir()
    hostile.refuses("account", "add", "sf", "--from-sandbox", str(state),
                    says=["--from-sandbox", "ready.json", "not a file"])  # fmt: skip


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_rejects_csv_into_something_that_is_not_a_file_is_refused(hostile, tmp_path, kind):
    import os

    hostile.accepts("workflow", "run", str(hostile.write("ok.yaml", WORKFLOW)))
    target = {"fifo": tmp_path / "out.csv", "folder": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(target)  # nobody reads it: writing would block forever
    says = {"fifo": "FIFO no process reads", "folder": "Is a directory"}[kind]
    hostile.refuses("workflow", "rejects", "1", "--csv", str(target), says=["--csv", says])


def test_rejects_csv_to_a_device_still_works(hostile):
    hostile.accepts("workflow", "run", str(hostile.write("ok.yaml", WORKFLOW)))
    hostile.accepts("workflow", "rejects", "1", "--csv", "/dev/null")
