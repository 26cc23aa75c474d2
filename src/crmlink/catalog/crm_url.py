"""`check_crm_url(url)`: a CRM's https address checked whole at `account add|edit`, so an
address that can never work is refused then, not stored to fail later.

Parsed with `urllib.parse`; the host goes through the `idna` codec (and back, so a bogus
`xn--` label is caught) and must then be a DNS name of letters, digits and hyphens
(labels of 1 to 63, 253 in all), an IPv4 address or a bracketed IPv6 address; the port
1 to 65535; no spaces, control or invisible characters anywhere. Returns the normal form
`https://host[:port][/path]` (host in lower-case ASCII, no trailing slash).
"""

from __future__ import annotations

import ipaddress
import string
import unicodedata
from urllib.parse import SplitResult, urlsplit

from crmlink.errors import UsageError, clip

MAX_URL = 2048  # the accounts.url column
MAX_HOST, MAX_LABEL = 253, 63
_LDH = frozenset(string.ascii_lowercase + string.digits + "-")
_PATH = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/%")
_HEX = frozenset(string.hexdigits)
_INVISIBLE = ("Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cn")  # control, format (RTL marks), spaces
EXAMPLE = "https://mydomain.my.salesforce.com"


def check_crm_url(url: str) -> str:
    text = url.strip()
    _check_characters(text)
    parts = _split(text)
    _check_scheme(parts, text)
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise UsageError(
            f"--url {parts.scheme}://{_host_shown(parts)}… must be a plain address: "
            "no credentials, query or fragment (secrets are asked for separately)"
        )
    host = _check_host(parts, text)
    port = _check_port(parts, text)
    path = _check_path(parts.path, text)
    return f"https://{host}{port}{path}".rstrip("/")


def _bad(text: str, problem: str) -> UsageError:
    return UsageError(f"--url {clip(text)} {problem}: give one like {EXAMPLE}")


def _check_characters(text: str) -> None:
    if not text:
        raise UsageError(f"--url is empty: give the CRM's address, like {EXAMPLE}")
    if len(text) > MAX_URL:
        raise _bad(text, f"is longer than {MAX_URL} characters")
    odd = next((c for c in text if unicodedata.category(c) in _INVISIBLE), None)
    if odd is not None:
        raise _bad(text, f"holds {_named(odd)}, which no address may carry")
    if "\\" in text:
        raise _bad(text, "holds a backslash")


def _named(char: str) -> str:
    if char == " ":
        return "a space"
    name = unicodedata.name(char, "")
    return f"the character U+{ord(char):04X}" + (f" ({name})" if name else "")


def _split(text: str) -> SplitResult:
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - parsing the port is what may fail
    except ValueError as exc:
        raise _bad(text, f"is not a valid address ({_why(exc)})") from None
    return parts


def _why(exc: ValueError) -> str:
    said = str(exc)
    return "its port must be a number from 1 to 65535" if "Port" in said else said


def _check_scheme(parts: SplitResult, text: str) -> None:
    if parts.scheme == "http":
        raise UsageError(
            f"crmlink only talks to CRMs over https; use https://{parts.netloc}{parts.path} "
            "(TLS verification is always on)"
        )
    if parts.scheme != "https" or not parts.netloc:
        raise _bad(text, "is not a CRM address")


def _host_shown(parts: SplitResult) -> str:
    return parts.netloc.rpartition("@")[2]


def _check_port(parts: SplitResult, text: str) -> str:
    if parts.netloc.endswith(":"):
        raise _bad(text, "has an empty port after ':'")
    if parts.port is None:
        return ""
    if parts.port == 0:
        raise _bad(text, "has port 0 (a port is 1 to 65535)")
    return f":{parts.port}"


def _check_host(parts: SplitResult, text: str) -> str:
    host = parts.hostname or ""
    if parts.netloc.rpartition("@")[2].startswith("["):
        return _ipv6(host, text)
    if not host:
        raise _bad(text, "has no host name")
    ascii_host = _idna(host, text)
    labels = ascii_host.split(".")
    if all(label.isdigit() for label in labels):
        return _ipv4(ascii_host, text)
    for label in labels:
        _check_label(label, text)
    return ascii_host


def _ipv6(host: str, text: str) -> str:
    try:
        return f"[{ipaddress.IPv6Address(host).compressed}]"
    except ValueError:
        raise _bad(text, f"has {clip(host)} in brackets, which is not an IPv6 address") from None


def _ipv4(host: str, text: str) -> str:
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        raise _bad(text, f"has the host {clip(host)}, which is not an IPv4 address") from None


def _idna(host: str, text: str) -> str:
    """The host in ASCII (IDNA); a round trip through the codec catches bogus `xn--` labels."""
    if host.endswith("."):
        raise _bad(text, "has a host ending in '.': leave the final dot out")
    if len(host) > MAX_HOST:
        raise _bad(text, f"has a host name longer than {MAX_HOST} characters")
    for label in host.split("."):  # the codec's own message for these is vaguer
        if not label or len(label) > MAX_LABEL:
            _check_label(label, text)
    try:
        encoded = host.encode("idna")
        encoded.decode("idna")
    except UnicodeError:
        raise _bad(
            text, f"has the host {clip(host)}, which is not a valid (international) domain name"
        ) from None
    ascii_host = encoded.decode("ascii").lower()
    if len(ascii_host) > MAX_HOST:
        raise _bad(text, f"has a host name longer than {MAX_HOST} characters in ASCII")
    return ascii_host


def _check_label(label: str, text: str) -> None:
    if not label:
        raise _bad(text, "has an empty label in its host name ('..' or a leading '.')")
    if len(label) > MAX_LABEL:
        raise _bad(text, f"has a host label longer than {MAX_LABEL} characters")
    if not set(label) <= _LDH or label.startswith("-") or label.endswith("-"):
        raise _bad(
            text,
            f"has the host label {clip(label)}: a label is letters, digits and inner hyphens",
        )


def _check_path(path: str, text: str) -> str:
    if not set(path) <= _PATH:
        raise _bad(text, "has a path with characters an address cannot carry unencoded")
    pieces = path.split("%")[1:]
    if any(len(p) < 2 or not set(p[:2]) <= _HEX for p in pieces):
        raise _bad(text, "has a '%' in its path that is not a %XX escape")
    if any(s in (".", "..") for s in path.split("/")):
        raise _bad(text, "has a '.' or '..' segment in its path")
    return path
