#!/usr/bin/python3
"""Writes the Keras fixtures of tests/data/keras with h5py and numpy only (no
TensorFlow): files laid out exactly as Keras writes them, with seeded
weights, plus the outputs for a fixed input computed here in numpy, so the
Keras -> ONNX conversion can be checked against an independent reference.

    tools/gen_keras_fixtures.py [out_dir]    (default tests/data/keras)

Files:
  cnn.h5           Keras 2.2 functional CNN (model_config as fixed-length bytes,
                   superblock v0 / symbol-table groups as h5py writes by default)
  cnn_expected.json  input and expected output of cnn.h5
  sequential.h5    Keras 2.2 Sequential model (model_config as a vlen string)
  weights.h5       save_weights layout written with libver="latest"
                   (superblock v3, v2 object headers, link messages)
  functional.keras Keras 3 archive (config.json with dict inbound_nodes,
                   model.weights.h5 with layers/<snake_case>/vars/<i>)
"""

import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np

rng = np.random.default_rng(20240611)


def init(shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


# ---- numpy reference of the layers (NHWC, as Keras computes them) ----------

def same_pads(size, k, s, d):
    ek = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + ek - size, 0)
    return total // 2, total - total // 2


def pad_hw(x, top, bottom, left, right, value=0.0):
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)


def conv2d(x, w, b, stride, padding, dilation=1, depthwise=False):
    kh, kw = w.shape[0], w.shape[1]
    if padding == "same":
        t, bo = same_pads(x.shape[1], kh, stride, dilation)
        l, r = same_pads(x.shape[2], kw, stride, dilation)
        x = pad_hw(x, t, bo, l, r)
    n, h, wd, c = x.shape
    ekh, ekw = (kh - 1) * dilation + 1, (kw - 1) * dilation + 1
    oh, ow = (h - ekh) // stride + 1, (wd - ekw) // stride + 1
    cout = w.shape[2] * w.shape[3] if depthwise else w.shape[3]
    y = np.zeros((n, oh, ow, cout), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + ekh:dilation, j * stride:j * stride + ekw:dilation, :]
            if depthwise:
                # output channel = c * multiplier + m
                y[:, i, j, :] = np.einsum("nhwc,hwcm->ncm", patch, w).reshape(n, -1)
            else:
                y[:, i, j, :] = np.einsum("nhwc,hwco->no", patch, w)
    return (y + b).astype(np.float32)


def pool(x, k, s, padding, mode):
    if padding == "same":
        t, bo = same_pads(x.shape[1], k, s, 1)
        l, r = same_pads(x.shape[2], k, s, 1)
        x = pad_hw(x, t, bo, l, r, np.nan)
    n, h, w, c = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    y = np.zeros((n, oh, ow, c), np.float32)
    for i in range(oh):
        for j in range(ow):
            win = x[:, i * s:i * s + k, j * s:j * s + k, :]
            # padding never counts (Keras/TF exclude it from averages)
            y[:, i, j, :] = np.nanmax(win, axis=(1, 2)) if mode == "max" else np.nanmean(win, axis=(1, 2))
    return y


def act(x, name):
    return {
        "linear": lambda v: v,
        "relu": lambda v: np.maximum(v, 0),
        "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
        "tanh": np.tanh,
        "softmax": lambda v: np.exp(v - v.max(-1, keepdims=True)) / np.exp(v - v.max(-1, keepdims=True)).sum(-1, keepdims=True),
    }[name](x).astype(np.float32)


# ---- Keras 2 config helpers ---------------------------------------------------

INIT = {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
ONES = {"class_name": "Ones", "config": {}}


def conv_config(name, filters, k, strides, padding, dilation, activation):
    return {"name": name, "trainable": True, "filters": filters, "kernel_size": [k, k], "strides": [strides, strides],
            "padding": padding, "data_format": "channels_last", "dilation_rate": [dilation, dilation],
            "activation": activation, "use_bias": True, "kernel_initializer": INIT, "bias_initializer": ZEROS,
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None}


class Keras2Model:
    """Collects layers, configs and weights as Keras 2.2 names them."""

    def __init__(self):
        self.layers = []  # config dicts
        self.weights = {}  # layer -> [(weight name, array)]

    def add(self, cls, name, config, inbound, weights=()):
        config = dict(config)
        config["name"] = name
        entry = {"name": name, "class_name": cls, "config": config,
                 "inbound_nodes": [[[i, 0, 0, {}] for i in inbound]] if inbound else []}
        self.layers.append(entry)
        self.weights[name] = [(f"{name}/{w}:0", a) for w, a in weights]
        return name


def write_keras2_h5(path, model_config, layer_order, weights, config_as_bytes):
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.2.4" if config_as_bytes else "2.2.4"
        f.attrs["backend"] = b"tensorflow" if config_as_bytes else "tensorflow"
        text = json.dumps(model_config)
        f.attrs["model_config"] = text.encode("utf8") if config_as_bytes else text
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([n.encode("utf8") for n in layer_order])
        g.attrs["backend"] = b"tensorflow"
        g.attrs["keras_version"] = b"2.2.4"
        for name in layer_order:
            lg = g.create_group(name)
            lg.attrs["weight_names"] = np.array([w.encode("utf8") for w, _ in weights[name]], dtype="S")
            for w, a in weights[name]:
                lg.create_dataset(w, data=a)


def cnn(out_dir):
    m = Keras2Model()
    x_in = m.add("InputLayer", "input_1", {"batch_input_shape": [None, 8, 8, 3], "dtype": "float32", "sparse": False}, [])
    w = {}
    w["c1"] = (init((3, 3, 3, 6)), init((6,), 0.1))
    m.add("Conv2D", "conv2d_1", conv_config("conv2d_1", 6, 3, 1, "same", 1, "relu"), [x_in],
          [("kernel", w["c1"][0]), ("bias", w["c1"][1])])
    bn = (np.abs(init((6,))) + 0.5, init((6,), 0.2), init((6,), 0.3), np.abs(init((6,))) + 0.2)
    m.add("BatchNormalization", "batch_normalization_1",
          {"trainable": True, "axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
           "beta_initializer": ZEROS, "gamma_initializer": ONES, "moving_mean_initializer": ZEROS,
           "moving_variance_initializer": ONES, "beta_regularizer": None, "gamma_regularizer": None,
           "beta_constraint": None, "gamma_constraint": None}, ["conv2d_1"],
          [("gamma", bn[0]), ("beta", bn[1]), ("moving_mean", bn[2]), ("moving_variance", bn[3])])
    dw = (init((3, 3, 6, 1)), init((6,), 0.1))
    dconf = conv_config("depthwise_conv2d_1", 6, 3, 1, "same", 1, "relu")
    del dconf["filters"], dconf["kernel_initializer"], dconf["kernel_regularizer"], dconf["kernel_constraint"]
    dconf.update({"depth_multiplier": 1, "depthwise_initializer": INIT, "depthwise_regularizer": None,
                  "depthwise_constraint": None})
    m.add("DepthwiseConv2D", "depthwise_conv2d_1", dconf, ["batch_normalization_1"],
          [("depthwise_kernel", dw[0]), ("bias", dw[1])])
    m.add("Add", "add_1", {"trainable": True}, ["batch_normalization_1", "depthwise_conv2d_1"])
    m.add("MaxPooling2D", "max_pooling2d_1", {"trainable": True, "pool_size": [2, 2], "padding": "valid",
          "strides": [2, 2], "data_format": "channels_last"}, ["add_1"])
    m.add("AveragePooling2D", "average_pooling2d_1", {"trainable": True, "pool_size": [2, 2], "padding": "same",
          "strides": [1, 1], "data_format": "channels_last"}, ["max_pooling2d_1"])
    m.add("ZeroPadding2D", "zero_padding2d_1", {"trainable": True, "padding": [[1, 1], [1, 1]],
          "data_format": "channels_last"}, [x_in])
    w["z"] = (init((3, 3, 3, 4)), init((4,), 0.1))
    m.add("Conv2D", "conv2d_2", conv_config("conv2d_2", 4, 3, 2, "valid", 1, "tanh"), ["zero_padding2d_1"],
          [("kernel", w["z"][0]), ("bias", w["z"][1])])
    w["e"] = (init((3, 3, 6, 2)), init((2,), 0.1))
    m.add("Conv2D", "conv2d_3", conv_config("conv2d_3", 2, 3, 1, "same", 2, "sigmoid"), ["max_pooling2d_1"],
          [("kernel", w["e"][0]), ("bias", w["e"][1])])
    w["s2"] = (init((3, 3, 3, 3)), init((3,), 0.1))
    m.add("Conv2D", "conv2d_4", conv_config("conv2d_4", 3, 3, 2, "same", 1, "linear"), [x_in],
          [("kernel", w["s2"][0]), ("bias", w["s2"][1])])
    m.add("Concatenate", "concatenate_1", {"trainable": True, "axis": -1},
          ["average_pooling2d_1", "conv2d_2", "conv2d_3", "conv2d_4"])
    m.add("GlobalAveragePooling2D", "global_average_pooling2d_1", {"trainable": True, "data_format": "channels_last"},
          ["concatenate_1"])
    m.add("Flatten", "flatten_1", {"trainable": True, "data_format": "channels_last"}, ["concatenate_1"])
    m.add("Dropout", "dropout_1", {"trainable": True, "rate": 0.5, "noise_shape": None, "seed": None}, ["flatten_1"])
    w["d1"] = (init((240, 8), 0.1), init((8,), 0.1))
    dense = lambda name, units, a: {"name": name, "trainable": True, "units": units, "activation": a, "use_bias": True,
                                    "kernel_initializer": INIT, "bias_initializer": ZEROS, "kernel_regularizer": None,
                                    "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
                                    "bias_constraint": None}
    m.add("Dense", "dense_1", dense("dense_1", 8, "relu"), ["dropout_1"], [("kernel", w["d1"][0]), ("bias", w["d1"][1])])
    m.add("Concatenate", "concatenate_2", {"trainable": True, "axis": -1}, ["global_average_pooling2d_1", "dense_1"])
    m.add("Reshape", "reshape_1", {"trainable": True, "target_shape": [23, 1]}, ["concatenate_2"])
    m.add("Flatten", "flatten_2", {"trainable": True, "data_format": "channels_last"}, ["reshape_1"])
    w["d2"] = (init((23, 5), 0.5), init((5,), 0.1))
    m.add("Dense", "dense_2", dense("dense_2", 5, "linear"), ["flatten_2"], [("kernel", w["d2"][0]), ("bias", w["d2"][1])])
    m.add("Activation", "activation_1", {"trainable": True, "activation": "softmax"}, ["dense_2"])
    config = {"class_name": "Model", "config": {"name": "model_1", "layers": m.layers,
              "input_layers": [["input_1", 0, 0]], "output_layers": [["activation_1", 0, 0]]}}
    order = [l["name"] for l in m.layers]
    write_keras2_h5(os.path.join(out_dir, "cnn.h5"), config, order, m.weights, True)

    # The reference.
    x = np.linspace(-1, 1, 8 * 8 * 3, dtype=np.float32).reshape(1, 8, 8, 3) * np.float32(1.5)
    c1 = act(conv2d(x, *w["c1"], 1, "same"), "relu")
    b1 = ((c1 - bn[2]) / np.sqrt(bn[3] + 0.001) * bn[0] + bn[1]).astype(np.float32)
    d = act(conv2d(b1, dw[0], dw[1], 1, "same", depthwise=True), "relu")
    p = pool(b1 + d, 2, 2, "valid", "max")
    q = pool(p, 2, 1, "same", "avg")
    z = act(conv2d(pad_hw(x, 1, 1, 1, 1), *w["z"], 2, "valid"), "tanh")
    e = act(conv2d(p, *w["e"], 1, "same", 2), "sigmoid")
    s2 = conv2d(x, *w["s2"], 2, "same")
    cat = np.concatenate([q, z, e, s2], -1)
    g = cat.mean(axis=(1, 2))
    f = act(cat.reshape(1, -1) @ w["d1"][0] + w["d1"][1], "relu")
    h = np.concatenate([g, f], -1)
    y = act(h @ w["d2"][0] + w["d2"][1], "softmax")
    with open(os.path.join(out_dir, "cnn_expected.json"), "w") as out:
        json.dump({"input": {"dims": list(x.shape), "data": [float(v) for v in x.ravel()]},
                   "output": {"dims": list(y.shape), "data": [float(v) for v in y.ravel()]},
                   "conv2d_1_kernel_first": float(w["c1"][0].ravel()[0]),
                   "dense_2_bias": [float(v) for v in w["d2"][1]]}, out, indent=1)


def sequential(out_dir):
    layers = [
        {"class_name": "Conv2D", "config": dict(conv_config("conv2d_1", 2, 3, 1, "valid", 1, "relu"),
                                                 batch_input_shape=[None, 5, 5, 1], dtype="float32")},
        {"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d_1", "trainable": True, "pool_size": [3, 3],
                                                  "padding": "valid", "strides": [3, 3], "data_format": "channels_last"}},
        {"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": True, "data_format": "channels_last"}},
        {"class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "units": 3, "activation": "softmax",
                                           "use_bias": True}},
    ]
    k = np.arange(18, dtype=np.float32).reshape(3, 3, 1, 2) / 10
    weights = {"conv2d_1": [("conv2d_1/kernel:0", k), ("conv2d_1/bias:0", np.array([0.5, -0.5], np.float32))],
               "max_pooling2d_1": [], "flatten_1": [],
               "dense_1": [("dense_1/kernel:0", np.ones((2, 3), np.float32)), ("dense_1/bias:0", np.zeros(3, np.float32))]}
    config = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": layers}}
    write_keras2_h5(os.path.join(out_dir, "sequential.h5"), config, list(weights), weights, False)


def weights_only(out_dir):
    with h5py.File(os.path.join(out_dir, "weights.h5"), "w", libver="latest") as f:
        f.attrs["layer_names"] = np.array([b"dense_1", b"dense_2"])
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "2.2.4"
        for name, shape in (("dense_1", (4, 3)), ("dense_2", (3, 2))):
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()])
            n = int(np.prod(shape))
            g.create_dataset(f"{name}/kernel:0", data=np.arange(n, dtype=np.float32).reshape(shape))
            g.create_dataset(f"{name}/bias:0", data=np.full(shape[1], 0.25, np.float32))
        # A big-endian float64 weight, byte-swapped by the reader.
        g = f["dense_2"]
        g.attrs["weight_names"] = np.array([b"dense_2/kernel:0", b"dense_2/bias:0", b"dense_2/scale:0"])
        g.create_dataset("dense_2/scale:0", data=np.array([1.5, -2.5], dtype=">f8"))


def keras3(out_dir):
    tensor = lambda layer, shape: {"class_name": "__keras_tensor__",
                                   "config": {"shape": shape, "dtype": "float32", "keras_history": [layer, 0, 0]}}
    dense = lambda name, units, a: {"module": "keras.layers", "class_name": "Dense",
                                    "config": {"name": name, "trainable": True, "dtype": "float32", "units": units,
                                               "activation": a, "use_bias": True},
                                    "registered_name": None, "build_config": {"input_shape": [None, 6]}, "name": name}
    d1 = dense("hidden", 4, "relu")
    d1["inbound_nodes"] = [{"args": [tensor("input_layer", [None, 6])], "kwargs": {}}]
    d2 = dense("skip", 4, "linear")
    d2["inbound_nodes"] = [{"args": [tensor("input_layer", [None, 6])], "kwargs": {}}]
    add = {"module": "keras.layers", "class_name": "Add", "config": {"name": "add", "trainable": True, "dtype": "float32"},
           "registered_name": None, "name": "add",
           "inbound_nodes": [{"args": [[tensor("hidden", [None, 4]), tensor("skip", [None, 4])]], "kwargs": {}}]}
    config = {"module": "keras", "class_name": "Functional", "config": {"name": "functional", "trainable": True,
              "layers": [{"module": "keras.layers", "class_name": "InputLayer",
                          "config": {"batch_shape": [None, 6], "dtype": "float32", "sparse": False, "name": "input_layer"},
                          "registered_name": None, "name": "input_layer", "inbound_nodes": []}, d1, d2, add],
              "input_layers": [["input_layer", 0, 0]], "output_layers": [["add", 0, 0]]},
              "registered_name": "Functional", "build_config": {"input_shape": None}, "compile_config": None}
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        layers = f.create_group("layers")
        for key, seed in (("dense", 1.0), ("dense_1", -1.0)):
            v = layers.create_group(key).create_group("vars")
            v.create_dataset("0", data=(np.arange(24, dtype=np.float32).reshape(6, 4) / 24 * seed))
            v.create_dataset("1", data=np.full(4, 0.5 * seed, np.float32))
        layers.create_group("add").create_group("vars")
        f.create_group("optimizer").create_group("vars")
    with zipfile.ZipFile(os.path.join(out_dir, "functional.keras"), "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.3.3", "date_saved": "2024-06-11@12:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buf.getvalue())


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data", "keras")
    os.makedirs(out_dir, exist_ok=True)
    cnn(out_dir)
    sequential(out_dir)
    weights_only(out_dir)
    keras3(out_dir)


if __name__ == "__main__":
    main()
