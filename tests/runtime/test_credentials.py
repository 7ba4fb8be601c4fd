"""Credentials: secrets stay out of reprs and errors; tokens only travel over https."""

from __future__ import annotations

import pytest

from plantpredict_auth import (
    ClientCredentials,
    ConfigurationError,
    PasswordCredentials,
    credentials_from_env,
)

SECRET = "s3cr3t-client-secret-value"
PASSWORD = "pa55-word-value"


def test_reprs_never_show_a_password_or_secret() -> None:
    password = PasswordCredentials("ana@example.com", PASSWORD, "client-1", SECRET)
    client = ClientCredentials("client-2", SECRET)
    for text in (repr(password), str(password), repr(client), str(client)):
        assert SECRET not in text
        assert PASSWORD not in text
    assert "ana@example.com" in repr(password)


@pytest.mark.parametrize(
    "url",
    ["http://auth.example.com/oauth2/token", "ftp://auth.example.com/token", "auth.example.com/token"],
)
def test_a_token_url_must_be_https(url: str) -> None:
    with pytest.raises(ConfigurationError, match="must use https"):
        ClientCredentials("client", SECRET, token_url=url)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.0.0.9"])
def test_plain_http_is_allowed_on_loopback(host: str) -> None:
    ClientCredentials("client", SECRET, token_url=f"http://{host}:8080/oauth2/token")


def test_the_store_key_never_contains_a_secret() -> None:
    credentials = PasswordCredentials("ana@example.com", PASSWORD, "client-1", SECRET)
    assert credentials.store_key.startswith("plantpredict:token:")
    assert SECRET not in credentials.store_key
    assert PASSWORD not in credentials.store_key
    other_user = PasswordCredentials("bo@example.com", PASSWORD, "client-1", SECRET)
    assert other_user.store_key != credentials.store_key


def test_a_username_in_the_environment_means_the_password_grant() -> None:
    env = {
        "PLANTPREDICT_USERNAME": "ana@example.com",
        "PLANTPREDICT_PASSWORD": PASSWORD,
        "PLANTPREDICT_CLIENT_ID": "client-1",
        "PLANTPREDICT_CLIENT_SECRET": SECRET,
    }
    credentials = credentials_from_env(env)
    assert isinstance(credentials, PasswordCredentials)
    assert credentials.scope == "openid offline_access"


def test_client_id_and_secret_alone_mean_client_credentials() -> None:
    env = {
        "PLANTPREDICT_CLIENT_ID": "client-2",
        "PLANTPREDICT_CLIENT_SECRET": SECRET,
        "PLANTPREDICT_TOKEN_URL": "http://127.0.0.1:9/oauth2/token",
        "PLANTPREDICT_SCOPE": "transactions/get",
    }
    credentials = credentials_from_env(env)
    assert isinstance(credentials, ClientCredentials)
    assert credentials.token_url == "http://127.0.0.1:9/oauth2/token"
    assert credentials.scope == "transactions/get"


def test_missing_variables_are_named_and_values_never_shown() -> None:
    with pytest.raises(ConfigurationError) as caught:
        credentials_from_env({"PLANTPREDICT_USERNAME": "ana@example.com", "PLANTPREDICT_CLIENT_SECRET": SECRET})
    message = str(caught.value)
    assert "PLANTPREDICT_PASSWORD" in message
    assert "PLANTPREDICT_CLIENT_ID" in message
    assert SECRET not in message
    with pytest.raises(ConfigurationError, match="no PlantPredict credentials"):
        credentials_from_env({})
