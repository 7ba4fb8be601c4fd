"""The two token servers and the access-token check every API call makes.

Okta-style (`/oauth2/v1/token`, also `/oauth2/{authServerId}/v1/token` like the real URL): password and
refresh grants, refresh-token rotation with reuse detection (presenting a rotated token revokes its
whole family: refresh and access tokens), a per-username rate limit on /token answering 429 with
`X-Rate-Limit-*` headers. Cognito-style (`/oauth2/token`): client credentials only, no refresh token;
client id and secret by HTTP Basic, in the form, or (as the official SDK sends them) in the query string.

Access tokens are HS256 JWTs signed with a key made per app. Expiry and revocation are decided from the
simulator's own records (so an injected clock and "expire all now" work), and a token string's
verification is cached, so the signature is checked once per token rather than once per request.
"""

from __future__ import annotations

import base64
import binascii
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from starlette.requests import Request
from starlette.responses import Response

from plantpredict_simulator._config import SimulatorConfig
from plantpredict_simulator._counters import Counters
from plantpredict_simulator._http import json_response, text_response

OKTA_SCOPES = frozenset({"openid", "offline_access", "profile", "email"})
COGNITO_SCOPES = frozenset({"transactions/get", "transactions/post"})
ISSUER = "http://127.0.0.1/oauth2/simulator"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_VERIFIED_CACHE_LIMIT = 50_000


@dataclass
class AccessRecord:
    token: str
    subject: str
    client_id: str
    scope: str
    sequence: int
    expires: float
    family: str | None


@dataclass
class RefreshRecord:
    token: str
    family: str
    username: str
    client_id: str
    scope: str
    state: str = "active"  # active | rotated | revoked
    rotated_at: float | None = None


@dataclass
class Family:
    username: str
    revoked: bool = False
    refresh_tokens: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Principal:
    subject: str
    client_id: str
    scope: str


class TokenError(Exception):
    """An RFC 6749 error answer (or a 429/503 from the endpoint's fault switch)."""

    def __init__(self, outcome: str, status: int, description: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(description)
        self.outcome = outcome
        self.status = status
        self.description = description
        self.headers = dict(headers or {})

    def response(self) -> Response:
        if self.outcome == "unavailable":
            return text_response("Service Unavailable", 503)
        if self.outcome == "rate_limited":
            body = {
                "errorCode": "E0000047",
                "errorSummary": "API call exceeded rate limit due to too many requests.",
                "errorLink": "E0000047",
                "errorId": secrets.token_hex(8),
                "errorCauses": [],
            }
            return json_response(body, 429, {**_NO_STORE, **self.headers})
        body = {"error": self.outcome, "error_description": self.description}
        headers = {**_NO_STORE, **self.headers}
        if self.outcome == "invalid_client":
            headers["WWW-Authenticate"] = 'Basic realm="simulator"'
        return json_response(body, self.status, headers)


class TokenAuthority:
    def __init__(self, config: SimulatorConfig, counters: Counters) -> None:
        self._config = config
        self._counters = counters
        self._key = OctKey.generate_key(256)
        self._sequence = 0
        self._valid_from_sequence = 0  # "expire all now" raises this floor
        self._access: dict[str, AccessRecord] = {}  # by jti
        self._verified: dict[str, AccessRecord | None] = {}  # by token string
        self._refresh: dict[str, RefreshRecord] = {}
        self._families: dict[str, Family] = {}
        self._rate_windows: dict[str, tuple[int, int]] = {}  # username -> (window second, count)

    # -- access tokens -----------------------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> Principal | None:
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        record = self._verified.get(token)
        if record is None and token not in self._verified:
            record = self._verify(token)
            if len(self._verified) >= _VERIFIED_CACHE_LIMIT:
                self._verified.clear()
            self._verified[token] = record
        if record is None or record.sequence < self._valid_from_sequence:
            return None
        if record.family is not None and self._families[record.family].revoked:
            return None
        if self._config.clock() >= record.expires:
            return None
        return Principal(record.subject, record.client_id, record.scope)

    def _verify(self, token: str) -> AccessRecord | None:
        try:
            claims = jwt.decode(token, self._key, algorithms=["HS256"]).claims
        except (JoseError, ValueError):
            return None
        record = self._access.get(str(claims.get("jti")))
        return record if record is not None and record.token == token else None

    def _issue_access(self, subject: str, client_id: str, scope: str, family: str | None) -> tuple[str, float]:
        now = self._config.clock()
        lifetime = self._config.token_lifetime
        self._sequence += 1
        jti = f"AT.{self._sequence}.{secrets.token_urlsafe(8)}"
        claims: dict[str, Any] = {
            "ver": 1,
            "jti": jti,
            "iss": ISSUER,
            "aud": "api://plantpredict",
            "iat": math.floor(now),
            "exp": math.ceil(now + lifetime),
            "cid": client_id,
            "sub": subject,
            "scp": scope.split(),
        }
        token = jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, self._key)
        self._access[jti] = AccessRecord(token, subject, client_id, scope, self._sequence, now + lifetime, family)
        return token, lifetime

    def expire_all(self) -> int:
        """Every access token issued so far stops working; returns how many there were."""
        self._valid_from_sequence = self._sequence + 1
        return len(self._access)

    def revoke_refresh_all(self) -> int:
        for record in self._refresh.values():
            record.state = "revoked"
        return len(self._refresh)

    def issued_access_tokens(self) -> list[str]:
        return [record.token for record in self._access.values()]

    def issued_refresh_tokens(self) -> list[str]:
        return list(self._refresh)

    # -- rate limit ----------------------------------------------------------------------------------------

    def _rate_limit(self, username: str) -> dict[str, str]:
        """Count one password/refresh request for the user; raise 429 past the per-second limit."""
        now = self._config.clock()
        window = math.floor(now)
        start, count = self._rate_windows.get(username.lower(), (window, 0))
        if start != window:
            start, count = window, 0
        limit = self._config.token_rate_limit
        headers = {"X-Rate-Limit-Limit": str(limit), "X-Rate-Limit-Reset": str(window + 1)}
        if count >= limit:
            raise TokenError("rate_limited", 429, "rate limited", {**headers, "X-Rate-Limit-Remaining": "0"})
        self._rate_windows[username.lower()] = (start, count + 1)
        return {**headers, "X-Rate-Limit-Remaining": str(limit - count - 1)}

    def _endpoint_fault(self) -> None:
        now = self._config.clock()
        mode = self._config.faults.token_mode(now)
        if mode == "down":
            raise TokenError("unavailable", 503, "down")
        if mode == "rate_limited":
            until = self._config.faults.token_endpoint_until
            reset = math.ceil(until) if until is not None else math.floor(now) + 1
            headers = {
                "X-Rate-Limit-Limit": str(self._config.token_rate_limit),
                "X-Rate-Limit-Remaining": "0",
                "X-Rate-Limit-Reset": str(reset),
            }
            raise TokenError("rate_limited", 429, "rate limited", headers)

    # -- endpoints ---------------------------------------------------------------------------------------

    async def okta(self, request: Request) -> Response:
        params = dict((await request.form()).multi_items())
        grant = str(params.get("grant_type") or "")
        try:
            self._endpoint_fault()
            if not grant:
                raise TokenError("invalid_request", 400, "The 'grant_type' parameter is required.")
            client_id = self._client(request, params)
            if grant == "password":
                body, headers = self._password(params, client_id)
            elif grant == "refresh_token":
                body, headers = self._refresh_grant(params, client_id)
            else:
                raise TokenError(
                    "unsupported_grant_type", 400, "The authorization grant type is not supported by the server."
                )
        except TokenError as exc:
            self._counters.token_request(grant, exc.outcome)
            return exc.response()
        self._counters.token_request(grant, "ok")
        return json_response(body, 200, {**_NO_STORE, **headers})

    async def cognito(self, request: Request) -> Response:
        # The official SDK posts an empty form and puts everything in the query string.
        params: dict[str, Any] = dict(request.query_params.multi_items())
        params.update((await request.form()).multi_items())
        grant = str(params.get("grant_type") or "")
        try:
            self._endpoint_fault()
            if not grant:
                raise TokenError("invalid_request", 400, "grant_type is required")
            client_id = self._client(request, params)
            if grant != "client_credentials":
                raise TokenError("unsupported_grant_type", 400, "unsupported_grant_type")
            scope = _scope(params.get("scope"), COGNITO_SCOPES, default=" ".join(sorted(COGNITO_SCOPES)))
            token, lifetime = self._issue_access(client_id, client_id, scope, None)
        except TokenError as exc:
            self._counters.token_request(grant, exc.outcome)
            return exc.response()
        self._counters.token_request(grant, "ok")
        body = {"access_token": token, "expires_in": _seconds(lifetime), "token_type": "Bearer"}
        return json_response(body, 200, _NO_STORE)

    def _client(self, request: Request, params: Mapping[str, Any]) -> str:
        client_id = params.get("client_id")
        client_secret = params.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise TokenError("invalid_client", 401, "Client authentication failed.") from None
            client_id, _, client_secret = decoded.partition(":")
        expected_id, expected_secret = self._config.client_id, self._config.client_secret
        if not client_id or not client_secret:
            raise TokenError("invalid_client", 401, "Client authentication failed.")
        id_ok = secrets.compare_digest(str(client_id).encode(), expected_id.encode())
        secret_ok = secrets.compare_digest(str(client_secret).encode(), expected_secret.encode())
        if not (id_ok and secret_ok):
            raise TokenError("invalid_client", 401, "Invalid value for 'client_id' or 'client_secret' parameter.")
        return str(client_id)

    def _password(self, params: Mapping[str, Any], client_id: str) -> tuple[dict[str, Any], dict[str, str]]:
        username, password = params.get("username"), params.get("password")
        if not username or not password:
            raise TokenError("invalid_request", 400, "The 'username' and 'password' parameters are required.")
        headers = self._rate_limit(str(username))
        scope = _scope(params.get("scope"), OKTA_SCOPES, default=None, headers=headers)
        user_ok = secrets.compare_digest(str(username).lower().encode(), self._config.username.lower().encode())
        password_ok = secrets.compare_digest(str(password).encode(), self._config.password.encode())
        if not (user_ok and password_ok):
            raise TokenError("invalid_grant", 400, "The credentials provided were invalid.", headers)
        family_id = secrets.token_urlsafe(12)
        self._families[family_id] = Family(username=self._config.username)
        return self._grant(self._config.username, client_id, scope, family_id), headers

    def _refresh_grant(self, params: Mapping[str, Any], client_id: str) -> tuple[dict[str, Any], dict[str, str]]:
        presented = params.get("refresh_token")
        if not presented:
            raise TokenError("invalid_request", 400, "The 'refresh_token' parameter is required.")
        record = self._refresh.get(str(presented))
        if record is None:
            raise TokenError("invalid_grant", 400, "The refresh token is invalid or expired.")
        headers = self._rate_limit(record.username)
        family = self._families[record.family]
        if record.client_id != client_id or record.state == "revoked" or family.revoked:
            raise TokenError("invalid_grant", 400, "The refresh token is invalid or expired.", headers)
        now = self._config.clock()
        if record.state == "rotated":
            rotated_at = record.rotated_at if record.rotated_at is not None else now
            grace = self._config.refresh_reuse_grace
            if grace <= 0 or now - rotated_at > grace:
                # Reuse of a rotated token: assume it was stolen and end the whole family.
                family.revoked = True
                for token in family.refresh_tokens:
                    self._refresh[token].state = "revoked"
                raise TokenError("invalid_grant", 400, "The refresh token is invalid or expired.", headers)
        scope = record.scope
        if params.get("scope"):
            requested = set(str(params["scope"]).split())
            if not requested <= set(record.scope.split()):
                raise TokenError("invalid_scope", 400, "The requested scope is not allowed.", headers)
        if record.state == "active":
            record.state, record.rotated_at = "rotated", now
        return self._grant(record.username, client_id, scope, record.family), headers

    def _grant(self, username: str, client_id: str, scope: str, family_id: str) -> dict[str, Any]:
        token, lifetime = self._issue_access(username, client_id, scope, family_id)
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": _seconds(lifetime),
            "access_token": token,
            "scope": scope,
        }
        if "offline_access" in scope.split():
            refresh = secrets.token_urlsafe(32)
            self._refresh[refresh] = RefreshRecord(refresh, family_id, username, client_id, scope)
            self._families[family_id].refresh_tokens.append(refresh)
            body["refresh_token"] = refresh
        return body


def _scope(raw: Any, allowed: frozenset[str], *, default: str | None, headers: Mapping[str, str] | None = None) -> str:
    requested = str(raw or "").split()
    if not requested:
        if default is None:
            raise TokenError("invalid_scope", 400, "The 'scope' parameter is required.", headers)
        return default
    unknown = [s for s in requested if s not in allowed]
    if unknown:
        raise TokenError("invalid_scope", 400, f"The following scopes are not allowed: {' '.join(unknown)}", headers)
    return " ".join(requested)


def _seconds(lifetime: float) -> int | float:
    return int(lifetime) if float(lifetime).is_integer() else lifetime
