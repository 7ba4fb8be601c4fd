"""Credentials for PlantPredict's two token servers, and reading them from the environment."""

from __future__ import annotations

import hashlib
import ipaddress
import os
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

from attrs import field, frozen

from ._errors import ConfigurationError

OKTA_TOKEN_URL = "https://afse.okta.com/oauth2/aus3jzhulkrINTdnc356/v1/token"
COGNITO_TOKEN_URL = "https://terabase-prd.auth.us-west-2.amazoncognito.com/oauth2/token"
OKTA_BASE_URL = "https://api.plantpredict.com"
COGNITO_BASE_URL = "https://api.plantpredict.terabase.energy"

_HIDDEN = "'***'"


def _hidden(_: object) -> str:
    return _HIDDEN


def require_safe_token_url(url: str) -> str:
    """A token URL must be https, except on a loopback address (a local simulator)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return url
    raise ConfigurationError(
        f"token URL {parts.scheme}://{parts.hostname or ''}{parts.path} must use https "
        "(plain http is allowed only on a loopback address)"
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_url(instance: object, attribute: object, value: str) -> None:
    require_safe_token_url(value)


def _non_empty(instance: object, attribute: object, value: str) -> None:
    if not value:
        name = getattr(attribute, "name", "value")
        raise ConfigurationError(f"{type(instance).__name__}.{name} is empty")


@frozen
class PasswordCredentials:
    """The four values a company admin generates for the Okta password grant (the seed's flow).

    Secrets are kept out of ``repr`` and out of every message the runtime writes.
    """

    username: str = field(validator=_non_empty)
    password: str = field(repr=_hidden, validator=_non_empty)
    client_id: str = field(validator=_non_empty)
    client_secret: str = field(repr=_hidden, validator=_non_empty)
    token_url: str = field(default=OKTA_TOKEN_URL, validator=_check_url)
    scope: str = "openid offline_access"

    grant: Literal["password"] = field(default="password", init=False, repr=False)

    @property
    def default_base_url(self) -> str:
        return OKTA_BASE_URL

    @property
    def store_key(self) -> str:
        """Where a shared store keeps this identity's token: derived from the token URL, client id
        and username, never from a secret."""
        return _store_key(self.token_url, self.client_id, self.username)


@frozen
class ClientCredentials:
    """A client id and secret for the Cognito client-credentials grant (the current deployment)."""

    client_id: str = field(validator=_non_empty)
    client_secret: str = field(repr=_hidden, validator=_non_empty)
    token_url: str = field(default=COGNITO_TOKEN_URL, validator=_check_url)
    scope: str = "transactions/get transactions/post"

    grant: Literal["client_credentials"] = field(default="client_credentials", init=False, repr=False)

    @property
    def default_base_url(self) -> str:
        return COGNITO_BASE_URL

    @property
    def store_key(self) -> str:
        return _store_key(self.token_url, self.client_id, "")


Credentials = PasswordCredentials | ClientCredentials


def _store_key(token_url: str, client_id: str, username: str) -> str:
    digest = hashlib.sha256("\n".join((token_url, client_id, username)).encode()).hexdigest()[:32]
    return f"plantpredict:token:{digest}"


ENV_VARIABLES = (
    "PLANTPREDICT_USERNAME",
    "PLANTPREDICT_PASSWORD",
    "PLANTPREDICT_CLIENT_ID",
    "PLANTPREDICT_CLIENT_SECRET",
    "PLANTPREDICT_TOKEN_URL",
    "PLANTPREDICT_SCOPE",
)


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials:
    """Credentials from ``PLANTPREDICT_*`` variables: the password grant when a username is set,
    otherwise client credentials. A missing variable is named in the error; values never are."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str:
        return env.get(name, "").strip()

    missing: list[str] = []

    def need(name: str) -> str:
        value = get(name)
        if not value:
            missing.append(name)
        return value

    optional: dict[str, str] = {}
    if get("PLANTPREDICT_TOKEN_URL"):
        optional["token_url"] = get("PLANTPREDICT_TOKEN_URL")
    if get("PLANTPREDICT_SCOPE"):
        optional["scope"] = get("PLANTPREDICT_SCOPE")
    if get("PLANTPREDICT_USERNAME"):
        username, password = need("PLANTPREDICT_USERNAME"), need("PLANTPREDICT_PASSWORD")
        client_id, client_secret = need("PLANTPREDICT_CLIENT_ID"), need("PLANTPREDICT_CLIENT_SECRET")
        if missing:
            raise ConfigurationError(f"password grant needs {', '.join(missing)} in the environment")
        return PasswordCredentials(username, password, client_id, client_secret, **optional)
    client_id, client_secret = need("PLANTPREDICT_CLIENT_ID"), need("PLANTPREDICT_CLIENT_SECRET")
    if missing:
        raise ConfigurationError(
            f"no PlantPredict credentials: set {', '.join(missing)} (client credentials), "
            "or PLANTPREDICT_USERNAME/PASSWORD/CLIENT_ID/CLIENT_SECRET (password grant)"
        )
    return ClientCredentials(client_id, client_secret, **optional)
