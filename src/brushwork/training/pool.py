"""The image pool of Shrivastava et al. ("Learning from Simulated and Unsupervised Images
through Adversarial Training", CVPR 2017), as CycleGAN uses it (Zhu et al., ICCV 2017, section
4): the discriminators learn from a history of 50 generated images rather than only the latest
ones, which damps the oscillation of the two players.

The pool is a module whose buffers hold the history, so a checkpoint keeps it and a resumed run
continues bit for bit; its random choices come from torch's generator, which checkpoints keep.
"""

from __future__ import annotations

import torch
from torch import nn

from brushwork.errors import OptionError


class ImagePool(nn.Module):
    """Up to ``size`` past fakes of shape ``shape`` (C, H, W).

    :meth:`query` takes a batch of new fakes and returns as many images: while the pool fills,
    the new fakes themselves (each stored); then, for each, with probability 1/2 a stored fake
    (replaced by the new one) and otherwise the new fake. ``size=0``: no pool.
    """

    def __init__(self, size: int, shape: tuple[int, int, int]) -> None:
        super().__init__()
        if size < 0:
            raise OptionError(f"pool size must be >= 0, got {size}")
        self.size = size
        self.images: torch.Tensor
        self.count: torch.Tensor
        self.register_buffer("images", torch.zeros(size, *shape))
        self.register_buffer("count", torch.zeros((), dtype=torch.long))

    def query(self, fakes: torch.Tensor) -> torch.Tensor:
        """The images the discriminator should judge as fake this step (detached)."""
        fakes = fakes.detach()
        if self.size == 0:
            return fakes
        out = []
        for fake in fakes:
            n = int(self.count)
            if n < self.size:
                self.images[n] = fake.to(self.images.dtype)
                self.count += 1
                out.append(fake)
            elif float(torch.rand(())) < 0.5:
                k = int(torch.randint(self.size, ()))
                out.append(self.images[k].clone().to(fake.dtype))
                self.images[k] = fake.to(self.images.dtype)
            else:
                out.append(fake)
        return torch.stack(out)
