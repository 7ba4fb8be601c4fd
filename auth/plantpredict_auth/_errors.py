"""Every error the runtime raises, translated once at the boundary and raised ``from`` its cause.

::

    PlantPredictError
    ├── ConfigurationError          bad settings: missing credentials, an http:// token URL
    ├── AuthenticationError         credentials rejected (never retried), or a request refused twice
    ├── TokenEndpointError          the token server kept failing (5xx, timeouts, rate limit) past the retries
    ├── TokenStoreError             the shared token store (Redis) could not be used
    ├── APIStatusError              the API answered 4xx/5xx (.status_code, .body, .request_method, .request_path)
    │   ├── BadRequestError         400 (.model_state from {message, modelState} or ProblemDetails)
    │   ├── PermissionDeniedError   403
    │   ├── NotFoundError           404
    │   ├── ConflictError           409
    │   ├── RateLimitError          429 after the retries
    │   └── ServerError             5xx
    ├── APIResponseError            the answer is unusable: HTML or truncated JSON, a body of the wrong
    │                               shape, an undocumented status (a redirect to a sign-in page)
    ├── APIConnectionError          the request could not be completed (connect error, timeout)
    │   └── OutcomeUnknownError     a create (POST) that may or may not have happened
    └── PredictionRunError          a prediction run ended in Error (4) or Cancelled (5), or ran past its deadline

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
    """The token server rejected the credentials, or the API refused a request twice with 401.

    Never retried automatically: retrying rejected credentials risks locking the account.
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


class APIStatusError(PlantPredictError):
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
        super().__init__(message)
        self.status_code = status_code
        self.body = body[:BODY_EXCERPT]
        self.request_method = request_method
        self.request_path = request_path
        self.headers = dict(headers or {})


class BadRequestError(APIStatusError):
    """400: the API refused the request as invalid; ``model_state`` maps fields to messages."""

    def __init__(
        self, message: str, *, model_state: Mapping[str, Sequence[str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]  # forwarded keyword arguments of APIStatusError
        self.model_state: dict[str, list[str]] = {k: list(v) for k, v in (model_state or {}).items()}


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


class APIResponseError(PlantPredictError):
    """A success status whose body is not what the client expected (an HTML page, truncated JSON)."""

    def __init__(self, message: str, *, status_code: int, body: str, request_method: str, request_path: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body[:BODY_EXCERPT]
        self.request_method = request_method
        self.request_path = request_path


class APIConnectionError(PlantPredictError):
    """The request did not complete: connection refused, reset, or timed out."""

    def __init__(self, message: str, *, request_method: str, request_path: str) -> None:
        super().__init__(message)
        self.request_method = request_method
        self.request_path = request_path


class OutcomeUnknownError(APIConnectionError):
    """A POST was sent but its answer was lost (read timeout, dropped connection).

    The object may or may not exist now: PlantPredict has no idempotency key, so look it up (for
    example by name) before creating it again.
    """


class PredictionRunError(PlantPredictError):
    """A prediction run ended in Error or Cancelled, or did not finish before its deadline."""

    def __init__(self, message: str, *, project_id: int, prediction_id: int, processing_status: int | None) -> None:
        super().__init__(message)
        self.project_id = project_id
        self.prediction_id = prediction_id
        self.processing_status = processing_status
