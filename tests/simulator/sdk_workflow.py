"""Drives the official SDK (plantpredict 1.0.24) against a running simulator; run as a subprocess.

    python tests/simulator/sdk_workflow.py BASE_URL WEATHER_ID MODULE_ID INVERTER_ID

Prints one JSON object: the steps completed in order, and what the last step answered. Run by
test_official_sdk.py with a timeout, because the SDK's run() busy-waits without one. The workflow
itself is the benchmark's (``bench._sdk.sdk_workflow``): one description of what an SDK user writes.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: the repository's packages

from bench._sdk import official_sdk, sdk_workflow  # after the path is set


def main() -> int:
    base_url, weather_id, module_id, inverter_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    steps: list[str] = []
    facts: dict[str, Any] = {}
    noise = io.StringIO()
    try:
        with contextlib.redirect_stdout(noise):
            sdk_workflow(official_sdk(base_url), module_id, inverter_id, weather_id, steps=steps, facts=facts)
    except Exception as exc:  # the SDK raises anything; report it instead of a traceback
        facts["error"] = f"{type(exc).__name__}: {exc}"
    facts["sdk_output"] = noise.getvalue()[-2000:]
    print(json.dumps({"steps": steps, "facts": facts}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
