"""PDF throughput: a cold `soffice` per document versus the warm LibreOffice pool.

Renders the default letter template with varied missions (1 to 40 lines), converts the same
set with `documents.pdf.convert_to_pdf` (cold) and with `ConverterPool` (warm), `--workers`
callers at a time for both, and prints documents per second, p50 and p95 latency, their
ratio, and the pool's memory (RSS of its LibreOffice processes). The last line is JSON.

    .venv/bin/python bench/pdf_throughput.py [--letters 24] [--pool-size 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from documents.converter_pool import ConverterPool  # noqa: E402
from documents.pdf import convert_to_pdf, pdfa_part  # noqa: E402
from documents.rendering import render_docx  # noqa: E402
from tests.integration.test_letter_rendering import TEMPLATE, sample_context  # noqa: E402


def letters(directory: Path, count: int) -> list[Path]:
    template = TEMPLATE.read_bytes()
    paths = []
    for index in range(count):
        lines = [
            {
                "code": f"S{n:03d}",
                "name": f"Prestation n°{n:03d} du dossier {index}",
                "description": f"Travaux {n} pour la lettre {index}.",
                "price": f"{100 + n},00 €",
                "frequency_label": ("Mensuelle", "Trimestrielle", "Annuelle")[n % 3],
                "occurrences": (12, 4, 1)[n % 3],
                "yearly_amount": f"{(100 + n) * (12, 4, 1)[n % 3]},00 €",
            }
            for n in range(1, 1 + (1 + index * 7) % 40)
        ]
        path = directory / f"lettre-{index:03d}.docx"
        path.write_bytes(render_docx(template, sample_context(lines)))
        paths.append(path)
    return paths


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(
    name: str, sources: list[Path], convert: Callable[[Path, Path], Path], workers: int, out: Path
) -> dict[str, Any]:
    latencies: list[float] = []

    def one(source: Path) -> Path:
        started = time.perf_counter()
        pdf = convert(source, out / name)
        latencies.append(time.perf_counter() - started)
        return pdf

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as executor:
        pdfs = list(executor.map(one, sources))
    elapsed = time.perf_counter() - started
    bad = [pdf.name for pdf in pdfs if pdfa_part(pdf.read_bytes()) != ("2", "B")]
    if bad:
        raise SystemExit(f"{name}: not PDF/A-2b: {bad}")
    result = {
        "docs": len(sources),
        "seconds": round(elapsed, 3),
        "docs_per_s": round(len(sources) / elapsed, 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
    }
    print(
        f"{name:>5}: {result['docs']} letters in {result['seconds']} s, "
        f"{result['docs_per_s']} docs/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--letters", type=int, default=24)
    parser.add_argument("--pool-size", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="concurrent callers")
    parser.add_argument("--soffice", default="soffice")
    parser.add_argument("--python", default="/usr/bin/python3", help="Python with uno")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sceau-bench-") as name:
        work = Path(name)
        sources = letters(work, args.letters)
        cold = run(
            "cold",
            sources,
            lambda src, out: convert_to_pdf(src, out, soffice=args.soffice),
            args.workers,
            work,
        )
        started = time.perf_counter()
        with ConverterPool(args.pool_size, soffice=args.soffice, python=args.python) as pool:
            start_s = time.perf_counter() - started
            # One warm-up conversion per process, as a long-running worker would have had.
            run("warmup", sources[: args.pool_size], pool.convert, args.pool_size, work)
            pool_result = run("pool", sources, pool.convert, args.workers, work)
            single = run("pool1", sources[:12], pool.convert, 1, work)
            default = work / "default"
            default.mkdir()
            default_letters = []
            for index in range(12):  # the default letter as the tests render it (3 lines)
                path = default / f"defaut-{index:02d}.docx"
                path.write_bytes(render_docx(TEMPLATE.read_bytes(), sample_context()))
                default_letters.append(path)
            default_result = run("deflt", default_letters, pool.convert, 1, work)
            rss = pool.memory_rss_bytes()
        print(f"pool start {start_s:.2f} s; LibreOffice RSS {rss / 2**20:.0f} MiB")
        ratio = pool_result["docs_per_s"] / cold["docs_per_s"]
        print(f"throughput ratio pool/cold: {ratio:.1f}x")
        print(
            json.dumps(
                {
                    "benchmark": "pdf_throughput",
                    "letters": args.letters,
                    "workers": args.workers,
                    "pool_size": args.pool_size,
                    "cold": cold,
                    "pool": pool_result,
                    "pool_sequential": single,
                    "pool_default_letter_sequential": default_result,
                    "throughput_ratio": round(ratio, 2),
                    "p50_ratio": round(cold["p50_ms"] / pool_result["p50_ms"], 2),
                    "pool_start_s": round(start_s, 2),
                    "pool_rss_mib": round(rss / 2**20, 1),
                }
            )
        )


if __name__ == "__main__":
    main()
