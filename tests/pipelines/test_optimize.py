"""Gatys optimisation on real images with the real VGG19, at small sizes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import brushwork as bw
from brushwork import image as imageio
from brushwork.errors import OptionError
from brushwork.ops import color
from brushwork.pipelines.optimize import OptimizeConfig, build_loss, optimize_result


def _style_loss(img: Image.Image, content: Image.Image, style: Image.Image) -> float:
    cfg = OptimizeConfig(precision="fp32", device="cpu", tv_weight=0)
    c = imageio.to_tensor(content)
    s = imageio.to_tensor(
        imageio.resize(style, imageio.size_for_area(style.size, c.shape[-1] * c.shape[-2]))
    )
    loss = build_loss(c, [s], cfg, torch.device("cpu"))
    with torch.no_grad():
        return float(loss(imageio.to_tensor(img))["style"])


def test_twenty_lbfgs_steps_lower_the_style_loss_tenfold(small) -> None:  # type: ignore[no-untyped-def]
    content, style = small("content/tubingen.jpg", 96), small("style/starry_night.jpg", 96)
    r = optimize_result(content, [style], steps=20, size=96, device="cpu", progress=False)
    assert r.image.size == content.size
    before = _style_loss(content, content, style)
    after = _style_loss(r.image, content, style)
    assert after < before / 10, (before, after)
    assert r.history[-1] < r.history[0] / 10
    # still the content: closer to the photo than to the painting
    x, c = np.asarray(r.image, float), np.asarray(content, float)
    s = np.asarray(style.resize(content.size), float)
    assert np.abs(x - c).mean() < np.abs(x - s).mean()


def test_bf16_keeps_the_result(small) -> None:  # type: ignore[no-untyped-def]
    content, style = small("content/golden_gate.jpg", 64), small("style/the_scream.jpg", 64)
    kw = dict(steps=10, size=64, device="cpu", progress=False)
    f32 = optimize_result(content, [style], precision="fp32", **kw)
    b16 = optimize_result(content, [style], precision="bf16", **kw)
    l32, l16 = _style_loss(f32.image, content, style), _style_loss(b16.image, content, style)
    assert l16 < 1.3 * l32 and l32 < 1.3 * l16


def test_luminance_mode_keeps_the_content_chrominance(small) -> None:  # type: ignore[no-untyped-def]
    content, style = small("content/golden_gate.jpg", 96), small("style/starry_night.jpg", 96)
    out = bw.optimize(
        content,
        [style],
        steps=15,
        size=96,
        preserve_color="luminance",
        device="cpu",
        progress=False,
    )
    yo, yc = color.rgb_to_yiq(imageio.to_tensor(out)), color.rgb_to_yiq(imageio.to_tensor(content))
    assert (yo[:, 1:] - yc[:, 1:]).abs().mean() < 0.01  # I and Q are the content's
    assert (yo[:, :1] - yc[:, :1]).abs().mean() > 0.02  # luminance was stylised
    plain = bw.optimize(content, [style], steps=15, size=96, device="cpu", progress=False)
    yp = color.rgb_to_yiq(imageio.to_tensor(plain))
    assert (yp[:, 1:] - yc[:, 1:]).abs().mean() > 3 * (yo[:, 1:] - yc[:, 1:]).abs().mean()


def test_histogram_mode_takes_the_content_palette(small) -> None:  # type: ignore[no-untyped-def]
    content, style = small("content/golden_gate.jpg", 96), small("style/starry_night.jpg", 96)
    kw = dict(steps=15, size=96, device="cpu", progress=False)
    hist = imageio.to_tensor(bw.optimize(content, [style], preserve_color="histogram", **kw))
    plain = imageio.to_tensor(bw.optimize(content, [style], **kw))
    c = imageio.to_tensor(content)
    mean = lambda t: t.mean(dim=(0, 2, 3))  # noqa: E731
    assert (mean(hist) - mean(c)).abs().sum() < 0.5 * (mean(plain) - mean(c)).abs().sum()


def test_coarse_to_fine_and_intermediate_images(small) -> None:  # type: ignore[no-untyped-def]
    content, style = small("content/lion.jpg", 128), small("style/composition_vii.jpg", 96)
    seen: list[tuple[int, int, tuple[int, ...]]] = []
    r = optimize_result(
        content, [style], scales=(48, 96), steps=(12, 6), device="cpu", progress=False,
        callback=lambda lvl, step, x, loss: seen.append((lvl, step, tuple(x.shape))),
    )  # fmt: skip
    assert max(r.image.size) == 96
    assert [s[:2] for s in seen] == [(0, i) for i in range(1, 13)] + [(1, i) for i in range(1, 7)]
    assert seen[0][2][-1] == 48 or seen[0][2][-2] == 48
    # the fine level starts from the coarse result: few steps already give a low style loss
    direct = optimize_result(content, [style], size=96, steps=6, device="cpu", progress=False)
    big = imageio.resize(content, r.image.size)
    assert _style_loss(r.image, big, style) < _style_loss(direct.image, big, style)


def test_adam_and_noise_init_are_seeded(small) -> None:  # type: ignore[no-untyped-def]
    content, style = small("content/tubingen.jpg", 64), small("style/starry_night.jpg", 64)
    kw = dict(
        steps=10, size=64, optimizer="adam", init="noise", seed=3, device="cpu", progress=False
    )
    a, b = optimize_result(content, [style], **kw), optimize_result(content, [style], **kw)
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    assert a.history[-1] < a.history[0]


def test_two_styles_blend_between_them(small) -> None:  # type: ignore[no-untyped-def]
    content = small("content/tubingen.jpg", 80)
    s1, s2 = small("style/starry_night.jpg", 80), small("style/the_scream.jpg", 80)
    kw = dict(steps=20, size=80, device="cpu", progress=False)
    only1 = bw.optimize(content, [s1], **kw)
    mix = bw.optimize(content, [s1, s2], style_weights=(0.5, 0.5), **kw)
    assert _style_loss(only1, content, s1) < _style_loss(mix, content, s1)
    assert _style_loss(mix, content, s2) < _style_loss(only1, content, s2)


def test_spatial_mask_gives_each_region_its_style(small) -> None:  # type: ignore[no-untyped-def]
    content = small("content/tubingen.jpg", 96)
    s1, s2 = small("style/starry_night.jpg", 96), small("style/the_scream.jpg", 96)
    w, h = content.size
    mask = Image.new("RGB", (w, h), "white")
    mask.paste((0, 0, 0), (0, 0, w // 2, h))  # left: first style
    out = bw.optimize(content, [s1, s2], mask=mask, steps=25, size=96, device="cpu", progress=False)
    left, right = out.crop((0, 0, w // 2, h)), out.crop((w // 2, 0, w, h))
    cl, cr = content.crop((0, 0, w // 2, h)), content.crop((w // 2, 0, w, h))
    assert _style_loss(left, cl, s1) < _style_loss(left, cl, s2)
    assert _style_loss(right, cr, s2) < _style_loss(right, cr, s1)


def test_alpha_is_restored(small) -> None:  # type: ignore[no-untyped-def]
    content = small("content/tubingen.jpg", 64).convert("RGBA")
    content.putalpha(Image.linear_gradient("L").resize(content.size))
    out = bw.optimize(
        content,
        [small("style/starry_night.jpg", 64)],
        steps=3,
        size=64,
        device="cpu",
        progress=False,
    )
    assert out.mode == "RGBA"
    assert (
        np.abs(
            np.asarray(out.getchannel("A"), int) - np.asarray(content.getchannel("A"), int)
        ).max()
        <= 1
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"optimizer": "sgd"}, "unknown optimizer 'sgd'"),
        ({"content_layers": {"relu9_9": 1.0}}, "unknown VGG19 layer"),
        ({"preserve_color": "hue"}, "colour-preservation"),
        ({"init": "zeros"}, "unknown init"),
        ({"scales": (512, 256)}, "scales must increase"),
        ({"steps": 0}, "steps must be positive"),
        ({"style_weight": -1.0}, "style_weight"),
        ({"precision": "fp8"}, "unknown precision"),
        ({"size": 100_000}, "GiB of memory"),
        ({"stpes": 3}, "unknown option 'stpes'.*steps"),
    ],
)
def test_bad_options(small, options: dict[str, object], message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionError, match=message):
        optimize_result(small("content/tubingen.jpg", 64), [small("style/starry_night.jpg", 64)],
                        progress=False, device="cpu", **options)  # fmt: skip


def test_mask_that_does_not_fit(small) -> None:  # type: ignore[no-untyped-def]
    content, s = small("content/tubingen.jpg", 64), small("style/starry_night.jpg", 64)
    with pytest.raises(OptionError, match="same shape"):
        bw.optimize(content, [s, s], mask=Image.new("RGB", (64, 64)), steps=1, progress=False)
    noisy = Image.fromarray(
        np.random.default_rng(0).integers(0, 255, (content.size[1], content.size[0], 3), np.uint8)
    )
    with pytest.raises(OptionError, match="mask colours do not fit"):
        bw.optimize(content, [s, s], mask=noisy, steps=1, progress=False)
    with pytest.raises(OptionError, match="style weights cannot be combined"):
        bw.optimize(content, [s, s], mask=noisy, style_weights=(1, 1), steps=1, progress=False)


@pytest.mark.slow
def test_full_size_tubingen_starry_night(data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = bw.optimize(
        data / "content/tubingen.jpg", [data / "style/starry_night.jpg"], size=512, steps=300
    )
    imageio.save(out, tmp_path / "tubingen_starry.png")
    assert max(out.size) == 512


def test_interrupt_is_called_at_every_evaluation_and_stops_at_once(small) -> None:  # type: ignore[no-untyped-def]
    c, s = small("content/tubingen.jpg", 48), small("style/starry_night.jpg", 48)
    evaluations: list[int] = []
    steps: list[int] = []
    optimize_result(
        c, [s], steps=3, size=48, progress=False,
        callback=lambda level, step, x, loss: steps.append(step),
        interrupt=lambda: evaluations.append(len(steps)),
    )  # fmt: skip
    # warm-up steps search along a line: several evaluations a step, each one interruptible
    assert steps == [1, 2, 3] and len(evaluations) > 3
    assert sorted(set(evaluations)) == [0, 1, 2]

    class Stop(Exception):
        pass

    calls = 0

    def stop() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Stop

    with pytest.raises(Stop):
        optimize_result(c, [s], steps=3, size=48, progress=False, interrupt=stop,
                        callback=lambda *a: steps.append(-1))  # fmt: skip
    assert -1 not in steps  # stopped inside the first step's line search
