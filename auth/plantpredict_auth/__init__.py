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
- ``BatchRunner`` / ``BatchJob``: a sweep of predictions journaled step by step (``SqliteJournal``,
  ``RedisJournal``) that resumes after a crash, never creates twice, and splits across workers.
- ``RedisCooldownStore`` + ``share_cooldown()``: one 429 cool-down for many processes.
- ``set_testing(True)``: waits (backoff, cool-downs, rate limits) become virtual time.
"""

from ._batch import BatchProgress, BatchReport, BatchRunner, progress_of
from ._batch_records import JobRecord, JobState, Journal, JournalError, LeaseLostError
from ._batch_redis import RedisJournal
from ._batch_sqlite import SqliteJournal
from ._batch_steps import BatchJob
from ._bearer import BearerAuth
from ._client import PlantPredictAsyncClient, PlantPredictClient
from ._connect import DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT, connect, connect_sync, resolve_base_url
from ._cooldown import Cooldown, CooldownStore, CooldownStoreError, RedisCooldownStore, share_cooldown
from ._credentials import (
    COGNITO_TOKEN_URL,
    OKTA_TOKEN_URL,
    ClientCredentials,
    Credentials,
    PasswordCredentials,
    credentials_from_env,
)
from ._decisions import ClientStats, PlantPredictWarning
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PlantPredictError,
    PredictionFailedError,
    PredictionRunError,
    PredictionTimeoutError,
    RateLimitError,
    RetryBudgetExceededError,
    ServerError,
    TokenEndpointError,
    TokenStoreError,
    UnauthorizedError,
)
from ._gate import RateLimitGate
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
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchJob",
    "BatchProgress",
    "BatchReport",
    "BatchRunner",
    "BearerAuth",
    "ClientCredentials",
    "ClientStats",
    "ConfigurationError",
    "ConflictError",
    "ConnectedClient",
    "ConnectedPredictions",
    "ConnectedSyncClient",
    "ConnectedSyncPredictions",
    "Cooldown",
    "CooldownStore",
    "CooldownStoreError",
    "Credentials",
    "JobRecord",
    "JobState",
    "Journal",
    "JournalError",
    "LeaseLostError",
    "MemoryTokenStore",
    "NotFoundError",
    "OutcomeUnknownError",
    "PasswordCredentials",
    "PermissionDeniedError",
    "PlantPredictAsyncClient",
    "PlantPredictClient",
    "PlantPredictError",
    "PlantPredictWarning",
    "PredictionFailedError",
    "PredictionRunError",
    "PredictionTimeoutError",
    "RateLimitError",
    "RateLimitGate",
    "RedisCooldownStore",
    "RedisJournal",
    "RedisTokenStore",
    "RetryBudgetExceededError",
    "RetryPolicy",
    "ServerError",
    "SqliteJournal",
    "Token",
    "TokenEndpointError",
    "TokenManager",
    "TokenSettings",
    "TokenStats",
    "TokenStore",
    "TokenStoreError",
    "UnauthorizedError",
    "connect",
    "connect_sync",
    "credentials_from_env",
    "is_testing",
    "progress_of",
    "resolve_base_url",
    "run_and_wait",
    "set_testing",
    "share_cooldown",
    "status_of",
    "wait_for_prediction",
]
