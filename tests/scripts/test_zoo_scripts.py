"""The zoo scripts' shared part: a continued model's recorded history."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from brushwork.modelfile import CONFIG_FILE, read_model, training_record, write_model
from brushwork.nets.transformer import TransformerConfig
from brushwork.training.fast import FastRecipe, train_fast
from brushwork.training.loop import LoopConfig

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
ONE_STEP = LoopConfig(steps=1, batch_size=1, preview_every=0, checkpoint_every=0, device="cpu")


@pytest.fixture
def zoo_scripts(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(SCRIPTS))
    import _zoo

    yield _zoo
    sys.modules.pop("_zoo", None)


def _bundled(
    folder: Path, data: Path, net: TransformerConfig, loop: LoopConfig, stages: list[dict], **run
) -> Path:  # type: ignore[type-arg, no-untyped-def]
    """A small trained starry_night standing in for a bundled model with recorded ``stages``."""
    train_fast(data / "content", data / "style" / "starry_night.jpg", folder,
               recipe=FastRecipe(crop=48, style_size=64, net=net), loop=loop, progress=False,
               **run)  # fmt: skip
    cfg = json.loads((folder / CONFIG_FILE).read_text())
    (folder / CONFIG_FILE).write_text(json.dumps(cfg | {"stages": stages}))
    return folder


def test_a_stage_on_a_bundled_model_is_appended_to_its_history(
    tmp_path: Path,
    data: Path,
    zoo_scripts,  # type: ignore[no-untyped-def]
) -> None:
    net = TransformerConfig(widths=(8, 16, 16), residual_blocks=1)
    loop = LoopConfig(steps=2, batch_size=1, preview_every=0, checkpoint_every=0, device="cpu")
    style = data / "style" / "starry_night.jpg"
    old = [{"stage": "identity", "steps": 300}, {"stage": "starry_night", "steps": 700}]
    bundled = _bundled(tmp_path / "bundled", data, net, loop, old, description="Van Gogh")

    more = tmp_path / "starry_night_20261203"
    recipe = FastRecipe(crop=48, style_size=64, net=net, jitter=8, temporal_weight=3e6,
                        decay_from=0.5)  # fmt: skip
    train_fast(data / "content", style, more, recipe=recipe, loop=loop, init=bundled,
               progress=False)  # fmt: skip
    history = zoo_scripts.stage_history(more)
    assert history[:2] == old  # the bundled model's own history, not its stale init path
    assert len(history) == 3
    new = history[2]
    assert new["stage"] == "starry_night_20261203" and new["steps"] == 2
    assert new["jitter"] == 8 and new["temporal_weight"] == 3e6 and new["crop"] == 48
    assert new["decay_from"] == 0.5  # the schedule of the stage, in its record
    assert training_record(read_model(more).config)["init"] == str(bundled)
    # a later stage of a style is still that style; a net of another painting is not
    assert read_model(more).config["description"] == "Van Gogh"
    other = tmp_path / "other"
    train_fast(data / "content", data / "style" / "the_scream.jpg", other, recipe=recipe,
               loop=loop, init=bundled, progress=False)  # fmt: skip
    assert "description" not in read_model(other).config


def test_a_stage_continued_from_the_zoo_follows_its_bundled_record(
    tmp_path: Path,
    data: Path,
    zoo_scripts,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import brushwork.zoo

    zoo = tmp_path / "zoo"
    monkeypatch.setattr(brushwork.zoo, "ZOO_DIR", zoo)
    monkeypatch.setattr(zoo_scripts, "ZOO_DIR", zoo)
    net = TransformerConfig(widths=(8, 16, 16), residual_blocks=1)
    loop = LoopConfig(steps=1, batch_size=1, preview_every=0, checkpoint_every=0, device="cpu")
    old = [{"stage": "identity", "steps": 300}, {"stage": "starry_night", "steps": 700}]
    bundled = _bundled(zoo / "starry_night", data, net, loop, old)
    more = tmp_path / "starry_night_20261205"
    train_fast(data / "content", data / "style" / "starry_night.jpg", more,
               recipe=FastRecipe(crop=48, style_size=64, net=net), loop=loop, init=bundled,
               progress=False)  # fmt: skip
    # the record names the bundled model, not this machine's folder, and the history follows it
    assert training_record(read_model(more).config)["init"] == "bundled starry_night"
    history = zoo_scripts.stage_history(more)
    assert history[:2] == old and history[2]["stage"] == "starry_night_20261205"


def test_install_keeps_a_multi_style_models_gallery(
    tmp_path: Path,
    data: Path,
    zoo_scripts,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    net = TransformerConfig(widths=(8, 16, 16), residual_blocks=1)
    loop = ONE_STEP
    model = _bundled(tmp_path / "work" / "m", data, net, loop, [])
    zoo = tmp_path / "zoo"
    gallery = zoo / "m" / "paintings"
    gallery.mkdir(parents=True)
    (gallery / "a.jpg").write_bytes(b"thumb")
    (zoo / "m" / "stale.txt").write_text("old")
    monkeypatch.setattr(zoo_scripts, "ZOO_DIR", zoo)
    zoo_scripts.install(model, "m")
    assert (gallery / "a.jpg").read_bytes() == b"thumb"  # the web gallery's thumbnails survive
    assert not (zoo / "m" / "stale.txt").exists()  # the rest is replaced
    assert read_model(zoo / "m").config["stages"][-1]["stage"] == "m"
    # the run-time settings of the bundled model (an AdaIN decoder's shifts and grid filter)
    # outlive a new stage
    bundled = read_model(zoo / "m")
    extra = {"shifts": 2, "degrid": True, "loss": "old"}
    write_model(zoo / "m", bundled.state, bundled.config | extra)
    zoo_scripts.install(model, "m")
    assert read_model(zoo / "m").config["shifts"] == 2
    assert read_model(zoo / "m").config["degrid"] is True
    assert "loss" not in read_model(zoo / "m").config  # what the new stage lacks is not kept


def test_a_widened_stage_continues_the_same_net_at_twice_the_widths(
    tmp_path: Path,
    data: Path,
    zoo_scripts,  # type: ignore[no-untyped-def]
) -> None:
    import torch

    import train_zoo  # scripts/train_zoo.py (its folder is on the path)
    from brushwork.nets.registry import load_net

    net = TransformerConfig(widths=(4, 8, 8), residual_blocks=1)
    loop = ONE_STEP
    style = data / "style" / "starry_night.jpg"
    bundled = _bundled(tmp_path / "bundled", data, net, loop, [{"stage": "a", "steps": 1}])
    wide = train_zoo.widen_model(bundled, tmp_path / "wide")
    model = read_model(wide)
    assert model.config["config"]["widths"] == [8, 16, 16]
    assert model.config["recipe"]["net"]["widths"] == [8, 16, 16]
    assert model.config["stages"][0] == {"stage": "a", "steps": 1}
    assert model.config["stages"][1]["stage"].startswith("widened to 8/16/16")
    x = torch.rand(1, 3, 40, 40)
    with torch.no_grad():
        before, after = load_net(read_model(bundled)).eval()(x), load_net(model).eval()(x)
    assert (before - after).abs().max() < 0.02  # the same picture, up to the symmetry noise
    # and a stage trains on from it at the new widths
    recipe = FastRecipe(
        crop=48, style_size=64, net=TransformerConfig.from_dict(model.config["config"])
    )
    out = tmp_path / "next"
    train_fast(data / "content", style, out, recipe=recipe, loop=loop, init=wide, progress=False)
    assert zoo_scripts.stage_history(out)[1]["stage"].startswith("widened")
    sys.modules.pop("train_zoo", None)


def test_a_border_keeps_the_weights_and_is_recorded_at_install(
    tmp_path: Path,
    data: Path,
    zoo_scripts,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    import torch
    import torch.nn.functional as F

    from brushwork.nets.registry import load_net

    net = TransformerConfig(widths=(4, 8, 8), residual_blocks=1)
    loop = ONE_STEP
    model = _bundled(tmp_path / "work" / "m_gpu", data, net, loop, [])
    plain = load_net(read_model(model)).eval()
    zoo_scripts.set_border(model, 15)
    bordered = read_model(model)
    assert bordered.config["config"]["border"] == 15
    assert bordered.config["recipe"]["net"]["border"] == 15  # a later stage trains with it
    x = torch.rand(1, 3, 40, 52)
    with torch.no_grad():
        y = load_net(bordered).eval()(x)
        by_hand = plain(F.pad(x, (15, 15, 15, 15), mode="reflect"))[..., 15:-15, 15:-15]
    torch.testing.assert_close(y, by_hand)
    monkeypatch.setattr(zoo_scripts, "ZOO_DIR", tmp_path / "zoo")
    zoo_scripts.install(model, "m", note="on a lent GPU")
    stage = read_model(tmp_path / "zoo" / "m").config["stages"][-1]
    assert stage["stage"] == "m_gpu" and stage["note"] == "on a lent GPU"
    assert stage["border"] == 15 and stage["widths"] == [4, 8, 8]
    installed = tmp_path / "zoo" / "m"
    zoo_scripts.set_border(installed, 32)  # widened later: the bundled file stays float16
    again = read_model(installed)
    assert again.config["config"]["border"] == 32
    assert {v.dtype for v in again.state.values() if v.is_floating_point()} == {torch.float16}


def test_a_continued_stage_keeps_the_bundled_crop_unless_told(
    tmp_path: Path,
    data: Path,
    zoo_scripts,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    import train_zoo  # scripts/train_zoo.py (its folder is on the path)

    net = TransformerConfig(widths=(4, 8, 8), residual_blocks=1)
    _bundled(tmp_path / "zoo" / "starry_night", data, net, ONE_STEP, [{"stage": "a", "steps": 1}])
    monkeypatch.setattr(train_zoo, "ZOO_DIR", tmp_path / "zoo")
    args = ["--only", "starry_night", "--steps", "1", "--lite-steps", "0", "--batch-size", "1",
            "--device", "cpu", "--data", str(data / "content"), "--work", str(tmp_path / "w"),
            "--styles-dir", str(data / "style")]  # fmt: skip
    crops = {}
    for tag, extra in {"bundled": [], "told": ["--crop", "32"]}.items():
        monkeypatch.setattr(sys, "argv", ["train_zoo.py", *args, "--tag", tag, *extra])
        train_zoo.main()
        stage = zoo_scripts.stage_history(tmp_path / "w" / f"starry_night_{tag}")[-1]
        assert stage["steps"] == 1 and stage["temporal_weight"] == 3e6
        crops[tag] = stage["crop"]
    assert crops == {"bundled": 48, "told": 32}  # the bundled net's crop unless --crop is given
    sys.modules.pop("train_zoo", None)


def test_the_facades_label_colours_are_the_benchmarks_palette(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(SCRIPTS))
    monkeypatch.syspath_prepend(str(SCRIPTS.parent / "benchmarks"))
    import bench_translate
    import train_translation

    colours = [
        [int(c[i : i + 2], 16) for i in (0, 2, 4)] for c in train_translation.FACADES_LABEL_COLORS
    ]
    assert colours == bench_translate.PALETTE.astype(int).tolist()
    recipe = train_translation.MODELS["facades_cyclegan"].recipe
    assert recipe.label_colors == train_translation.FACADES_LABEL_COLORS


def test_the_facades_palette_is_the_colours_of_the_real_label_maps(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flat pixels of real training label maps lie on the palette, and most classes appear.

    MATLAB's jet(12), used before, fails: the window colour (0, 128, 255) is 43 from it.
    """
    import numpy as np
    from scipy import ndimage

    from brushwork import image as imageio

    monkeypatch.syspath_prepend(str(SCRIPTS.parent / "benchmarks"))
    import bench_translate

    seen = np.zeros(len(bench_translate.PALETTE), bool)
    for p in sorted((data / "translation/facades/train").glob("*.jpg"))[:12]:
        ab = imageio.load(p).rgb
        w, h = ab.size
        lab = np.asarray(ab.crop((w // 2, 0, w, h))).astype(np.float32)
        spread = np.stack([
            ndimage.maximum_filter(lab[..., k], 5) - ndimage.minimum_filter(lab[..., k], 5)
            for k in range(3)
        ]).max(0)  # fmt: skip
        flat = lab[spread < 24]  # away from edges and their JPEG ringing
        dist = np.abs(flat[:, None, :] - bench_translate.PALETTE).max(-1)
        assert np.quantile(dist.min(-1), 0.99) <= 12
        seen[np.unique(dist.argmin(-1))] = True
    assert seen.sum() >= 10


def test_window_contrast_is_the_walls_luminance_less_the_windows(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By hand on a made-up photo, then on real test pairs: the true maps score above zero and
    the same maps with facade and window swapped score its negative."""
    import numpy as np
    from PIL import Image

    monkeypatch.syspath_prepend(str(SCRIPTS.parent / "benchmarks"))
    import bench_translate as bt

    photo = Image.fromarray(np.array([[200, 200, 50, 10]], np.uint8)).convert("RGB")
    pred = np.array([[1, 1, 2, 0]])  # facade, facade, window, background
    assert bt.window_contrast([pred], [photo]) == pytest.approx(150.0, abs=0.5)
    assert np.isnan(bt.window_contrast([np.zeros_like(pred)], [photo]))
    tests = sorted((data / "translation/facades/test").glob("*.jpg"))[:6]
    pairs = [bt.halves(p) for p in tests]
    truth = [bt.classes(lab) for _, lab in pairs]
    photos = [x for x, _ in pairs]
    real = bt.window_contrast(truth, photos)
    assert real > 5
    swapped = [np.select([t == 1, t == 2], [2, 1], t) for t in truth]
    assert bt.window_contrast(swapped, photos) == pytest.approx(-real, abs=1e-3)
