"""The redactor: URL userinfo, secret options and environment tokens are masked."""

from __future__ import annotations

from wheelnext.conformance.redact import Redactor, mask_userinfo


def test_userinfo_option_values_and_environment_tokens() -> None:
    r = Redactor.from_inputs(
        texts=["https://user:url-s3cret@index.example/simple/"],
        commands=["twine upload -u me -p opt-s3cret --token=tok-s3cret {files}"],
        environ={"CI_TOKEN": "env-s3cret-long", "AUTH_MODE": "true", "PATH": "/usr/bin"},
    )
    text = r.text(
        "GET https://user:url-s3cret@index.example/x url-s3cret opt-s3cret tok-s3cret "
        "user%3Aurl-s3cret env-s3cret-long true /usr/bin"
    )
    assert text == "GET https://***@index.example/x *** *** *** *** *** true /usr/bin"
    assert r.data({"a": ["opt-s3cret", 1, None]}) == {"a": ["***", 1, None]}


def test_commands_are_recorded_as_templates_with_secrets_masked() -> None:
    r = Redactor()
    words = ["twine", "upload", "-p", "any", "--password=x", "https://u:p@h/", "{files}"]
    assert r.command(words) == "twine upload -p *** --password=*** https://***@h/ {files}"
    assert mask_userinfo("see http://a@h and ftp://b:c@h2/") == "see http://***@h and ftp://***@h2/"
