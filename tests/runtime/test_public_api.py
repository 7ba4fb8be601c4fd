"""The runtime's public names are a contract (../shared/DESIGN.md): adding is fine, removing is not."""

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
