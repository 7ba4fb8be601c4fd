"""plantpredict_auth: the runtime that makes the generated PlantPredict client safe under load.

- ``connect(credentials, ...)``: the generated ``plantpredict_client.Client``, wired with Bearer
  tokens (``TokenManager`` + ``BearerAuth``), a concurrency limit, retries (``RetryPolicy``) and
  typed errors (``PlantPredictError`` and its subclasses); as a ``ConnectedClient`` it also has
  ``stats``, ``with_options(retry=..., timeout=...)`` and ``predictions.run_and_wait(...)``
  (``connect_sync()``: a ``ConnectedSyncClient``, a ``plantpredict_client.SyncClient``).
- ``PasswordCredentials`` (Okta password grant) / ``ClientCredentials`` (Cognito client
  credentials), or ``credentials_from_env()``.
- ``MemoryTokenStore`` (default) / ``RedisTokenStore`` (one token for many processes).
- ``wait_for_prediction``: poll a run to its end with backoff and a deadline.
- ``set_testing(True)``: waits (backoff, cool-downs, rate limits) become virtual time.
"""

from ._bearer import BearerAuth
from ._client import ClientStats, PlantPredictAsyncClient, PlantPredictClient, PlantPredictWarning, RateLimitGate
from ._connect import DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT, connect, connect_sync, resolve_base_url
from ._credentials import (
    COGNITO_TOKEN_URL,
    OKTA_TOKEN_URL,
    ClientCredentials,
    Credentials,
    PasswordCredentials,
    credentials_from_env,
)
from ._errors import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PlantPredictError,
    PredictionRunError,
    RateLimitError,
    ServerError,
    TokenEndpointError,
    TokenStoreError,
)
from ._predictions import FINISHED, run_and_wait, status_of, wait_for_prediction
from ._resources import ConnectedClient, ConnectedPredictions, ConnectedSyncClient, ConnectedSyncPredictions
from ._retry import RetryPolicy
from ._stores import MemoryTokenStore, RedisTokenStore, TokenStore
from ._time import is_testing, set_testing
from ._token_flow import Token, TokenSettings
from ._token_manager import TokenManager, TokenStats

__all__ = [
    "COGNITO_TOKEN_URL",
    "DEFAULT_MAX_CONCURRENCY",
    "DEFAULT_TIMEOUT",
    "FINISHED",
    "OKTA_TOKEN_URL",
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "BearerAuth",
    "ClientCredentials",
    "ClientStats",
    "ConfigurationError",
    "ConflictError",
    "ConnectedClient",
    "ConnectedPredictions",
    "ConnectedSyncClient",
    "ConnectedSyncPredictions",
    "Credentials",
    "MemoryTokenStore",
    "NotFoundError",
    "OutcomeUnknownError",
    "PasswordCredentials",
    "PermissionDeniedError",
    "PlantPredictAsyncClient",
    "PlantPredictClient",
    "PlantPredictError",
    "PlantPredictWarning",
    "PredictionRunError",
    "RateLimitError",
    "RateLimitGate",
    "RedisTokenStore",
    "RetryPolicy",
    "ServerError",
    "Token",
    "TokenEndpointError",
    "TokenManager",
    "TokenSettings",
    "TokenStats",
    "TokenStore",
    "TokenStoreError",
    "connect",
    "connect_sync",
    "credentials_from_env",
    "is_testing",
    "resolve_base_url",
    "run_and_wait",
    "set_testing",
    "status_of",
    "wait_for_prediction",
]
