"""Run every benchmark in turn (`make bench`): the endpoint, the query engines, the reasoners.

Each prints its own figures and ratios; bench/RESULTS.md keeps the recorded ones with the machine.
The endpoint benchmark needs `wrk` (Debian package) and loopback ports; the others only Python.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("bench_endpoint.py", "bench_pages.py", "bench_store.py", "bench_inference.py", "bench_reconcile.py")


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
