#!/usr/bin/env python3
"""Runs an ONNX model with onnxruntime's Python package, for machines that
have `pip install onnxruntime` but no Node.js. The twin of run.cjs: the same
arguments, the same inputs from the same generator, the same JSON out, so
Nodus' tests and `nodus-cli bench run` can use either.

  python3 tools/ort/run.py MODEL.onnx SPEC.json [--runs N] [--full]

SPEC.json: {"inputs": [{"name", "type": "float32"|"uint8"|"int64"|...,
            "dims": [..], "data": [..] (optional)}]}. Inputs without data are
filled from a fixed-seed generator (floats in [-1, 1), integers in [0, 8)).
Prints one JSON object: {"outputs": [{"name", "type", "dims", "finite",
"sum", "data" (first 64, or all with --full)}], "run_ms": [...]}. Exit
status 1 with the error on stderr when the model does not load or run."""
import json
import math
import sys
import time

import numpy as np

DTYPES = {
    "float32": np.float32, "float64": np.float64, "int8": np.int8, "uint8": np.uint8,
    "int16": np.int16, "uint16": np.uint16, "int32": np.int32, "uint32": np.uint32,
    "int64": np.int64, "uint64": np.uint64, "bool": np.bool_,
}


class Generator:
    """run.cjs's linear congruential generator, value for value."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFF

    def __call__(self):
        self.s = (self.s * 1664525 + 1013904223) & 0xFFFFFFFF
        return self.s / 4294967296.0


def make_input(spec, gen):
    kind = spec["type"]
    if kind not in DTYPES:
        raise ValueError(f"input '{spec['name']}': unsupported type {kind}")
    dims = [int(d) for d in spec["dims"]]
    count = math.prod(dims)
    if "data" in spec:
        return np.array(spec["data"], dtype=DTYPES[kind]).reshape(dims)
    if kind.startswith("float"):
        values = [gen() * 2 - 1 for _ in range(count)]
    elif kind.endswith("64"):
        values = [math.floor(gen() * 8) for _ in range(count)]
    elif kind == "bool":
        values = [gen() < 0.5 for _ in range(count)]
    else:
        scale = 256 if kind == "uint8" else 8
        values = [math.floor(gen() * scale) for _ in range(count)]
    return np.array(values, dtype=DTYPES[kind]).reshape(dims)


def finite_or_none(v):
    return v if math.isfinite(v) else None


def main(argv):
    runs, full, args = 1, False, []
    i = 0
    while i < len(argv):
        if argv[i] == "--runs" and i + 1 < len(argv):
            runs = int(argv[i + 1])
            i += 2
            continue
        if argv[i] == "--full":
            full = True
        else:
            args.append(argv[i])
        i += 1
    if len(args) != 2:
        print("usage: run.py MODEL.onnx SPEC.json [--runs N] [--full]", file=sys.stderr)
        return 2
    import onnxruntime as ort

    with open(args[1], encoding="utf-8") as f:
        spec = json.load(f)
    session = ort.InferenceSession(args[0], providers=["CPUExecutionProvider"])
    gen = Generator(12345)
    feeds = {s["name"]: make_input(s, gen) for s in spec["inputs"]}
    names = [o.name for o in session.get_outputs()]
    times, results = [], None
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        results = session.run(names, feeds)
        times.append((time.perf_counter() - t0) * 1000.0)
    outputs = []
    for name, value in zip(names, results):
        a = np.asarray(value)
        flat = a.astype(np.float64).ravel()
        limit = flat.size if full else min(64, flat.size)
        outputs.append({
            "name": name, "type": a.dtype.name, "dims": list(a.shape),
            "finite": bool(np.isfinite(flat).all()), "sum": finite_or_none(float(flat.sum())),
            "data": [finite_or_none(float(v)) for v in flat[:limit]],
        })
    sys.stdout.write(json.dumps({"outputs": outputs, "run_ms": times}) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as e:  # the error goes to stderr, as run.cjs does
        print(str(e), file=sys.stderr)
        sys.exit(1)
