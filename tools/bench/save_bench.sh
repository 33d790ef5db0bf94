#!/bin/bash
# Save benchmark: `nodus-cli bench save` on the 1 GiB benchmark model (made by
# make_big_onnx.py when missing). Prints the CLI's JSON: medians of the save
# (open and edit not timed) and of /bin/cp on the same file, their ratio and
# the children's peak RSS.
#
# Usage: tools/bench/save_bench.sh [--runs N] [--file F] [--nodus PATH] [--no-sync]
#   --file   the model (default build/bench/big.onnx, generated when missing)
#   --nodus  the nodus-cli to run (default build/app/cli/nodus-cli)
#   --no-sync  measurement only: run with tools/bench/nosync_preload.c
#              preloaded, which makes fsync/fdatasync/sync_file_range no-ops,
#              to show what flushing to disk costs. Not a safe way to save.
set -euo pipefail
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
repo="$(readlink -f "$here/../..")"
runs=5
file="$repo/build/bench/big.onnx"
nodus="$repo/build/app/cli/nodus-cli"
nosync=0
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --file) file="$2"; shift 2 ;;
    --nodus) nodus="$2"; shift 2 ;;
    --no-sync) nosync=1; shift ;;
    *) echo "save_bench.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ ! -f "$file" ]; then
    /usr/bin/python3 "$here/make_big_onnx.py" "$file"
fi
if [ ! -x "$nodus" ]; then
    echo "save_bench.sh: $nodus is not an executable nodus-cli (build it, or pass --nodus)" >&2
    exit 1
fi
if [ "$nosync" = 1 ]; then
    lib="$(mktemp -d)/nosync.so"
    trap 'rm -rf "$(dirname "$lib")"' EXIT
    cc -shared -fPIC -O2 -o "$lib" "$here/nosync_preload.c"
    LD_PRELOAD="$lib" "$nodus" bench save "$file" --runs "$runs"
else
    "$nodus" bench save "$file" --runs "$runs"
fi
