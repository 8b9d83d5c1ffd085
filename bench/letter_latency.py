"""Letter latency through the whole stack: `sceau run` on SQLite, the API driven over HTTP.

Times the letter update (POST /v1/missions/{id}/letter: render, convert, file in the GED)
and the preview, warm, and prints p50/p95 for each, with a JSON line last.

    .venv/bin/python bench/letter_latency.py [--letters 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.stack import Api, running_stack


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        url = f"sqlite:///{Path(data) / 'sceau.db'}"
        with running_stack(Path(data), url) as stack:
            staff = Api(stack.api, stack.demo["staff_token"])
            demo = stack.demo
            folders = staff.get(f"/v1/clients/{demo['client_id']}/folders")
            folder = next(f["id"] for f in folders if not f["shared_with_client"])
            mission = staff.post(
                "/v1/missions",
                {
                    "client_id": demo["client_id"],
                    "name": "Banc d'essai",
                    "period_start": "2027-01-01",
                    "period_end": "2027-12-31",
                    "frequency": "monthly",
                    "lines": [{"service_id": sid} for sid in demo["service_ids"].values()],
                },
                expect=201,
            )
            people = {
                "firm_representative_id": demo["staff_id"],
                "client_representative_id": demo["client_representative_id"],
            }
            timings: dict[str, list[float]] = {"letter": [], "preview": []}
            for index in range(args.letters + 1):
                started = time.perf_counter()
                staff.post(
                    f"/v1/missions/{mission['id']}/letter",
                    {"folder_id": folder, **people},
                    expect=201,
                )
                letter = time.perf_counter() - started
                started = time.perf_counter()
                staff.post(f"/v1/missions/{mission['id']}/letter/preview", people)
                preview = time.perf_counter() - started
                if index:  # the first of each warms the pool and the caches
                    timings["letter"].append(letter * 1000)
                    timings["preview"].append(preview * 1000)
    result = {
        name: {
            "n": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
        }
        for name, values in timings.items()
    }
    for name, figures in result.items():
        print(f"{name:8} n={figures['n']} p50={figures['p50_ms']} ms p95={figures['p95_ms']} ms")
    print(json.dumps({"bench": "letter_latency", **result}))


if __name__ == "__main__":
    main()
