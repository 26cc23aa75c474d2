"""CRM addresses that can never work are refused at `account add` and `account edit --url`
with one sentence naming --url, exit 2, nothing stored, the secret never echoed."""

from __future__ import annotations

import pytest

SECRET = "s3cret-Client-Secret-9Qz"
ADD = ("account", "add", "sf", "--type", "salesforce", "--auth", "client-credentials",
       "--client-id", "c", "--secrets-stdin")  # fmt: skip
GOOD = "https://acme.my.salesforce.com"

BAD_URLS = {
    "port-too-big": ("https://acme.example:99999", "port"),
    "port-not-a-number": ("https://acme.example:abc", "port"),
    "port-negative": ("https://acme.example:-1", "port"),
    "port-zero": ("https://acme.example:0", "port 0"),
    "port-empty": ("https://acme.example:", "empty port"),
    "ipv6-unclosed": ("https://[::1", "not a valid address"),
    "ipv6-not-an-address": ("https://[zz::1]", "IPv6 address"),
    "ipv4-out-of-range": ("https://10.0.0.999", "not an IPv4 address"),
    "idn-invalid-punycode": ("https://xn--zz.example", "domain name"),
    "idn-snowman-empty-label": ("https://\u2603..example", "empty label"),
    "empty-label": ("https://a..b", "empty label"),
    "leading-dot": ("https://.acme.example", "empty label"),
    "trailing-dot": ("https://acme.example.", "ending in '.'"),
    "space-in-host": ("https://acme example.com", "a space"),
    "space-in-path": ("https://acme.example/ path", "a space"),
    "trailing-junk": ("https://acme.example junk", "a space"),
    "tab": ("https://acme.example\t/x", "U+0009"),
    "bell": ("https://acme.example/\x07", "U+0007"),
    "rtl-override": ("https://\u202eacme.example", "RIGHT-TO-LEFT OVERRIDE"),
    "zero-width-space": ("https://acme\u200b.example", "ZERO WIDTH SPACE"),
    "backslash": ("https://acme.example\\@evil.example", "backslash"),
    "host-too-long": ("https://" + "a." * 127 + "com", "longer than 253"),
    "label-too-long": ("https://" + "a" * 64 + ".example", "longer than 63"),
    "label-leading-hyphen": ("https://-acme.example", "label '-acme'"),
    "label-underscore": ("https://acme_crm.example", "label 'acme_crm'"),
    "no-host": ("https://", "not a CRM address"),
    "no-host-port-only": ("https://:443", "no host name"),
    "not-https": ("ftp://acme.example", "not a CRM address"),
    "credentials": ("https://user:pw@acme.example", "plain address"),
    "query": ("https://acme.example/?a=1", "plain address"),
    "bad-percent-escape": ("https://acme.example/%zz", "%XX"),
    "dot-dot-path": ("https://acme.example/a/../b", "'..'"),
    "non-ascii-path": ("https://acme.example/caf\u00e9", "path"),
    "too-long": ("https://acme.example/" + "a" * 3000, "longer than 2048"),
    "empty": ("", "--url is empty"),
}


@pytest.mark.parametrize(("url", "says"), list(BAD_URLS.values()), ids=list(BAD_URLS))
def test_account_add_refuses_an_address_that_cannot_work(hostile, url, says):
    sentence = hostile.refuses(
        *ADD, "--url", url, says=["--url", says], input=f"client_secret={SECRET}\n"
    )
    assert SECRET not in sentence
    assert len(sentence) < 400  # a 3000-character address is cut, not pasted


@pytest.mark.parametrize(
    "name", ["port-too-big", "ipv6-unclosed", "empty-label", "rtl-override", "label-too-long"]
)
def test_account_edit_refuses_it_too_and_keeps_the_stored_address(hostile, name):
    hostile.accepts(*ADD, "--url", GOOD, input=f"client_secret={SECRET}\n")
    url, says = BAD_URLS[name]
    hostile.refuses("account", "edit", "sf", "--url", url, says=["--url", says])
    shown = hostile.accepts("account", "show", "sf").output
    assert GOOD in shown and SECRET not in shown
    assert SECRET not in repr(hostile.dump())  # encrypted at rest


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://ACME.My.Salesforce.com/", GOOD),
        ("https://b\u00fccher.example", "https://xn--bcher-kva.example"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        ("https://127.0.0.1:443", "https://127.0.0.1:443"),
        ("  https://acme.example/path  ", "https://acme.example/path"),
    ],
    ids=["case-and-slash", "idn", "ipv6", "ipv4-port", "surrounding-spaces"],
)
def test_a_good_address_is_stored_in_its_normal_form(hostile, url, stored):
    hostile.accepts(*ADD, "--url", url, input=f"client_secret={SECRET}\n")
    (row,) = hostile.dump()["accounts"]
    assert stored in row
