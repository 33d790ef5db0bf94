#!/usr/bin/python3
"""Writes a ResNet-18 (ImageNet layout, batch-norm folded into the
convolutions as PyTorch's inference export does) with seeded random
weights, for the runtime benchmark: tools/gen_resnet18.py OUT.onnx

Built with onnx.helper from the architecture's facts (He et al. 2015), so it
needs only Debian's python3-onnx and numpy."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(18)
nodes, inits = [], []
counter = [0]


def name(prefix):
    counter[0] += 1
    return f"{prefix}_{counter[0]}"


def conv(x, cin, cout, k, stride, pad, relu=True):
    w = name("W")
    b = name("B")
    std = np.sqrt(2.0 / (cin * k * k))
    inits.append(numpy_helper.from_array((rng.standard_normal((cout, cin, k, k)) * std).astype(np.float32), w))
    inits.append(numpy_helper.from_array((rng.standard_normal(cout) * 0.01).astype(np.float32), b))
    y = name("conv")
    nodes.append(helper.make_node("Conv", [x, w, b], [y], name=y, kernel_shape=[k, k], strides=[stride, stride],
                                  pads=[pad] * 4))
    if relu:
        r = name("relu")
        nodes.append(helper.make_node("Relu", [y], [r], name=r))
        return r
    return y


def block(x, cin, cout, stride):
    y = conv(x, cin, cout, 3, stride, 1)
    y = conv(y, cout, cout, 3, 1, 1, relu=False)
    shortcut = x if stride == 1 and cin == cout else conv(x, cin, cout, 1, stride, 0, relu=False)
    s = name("add")
    nodes.append(helper.make_node("Add", [y, shortcut], [s], name=s))
    r = name("relu")
    nodes.append(helper.make_node("Relu", [s], [r], name=r))
    return r


x = conv("input", 3, 64, 7, 2, 3)
p = name("maxpool")
nodes.append(helper.make_node("MaxPool", [x], [p], name=p, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
x = p
cin = 64
for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
    x = block(x, cin, cout, stride)
    x = block(x, cout, cout, 1)
    cin = cout
nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"], name="gap"))
nodes.append(helper.make_node("Flatten", ["pooled"], ["flat"], name="flatten", axis=1))
inits.append(numpy_helper.from_array((rng.standard_normal((1000, 512)) * 0.02).astype(np.float32), "fc.weight"))
inits.append(numpy_helper.from_array(np.zeros(1000, np.float32), "fc.bias"))
nodes.append(helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1))

graph = helper.make_graph(nodes, "resnet18", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1000])], inits)
model = helper.make_model(graph, producer_name="nodus tools/gen_resnet18.py", opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
