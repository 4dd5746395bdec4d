"""`python -m bench` (what `make bench` runs): every benchmark in turn."""

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main() -> None:
    only = set(sys.argv[1:])
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    for name in names:
        if only and name not in only:
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        sys.argv = [name]  # each benchmark parses its own options; run it with its defaults
        module.main()
        print(f"({name} took {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
