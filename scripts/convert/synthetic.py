"""Small models with known weights, for tests that must know the exact answer.

Neither is a trained model.  No depth-estimation model ships in the package
registries the project can use, so depth_synthetic stands in for one: it has
the shape of a depth model (image in, one-channel map out) and a closed-form
output that a test recomputes in numpy.
"""

import torch
import torch.nn.functional as F

# depth_synthetic: depth = 1 - blur3x3(luma(rgb)), zero padding at the border.
LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601 weights for R, G, B
BLUR = ((1, 2, 1), (2, 4, 2), (1, 2, 1))  # divided by 16: a 3x3 binomial blur

# linear_fixed: y = W x + b with small exact numbers.
LINEAR_W = ((1.0, 0.0, -1.0, 2.0), (0.0, 1.0, 1.0, 0.0), (3.0, -2.0, 0.0, 1.0))
LINEAR_B = (1.0, -1.0, 0.5)
LINEAR_SAMPLE_IN = (1.0, 2.0, 3.0, 4.0)
LINEAR_SAMPLE_OUT = (7.0, 4.0, 3.5)


class SyntheticDepth(torch.nn.Module):
    """NCHW RGB in [0,1], any H and W -> NCHW 1-channel 'depth' map.

    One 3x3 convolution whose kernel for channel c is LUMA[c] * BLUR / 16,
    so the sum over channels is the blurred luma; then 1 - that.
    """

    def __init__(self):
        super().__init__()
        blur = torch.tensor(BLUR, dtype=torch.float32) / 16.0
        luma = torch.tensor(LUMA, dtype=torch.float32)
        self.register_buffer("weight", (luma.view(3, 1, 1) * blur).unsqueeze(0))

    def forward(self, x):
        return 1.0 - F.conv2d(x, self.weight, None, 1, 1)


class LinearFixed(torch.nn.Module):
    """[1,4] -> [1,3]: y = x W^T + b."""

    def __init__(self):
        super().__init__()
        self.register_buffer("weight", torch.tensor(LINEAR_W))
        self.register_buffer("bias", torch.tensor(LINEAR_B))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)
