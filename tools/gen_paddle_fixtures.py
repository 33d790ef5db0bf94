#!/usr/bin/python3
"""Writes the PaddlePaddle fixtures of tests/test_paddle.cpp into tests/data/paddle/.

A tiny inference program,

    feed x[?,3,8,8] -> conv2d(conv_w[2,3,3,3], pad 1) -> elementwise_add(conv_b[2], axis 1)
      -> relu -> mul(fc_w[128,10]) -> softmax -> fetch

saved the two ways Paddle saves inference models:

    inference.pdmodel + inference.pdiparams   (save_combine: one file, records in
                                               the order of the sorted names)
    perweight/__model__ + conv_w, conv_b, fc_w (save: one file per weight; conv_b
                                               carries one LoD level, which Paddle's
                                               LoDTensor stream allows and a
                                               write-back must keep)

Python's protobuf module is not a dependency: the ProgramDesc and TensorDesc
messages are written in protobuf's wire format by hand, with the field numbers
of core/formats/paddle/paddle.proto. The weights come from a fixed numpy seed;
the script prints the values tests/test_paddle.cpp checks.

Usage: tools/gen_paddle_fixtures.py [OUT_DIR]   (default tests/data/paddle)
"""

import os
import struct
import sys

import numpy as np

# Wire types.
VARINT, LEN, I32 = 0, 2, 5


def varint(v):
    if v < 0:
        v += 1 << 64  # protobuf writes negative int32/int64 as ten bytes
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint((field << 3) | wire)


def f_varint(field, v):
    return key(field, VARINT) + varint(v)


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode()
    return key(field, LEN) + varint(len(b)) + b


def f_float(field, v):
    return key(field, I32) + struct.pack("<f", v)


# framework.proto's enums (paddle.proto keeps their numbers).
FP32 = 5
LOD_TENSOR, FEED_MINIBATCH, FETCH_LIST = 7, 9, 10
INT, FLOAT, STRING, INTS = 0, 1, 2, 3


def tensor_desc(data_type, dims):
    return f_varint(1, data_type) + b"".join(f_varint(2, d) for d in dims)  # dims unpacked, as proto2 writes


def var(name, dims=None, persistable=False, kind=LOD_TENSOR):
    vt = f_varint(1, kind)
    if kind == LOD_TENSOR:
        vt += f_bytes(3, f_bytes(1, tensor_desc(FP32, dims)))  # lod_tensor.tensor
    return f_bytes(1, name) + f_bytes(2, vt) + f_varint(3, 1 if persistable else 0)


def attr(name, kind, value):
    a = f_bytes(1, name) + f_varint(2, kind)
    if kind == INT:
        a += f_varint(3, value)
    elif kind == FLOAT:
        a += f_float(4, value)
    elif kind == STRING:
        a += f_bytes(5, value)
    elif kind == INTS:
        a += b"".join(f_varint(6, v) for v in value)
    return a


def op(kind, inputs, outputs, attrs=()):
    def slots(field, pairs):
        return b"".join(f_bytes(field, f_bytes(1, p) + f_bytes(2, a)) for p, a in pairs)

    return slots(1, inputs) + slots(2, outputs) + f_bytes(3, kind) + b"".join(f_bytes(4, a) for a in attrs)


def program():
    variables = [
        var("feed", persistable=True, kind=FEED_MINIBATCH),
        var("fetch", persistable=True, kind=FETCH_LIST),
        var("x", [-1, 3, 8, 8]),
        # Block order differs from the sorted order save_combine uses.
        var("conv_w", [2, 3, 3, 3], persistable=True),
        var("conv_b", [2], persistable=True),
        var("fc_w", [128, 10], persistable=True),
        var("conv_out", [-1, 2, 8, 8]),
        var("add_out", [-1, 2, 8, 8]),
        var("relu_out", [-1, 2, 8, 8]),
        var("fc_out", [-1, 10]),
        var("prob", [-1, 10]),
    ]
    ops = [
        op("feed", [("X", "feed")], [("Out", "x")], [attr("col", INT, 0)]),
        op("conv2d", [("Input", "x"), ("Filter", "conv_w")], [("Output", "conv_out")],
           [attr("strides", INTS, [1, 1]), attr("paddings", INTS, [1, 1]), attr("dilations", INTS, [1, 1]),
            attr("groups", INT, 1), attr("data_format", STRING, "NCHW"),
            attr("padding_algorithm", STRING, "EXPLICIT")]),
        op("elementwise_add", [("X", "conv_out"), ("Y", "conv_b")], [("Out", "add_out")], [attr("axis", INT, 1)]),
        op("relu", [("X", "add_out")], [("Out", "relu_out")]),
        op("mul", [("X", "relu_out"), ("Y", "fc_w")], [("Out", "fc_out")],
           [attr("x_num_col_dims", INT, 1), attr("y_num_col_dims", INT, 1)]),
        op("softmax", [("X", "fc_out")], [("Out", "prob")], [attr("axis", INT, -1)]),
        op("fetch", [("X", "prob")], [("Out", "fetch")], [attr("col", INT, 0)]),
    ]
    block = f_varint(1, 0) + f_varint(2, -1) + b"".join(f_bytes(3, v) for v in variables) + \
        b"".join(f_bytes(4, o) for o in ops)
    version = f_bytes(4, f_varint(1, 2004002))  # Paddle 2.4.2
    return f_bytes(1, block) + version


def lod_tensor(array, lod=()):
    """One LoDTensor stream as Paddle's save/save_combine ops write it."""
    out = struct.pack("<I", 0) + struct.pack("<Q", len(lod))
    for level in lod:
        out += struct.pack("<Q", 8 * len(level)) + struct.pack("<%dQ" % len(level), *level)
    desc = tensor_desc(FP32, array.shape)
    out += struct.pack("<I", 0) + struct.pack("<i", len(desc)) + desc
    return out + array.astype("<f4").tobytes()


def weights():
    rng = np.random.RandomState(20240607)
    return {
        "conv_w": rng.standard_normal((2, 3, 3, 3)).astype(np.float32),
        "conv_b": np.array([0.25, -0.5], dtype=np.float32),
        "fc_w": (rng.standard_normal((128, 10)) * 0.1).astype(np.float32),
    }


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "data", "paddle")
    w = weights()
    prog = program()
    write(os.path.join(out, "inference.pdmodel"), prog)
    write(os.path.join(out, "inference.pdiparams"), b"".join(lod_tensor(w[n]) for n in sorted(w)))
    write(os.path.join(out, "perweight", "__model__"), prog)
    for name, array in w.items():
        write(os.path.join(out, "perweight", name), lod_tensor(array, [[0, 2]] if name == "conv_b" else []))
    print("conv_w[0] = %r, conv_w[53] = %r" % (float(w["conv_w"].flat[0]), float(w["conv_w"].flat[53])))
    print("conv_b = %r" % [float(v) for v in w["conv_b"]])
    print("fc_w[0] = %r, fc_w[1279] = %r" % (float(w["fc_w"].flat[0]), float(w["fc_w"].flat[1279])))
    print("sum(conv_w) = %r, sum(fc_w) = %r" % (float(w["conv_w"].astype(np.float64).sum()),
                                               float(w["fc_w"].astype(np.float64).sum())))
    print("program: %d bytes, inference.pdiparams: %d bytes" %
          (len(prog), os.path.getsize(os.path.join(out, "inference.pdiparams"))))


if __name__ == "__main__":
    main()
