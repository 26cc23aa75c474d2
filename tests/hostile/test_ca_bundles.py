"""CA bundles and private keys that cannot work — garbage, a folder, a FIFO (which once hung
forever), a device, a huge file, a file deleted or replaced after `account add`, the wrong
CA — are refused with one sentence naming the file and the flag, exit 2, at once (a
certificate that does not verify is not retried), nothing stored, no secret shown."""

from __future__ import annotations

import os
import shutil

import pytest

from crmlink.catalog.secrets import secret_fields
from crmlink.connectors import _http

SECRET = "s3cret-Client-Secret-9Qz"
NOT_A_CERT = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
HUGE = 11 * 1024 * 1024  # past the 10 MiB limit (a sparse file: made in no time)


def _make(path, kind):
    """A file of `kind` at `path` (which does not exist yet); returns what the sentence says."""
    if kind == "garbage":
        path.write_text("garbage\n")
    elif kind == "pem-header-only":
        path.write_text(NOT_A_CERT)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "huge":
        with path.open("wb") as handle:
            handle.truncate(HUGE)
    elif kind == "missing":
        pass
    else:
        raise AssertionError(kind)
    return {  # what the sentence says (in the OS's words at `add`, in crmlink's later)
        "folder": ("Is a directory", "is a folder"), "fifo": ("FIFO",),
        "huge": ("larger than 10 MiB",), "missing": ("No such file", "does not exist"),
        "empty": ("no PEM", "not a PEM"), "binary": ("no PEM",),
    }.get(kind, ("PEM",))  # fmt: skip


def _names(sentence, alternatives):
    assert any(words in sentence for words in alternatives), sentence


KINDS = ["garbage", "pem-header-only", "empty", "binary", "folder", "fifo", "huge", "missing"]
ADD = ("account", "add", "sf", "--type", "salesforce", "--url", "https://127.0.0.1:1")


@pytest.mark.parametrize("kind", KINDS)
def test_account_add_refuses_a_ca_bundle_that_cannot_work(hostile, tmp_path, kind):
    path = tmp_path / "ca.pem"
    says = _make(path, kind)
    args = [*ADD, "--auth", "client-credentials", "--client-id", "c", "--ca-bundle", str(path)]
    sentence = hostile.refuses(*args, "--secrets-stdin", input=f"client_secret={SECRET}\n",
                               says=["--ca-bundle", str(path)])  # fmt: skip
    _names(sentence, says)
    assert SECRET not in sentence


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_is_not_read_as_a_ca_bundle(hostile, device):
    args = [*ADD, "--auth", "client-credentials", "--client-id", "c", "--ca-bundle", device]
    hostile.refuses(*args, "--secrets-stdin", input=f"client_secret={SECRET}\n",
                    says=["--ca-bundle", device, "character device"])  # fmt: skip


@pytest.mark.parametrize("kind", ["garbage", "folder", "fifo", "huge", "missing"])
def test_account_add_refuses_a_private_key_that_cannot_work(hostile, tmp_path, kind):
    path = tmp_path / "key.pem"
    says = _make(path, kind)
    args = [*ADD, "--auth", "jwt", "--username", "u", "--client-id", "c"]
    sentence = hostile.refuses(*args, "--private-key", str(path), says=["--private-key", str(path)])
    _names(sentence, says)


def test_secrets_on_stdin_past_the_limit_are_refused_unread(hostile):
    flood = "client_secret=" + "x" * (2 * 1024 * 1024) + "\n"
    args = [*ADD, "--auth", "client-credentials", "--client-id", "c", "--secrets-stdin"]
    sentence = hostile.refuses(*args, input=flood, says=["stdin", "1 MiB"])
    assert "xxxx" not in sentence


def test_a_secret_line_with_control_characters_is_never_echoed(hostile):
    args = [*ADD, "--auth", "client-credentials", "--client-id", "c", "--secrets-stdin"]
    sentence = hostile.refuses(*args, input=f"\x1b[31m{SECRET}\u202e\n", says="line 1 of stdin")
    assert SECRET not in sentence


# -- a bundle broken after `account add` ---------------------------------------------------
@pytest.fixture
def sf_account(hostile, sf_sandbox, tmp_path):
    """Account 'sf' on the sandbox, trusting a copy of its CA (which the test then breaks)."""
    copy = tmp_path / "trusted" / "ca.pem"
    copy.parent.mkdir()
    shutil.copy(sf_sandbox.info()["ca_bundle"], copy)
    hostile.accepts("account", "add", "sf", "--from-sandbox", str(sf_sandbox.state_dir),
                    "--ca-bundle", str(copy))  # fmt: skip
    hostile.accepts("account", "test", "sf")  # it works, before
    return copy


def _secrets(sandbox):
    return [v for k, v in sandbox.info().items() if k in secret_fields() and len(v) > 3]


@pytest.mark.parametrize(
    "kind", ["garbage", "pem-header-only", "empty", "folder", "fifo", "huge", "missing"]
)
def test_a_bundle_broken_after_add_stops_account_test_at_once(hostile, sf_account, sf_sandbox,
                                                              kind):  # fmt: skip
    sf_account.unlink()
    says = _make(sf_account, kind)
    sentence = hostile.refuses("account", "test", "sf",
                               says=[str(sf_account), "--ca-bundle"])  # fmt: skip
    _names(sentence, says)
    assert all(secret not in sentence for secret in _secrets(sf_sandbox))


def test_the_wrong_ca_is_a_configuration_error_not_retried(
    hostile, sf_account, sf_sandbox, dv_box, monkeypatch
):
    shutil.copy(dv_box.info()["ca_bundle"], sf_account)  # a CA, but not the one that signed
    sent = []
    real_send = _http.HttpClient.send

    def counted(self, *args, **kwargs):
        sent.append(1)
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(_http.HttpClient, "send", counted)
    sentence = hostile.refuses(
        "account", "test", "sf", says=["could not be verified", "--ca-bundle"]
    )
    assert len(sent) == 1, f"tried {len(sent)} times"
    assert all(secret not in sentence for secret in _secrets(sf_sandbox))


WORKFLOW = """\
name: broken-ca
activities:
  import:
    type: crm
    operation: import
    account: sf
    object: Contact
    fields: [Id, Email]
"""


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_workflow_on_an_account_with_a_broken_bundle_stops_with_one_sentence(
    hostile, sf_account, kind
):
    path = hostile.write("wf.yaml", WORKFLOW)
    sf_account.unlink()
    says = _make(sf_account, kind)
    sentence = hostile.refuses("workflow", "run", str(path), says=[str(sf_account), "--ca-bundle"])
    _names(sentence, says)
