#!/usr/bin/env bash
# run_fuzzer.sh FUZZER WORKDIR SECONDS SEED_DIR...
# Copies small seed files into a writable working corpus (libFuzzer adds to
# it) and fuzzes for SECONDS. Seeds are optional: without the shared corpus
# the fuzzer starts from nothing.
set -euo pipefail
fuzzer=$1 work=$2 seconds=$3
shift 3
mkdir -p "$work"
for dir in "$@"; do
  [ -d "$dir" ] || continue
  find "$dir" -maxdepth 1 -type f \( -name '*.onnx' -o -name '*.model' -o -name '*.mindir' -o -name '*.ckpt' \) -size -512k -exec cp -n {} "$work"/ \;
done
exec "$fuzzer" -max_total_time="$seconds" -max_len=1048576 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 "$work"
