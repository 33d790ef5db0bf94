#!/bin/bash
# Generate the ONNX backend node test suite (python3-onnx 1.12) into OUTDIR,
# giving OUTDIR/node/test_*/model.onnx + test_data_set_*/ for Nodus's tests.
#
# Usage: tools/gen_node_tests.sh OUTDIR
#
# Why a wrapper instead of plain `backend-test-tools generate-data`: onnx 1.12's
# test cases still use np.float/np.int/np.bool/np.object..., which numpy 1.24
# removed. We put the aliases back in-process (no system files touched) and
# then call the same entry point the Debian script calls.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
PY=/usr/bin/python3   # Debian's python: the one with onnx 1.12 installed
mkdir -p "$1"
OUTDIR=$(cd "$1" && pwd)
STAMP="$OUTDIR/.nodus_node_tests.stamp"

count_models() {
    find "$OUTDIR/node" -mindepth 2 -maxdepth 2 -name model.onnx 2>/dev/null | wc -l
}

# The stamp is only written after a complete run, so its presence (plus a
# non-empty node/ dir) means the data is whole; a killed run leaves no stamp.
if [[ -f "$STAMP" ]] && [[ $(count_models) -gt 0 ]]; then
    echo "node tests: $(count_models) model.onnx already in $OUTDIR/node (cached)"
    exit 0
fi

# Generate into a scratch dir next to the target and move in at the end, so a
# failure never leaves a half-populated OUTDIR/node that looks usable.
TMP=$(mktemp -d "$OUTDIR/.gen.XXXXXX")
LOG="$TMP/generate.log"
trap 'rm -rf "$TMP"' EXIT

if ! "$PY" - "$TMP/data" >"$LOG" 2>&1 <<'PYEOF'
import sys
import warnings

import numpy

# Restore the aliases numpy 1.24 dropped; the 1.12 test cases reference them
# at import time (e.g. dtype=np.float), so this must precede the import below.
for alias, builtin in (("float", float), ("int", int), ("bool", bool),
                       ("object", object), ("complex", complex), ("str", str),
                       ("long", int), ("unicode", str)):
    if alias not in numpy.__dict__:
        setattr(numpy, alias, builtin)
# The generator's own numerics emit overflow/deprecation noise; not our signal.
warnings.simplefilter("ignore")

from onnx.backend.test import cmd_tools  # noqa: E402

sys.argv = ["backend-test-tools", "generate-data", "-o", sys.argv[1]]
cmd_tools.main()
PYEOF
then
    echo "node test generation failed; last lines of log:" >&2
    tail -n 30 "$LOG" >&2
    exit 1
fi

# Swap the fresh tree in (generate-data also writes real/, simple/, ... next
# to node/; keep them since they are part of the same suite).
for d in "$TMP/data"/*; do
    name=$(basename "$d")
    rm -rf "${OUTDIR:?}/$name"
    mv "$d" "$OUTDIR/$name"
done
"$PY" -c 'import onnx; print("onnx", onnx.__version__)' >"$STAMP"
echo "node tests: generated $(count_models) model.onnx in $OUTDIR/node"
