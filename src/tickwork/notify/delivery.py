"""apprise at arm's length: check a channel's URL, redact it for people, send one message.

A channel URL carries its secrets in many places: a password (`mailto://user:pw@host`), a
token as the host (`tgram://123:ABC/...`), a path (`json://host/hooks/SECRET`), a header or a
query value (`json://host/p?+X-Token=...`). apprise's own privacy URL masks passwords and
tokens it knows of but keeps paths and queries as given, so the redacted form keeps only
its scheme and authority and says "/…" for whatever followed. Errors are scrubbed of every
part of the URL that could be secret before they are stored or logged.

apprise's log stays out of the server's: its lines (which name URLs at debug level) are
captured per call, scrubbed, and kept as the attempt's error.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise

log = logging.getLogger(__name__)
logging.getLogger("apprise").propagate = False
MASK = "****"
# Parts of a URL shorter than this are no secret worth masking ("p", "v1") and masking
# them would garble every message that happens to contain them.
SHORTEST_SECRET = 4
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class Delivery:
    """How one send went; `error` is already scrubbed of the URL's secrets."""

    ok: bool
    error: str | None = None


def check(url: str) -> str | None:
    """Why apprise cannot use `url`, or None when it can (no network is touched)."""
    if apprise.Apprise.instantiate(url) is None:
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if not scheme:
            return "not an apprise URL: it needs a scheme, such as mailto:// or json://"
        return f"apprise cannot use this {scheme}:// URL (unknown scheme, or parts missing)"
    return None


def redact(url: str) -> str:
    """`url` as people may see it: scheme and authority (with apprise's masking of passwords
    and tokens), and "/…" for any path or query."""
    service = apprise.Apprise.instantiate(url)
    shown = url
    if service is not None:
        shown = str(service.url(privacy=True))  # type: ignore[no-untyped-call]
    parts = urlsplit(shown)
    if not parts.scheme:
        return MASK
    authority = parts.netloc
    if service is None or "@" in authority and ":" in authority.split("@", 1)[0]:
        # Not parsed by apprise, or a password it left: keep the user, mask the rest.
        authority = _masked_password(authority)
    given = urlsplit(url)  # apprise adds its defaults as a query: what did the admin write?
    rest = "/…" if (given.path.strip("/") or given.query or given.fragment) else ""
    return f"{parts.scheme}://{authority}{rest}"


def _masked_password(authority: str) -> str:
    if "@" not in authority:
        return authority
    user, host = authority.rsplit("@", 1)
    if ":" in user:
        user = user.split(":", 1)[0] + ":" + MASK
    return f"{user}@{host}"


def secrets_of(url: str) -> list[str]:
    """Every part of `url` that may be secret, longest first: the URL, its password, user,
    path segments, query values and (when apprise masks it) its host."""
    parts = urlsplit(url)
    found = [url]
    netloc = parts.netloc
    userinfo, _, host = netloc.rpartition("@")
    if userinfo:
        user, _, password = userinfo.partition(":")
        found += [user, password]
    found += [segment for segment in parts.path.split("/") if segment]
    found += [value for _, value in parse_qsl(parts.query, keep_blank_values=False)]
    if parts.fragment:
        found.append(parts.fragment)
    if host and host not in redact(url):
        found.append(host)  # a token standing where a host would (tgram://BOT:TOKEN/...)
    decoded = [unquote(f) for f in found]
    unique = {s for s in found + decoded if len(s) >= SHORTEST_SECRET}
    return sorted(unique, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """`text` with every secret part of `url` replaced by the mask."""
    for secret in secrets_of(url):
        text = re.sub(re.escape(secret), MASK, text, flags=re.IGNORECASE)
    return text


def send(url: str, title: str, body: str, timeout: float) -> Delivery:
    """One message to `url`, waiting at most `timeout` seconds. Never raises: a failure is a
    Delivery whose error says what apprise said, scrubbed."""
    try:
        sender = apprise.Apprise()
        if not sender.add(url):
            return Delivery(False, "apprise can no longer use this channel's URL")
        result = sender.notify(
            body=body,
            title=title,
            body_format=apprise.NotifyFormat.TEXT,
            timeout=timeout,
        )
        if result:
            return Delivery(True)
        said = [entry.message for entry in result.logs()]
        error = "; ".join(dict.fromkeys(m.strip() for m in said if m.strip()))
        return Delivery(False, _bounded(scrub(error or f"not delivered ({result!r})", url)))
    except Exception as exc:  # a plugin's bug must not end the sender
        return Delivery(False, _bounded(scrub(f"{type(exc).__name__}: {exc}", url)))


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
