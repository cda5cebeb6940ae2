"""The apprise edge without a store: which URLs are usable, what people see of them, and
that an error never carries a URL's secret."""

from __future__ import annotations

import pytest

from tests.notify.receivers import WebhookReceiver, free_port
from tickwork.notify import delivery

SECRET_URLS = {
    "json://hookuser:hook-pa55@127.0.0.1:9/hooks/T0KEN-PATH?+X-Token=hdr-s3cret": (
        "json://hookuser:****@127.0.0.1:9/…",
        ["hook-pa55", "T0KEN-PATH", "hdr-s3cret"],
    ),
    "mailto://tick:mail-pa55@smtp.example.org?to=ops@example.org": (
        "mailto://tick:****@smtp.example.org/…",
        ["mail-pa55"],
    ),
    "tgram://123456789:AAbbCCddEEff/4242": ("tgram://1...f/…", ["AAbbCCddEEff"]),
    "ntfys://ntfy.sh/my-secret-topic": ("ntfys://ntfy.sh/…", ["my-secret-topic"]),
    "discord://4321/webhook-tok3n": ("discord://4...1/…", ["webhook-tok3n"]),
}


@pytest.mark.parametrize("url", list(SECRET_URLS))
def test_it_shows_scheme_and_host_and_never_a_secret(url: str) -> None:
    shown, secrets = SECRET_URLS[url]
    assert delivery.redact(url) == shown
    for secret in secrets:
        assert secret not in delivery.redact(url)


def test_a_bare_url_stays_as_it_is() -> None:
    assert delivery.redact("json://127.0.0.1:8080") == "json://127.0.0.1:8080"


@pytest.mark.parametrize("url", ["foo://bar", "json://", "no scheme at all", "mailto://"])
def test_it_refuses_what_apprise_cannot_use(url: str) -> None:
    assert delivery.check(url)


@pytest.mark.parametrize(
    "url", ["json://127.0.0.1:1/x", "mailto://u:p@example.org?to=a@example.org", "slack://a/b/c"]
)
def test_it_accepts_what_apprise_can_use(url: str) -> None:
    assert delivery.check(url) is None


def test_scrub_masks_every_secret_part() -> None:
    url = "json://hookuser:hook-pa55@127.0.0.1:9/hooks/T0KEN-PATH?+X-Token=hdr-s3cret"
    text = f"POST http://127.0.0.1:9/hooks/T0KEN-PATH as hookuser:hook-pa55 ({url}) hdr-s3cret"
    scrubbed = delivery.scrub(text, url)
    for secret in ("hook-pa55", "T0KEN-PATH", "hdr-s3cret", url):
        assert secret not in scrubbed
    assert "127.0.0.1" in scrubbed  # the host says where it failed, and is no secret


def test_a_send_to_a_receiver_that_is_down_fails_with_a_scrubbed_error() -> None:
    url = f"json://hookuser:hook-pa55@127.0.0.1:{free_port()}/hooks/T0KEN-PATH"
    result = delivery.send(url, "title", "body", timeout=5)
    assert not result.ok
    assert result.error and "127.0.0.1" in result.error
    assert "hook-pa55" not in result.error and "T0KEN-PATH" not in result.error


def test_a_send_reaches_a_real_receiver() -> None:
    receiver = WebhookReceiver().up()
    try:
        result = delivery.send(receiver.url("hooks/abc"), "the title", "the body", timeout=5)
        got = receiver.wait(1)
    finally:
        receiver.down()
    assert result == delivery.Delivery(True)
    assert got[0]["path"] == "/hooks/abc"
    assert (got[0]["title"], got[0]["message"]) == ("the title", "the body")
