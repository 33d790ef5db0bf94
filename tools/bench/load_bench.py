#!/usr/bin/python3
"""Load benchmark: Nodus vs python onnx.load vs plain cp on a big ONNX file.

Generates (or reuses) build/bench/big.onnx under the repo root, then prints one
JSON object with medians over --runs runs:
  {"file", "size_mb", "nodus": {...}, "python_onnx_load": {...}, "cp": {...}}

"nodus" is whatever `nodus-cli bench load FILE --runs N` prints (passed
through); if the CLI is missing or fails it becomes {"error": ...} so the other
baselines are still reported. Progress goes to stderr, the JSON to stdout.

Usage: tools/bench/load_bench.py [--runs N] [--size-layers 16] [--dim 4096]
                                 [--file F] [--nodus PATH]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]           # tools/bench -> tools -> repo root
PY = "/usr/bin/python3"          # Debian python: the one that has onnx
DEFAULT_LAYERS, DEFAULT_DIM = 16, 4096

# Runs in a fresh interpreter per run so every measurement starts with a cold
# process (no protobuf arena or allocator state reused). Importing onnx happens
# before the clock starts: we compare parse cost, not interpreter start-up.
CHILD = r"""
import json, resource, sys, time
import onnx
t0 = time.perf_counter()
m = onnx.load(sys.argv[1])
dt = time.perf_counter() - t0
nodes = len(m.graph.node)
print(json.dumps({"s": dt, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "nodes": nodes}))
"""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def default_file(layers, dim):
    # Non-default shapes get their own name so a quick small test never
    # clobbers (and forces regenerating) the 1 GiB reference file.
    name = "big.onnx" if (layers, dim) == (DEFAULT_LAYERS, DEFAULT_DIM) else f"big-{layers}x{dim}.onnx"
    return REPO / "build" / "bench" / name


def ensure_model(path, layers, dim):
    subprocess.run([PY, str(HERE / "make_big_onnx.py"), str(path),
                    "--layers", str(layers), "--dim", str(dim)], check=True)


def warm_cache(path):
    # Read once so all three contenders see the same (warm) page cache; else
    # whichever runs first pays for disk I/O and the comparison is skewed.
    with open(path, "rb", buffering=0) as f:
        while f.read(16 << 20):
            pass


def bench_nodus(exe, path, runs, timeout):
    if not os.access(exe, os.X_OK):
        return {"error": f"nodus-cli not found or not executable: {exe}"}
    cmd = [str(exe), "bench", "load", str(path), "--runs", str(runs)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout}s", "cmd": cmd}
    if p.returncode != 0:
        return {"error": f"exit status {p.returncode}", "cmd": cmd,
                "stderr": p.stderr.strip()[-2000:]}
    # Accept the JSON either as the whole stdout or as its last line, so the
    # CLI may print progress before the result without breaking us.
    out = p.stdout.strip()
    for candidate in (out, out.splitlines()[-1] if out else ""):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return {"error": "could not parse nodus-cli output as JSON", "stdout": out[-2000:]}


def bench_python(path, runs, timeout):
    times, rss = [], []
    for i in range(runs):
        try:
            p = subprocess.run([PY, "-c", CHILD, str(path)], capture_output=True,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"run {i} timed out after {timeout}s"}
        if p.returncode != 0:
            return {"error": f"run {i}: exit status {p.returncode}",
                    "stderr": p.stderr.strip()[-2000:]}
        r = json.loads(p.stdout.strip().splitlines()[-1])
        times.append(r["s"])
        rss.append(r["maxrss_kib"] / 1024.0)   # Linux ru_maxrss is in KiB
        log(f"  python onnx.load run {i + 1}/{runs}: {r['s']:.3f}s, {rss[-1]:.0f} MB")
    return {"median_s": round(statistics.median(times), 4),
            "peak_rss_mb": round(statistics.median(rss), 1), "runs": runs}


def bench_cp(path, runs):
    # Same folder so the copy stays on one filesystem: a pure read+write
    # baseline, the floor any loader that touches every byte must pay.
    tmp = path.with_name(f".{path.name}.cp-bench.{os.getpid()}")
    times = []
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(["cp", str(path), str(tmp)], check=True)
            times.append(time.perf_counter() - t0)
            tmp.unlink()
    finally:
        if tmp.exists():
            tmp.unlink()
    return {"median_s": round(statistics.median(times), 4), "runs": runs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size-layers", type=int, default=DEFAULT_LAYERS,
                    help="MatMul layers of the generated model (each dim x dim fp32)")
    ap.add_argument("--dim", type=int, default=DEFAULT_DIM)
    ap.add_argument("--file", type=Path, help="benchmark this file instead of generating one")
    ap.add_argument("--nodus", type=Path, default=REPO / "build" / "app" / "nodus-cli")
    ap.add_argument("--timeout", type=int, default=900, help="per subprocess, seconds")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be >= 1")

    if args.file:
        path = args.file.resolve()
    else:
        path = default_file(args.size_layers, args.dim)
        ensure_model(path, args.size_layers, args.dim)
    size_mb = os.path.getsize(path) / 2**20   # MiB, like the RSS figures

    warm_cache(path)
    log(f"nodus: {args.nodus}")
    nodus = bench_nodus(args.nodus, path, args.runs, args.timeout)
    log("python onnx.load ...")
    py = bench_python(path, args.runs, args.timeout)
    log("cp ...")
    cp = bench_cp(path, args.runs)

    print(json.dumps({"file": str(path), "size_mb": round(size_mb, 1), "nodus": nodus,
                      "python_onnx_load": py, "cp": cp}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
