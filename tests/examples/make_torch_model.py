#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""make_torch_model.py OUT.pt: a tiny fixed-weight TorchScript "classifier"
for the torch_inference example: input [1,3,224,224], output [1,1000] =
the per-channel means times a fixed matrix. Class 16 ("dog" in COCO) scores
the red mean, class 1 the green mean, class 2 the blue mean; every other
class scores 0, so the prediction is the colour channel with the largest
normalised mean. Exit 77 if python3-torch is missing."""
import sys

try:
    import torch
except ImportError:
    print("python3-torch is not installed", file=sys.stderr)
    sys.exit(77)


class ChannelMeans(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        self.register_buffer("w", w)

    def forward(self, x):
        return x.mean(dim=[2, 3]) @ self.w


def main():
    w = torch.zeros(3, 1000)
    w[0, 16] = 1.0
    w[1, 1] = 1.0
    w[2, 2] = 1.0
    m = torch.jit.trace(ChannelMeans(w).eval(), torch.zeros(1, 3, 224, 224))
    m.save(sys.argv[1])


if __name__ == "__main__":
    main()
