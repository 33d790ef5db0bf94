#!/usr/bin/python3
"""Writes tests/data/caffe/tiny.prototxt and tiny.caffemodel: a small Caffe
network (Input, Convolution, BatchNorm, Scale, in-place ReLU, Pooling,
InnerProduct, Softmax) whose weights follow closed formulas, so tests can
recompute every value independently. Uses our own caffe.proto
(core/formats/caffe/caffe.proto), compiled with protoc --python_out into a
temporary folder. Run from anywhere: python3 tools/gen_caffe_fixtures.py"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTO_DIR = os.path.join(ROOT, "core", "formats", "caffe")
OUT = os.path.join(ROOT, "tests", "data", "caffe")


def load_schema(tmp):
    subprocess.check_call(["protoc", "--python_out=" + tmp, "-I" + PROTO_DIR, os.path.join(PROTO_DIR, "caffe.proto")])
    sys.path.insert(0, tmp)
    import caffe_pb2  # noqa: E402
    return caffe_pb2


def blob(pb, dims, values):
    b = pb.BlobProto()
    b.shape.dim.extend(dims)
    b.data.extend(values)
    return b


def formula(n, step, period, offset):
    # Exactly representable floats: (k % period - offset) * step.
    return [((k % period) - offset) * step for k in range(n)]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_schema(tmp)
        net = pb.NetParameter()
        net.name = "tiny"

        def layer(name, type_, bottoms, tops):
            l = net.layer.add()
            l.name, l.type = name, type_
            l.bottom.extend(bottoms)
            l.top.extend(tops)
            return l

        l = layer("data", "Input", [], ["data"])
        l.input_param.shape.add().dim.extend([1, 3, 8, 8])
        l = layer("conv1", "Convolution", ["data"], ["conv1"])
        l.convolution_param.num_output = 4
        l.convolution_param.kernel_size.append(3)
        l.convolution_param.pad.append(1)
        l.convolution_param.stride.append(1)
        l.blobs.append(blob(pb, [4, 3, 3, 3], formula(108, 0.125, 7, 3)))
        l.blobs.append(blob(pb, [4], [0.5, -0.25, 0.0, 1.0]))
        l = layer("bn1", "BatchNorm", ["conv1"], ["conv1"])
        l.batch_norm_param.eps = 1e-5
        l.blobs.append(blob(pb, [4], [0.5, 1.0, -1.0, 2.0]))  # mean * scale_factor
        l.blobs.append(blob(pb, [4], [2.0, 4.0, 8.0, 1.0]))  # variance * scale_factor
        l.blobs.append(blob(pb, [1], [2.0]))  # scale_factor
        l = layer("scale1", "Scale", ["conv1"], ["conv1"])
        l.scale_param.bias_term = True
        l.blobs.append(blob(pb, [4], [1.0, 0.5, 2.0, -1.0]))
        l.blobs.append(blob(pb, [4], [0.0, 0.25, -0.5, 0.125]))
        layer("relu1", "ReLU", ["conv1"], ["conv1"])
        l = layer("pool1", "Pooling", ["conv1"], ["pool1"])
        l.pooling_param.pool = pb.PoolingParameter.MAX
        l.pooling_param.kernel_size = 3
        l.pooling_param.stride = 2
        l = layer("fc", "InnerProduct", ["pool1"], ["fc"])
        l.inner_product_param.num_output = 5
        # pool1 is 4 x 4 x 4 with Caffe's ceil rounding: (8 - 3) / 2 rounded up + 1.
        l.blobs.append(blob(pb, [5, 64], formula(320, 0.0625, 11, 5)))
        l.blobs.append(blob(pb, [5], [0.0, 0.5, 1.0, -0.5, 0.25]))
        layer("prob", "Softmax", ["fc"], ["prob"])

        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(OUT, "tiny.caffemodel"), "wb") as f:
            f.write(net.SerializeToString())
        for l in net.layer:
            del l.blobs[:]
        from google.protobuf import text_format
        with open(os.path.join(OUT, "tiny.prototxt"), "w") as f:
            f.write(text_format.MessageToString(net))


if __name__ == "__main__":
    main()
