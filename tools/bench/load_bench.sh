#!/bin/bash
# Thin wrapper so the benchmark always runs under Debian's python (the one with
# onnx), whatever `python3` is first on PATH. See load_bench.py for options.
exec /usr/bin/python3 "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/load_bench.py" "$@"
