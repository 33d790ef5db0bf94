#!/usr/bin/python3
"""Print the reference counts python-onnx reports for each ONNX file.

Nodus's own parser is checked against these numbers, so every field here is
defined the way the C++ side is expected to count it (see comments below).
One JSON object per line (sorted keys) so output can be diffed and grepped.

Usage: tools/onnx_expect.py FILE...
"""
import json
import sys

import onnx
from onnx import AttributeProto


def count_subgraphs(nodes):
    """Count GraphProto attributes recursively (If/Loop/Scan bodies etc.).

    Model-level functions are deliberately excluded: Nodus reports them
    separately, so mixing them in would double count.
    """
    total = 0
    for node in nodes:
        for attr in node.attribute:
            graphs = []
            # attr.g is only meaningful when the attribute declares GRAPH;
            # a default-initialised g on other attribute types is noise.
            if attr.type == AttributeProto.GRAPH and attr.HasField("g"):
                graphs.append(attr.g)
            graphs.extend(attr.graphs)
            for sub in graphs:
                total += 1 + count_subgraphs(sub.node)
    return total


def product(dims):
    # An empty dims list is a scalar: one element, not zero.
    n = 1
    for d in dims:
        n *= d
    return n


def expect(path):
    # External data is not needed for any count here, and loading it would
    # fail (or be slow) for models whose .data file is missing or huge.
    model = onnx.load(path, load_external_data=False)
    g = model.graph
    init_names = {t.name for t in g.initializer}
    init_names |= {s.values.name for s in g.sparse_initializer}
    # Pre-IR4 models list initializers among graph inputs too; only the real
    # feeds count as inputs.
    inputs = sum(1 for i in g.input if i.name not in init_names)
    params = sum(product(t.dims) for t in g.initializer)
    params += sum(product(s.dims) for s in g.sparse_initializer)
    return {
        "file": path,
        "producer": model.producer_name,
        "ir_version": model.ir_version,
        "opsets": {(o.domain or "ai.onnx"): o.version for o in model.opset_import},
        "graph": {
            "name": g.name,
            "nodes": len(g.node),
            "inputs": inputs,
            "outputs": len(g.output),
        },
        "subgraphs": count_subgraphs(g.node),
        "functions": len(model.functions),
        "tensors": len(g.initializer) + len(g.sparse_initializer),
        "parameters": params,
        "op_types": sorted({n.op_type for n in g.node}),
    }


def main(argv):
    for path in argv:
        try:
            rec = expect(path)
        except Exception as e:  # noqa: BLE001 - any parse failure is a data point
            # Keep going: a corpus run should report every file, and files
            # python rejects are exactly the interesting ones for Nodus.
            rec = {"file": path, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(rec, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
