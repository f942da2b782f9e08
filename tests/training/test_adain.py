"""Training the AdaIN decoder with the real VGG19 on real photos and paintings, toy sizes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from brushwork.encoders.vgg19 import load_vgg19
from brushwork.errors import OptionError
from brushwork.modelfile import read_model
from brushwork.nets.adain import AdaINDecoder, DecoderConfig
from brushwork.nets.registry import load_net
from brushwork.training.adain import (
    AdaINDecoderRecipe,
    AdaINRecipe,
    adain_losses,
    style_files,
    train_adain,
)
from brushwork.training.data import PhotoFolder, StyleSet
from tests.training.test_fast import loop

TINY = DecoderConfig(width=0.125)
RECIPE = AdaINRecipe(crop=48, style_scale=(1.0, 1.5), decoder=TINY)


def test_a_few_steps_lower_both_losses(data: Path) -> None:
    photos = PhotoFolder(data / "content", crop=64)
    styles = StyleSet([data / "style" / "starry_night.jpg", data / "style" / "mondrian.jpg"], 64)
    x, s = photos.batch(0, 0, 2), styles.batch(0, 0, 2)
    enc = load_vgg19(max_layer="relu4_1")
    torch.manual_seed(0)
    dec = AdaINDecoder(TINY)
    recipe = AdaINRecipe(crop=64, decoder=TINY)
    opt = torch.optim.Adam(dec.parameters(), lr=1e-3)
    with torch.no_grad():
        first, _ = adain_losses(enc, dec, x, s, recipe)
    for _ in range(15):
        parts, _ = adain_losses(enc, dec, x, s, recipe)
        opt.zero_grad()
        parts["total"].backward()
        opt.step()
    with torch.no_grad():
        last, out = adain_losses(enc, dec, x, s, recipe)
    assert out.shape == x.shape
    assert float(last["content"]) < 0.8 * float(first["content"])
    assert float(last["style"]) < 0.8 * float(first["style"])


def test_reconstruction_stage_uses_the_photo_as_its_own_style(data: Path) -> None:
    x = PhotoFolder(data / "content", crop=48).batch(0, 0, 2)
    enc = load_vgg19(max_layer="relu4_1")
    recipe = AdaINRecipe(crop=48, decoder=TINY, style_weight=0, content_weight=0, pixel_weight=1)
    parts, out = adain_losses(enc, AdaINDecoder(TINY), x, None, recipe)
    assert set(parts) == {"pixel", "total"}
    assert float(parts["pixel"]) == pytest.approx(float(((out - x) ** 2).mean()), rel=1e-5)


def test_style_set_draws_are_repeatable_jittered_and_mixed_with_photos(data: Path) -> None:
    photos = PhotoFolder(data / "content", crop=48)
    paintings = [data / "style" / "starry_night.jpg"]
    plain = StyleSet(paintings, 48)
    a, b = plain.batch(3, 5, 4), plain.batch(3, 5, 4)
    assert a.shape == (4, 3, 48, 48) and torch.equal(a, b)
    assert not torch.equal(a, plain.batch(3, 6, 4))
    # rank 1 of 2 draws the second half of the global batch
    assert torch.equal(plain.batch(3, 5, 2, rank=1, world=2), a[2:])
    only_photos = StyleSet([], 48, photos=photos, photo_share=1.0, color_jitter=1.0)
    assert only_photos.batch(0, 0, 2).shape == (2, 3, 48, 48)
    with pytest.raises(OptionError, match="no style images"):
        StyleSet([], 48)


def test_held_out_styles_are_left_out_and_typos_refused(data: Path) -> None:
    files = style_files([data / "style"], ["starry_night", "the_scream"])
    stems = {f.stem for f in files}
    assert "starry_night" not in stems and "the_scream" not in stems and "mondrian" in stems
    with pytest.raises(OptionError, match="starry_nite"):
        style_files([data / "style"], ["starry_nite"])
    with pytest.raises(OptionError, match="no such style"):
        style_files([data / "nope"], [])


def test_train_writes_a_decoder_that_resumes_exactly(tmp_path: Path, data: Path) -> None:
    styles = [data / "style" / f"{n}.jpg" for n in ("starry_night", "mondrian", "udnie")]
    full, half = tmp_path / "full", tmp_path / "half"
    kw = dict(recipe=RECIPE, held_out=["udnie"], progress=False)
    train_adain(data / "content", styles, full, loop=loop(4, preview_every=2, lr=1e-3), **kw)
    model = read_model(full)
    assert model.architecture == "adain_decoder" and model.config["held_out"] == ["udnie"]
    assert "udnie" not in model.config["styles_seen"]
    assert model.config["encoder"] == {"name": "vgg19", "layer": "relu4_1"}
    assert (full / "previews" / "step_000002.jpg").is_file()
    train_adain(data / "content", styles, half, loop=loop(2, lr=1e-3), **kw)
    train_adain(data / "content", styles, half, loop=loop(4, lr=1e-3), resume=True, **kw)
    a, b = load_net(read_model(full)), load_net(read_model(half))
    for (k, v), w in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(v, w), k
    # a resumed run must keep its recipe
    with pytest.raises(OptionError, match="recipe"):
        other = AdaINRecipe(crop=48, style_weight=3.0, decoder=TINY)
        train_adain(data / "content", styles, half, recipe=other, loop=loop(6), resume=True,
                    held_out=["udnie"], progress=False)  # fmt: skip


def photos_style_and_nets(
    data: Path,
) -> tuple[torch.Tensor, torch.Tensor, torch.nn.Module, AdaINDecoder]:
    """Two 48 px photo crops, Mondrian crops, the real VGG19 to relu4_1 and a seeded tiny decoder."""
    x = PhotoFolder(data / "content", crop=48).batch(0, 0, 2)
    s = StyleSet([data / "style" / "mondrian.jpg"], 48).batch(0, 0, 2)
    torch.manual_seed(0)
    return x, s, load_vgg19(max_layer="relu4_1"), AdaINDecoder(TINY)


def test_identity_term_decodes_the_photo_with_itself(data: Path) -> None:
    x, s, enc, dec = photos_style_and_nets(data)
    recipe = AdaINRecipe(crop=48, decoder=TINY, identity_weight=2.0)
    with torch.no_grad():
        parts, _ = adain_losses(enc, dec, x, s, recipe)
        expected = float(((dec(enc(x, ["relu4_1"])["relu4_1"]) - x) ** 2).mean())
    assert float(parts["identity"]) == pytest.approx(expected, rel=1e-5)
    plain = float(parts["content"]) + 10.0 * float(parts["style"])
    assert float(parts["total"]) == pytest.approx(plain + 2.0 * expected, rel=1e-5)


def test_jitter_scores_the_output_against_the_target_of_the_photo_shifted_alike(
    data: Path,
) -> None:
    from brushwork.losses.content import content_loss
    from brushwork.losses.moments import moment_loss
    from brushwork.nets.adain import adaptive_instance_norm
    from brushwork.ops.moments import mean_std

    x, s, enc, dec = photos_style_and_nets(data)
    recipe = AdaINRecipe(crop=48, decoder=TINY, jitter=7)
    layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]
    with torch.no_grad():
        torch.manual_seed(3)
        parts, out = adain_losses(enc, dec, x, s, recipe)
        torch.manual_seed(3)
        dy, dx = (int(v) for v in torch.randint(7, (2,)))
        fs = enc(s, layers)
        y = enc(out[..., dy : dy + 42, dx : dx + 42], layers)
        target = adaptive_instance_norm(enc(x[..., dy : dy + 42, dx : dx + 42], layers)[
            "relu4_1"], fs["relu4_1"])  # fmt: skip
        content = float(content_loss(y["relu4_1"], target))
        style = sum(float(moment_loss(y[n], *mean_std(fs[n]))) for n in layers)
        unshifted = float(content_loss(enc(out[..., :42, :42], layers)["relu4_1"], target))
    assert (dy, dx) != (0, 0)
    assert float(parts["content"]) == pytest.approx(content, rel=1e-4)
    assert float(parts["style"]) == pytest.approx(style, rel=1e-4)
    assert unshifted != pytest.approx(content, rel=1e-3)  # another offset scores differently
    with pytest.raises(OptionError, match="jitter"):
        AdaINRecipe(crop=48, jitter=24)
    assert "jitter" not in RECIPE.to_dict()  # older recipes read and write as before


def test_decay_from_holds_then_cools_the_lr_down_and_is_recorded(
    tmp_path: Path, data: Path
) -> None:
    styles = StyleSet([data / "style" / "mondrian.jpg"], 48)

    def lr_at(recipe: AdaINRecipe, step: int) -> list[float]:
        trainer = AdaINDecoderRecipe(
            recipe, styles, preview_styles=[], describe={}, folder=tmp_path, total_steps=8
        )
        opts = trainer.optimizers(1e-3)
        trainer.begin_step(step)
        return [g["lr"] for o in opts.values() for g in o.param_groups]

    cooled = replace(RECIPE, decay_from=0.5)
    assert lr_at(cooled, 3) == pytest.approx([1e-3])
    assert lr_at(cooled, 6) == pytest.approx([5e-4])  # 2 of the 4 decaying steps done
    assert lr_at(RECIPE, 6) == pytest.approx([1e-3])  # 1, the paper's: constant
    # older recipes have no such key and read as constant; a cooled one round-trips
    assert "decay_from" not in RECIPE.to_dict()
    assert AdaINRecipe.from_dict(cooled.to_dict()).decay_from == 0.5
    with pytest.raises(OptionError, match="decay_from"):
        replace(RECIPE, decay_from=1.5)
