"""Every error the runtime raises, translated once at the boundary and raised ``from`` its cause.

::

    PlantPredictError
    ├── ConfigurationError            bad settings: missing credentials, an http:// token URL
    ├── AuthenticationError           credentials refused: never retried (.error, .description)
    ├── TokenEndpointError            the token server kept failing (5xx, timeouts, rate limit) past the retries
    ├── TokenStoreError               the shared token store (Redis) could not be used
    ├── APIError                      a request to the API failed (.request_method, .request_path)
    │   ├── APIStatusError            the API answered 4xx/5xx (.status_code, .body, .headers)
    │   │   ├── BadRequestError       400 (.model_state from {message, modelState} or ProblemDetails)
    │   │   ├── UnauthorizedError     401, also after a fresh token: also an AuthenticationError
    │   │   ├── PermissionDeniedError 403
    │   │   ├── NotFoundError         404
    │   │   ├── ConflictError         409
    │   │   ├── RateLimitError        429 after the retries
    │   │   └── ServerError           5xx
    │   ├── APIResponseError          the answer is unusable: HTML or truncated JSON, a body of the wrong
    │   │                             shape, an undocumented status (a redirect to a sign-in page)
    │   ├── APIConnectionError        the request did not complete (refused, reset, timed out)
    │   │   ├── APITimeoutError       ... because a timeout ran out (connect, read, write, pool)
    │   │   └── OutcomeUnknownError   a POST was sent and its answer lost: it may have taken effect
    │   └── RetryBudgetExceededError  the retries would outlast the request's total time budget
    └── PredictionRunError            a prediction run did not succeed (.project_id, .prediction_id,
        │                             .processing_status)
        ├── PredictionFailedError     it ended in Error (4) or Cancelled (5)
        └── PredictionTimeoutError    it was still queued or running at the deadline

What to catch: ``APIError`` for anything that went wrong with one API request (its method and path
say which); ``APIStatusError`` when the API answered but refused; ``OutcomeUnknownError`` around a
create, before creating again (look it up first: PlantPredict has no idempotency key);
``AuthenticationError`` for refused credentials, from the token server or the API alike;
``PlantPredictError`` for everything this package raises. A POST whose answer timed out is both an
``OutcomeUnknownError`` and an ``APITimeoutError``.

Messages name the request (``GET /Project/12``) and never carry a token, a password or a secret.
Where an httpx exception is the cause, the chained cause is a copy without its request, so a token
or a password in that request does not travel with the error into logs or error trackers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

BODY_EXCERPT = 500


class PlantPredictError(Exception):
    """Root of every error raised by plantpredict_auth."""


class ConfigurationError(PlantPredictError, ValueError):
    """Settings that cannot work (missing credentials, a token URL that is not https)."""


class AuthenticationError(PlantPredictError):
    """The credentials were refused: by the token server (``.error`` is its OAuth error code), or by
    the API even with a fresh token (then it is also an ``UnauthorizedError``).

    Never retried automatically: retrying refused credentials risks locking the account.
    """

    def __init__(self, message: str, *, error: str | None = None, description: str | None = None) -> None:
        super().__init__(message)
        self.error = error
        self.description = description


class TokenEndpointError(PlantPredictError):
    """The token server could not give a token after the bounded retries (down, slow, rate limited)."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class TokenStoreError(PlantPredictError):
    """The shared token store could not be read, written or locked (Redis down or unreachable)."""


class APIError(PlantPredictError):
    """One request to the API failed; ``request_method`` and ``request_path`` say which."""

    def __init__(self, message: str, *, request_method: str, request_path: str) -> None:
        super().__init__(message)
        self.request_method = request_method
        self.request_path = request_path


class APIStatusError(APIError):
    """The API answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: str,
        request_method: str,
        request_path: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, request_method=request_method, request_path=request_path)
        self.status_code = status_code
        self.body = body[:BODY_EXCERPT]
        self.headers = dict(headers or {})


class BadRequestError(APIStatusError):
    """400: the API refused the request as invalid; ``model_state`` maps fields to messages."""

    def __init__(
        self, message: str, *, model_state: Mapping[str, Sequence[str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]  # forwarded keyword arguments of APIStatusError
        self.model_state: dict[str, list[str]] = {k: list(v) for k, v in (model_state or {}).items()}


class UnauthorizedError(APIStatusError, AuthenticationError):
    """401 from the API that a fresh token did not cure (or one with a body, which a token cannot
    cure): the token server accepts the credentials, the API does not (a wrong deployment or base
    URL, a revoked client). An ``AuthenticationError`` too."""

    def __init__(self, message: str, **kwargs: object) -> None:
        APIStatusError.__init__(self, message, **kwargs)  # type: ignore[arg-type]  # APIStatusError's keywords
        self.error = None
        self.description = None


class PermissionDeniedError(APIStatusError):
    """403: the credentials lack the scope or role for this request."""


class NotFoundError(APIStatusError):
    """404: no such project, prediction, module, ... (or not visible to these credentials)."""


class ConflictError(APIStatusError):
    """409."""


class RateLimitError(APIStatusError):
    """429 that outlasted the retry policy."""


class ServerError(APIStatusError):
    """5xx. For a POST it is never retried: the create may have happened; check before creating again."""


class APIResponseError(APIError):
    """An answer the client cannot use (an HTML page, truncated JSON, a body of the wrong shape)."""

    def __init__(self, message: str, *, status_code: int, body: str, request_method: str, request_path: str) -> None:
        super().__init__(message, request_method=request_method, request_path=request_path)
        self.status_code = status_code
        self.body = body[:BODY_EXCERPT]


class APIConnectionError(APIError):
    """The request did not complete: connection refused, reset, or timed out."""


class APITimeoutError(APIConnectionError):
    """A timeout ran out: connecting, waiting for a free connection, sending the body or waiting for
    the answer (``connect(timeout=...)`` sets them)."""


class OutcomeUnknownError(APIConnectionError):
    """A POST was sent but its answer was lost (read timeout, dropped connection).

    The object may or may not exist now: PlantPredict has no idempotency key, so look it up (for
    example by name) before creating it again.
    """


class OutcomeUnknownTimeoutError(OutcomeUnknownError, APITimeoutError):
    """A POST's answer did not come within the read timeout: an unknown outcome, and a timeout."""


class RetryBudgetExceededError(APIError):
    """The next retry would end after the request's total time budget (``RetryPolicy.total_timeout``,
    ``.budget`` seconds); the last failure is the ``__cause__``."""

    def __init__(self, message: str, *, budget: float, attempts: int, request_method: str, request_path: str) -> None:
        super().__init__(message, request_method=request_method, request_path=request_path)
        self.budget = budget
        self.attempts = attempts


class PredictionRunError(PlantPredictError):
    """A prediction run did not succeed: it failed, was cancelled, or outlived its deadline."""

    def __init__(self, message: str, *, project_id: int, prediction_id: int, processing_status: int | None) -> None:
        super().__init__(message)
        self.project_id = project_id
        self.prediction_id = prediction_id
        self.processing_status = processing_status


class PredictionFailedError(PredictionRunError):
    """The run ended in Error (4) or Cancelled (5)."""


class PredictionTimeoutError(PredictionRunError):
    """The run had not ended (queued or running) when the deadline passed; it may still finish."""
