"""Video stylisation end to end on the real clips: timing and sound kept, flicker measurably
reduced by the flow blend, every method, interruption safe."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import brushwork as bw
from brushwork import video as videoio
from brushwork.errors import OptionError
from brushwork.ops.flow import consistency_mask, estimate_flow, warp
from brushwork.pipelines.optimize import OptimizeConfig
from brushwork.pipelines.video import TemporalBlend, keep_texture, optimize_frames, to_tensor

LITE = "starry_night_lite"


def warping_error(inputs: list[np.ndarray], outputs: list[np.ndarray]) -> float:
    """Mean |o_t - W(o_t-1)| in reliable pixels, flow from the input frames."""
    errs = []
    for t in range(1, len(inputs)):
        back = estimate_flow(inputs[t], inputs[t - 1])
        mask = consistency_mask(back, estimate_flow(inputs[t - 1], inputs[t]))
        d = (
            (to_tensor(outputs[t]) - warp(to_tensor(outputs[t - 1]), back))
            .abs()
            .mean(1, keepdim=True)
        )
        errs.append(float((d * mask).sum() / mask.sum()))
    return float(np.mean(errs))


def test_clip_keeps_frames_rate_duration_and_sound(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "bunny.mp4"
    r = bw.stylize_video(data / "video/big_buck_bunny_cut.mp4", out, LITE, start=1.0, end=2.5,
                         size=96, progress=False)  # fmt: skip
    info = videoio.probe(out)
    assert (r.frames, info.frames, info.fps) == (36, 36, 24)
    assert info.duration == pytest.approx(1.5, abs=1e-3) and (info.width, info.height) == (96, 54)
    assert r.audio and info.audio == "aac" and r.network_seconds <= r.seconds
    import av

    with av.open(str(out)) as c:
        s = c.streams.audio[0]
        sound = float(sum(p.duration or 0 for p in c.demux(s)) * s.time_base)
    assert sound == pytest.approx(1.5, abs=0.05)


def test_flow_cuts_the_flicker_of_the_sintel_frames(data: Path, tmp_path: Path) -> None:
    runs = {}
    for temporal in ("off", "flow"):
        inputs: list[np.ndarray] = []
        outputs: list[np.ndarray] = []

        def keep(i: int, x: torch.Tensor, y: torch.Tensor, inputs: list[np.ndarray] = inputs,
                 outputs: list[np.ndarray] = outputs) -> None:  # fmt: skip
            inputs.append((x[0] * 255).round().byte().permute(1, 2, 0).numpy())
            outputs.append((y[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy())

        bw.stylize_video(data / "video/sintel_ambush_4.mp4", tmp_path / f"{temporal}.mp4", LITE,
                         end=0.5, size=192, temporal=temporal, progress=False, callback=keep)  # fmt: skip
        runs[temporal] = warping_error(inputs, outputs)
        # the stylised frames differ from the photo: a style was applied
        assert np.abs(outputs[3].astype(float) - inputs[3]).mean() > 10
    assert runs["flow"] < 0.6 * runs["off"], runs


def test_temporal_blend_holds_still_pixels_and_refreshes_changed_ones() -> None:
    still = np.zeros((48, 48, 3), np.uint8)
    still[::4] = 200  # texture for the flow
    blend = TemporalBlend(weight=0.8)
    first = blend(still, torch.zeros(1, 3, 48, 48))
    assert first.abs().max() == 0  # nothing before the first frame
    second = blend(still, torch.ones(1, 3, 48, 48))
    assert second[..., 8:-8, 8:-8].mean().item() == pytest.approx(0.2, abs=0.02)
    changed = still.copy()
    changed[16:32, 16:32] = 255  # a new bright patch: no match in the previous frame
    third = blend(changed, torch.ones(1, 3, 48, 48))
    assert third[0, :, 22:26, 22:26].min().item() == pytest.approx(1.0)
    with pytest.raises(OptionError, match="temporal weight"):
        TemporalBlend(weight=1.0)


def test_pixels_that_entered_the_frame_are_not_blended() -> None:
    """A pan by 6 px: the 6 columns that came in from outside have no predecessor, so the
    blend leaves them fresh (the warp would repeat the border there)."""
    rng = np.random.default_rng(0)
    scene = (rng.random((64, 90, 3)) * 255).astype(np.uint8)
    scene = np.asarray(
        torch.nn.functional.avg_pool2d(torch.tensor(scene).permute(2, 0, 1).float()[None], 3, 1, 1)[0]
        .permute(1, 2, 0).byte()
    )  # fmt: skip
    before, after = scene[:, 6:70], scene[:, 0:64]  # the camera moved left: new columns 0-5
    motion = TemporalBlend().motion(after, before)
    assert float(motion.backward[0, 0, 20:44, 20:44].mean()) == pytest.approx(-6.0, abs=0.5)
    assert float(motion.reliable[0, 0, 16:48, 3].max()) < 0.5
    assert float(motion.reliable[0, 0, 16:48, 30:40].mean()) > 0.9


def test_keep_texture_gives_a_blend_back_the_fresh_frames_contrast() -> None:
    """Stripes a (0/1) mixed 0.8 : 0.2 with the same stripes moved by one (1 - a) are
    0.2 + 0.6 a, 0.6x the contrast; around the local mean (0.5 within 1/30 for a 15-pixel
    window) the gain sqrt(var(a) / var(mix)) = 1/0.6 gives a back. A still scene (the mix is
    the fresh frame) is left exactly alone, and the gain is capped."""
    a = torch.zeros(1, 3, 40, 40)
    a[..., ::2] = 1.0
    b = 1.0 - a
    mixed = 0.8 * a + 0.2 * b
    out = keep_texture(mixed, a, radius=7)
    inner = (..., slice(8, -8), slice(8, -8))
    torch.testing.assert_close(out[inner], a[inner], atol=0.05, rtol=0)
    assert float(mixed[inner].std()) == pytest.approx(0.6 * float(a[inner].std()), rel=1e-3)
    assert float(out[inner].std()) == pytest.approx(float(a[inner].std()), rel=0.05)
    assert torch.equal(keep_texture(a, a), a)
    flat = 0.5 + 0.01 * (a - 0.5)  # nearly grey: at most twice its detail comes back
    capped = keep_texture(flat, a, radius=7, max_gain=2.0)
    assert float((capped[inner] - 0.5).abs().max()) <= 2 * 0.005 + 1e-3
    # the blend of a video: with texture (default) the plain mix's contrast comes back
    frame = np.zeros((40, 40, 3), np.uint8)
    frame[:, ::4] = 200
    for texture, want in ((False, 0.6), (True, 1.0)):
        blend = TemporalBlend(weight=0.2, texture=texture)
        blend(frame, b)
        got = blend(frame, a)
        # the still frame's flow is reliable inside: 0.8 a + 0.2 b there
        ratio = float(got[inner].std()) / float(a[inner].std())
        assert ratio == pytest.approx(want, abs=0.06), texture


def test_adain_and_multi_style_videos(data: Path, tmp_path: Path) -> None:
    src = data / "video/sintel_ambush_4.mp4"
    r = bw.stylize_video(src, tmp_path / "a.gif", "adain", style=data / "style/mondrian.jpg",
                         end=0.25, size=96, alpha=0.8, progress=False)  # fmt: skip
    assert r.frames == 6 and videoio.probe(tmp_path / "a.gif").frames == 6
    multi = bw.load("paintings", style="udnie:0.5,the_scream:0.5")
    r = bw.stylize_video(src, tmp_path / "m.webm", multi, end=0.25, size=96, progress=False)
    assert r.frames == 6
    # WCT: the styles' colouring matrices are computed once and serve every frame
    r = bw.stylize_video(src, tmp_path / "w.mp4", "wct", style=data / "style/mondrian.jpg",
                         end=0.25, size=64, progress=False)  # fmt: skip
    assert r.frames == 6 and videoio.probe(tmp_path / "w.mp4").frames == 6


def test_optimisation_starts_from_the_warped_previous_result(small) -> None:  # type: ignore[no-untyped-def]
    photo = bw.image.to_tensor(small("content/tubingen.jpg", 48))
    run = optimize_frames([small("style/starry_night.jpg", 48)], OptimizeConfig(steps=1, size=48))
    previous = torch.rand_like(photo)
    from_previous = run(photo, previous)
    from_photo = run(photo, None)
    assert (from_previous - previous).abs().mean() < (from_previous - photo).abs().mean()
    assert (from_photo - photo).abs().mean() < (from_photo - previous).abs().mean()


def test_a_slow_optimised_video_runs(data: Path, tmp_path: Path) -> None:
    cfg = OptimizeConfig(steps=2, size=None)
    r = bw.stylize_video(data / "video/sintel_ambush_4.mp4", tmp_path / "o.mp4", optimize=cfg,
                         style=data / "style/starry_night.jpg", end=0.1, size=64, progress=False)  # fmt: skip
    assert r.frames == 3


def test_interrupted_run_leaves_no_output(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.mp4"
    out.write_bytes(b"keep me")

    def stop(i: int, x: torch.Tensor, y: torch.Tensor) -> None:
        if i == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        bw.stylize_video(data / "video/sintel_ambush_4.mp4", out, LITE, size=64, overwrite=True,
                         progress=False, callback=stop)  # fmt: skip
    assert out.read_bytes() == b"keep me" and [p.name for p in tmp_path.iterdir()] == ["o.mp4"]


def test_option_errors(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = data / "video/sintel_ambush_4.mp4"
    with pytest.raises(OptionError, match="temporal mode"):
        bw.stylize_video(src, tmp_path / "o.mp4", LITE, temporal="smooth")
    with pytest.raises(OptionError, match=r"any-style model \(AdaIN\)"):
        bw.stylize_video(src, tmp_path / "o.mp4", "adain")
    with pytest.raises(OptionError, match="takes no style images"):
        bw.stylize_video(src, tmp_path / "o.mp4", LITE, style=data / "style/mondrian.jpg")
    monkeypatch.setitem(sys.modules, "cv2", None)  # OpenCV not installed
    with pytest.raises(OptionError, match=r"pip install opencv-python-headless.*--temporal off"):
        bw.stylize_video(src, tmp_path / "o.mp4", LITE)
    r = bw.stylize_video(src, tmp_path / "o.mp4", LITE, temporal="off", end=0.1, size=64,
                         progress=False)  # fmt: skip
    assert r.frames == 3
