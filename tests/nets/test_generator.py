"""What the translation generators share: the mirror pad to the body's multiple."""

from __future__ import annotations

import torch
from torch import nn

from brushwork.nets.generator import PaddedGenerator, mirror_pad


def test_mirror_pad_reflects_as_often_as_it_takes() -> None:
    x = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    # by hand: columns 0 1 2 | 1 0 | 1 2 (reflected twice), rows 0 1 | 0 | 1
    expected = torch.tensor(
        [
            [0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0],
            [3.0, 4.0, 5.0, 4.0, 3.0, 4.0, 5.0],
            [0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0],
            [3.0, 4.0, 5.0, 4.0, 3.0, 4.0, 5.0],
        ]
    )
    assert torch.equal(mirror_pad(x, 4, 2), expected)
    assert torch.equal(mirror_pad(x[None, None], 4, 2)[0, 0], expected)  # any leading dims
    assert torch.equal(mirror_pad(x, 0, 0), x)
    # a one-pixel side has no mirror image: it is repeated
    assert torch.equal(mirror_pad(torch.tensor([[7.0]]), 2, 1), torch.full((2, 3), 7.0))


class _Seen(PaddedGenerator):
    """A body that keeps what it was given and returns it."""

    def __init__(self, multiple: int) -> None:
        super().__init__()
        self.multiple = multiple
        self.body = nn.Identity()
        self.seen: list[torch.Tensor] = []
        self.body.register_forward_hook(lambda _m, args, _out: self.seen.append(args[0]))


def test_a_generator_sees_its_input_mirrored_to_the_multiple_and_gives_back_its_size() -> None:
    net = _Seen(8)
    x = torch.rand(1, 3, 5, 6)
    out = net(x)
    (seen,) = net.seen
    assert seen.shape == (1, 3, 8, 8) and out.shape == x.shape
    assert torch.allclose(out, x)  # [0, 1] -> [-1, 1] -> back, cropped
    inner = (x * 2 - 1)[0]
    # the first padded column mirrors the last but one, not the last (an edge pad)
    assert torch.equal(seen[0, :, :5, 6], inner[:, :, 4])
    assert torch.equal(seen[0, :, :5, 7], inner[:, :, 3])
    assert torch.equal(seen[0, :, 5, :6], inner[:, 3, :])
