"""The runtime's public names are a contract (docs/runtime.md, "Public names"): adding is fine, removing is not."""

from __future__ import annotations

import plantpredict_auth

CONTRACT = {
    "PasswordCredentials",
    "ClientCredentials",
    "credentials_from_env",
    "TokenManager",
    "BearerAuth",
    "connect",
    "RetryPolicy",
    "PlantPredictError",
    "AuthenticationError",
    "APIStatusError",
    "BadRequestError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "APIConnectionError",
    "OutcomeUnknownError",
    "MemoryTokenStore",
    "RedisTokenStore",
}

EXPORTED = {
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
}


def test_the_design_contract_is_exported() -> None:
    assert set(plantpredict_auth.__all__) >= CONTRACT


def test_exported_names_are_pinned() -> None:
    # A change here is a change to the public API: update this list deliberately.
    assert set(plantpredict_auth.__all__) == EXPORTED
    for name in plantpredict_auth.__all__:
        assert hasattr(plantpredict_auth, name)


def test_the_exception_tree_has_one_root() -> None:
    errors = [
        getattr(plantpredict_auth, name)
        for name in plantpredict_auth.__all__
        if isinstance(getattr(plantpredict_auth, name), type) and name.endswith("Error")
    ]
    assert all(issubclass(e, plantpredict_auth.PlantPredictError) for e in errors)
    assert issubclass(plantpredict_auth.OutcomeUnknownError, plantpredict_auth.APIConnectionError)
    for status_error in ("BadRequestError", "NotFoundError", "RateLimitError", "ServerError"):
        assert issubclass(getattr(plantpredict_auth, status_error), plantpredict_auth.APIStatusError)


def test_every_failed_api_request_carries_its_method_and_path() -> None:
    pp = plantpredict_auth
    for name in ("APIStatusError", "APIResponseError", "APIConnectionError", "RetryBudgetExceededError"):
        assert issubclass(getattr(pp, name), pp.APIError)
    error = pp.NotFoundError(
        "GET /Project/9 -> 404", status_code=404, body="", request_method="GET", request_path="/Project/9"
    )
    assert (error.request_method, error.request_path) == ("GET", "/Project/9")


def test_an_api_401_is_a_status_error_and_an_authentication_error() -> None:
    pp = plantpredict_auth
    assert issubclass(pp.UnauthorizedError, pp.APIStatusError)
    assert issubclass(pp.UnauthorizedError, pp.AuthenticationError)


def test_timeouts_and_run_outcomes_have_their_own_types() -> None:
    pp = plantpredict_auth
    assert issubclass(pp.APITimeoutError, pp.APIConnectionError)
    assert issubclass(pp.PredictionFailedError, pp.PredictionRunError)
    assert issubclass(pp.PredictionTimeoutError, pp.PredictionRunError)
    assert not issubclass(pp.PredictionTimeoutError, pp.PredictionFailedError)
