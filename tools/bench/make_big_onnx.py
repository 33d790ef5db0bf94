#!/usr/bin/python3
"""Write a large, deterministic ONNX model for load benchmarks.

The model is a chain of LAYERS MatMul nodes (x -> h0 -> ... -> y), each with a
float32 DIM x DIM weight initializer stored inline as raw_data (defaults:
16 x 4096x4096 fp32 = 1 GiB), opset 17, ir_version 8.

Why hand-written serialization: onnx.save() needs the whole ModelProto in
memory (1 GiB of weights plus a serialized copy, ~2 GiB peak). Protobuf
messages are just concatenated fields, so we serialize the small metadata
pieces with onnx/protobuf and stream each weight's bytes straight to the file,
holding one weight at a time (~64 MiB at dim 4096). Fields are emitted in
field-number order, so the bytes are identical to what onnx.save() would
produce for the same model.

Usage: tools/bench/make_big_onnx.py OUT [--layers 16] [--dim 4096]
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

OPSET = 17
IR_VERSION = 8
SEED = 0


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def len_field(field_number, length):
    """Tag + length prefix of a length-delimited (wire type 2) field."""
    return varint((field_number << 3) | 2) + varint(length)


# Field numbers from onnx.proto; the layout below relies on their ordering.
MODEL_GRAPH = 7          # ModelProto.graph (after ir_version..doc_string 1-6)
GRAPH_INITIALIZER = 5    # GraphProto.initializer (after node=1, name=2)
TENSOR_RAW_DATA = 9      # TensorProto.raw_data (after dims=1, data_type=2, name=8)


def weight(layer, dim):
    # Per-layer seed so any layer can be regenerated alone and the content does
    # not depend on generation order. Scaled so activations stay O(1) if
    # someone actually runs the model.
    rng = np.random.default_rng([SEED, layer])
    w = rng.standard_normal((dim, dim), dtype=np.float32)
    w *= np.float32(1.0 / np.sqrt(dim))
    return w.astype("<f4", copy=False)  # raw_data is little-endian by spec


def build_pieces(layers, dim):
    """Return (model_pre, graph_pre, tensor_headers, graph_post, model_post).

    Each piece is the serialization of a message holding only a subset of
    fields; concatenating them in field-number order yields the full message.
    """
    nodes = []
    for i in range(layers):
        src = "x" if i == 0 else f"h{i - 1}"
        dst = "y" if i == layers - 1 else f"h{i}"
        nodes.append(helper.make_node("MatMul", [src, f"w{i}"], [dst], name=f"layer{i}"))

    model_pre = onnx.ModelProto(
        ir_version=IR_VERSION,
        producer_name="nodus-bench",
        producer_version="1",
        doc_string=f"make_big_onnx: {layers} x MatMul {dim}x{dim} fp32",
    )
    graph_pre = onnx.GraphProto(name="big_matmul_chain")
    graph_pre.node.extend(nodes)
    graph_post = onnx.GraphProto()
    graph_post.input.append(helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, dim]))
    graph_post.output.append(helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, dim]))
    model_post = onnx.ModelProto()
    model_post.opset_import.append(helper.make_opsetid("", OPSET))

    headers = []
    for i in range(layers):
        t = TensorProto(name=f"w{i}", data_type=TensorProto.FLOAT, dims=[dim, dim])
        headers.append(t.SerializeToString())
    return (model_pre.SerializeToString(), graph_pre.SerializeToString(), headers,
            graph_post.SerializeToString(), model_post.SerializeToString())


def layout(layers, dim):
    """Compute every length up front: needed for the length prefixes, and lets
    us know the final file size without writing anything."""
    model_pre, graph_pre, headers, graph_post, model_post = build_pieces(layers, dim)
    nbytes = dim * dim * 4
    raw_prefix = len_field(TENSOR_RAW_DATA, nbytes)
    tensor_lens = [len(h) + len(raw_prefix) + nbytes for h in headers]
    graph_len = (len(graph_pre) + len(graph_post)
                 + sum(len(len_field(GRAPH_INITIALIZER, n)) + n for n in tensor_lens))
    total = (len(model_pre) + len(len_field(MODEL_GRAPH, graph_len)) + graph_len
             + len(model_post))
    return dict(model_pre=model_pre, graph_pre=graph_pre, headers=headers,
                graph_post=graph_post, model_post=model_post, raw_prefix=raw_prefix,
                tensor_lens=tensor_lens, graph_len=graph_len, total=total)


def write(path, layers, dim):
    lay = layout(layers, dim)
    if os.path.isfile(path) and os.path.getsize(path) == lay["total"]:
        return False, lay["total"]

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # Write beside the target and rename: an interrupted run must not leave a
    # truncated file that a later size check might mistake for a finished one.
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(lay["model_pre"])
            f.write(len_field(MODEL_GRAPH, lay["graph_len"]))
            f.write(lay["graph_pre"])
            for i, (hdr, tlen) in enumerate(zip(lay["headers"], lay["tensor_lens"])):
                f.write(len_field(GRAPH_INITIALIZER, tlen))
                f.write(hdr)
                f.write(lay["raw_prefix"])
                w = weight(i, dim)
                f.write(memoryview(w).cast("B"))  # no extra bytes() copy
                del w
            f.write(lay["graph_post"])
            f.write(lay["model_post"])
        if os.path.getsize(tmp) != lay["total"]:
            raise RuntimeError("size mismatch after write (layout bug)")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True, lay["total"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=16)
    ap.add_argument("--dim", type=int, default=4096)
    args = ap.parse_args()
    if args.layers < 1 or args.dim < 1:
        ap.error("--layers and --dim must be >= 1")
    wrote, size = write(args.out, args.layers, args.dim)
    state = "wrote" if wrote else "kept existing"
    print(f"{state} {args.out} ({size} bytes, {size / 2**20:.1f} MiB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
