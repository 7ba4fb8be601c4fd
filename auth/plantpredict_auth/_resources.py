"""What ``connect()`` and ``connect_sync()`` yield: the generated ``Client`` and ``SyncClient``, with
the runtime's helpers where users look for them.

The generated package never imports this runtime (the runtime imports it), so the helpers are added
here, by subclassing: ``ConnectedClient`` is a ``plantpredict_client.Client`` (async resources:
``await client.projects.get(project_id)``), ``ConnectedSyncClient`` a ``plantpredict_client.SyncClient``
(plain methods). Both add:

- ``client.stats``: what the retry and concurrency boundary did (``ClientStats``);
- ``client.with_options(retry=..., timeout=...)``: a view of the client with its own retry policy
  and timeout, on the same connections, token, concurrency limit, 429 cool-down and statistics
  (``client.with_options(timeout=5).projects.get(1)`` for one call);
- ``client.predictions.run_and_wait(project_id, prediction_id)`` and ``.wait(...)``: start a run and
  wait for its end, polling with backoff under a deadline (``_predictions.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

import httpx
from attrs import define, evolve, field

from plantpredict_client import Client, SyncClient
from plantpredict_client.api.predictions import AsyncPredictions, SyncPredictions, get_prediction, run_prediction
from plantpredict_client.models import ExportOptions, Prediction, ProcessingStatusEnum
from plantpredict_client.types import UNSET

from . import _predictions, _time
from ._client import PlantPredictAsyncClient, PlantPredictClient
from ._decisions import ClientStats
from ._errors import ConfigurationError, PredictionRunError
from ._retry import RetryPolicy

__all__ = ["ConnectedClient", "ConnectedPredictions", "ConnectedSyncClient", "ConnectedSyncPredictions"]

Timeout = httpx.Timeout | float | None


def _status_name(status: ProcessingStatusEnum | None) -> str:
    return "unknown" if status is None else status.name.lower()


def _timeout(value: Timeout) -> httpx.Timeout | None:
    return value if isinstance(value, httpx.Timeout) or value is None else httpx.Timeout(value)


class ConnectedPredictions(AsyncPredictions):
    """``client.predictions`` of a ``ConnectedClient``: the generated methods, plus waiting for runs."""

    def __init__(self, client: ConnectedClient) -> None:
        super().__init__(client)
        self._connected = client

    async def wait(
        self,
        project_id: int,
        prediction_id: int,
        *,
        deadline: float = 3600.0,
        poll_initial: float = 2.0,
        poll_max: float = 30.0,
        backoff: float = 1.5,
        on_poll: Callable[[Prediction], None] | None = None,
    ) -> Prediction:
        """Poll the prediction until its run ends (Success, Error or Cancelled) and return it;
        ``PredictionRunError`` if it has not ended ``deadline`` seconds after the call. See
        ``plantpredict_auth.wait_for_prediction``."""
        return await _predictions.wait_for_prediction(
            self._connected,
            project_id,
            prediction_id,
            deadline=deadline,
            poll_initial=poll_initial,
            poll_max=poll_max,
            backoff=backoff,
            on_poll=on_poll,
        )

    async def run_and_wait(
        self,
        project_id: int,
        prediction_id: int,
        *,
        export_options: ExportOptions | None = None,
        raise_on_failure: bool = True,
        deadline: float = 3600.0,
        poll_initial: float = 2.0,
        poll_max: float = 30.0,
        on_poll: Callable[[Prediction], None] | None = None,
    ) -> Prediction:
        """Start the run and wait for its end; with ``raise_on_failure``, Error or Cancelled raise
        ``PredictionRunError`` (carrying the status). See ``plantpredict_auth.run_and_wait``."""
        return await _predictions.run_and_wait(
            self._connected,
            project_id,
            prediction_id,
            export_options=export_options,
            raise_on_failure=raise_on_failure,
            deadline=deadline,
            poll_initial=poll_initial,
            poll_max=poll_max,
            on_poll=on_poll,
        )


class ConnectedSyncPredictions(SyncPredictions):
    """``client.predictions`` of a ``ConnectedSyncClient``: the generated methods, plus waiting for
    runs (the same end states, backoff and deadline as the async ``wait`` and ``run_and_wait``)."""

    def __init__(self, client: ConnectedSyncClient) -> None:
        super().__init__(client)
        self._connected = client

    def wait(
        self,
        project_id: int,
        prediction_id: int,
        *,
        deadline: float = 3600.0,
        poll_initial: float = 2.0,
        poll_max: float = 30.0,
        backoff: float = 1.5,
        on_poll: Callable[[Prediction], None] | None = None,
    ) -> Prediction:
        """Poll the prediction until its run ends (Success, Error or Cancelled) and return it;
        ``PredictionRunError`` if it has not ended ``deadline`` seconds after the call."""
        started = _time.now()
        interval = poll_initial
        while True:
            prediction = get_prediction.sync(project_id, prediction_id, client=self._connected)
            if on_poll is not None:
                on_poll(prediction)
            status = _predictions.status_of(prediction)
            if status in _predictions.FINISHED:
                return prediction
            remaining = started + deadline - _time.now()
            if remaining <= 0:
                raise PredictionRunError(
                    f"prediction {prediction_id} of project {project_id} is still {_status_name(status)} "
                    f"after {deadline:.0f}s",
                    project_id=project_id,
                    prediction_id=prediction_id,
                    processing_status=None if status is None else int(status),
                )
            _time.sleep_sync(min(interval, remaining))
            interval = min(poll_max, interval * backoff)

    def run_and_wait(
        self,
        project_id: int,
        prediction_id: int,
        *,
        export_options: ExportOptions | None = None,
        raise_on_failure: bool = True,
        deadline: float = 3600.0,
        poll_initial: float = 2.0,
        poll_max: float = 30.0,
        on_poll: Callable[[Prediction], None] | None = None,
    ) -> Prediction:
        """Start the run and wait for its end; with ``raise_on_failure``, Error or Cancelled raise
        ``PredictionRunError`` (carrying the status)."""
        run_prediction.sync(project_id, prediction_id, client=self._connected, body=export_options or UNSET)
        prediction = self.wait(
            project_id, prediction_id, deadline=deadline, poll_initial=poll_initial, poll_max=poll_max, on_poll=on_poll
        )
        status = _predictions.status_of(prediction)
        if raise_on_failure and status is not ProcessingStatusEnum.SUCCESS:
            raise PredictionRunError(
                f"prediction {prediction_id} of project {project_id} ended {_status_name(status)}",
                project_id=project_id,
                prediction_id=prediction_id,
                processing_status=None if status is None else int(status),
            )
        return prediction


def _boundary(http: httpx.Client | httpx.AsyncClient) -> PlantPredictClient | PlantPredictAsyncClient:
    if not isinstance(http, PlantPredictClient | PlantPredictAsyncClient):
        raise ConfigurationError(
            "this client's httpx client was replaced by one without the runtime's boundary: "
            "stats and with_options need the one connect() made"
        )
    return http


@define
class ConnectedClient(Client):
    """The ``plantpredict_client.Client`` that ``connect()`` yields: the generated async resources
    (``await client.projects.get(project_id)``) and functions, and the runtime's helpers."""

    # False on a view (with_options): the connections belong to the client it was made from.
    _owns_http: bool = field(default=True, init=False)

    @property
    def stats(self) -> ClientStats:
        """What the retry and concurrency boundary did (shared by this client's views)."""
        return _boundary(self.get_async_httpx_client()).stats

    @property
    def predictions(self) -> ConnectedPredictions:
        """The Predictions operations as async methods, with ``wait`` and ``run_and_wait``."""
        return ConnectedPredictions(self)

    def with_options(self, *, retry: RetryPolicy | None = None, timeout: Timeout = None) -> Self:
        """This client with its own retry policy and/or timeout: same connections, token,
        concurrency limit, 429 cool-down and statistics. For one call:
        ``await client.with_options(timeout=5).projects.get(project_id)``."""
        http = _boundary(self.get_async_httpx_client())
        assert isinstance(http, PlantPredictAsyncClient)  # the async client of an async client
        view_http = http.view(retry=retry, timeout=_timeout(timeout))
        view = evolve(self, timeout=view_http.timeout)
        view._owns_http = False
        return view.set_async_httpx_client(view_http)

    async def __aenter__(self) -> Self:
        return await super().__aenter__() if self._owns_http else self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        if self._owns_http:
            await super().__aexit__(exc_type, exc_value, traceback)


@define
class ConnectedSyncClient(SyncClient):
    """The ``plantpredict_client.SyncClient`` that ``connect_sync()`` yields: the generated resources
    as plain methods (``client.projects.get(project_id)``), and the runtime's helpers."""

    _owns_http: bool = field(default=True, init=False)

    @property
    def stats(self) -> ClientStats:
        """What the retry and concurrency boundary did (shared by this client's views)."""
        return _boundary(self.get_httpx_client()).stats

    @property
    def predictions(self) -> ConnectedSyncPredictions:
        """The Predictions operations as plain methods, with ``wait`` and ``run_and_wait``."""
        return ConnectedSyncPredictions(self)

    def with_options(self, *, retry: RetryPolicy | None = None, timeout: Timeout = None) -> Self:
        """This client with its own retry policy and/or timeout (see ``ConnectedClient.with_options``)."""
        http = _boundary(self.get_httpx_client())
        assert isinstance(http, PlantPredictClient)  # the sync client of a sync client
        view_http = http.view(retry=retry, timeout=_timeout(timeout))
        view = evolve(self, timeout=view_http.timeout)
        view._owns_http = False
        return view.set_httpx_client(view_http)

    def __enter__(self) -> Self:
        return super().__enter__() if self._owns_http else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        if self._owns_http:
            super().__exit__(exc_type, exc_value, traceback)
