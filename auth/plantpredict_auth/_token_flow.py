"""One token acquisition as a sans-I/O flow: it yields requests (and waits) and receives responses.

authlib does the OAuth wire work: the form body of each grant (``prepare_token_request``), client
authentication (``ClientAuth``: ``client_secret_post`` for Okta, ``client_secret_basic`` for
Cognito) and the parsing of token and error answers (``OAuth2Client.parse_response_token``). This
module decides what to do with each answer: which grant, when to wait, when to stop. The same flow
is driven by an async and a sync driver, the way ``httpx.Auth`` flows are. Its waits and its
"never sent" test are the API's (``_retry.py``), with the token endpoint's own bounds
(``TokenSettings``): one retry engine for both.

authlib's own httpx integration is not used: recent releases prefer the ``httpx2`` package and warn
when they fall back to ``httpx``, while the generated client is built on ``httpx``. Using authlib's
protocol layer with our own ``httpx`` requests keeps one HTTP stack and no warnings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Generator
from typing import Any

import httpx
from attrs import field, frozen
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.client import OAuth2Client
from authlib.oauth2.rfc6749.parameters import prepare_token_request

from . import _time
from ._credentials import Credentials, PasswordCredentials
from ._errors import AuthenticationError, TokenEndpointError
from ._retry import backoff, jittered, never_sent, parse_rate_limit_reset
from ._translate import scrubbed

log = logging.getLogger("plantpredict_auth.tokens")

REFRESH_SCOPE = "offline_access"
_HIDDEN = "'***'"


def fingerprint(secret: str) -> str:
    """A short, one-way label for a token in logs (``tok:3f2a1c9d``): never the token itself."""
    return "tok:" + hashlib.sha256(secret.encode()).hexdigest()[:8]


def _hidden(_: object) -> str:
    return _HIDDEN


@frozen
class Token:
    """An access token, when it stops being usable (epoch seconds), and its refresh token."""

    access_token: str = field(repr=_hidden)
    expires_at: float
    issued_at: float
    refresh_token: str | None = field(default=None, repr=_hidden)

    @property
    def lifetime(self) -> float:
        return max(0.0, self.expires_at - self.issued_at)

    @property
    def label(self) -> str:
        return fingerprint(self.access_token)

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "expires_at": self.expires_at,
                "issued_at": self.issued_at,
                "refresh_token": self.refresh_token,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Token:
        data = json.loads(text)
        return cls(
            access_token=str(data["access_token"]),
            expires_at=float(data["expires_at"]),
            issued_at=float(data["issued_at"]),
            refresh_token=data.get("refresh_token"),
        )


@frozen
class Wait:
    """An instruction to the driver: wait this long before the next request."""

    seconds: float
    reason: str


@frozen
class TokenSettings:
    """Bounds on one acquisition."""

    #: Retries after a 5xx, a timeout or a connection error before giving up.
    transient_retries: int = 3
    #: First backoff after a transient failure (doubles, with jitter), and its cap.
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    #: Longest single wait for a rate limit to reset, and the total allowed per acquisition.
    rate_limit_wait_max: float = 60.0
    rate_limit_budget: float = 180.0
    #: Random extra wait after a rate-limit reset, so many clients do not return in the same instant.
    rate_limit_jitter: float = 0.5
    #: Fraction of each wait added at random (as ``RetryPolicy.jitter``).
    jitter: float = 0.25
    timeout: float = 30.0


class _RefreshRefused(Exception):
    """The refresh token was refused (invalid_grant): log in again, once."""


class _RefreshAnswerLost(Exception):
    """A refresh request reached the token server but no token came back (the connection broke, a
    gateway answered 502/504, the server failed after committing, the answer was garbled): the
    refresh token may have rotated, and presenting it again would be a reuse, after which Okta
    revokes the whole token family. One password login replaces it."""


def _client_auth(credentials: Credentials) -> ClientAuth:
    # Okta's PlantPredict app takes the client secret in the form body (as the seed does); Cognito
    # takes HTTP Basic, as its documentation's curl example shows.
    method = "client_secret_post" if isinstance(credentials, PasswordCredentials) else "client_secret_basic"
    return ClientAuth(credentials.client_id, credentials.client_secret, method)


def build_request(credentials: Credentials, grant: str, timeout: float, **params: str) -> httpx.Request:
    body = prepare_token_request(grant, **params)
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    url, headers, body = _client_auth(credentials).prepare(  # type: ignore[no-untyped-call]  # untyped in types-Authlib
        "POST", credentials.token_url, headers, body
    )
    return httpx.Request(
        "POST", url, headers=headers, content=body.encode(), extensions={"timeout": httpx.Timeout(timeout).as_dict()}
    )


def _parse(credentials: Credentials, response: httpx.Response) -> dict[str, Any]:
    """authlib's reading of a token-endpoint answer: the token, or an ``OAuth2Error``."""
    parser = OAuth2Client(None, client_id=credentials.client_id)
    return dict(parser.parse_response_token(response))  # type: ignore[no-untyped-call]  # untyped in types-Authlib


def _rate_limit_wait(response: httpx.Response, attempt: int, settings: TokenSettings, rng: random.Random) -> float:
    """How long a 429 from the token server asks us to wait: Okta's ``X-Rate-Limit-Reset`` (epoch
    seconds) or a ``Retry-After``, else exponential backoff; capped, and jittered by at least
    ``rate_limit_jitter`` seconds, since a reset is one instant for every client that hit it."""
    reset = parse_rate_limit_reset(response.headers, _time.now())
    base = reset if reset is not None else backoff(settings.backoff_initial, settings.backoff_max, attempt)
    return jittered(min(settings.rate_limit_wait_max, base), settings.jitter, rng, floor=settings.rate_limit_jitter)


def _transient_wait(attempt: int, settings: TokenSettings, rng: random.Random) -> float:
    return jittered(backoff(settings.backoff_initial, settings.backoff_max, attempt), settings.jitter, rng)


FlowStep = httpx.Request | Wait
Flow = Generator[FlowStep, httpx.Response | None, Token]


class TokenFlow:
    """Obtain one token: refresh if a refresh token is at hand, else the credentials' own grant.

    ``outcomes`` counts token requests per (grant, outcome) for the manager's statistics.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        refresh_token: str | None,
        settings: TokenSettings,
        rng: random.Random,
        outcomes: dict[tuple[str, str], int],
    ) -> None:
        self.credentials = credentials
        self.refresh_token = refresh_token
        self.settings = settings
        self.rng = rng
        self.outcomes = outcomes

    def run(self) -> Flow:
        if self.refresh_token and isinstance(self.credentials, PasswordCredentials):
            try:
                return (
                    yield from self._exchange("refresh_token", refresh_token=self.refresh_token, scope=REFRESH_SCOPE)
                )
            except _RefreshRefused:
                log.debug("refresh token refused (invalid_grant): logging in with the password once")
            except _RefreshAnswerLost as lost:
                log.debug("no token came back from a refresh (%s); not presenting it again: logging in", lost)
        if isinstance(self.credentials, PasswordCredentials):
            return (
                yield from self._exchange(
                    "password",
                    username=self.credentials.username,
                    password=self.credentials.password,
                    scope=self.credentials.scope,
                )
            )
        return (yield from self._exchange("client_credentials", scope=self.credentials.scope))

    def _count(self, grant: str, outcome: str) -> None:
        self.outcomes[(grant, outcome)] = self.outcomes.get((grant, outcome), 0) + 1

    def _exchange(self, grant: str, **params: str) -> Flow:
        transient = 0
        rate_limited = 0
        waited_for_rate_limit = 0.0
        refreshing = grant == "refresh_token"
        while True:
            request = build_request(self.credentials, grant, self.settings.timeout, **params)
            sent_at = _time.now()
            try:
                response = yield request
            except httpx.RequestError as exc:
                self._count(grant, "transport_error")
                if refreshing and not never_sent(exc):
                    raise _RefreshAnswerLost(type(exc).__name__) from None
                transient += 1
                if transient > self.settings.transient_retries:
                    # From a copy without the request: its body holds the password and client secret.
                    raise TokenEndpointError(
                        f"token endpoint {self._where()} unreachable after {transient} attempts: {type(exc).__name__}"
                    ) from scrubbed(exc)
                wait = _transient_wait(transient, self.settings, self.rng)
                log.debug(
                    "token request (%s) failed with %s; attempt %d, waiting %.2fs",
                    grant,
                    type(exc).__name__,
                    transient,
                    wait,
                )
                yield Wait(wait, "token endpoint transport error")
                continue
            assert response is not None
            status = response.status_code
            if status == 429:
                # Not processed (Okta's limit is checked first): the same refresh token may go again.
                self._count(grant, "rate_limited")
                rate_limited += 1
                wait = _rate_limit_wait(response, rate_limited, self.settings, self.rng)
                if waited_for_rate_limit + wait > self.settings.rate_limit_budget:
                    raise TokenEndpointError(
                        f"token endpoint {self._where()} still rate limited "
                        f"after {waited_for_rate_limit:.0f}s of waiting",
                        status_code=429,
                    )
                waited_for_rate_limit += wait
                log.debug(
                    "token endpoint rate limited (%s grant, %d time(s)): waiting %.2fs", grant, rate_limited, wait
                )
                yield Wait(wait, "token endpoint rate limited")
                continue
            token: Token | None = None
            if status == 200:
                try:
                    token = self._token(_parse(self.credentials, response), sent_at, params.get("refresh_token"))
                except (OAuth2Error, ValueError, KeyError, TypeError, httpx.HTTPStatusError):
                    token = None  # a 200 that is not a token: a proxy's page, a garbled body
            if token is not None:
                self._count(grant, "ok")
                log.debug("token obtained by %s grant: %s, valid %.0fs", grant, token.label, token.lifetime)
                return token
            if status == 200 or status >= 500 or status == 408:
                outcome = "malformed" if status == 200 else "unavailable"
                self._count(grant, outcome)
                if refreshing:
                    raise _RefreshAnswerLost(f"answer {status}, {_describe(response)}")
                transient += 1
                if transient > self.settings.transient_retries:
                    what = f"200 without a token ({_describe(response)})" if status == 200 else str(status)
                    raise TokenEndpointError(
                        f"token endpoint {self._where()} answered {what} {transient} times", status_code=status
                    )
                wait = _transient_wait(transient, self.settings, self.rng)
                log.debug(
                    "token endpoint answered %d (%s grant); attempt %d, waiting %.2fs", status, grant, transient, wait
                )
                yield Wait(wait, f"token endpoint {status}")
                continue
            error, description = _oauth_error(self.credentials, response)
            self._count(grant, error or f"http_{status}")
            if refreshing and error == "invalid_grant":
                raise _RefreshRefused
            raise AuthenticationError(
                f"{self._where()} refused the {grant.replace('_', ' ')} grant: {error or status}"
                + (f" ({description})" if description else ""),
                error=error,
                description=description,
            )

    def _token(self, data: dict[str, Any], sent_at: float, presented_refresh: str | None) -> Token:
        access = data["access_token"]
        if not isinstance(access, str) or not access:
            raise ValueError("no access_token in the answer")
        # The lifetime counts from when the request left: the server's clock started no earlier.
        # (authlib's OAuth2Token rounds expires_at to whole seconds of its own clock; ours is exact.)
        if data.get("expires_in") is not None:
            expires_at = sent_at + float(data["expires_in"])
        elif data.get("expires_at") is not None:
            expires_at = float(data["expires_at"])
        else:
            expires_at = sent_at + 3600.0
        refresh = data.get("refresh_token") or None
        if refresh is None and presented_refresh is not None:
            refresh = presented_refresh  # servers without rotation keep the old one valid
        return Token(access_token=access, expires_at=expires_at, issued_at=sent_at, refresh_token=refresh)

    def _where(self) -> str:
        url = httpx.URL(self.credentials.token_url)
        return f"{url.host}{url.path}"


def _oauth_error(credentials: Credentials, response: httpx.Response) -> tuple[str | None, str | None]:
    try:
        _parse(credentials, response)
    except OAuth2Error as exc:
        return (str(exc.error) if exc.error else None), (str(exc.description) if exc.description else None)
    except (ValueError, httpx.HTTPStatusError):
        return None, None
    return None, None


def _describe(response: httpx.Response) -> str:
    content_type = response.headers.get("content-type", "no content type")
    return f"{content_type}, {len(response.content)} bytes"
