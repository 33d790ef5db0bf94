#!/usr/bin/python3
"""Writes resources/samples/sample.onnx: the model Nodus opens when started
without a file, and the fixture the GUI tests load.

A small image classifier shaped like what exporters produce (scoped node
names, folded-looking BatchNorm statistics, a symbolic batch dimension,
inferred value types), so every part of the outline and the properties panel
has something to show. Weights come from a fixed seed: rerunning the script
gives the same bytes, so the committed file never changes by accident.

Usage: tools/make_sample_model.py [OUTPUT]
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 7  # the oldest IR that opset 13 needs: readable by older runtimes too


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "resources", "samples", "sample.onnx")

    rng = np.random.RandomState(20240601)
    initializers = []

    def weight(name, shape, scale):
        array = (rng.standard_normal(shape) * scale).astype(np.float32)
        initializers.append(numpy_helper.from_array(array, name))
        return name

    def constant(name, array):
        initializers.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), name))
        return name

    nodes = []

    def conv_bn_relu(index, x, cin, cout):
        scope = f"/features/block{index}"
        prefix = f"features.block{index}"
        w = weight(f"{prefix}.conv.weight", (cout, cin, 3, 3), (2.0 / (cin * 9)) ** 0.5)
        b = weight(f"{prefix}.conv.bias", (cout,), 0.01)
        gamma = constant(f"{prefix}.bn.weight", 1.0 + 0.1 * rng.standard_normal(cout))
        beta = constant(f"{prefix}.bn.bias", 0.05 * rng.standard_normal(cout))
        mean = constant(f"{prefix}.bn.running_mean", 0.1 * rng.standard_normal(cout))
        var = constant(f"{prefix}.bn.running_var", 1.0 + 0.1 * np.abs(rng.standard_normal(cout)))
        conv = f"{scope}/conv/Conv_output_0"
        bn = f"{scope}/bn/BatchNormalization_output_0"
        relu = f"{scope}/relu/Relu_output_0"
        nodes.append(
            helper.make_node(
                "Conv", [x, w, b], [conv], name=f"{scope}/conv/Conv",
                kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], group=1,
            )
        )
        nodes.append(
            helper.make_node(
                "BatchNormalization", [conv, gamma, beta, mean, var], [bn],
                name=f"{scope}/bn/BatchNormalization", epsilon=1e-5, momentum=0.9,
            )
        )
        nodes.append(helper.make_node("Relu", [bn], [relu], name=f"{scope}/relu/Relu"))
        return relu

    x = conv_bn_relu(1, "input", 3, 8)
    x = conv_bn_relu(2, x, 8, 16)
    nodes.append(
        helper.make_node(
            "MaxPool", [x], ["/features/pool/MaxPool_output_0"], name="/features/pool/MaxPool",
            kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0], ceil_mode=0,
        )
    )
    nodes.append(
        helper.make_node(
            "GlobalAveragePool", ["/features/pool/MaxPool_output_0"], ["/avgpool/GlobalAveragePool_output_0"],
            name="/avgpool/GlobalAveragePool",
        )
    )
    nodes.append(
        helper.make_node(
            "Flatten", ["/avgpool/GlobalAveragePool_output_0"], ["/Flatten_output_0"], name="/Flatten", axis=1
        )
    )
    fc_w = weight("classifier.fc.weight", (10, 16), (1.0 / 16) ** 0.5)
    fc_b = weight("classifier.fc.bias", (10,), 0.01)
    nodes.append(
        helper.make_node(
            "Gemm", ["/Flatten_output_0", fc_w, fc_b], ["logits"], name="/classifier/fc/Gemm",
            alpha=1.0, beta=1.0, transB=1,
        )
    )
    nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], name="/Softmax", axis=1))

    graph = helper.make_graph(
        nodes,
        "sample_cnn",
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 32, 32])],
        outputs=[helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 10])],
        initializer=initializers,
        doc_string="Two conv blocks and a linear classifier over 32x32 RGB images, 10 classes.",
    )
    model = helper.make_model(
        graph,
        producer_name="nodus-sample",
        producer_version="1.0",
        doc_string="Sample model shipped with Nodus; written by tools/make_sample_model.py.",
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    model.ir_version = IR_VERSION
    model.model_version = 1
    helper.set_model_props(model, {"license": "CC0-1.0", "classes": "10"})

    # Shapes along every edge, as exporters leave them, so the outline can show them.
    model = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    onnx.checker.check_model(model, full_check=True)

    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    onnx.save(model, out)
    print(f"{out}: {len(model.graph.node)} nodes, {len(model.graph.initializer)} tensors, "
          f"{os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
