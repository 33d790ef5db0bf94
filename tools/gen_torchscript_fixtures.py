#!/usr/bin/env python3
"""Writes the TorchScript fixtures of tests/test_torchscript.cpp.

tests/data/torchscript/small_cnn_script.pt  torch.jit.script of SmallCnn
tests/data/torchscript/small_cnn_trace.pt   torch.jit.trace of the same net
tests/data/torchscript/small_cnn.json       what the tests check: parameter
                                             names, shapes and first values

SmallCnn: conv2d(3->4, 3x3, padding 1), batch_norm, relu, max_pool2d(2),
flatten, linear(64->5), for a 1x3x8x8 input. Channel counts are small so each
archive stays a few KB. Needs Debian's python3-torch (1.13).

Usage: python3 tools/gen_torchscript_fixtures.py [output folder]
"""
import json
import os
import sys

import torch
from torch import nn


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        x = self.pool(self.relu(self.bn(self.conv(x))))
        x = torch.flatten(x, 1)
        return self.fc(x)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "torchscript")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1)
    net = SmallCnn()
    with torch.no_grad():
        # Running statistics that are not the defaults, so a test can tell them apart.
        net.bn.running_mean.copy_(torch.arange(4, dtype=torch.float32) * 0.25)
        net.bn.running_var.copy_(torch.arange(4, dtype=torch.float32) + 1.0)
    net.eval()
    example = torch.zeros(1, 3, 8, 8)
    scripted = torch.jit.script(net)
    traced = torch.jit.trace(net, example)
    scripted.save(os.path.join(out, "small_cnn_script.pt"))
    traced.save(os.path.join(out, "small_cnn_trace.pt"))

    facts = {
        "parameters": {
            name: {"shape": list(t.shape), "first": float(t.flatten()[0])}
            for name, t in net.state_dict().items()
        },
        "output_for_ones": [float(v) for v in net(torch.ones(1, 3, 8, 8)).flatten()],
    }
    with open(os.path.join(out, "small_cnn.json"), "w") as f:
        json.dump(facts, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
