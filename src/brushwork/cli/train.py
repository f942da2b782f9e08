"""``brushwork train ...``: one command per trainer; their defaults are the trainers' options."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from brushwork import image as imageio
from brushwork.cli._app import (
    BatchOpt,
    CheckpointOpt,
    DataOpt,
    DeviceOpt,
    JitterOpt,
    PrecisionOpt,
    PreviewOpt,
    QuietOpt,
    RestartOpt,
    ResumeOpt,
    SeedOpt,
    TemporalTrainOpt,
    TimeLimitOpt,
    _echo_path,
    parse_floats,
    parse_ints,
    parse_layers,
    train_app,
)
from brushwork.errors import OptionError

ModelFolderOpt = Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")]


DecayOpt = Annotated[
    float, typer.Option(help="Share of the steps at constant lr before the linear decay to 0.")
]


@train_app.command("fast")
def train_fast_cmd(
    data: DataOpt,
    style: Annotated[Path, typer.Option("--style", "-s", help="The style image.")],
    output: ModelFolderOpt,
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 2000,
    batch_size: BatchOpt = 4,
    crop: Annotated[int, typer.Option(help="Training crop side in pixels.")] = 256,
    style_size: Annotated[
        int, typer.Option(help="Long side of the style image (the style scale).")
    ] = 512,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-3,
    content_weight: Annotated[float, typer.Option(help="Content loss weight.")] = 1.0,
    style_weight: Annotated[float, typer.Option(help="Style loss weight.")] = 5.0,
    tv_weight: Annotated[float, typer.Option(help="Total-variation weight.")] = 0.0,
    content_layers: Annotated[str, typer.Option(help="Layers[:weight].")] = "relu2_2",
    style_layers: Annotated[
        str, typer.Option(help="Layers[:weight].")
    ] = "relu1_2,relu2_2,relu3_3,relu4_3",
    widths: Annotated[str, typer.Option(help="Net widths (paper: 32,64,128).")] = "32,64,128",
    upsample: UpsampleOpt = "nearest",
    temporal_weight: TemporalTrainOpt = 0.0,
    jitter: JitterOpt = 0,
    decay_from: DecayOpt = 1.0,
    init: Annotated[
        Path | None, typer.Option(help="Model folder to warm-start from (same widths).")
    ] = None,
    preview_every: PreviewOpt = 200,
    checkpoint_every: CheckpointOpt = 100,
    time_limit: TimeLimitOpt = 0.0,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train a fast feed-forward style (Johnson et al., 2016) on a folder of photos."""
    from brushwork.training.fast import FastRecipe, train_fast

    imageio.load(style)  # a bad style image fails before the VGG loads
    recipe = FastRecipe(
        crop=crop,
        style_size=style_size,
        content_layers=parse_layers(content_layers, "--content-layers"),
        style_layers=parse_layers(style_layers, "--style-layers"),
        content_weight=content_weight,
        style_weight=style_weight,
        tv_weight=tv_weight,
        temporal_weight=temporal_weight,
        jitter=jitter,
        decay_from=decay_from,
        net=FastRecipe.net_options(
            {"widths": parse_ints(widths, "--widths"), "upsample": upsample}
        ),
    )
    loop = _loop_config(locals())
    result = train_fast(
        data,
        style,
        output,
        recipe=recipe,
        loop=loop,
        init=init,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("lite")
def train_lite_cmd(
    teacher: Annotated[
        str, typer.Option("--teacher", "-t", help="Bundled style or model folder to distil.")
    ],
    data: DataOpt,
    output: ModelFolderOpt,
    style: Annotated[
        Path | None,
        typer.Option(
            "--style", "-s", help="Match this style image's Gram statistics, not the teacher's."
        ),
    ] = None,
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 1000,
    batch_size: BatchOpt = 4,
    crop: Annotated[int, typer.Option(help="Training crop side in pixels.")] = 192,
    style_size: Annotated[int, typer.Option(help="Long side of the style image.")] = 320,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 2e-3,
    feature_weight: Annotated[float, typer.Option(help="Teacher-feature weight.")] = 1.0,
    style_weight: Annotated[float, typer.Option(help="Style (Gram) weight.")] = 0.5,
    pixel_weight: Annotated[float, typer.Option(help="Teacher-pixel MSE weight.")] = 1e6,
    texture_weight: Annotated[
        float, typer.Option(help="Weight of the teacher's Gram statistics (its texture).")
    ] = 1.0,
    grid_weight: Annotated[
        float,
        typer.Option(help="Weight of the 8 px grid pattern the student has, the teacher not."),
    ] = 0.0,
    widths: Annotated[str, typer.Option(help="Lite net widths.")] = "16,32,64",
    jitter: JitterOpt = 0,
    decay_from: DecayOpt = 1.0,
    preview_every: PreviewOpt = 100,
    checkpoint_every: CheckpointOpt = 50,
    time_limit: TimeLimitOpt = 0.0,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Distil a fast style into the real-time lite net."""
    from brushwork.training.lite import LiteRecipe, train_lite

    if style is not None:
        imageio.load(style)
    recipe = LiteRecipe(
        crop=crop,
        style_size=style_size,
        feature_weight=feature_weight,
        style_weight=style_weight,
        pixel_weight=pixel_weight,
        texture_weight=texture_weight,
        grid_weight=grid_weight,
        jitter=jitter,
        decay_from=decay_from,
        net=LiteRecipe.net_options({"widths": parse_ints(widths, "--widths")}),
    )
    loop = _loop_config(locals())
    result = train_lite(
        data,
        teacher,
        output,
        style=style,
        recipe=recipe,
        loop=loop,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("multi")
def train_multi_cmd(
    data: DataOpt,
    style: Annotated[
        list[Path], typer.Option("--style", "-s", help="A style image (repeat, one per style).")
    ],
    output: ModelFolderOpt,
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 20000,
    batch_size: BatchOpt = 4,
    crop: Annotated[int, typer.Option(help="Training crop side in pixels.")] = 256,
    style_size: Annotated[
        int, typer.Option(help="Long side of the style images (the style scale).")
    ] = 512,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-3,
    content_weight: Annotated[float, typer.Option(help="Content loss weight.")] = 1.0,
    style_weight: Annotated[float, typer.Option(help="Style loss weight.")] = 5.0,
    tv_weight: Annotated[float, typer.Option(help="Total-variation weight.")] = 0.0,
    mix: Annotated[
        float, typer.Option(help="Share of photos trained on a random blend of two styles.")
    ] = 0.0,
    norm_lr: Annotated[
        float, typer.Option(help="Learning-rate multiplier of the per-style scales and shifts.")
    ] = 10.0,
    temporal_weight: TemporalTrainOpt = 0.0,
    jitter: JitterOpt = 0,
    widths: Annotated[str, typer.Option(help="Net widths (paper: 32,64,128).")] = "32,64,128",
    init: Annotated[
        Path | None,
        typer.Option(help="Model folder whose shared weights start the net (same widths)."),
    ] = None,
    preview_every: PreviewOpt = 200,
    checkpoint_every: CheckpointOpt = 100,
    time_limit: TimeLimitOpt = 0.0,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train one net on many styles (conditional instance norm, Dumoulin et al., 2017)."""
    from brushwork.training.multi import MultiRecipe, train_multi

    for s in style:
        imageio.load(s)  # a bad style image fails before the VGG loads
    recipe = MultiRecipe(
        crop=crop,
        style_size=style_size,
        content_weight=content_weight,
        style_weight=style_weight,
        tv_weight=tv_weight,
        mix=mix,
        norm_lr=norm_lr,
        temporal_weight=temporal_weight,
        jitter=jitter,
        net=MultiRecipe.net_options({"widths": parse_ints(widths, "--widths")}),
    )
    loop = _loop_config(locals())
    result = train_multi(
        data,
        style,
        output,
        recipe=recipe,
        loop=loop,
        init=init,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("add-style")
def train_add_style_cmd(
    model: Annotated[str, typer.Option("--model", "-m", help="Model folder (or bundled name).")],
    style: Annotated[Path, typer.Option("--style", "-s", help="The new style image.")],
    data: Annotated[
        Path | None,
        typer.Option(help="Folder of training photos (default: the model's own, if present)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the grown model here (default: in place)."),
    ] = None,
    steps: Annotated[int, typer.Option(help="Optimiser steps.")] = 300,
    batch_size: BatchOpt = 4,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-2,
    style_weight: Annotated[
        float | None, typer.Option(help="Style loss weight (default: the model's own).")
    ] = None,
    preview_every: PreviewOpt = 50,
    checkpoint_every: CheckpointOpt = 50,
    time_limit: TimeLimitOpt = 0.0,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Add a style to a trained model, training only its new norm parameters."""
    from brushwork.training.multi import recorded_data, train_add_style

    imageio.load(style)
    loop = _loop_config(locals())
    result = train_add_style(
        model,
        style,
        data if data is not None else recorded_data(model),
        output=output,
        style_weight=style_weight,
        loop=loop,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


ContentOpt = Annotated[Path, typer.Option(help="Folder of training photos (searched recursively).")]
StylesOpt = Annotated[
    list[Path], typer.Option("--styles", "-s", help="Style images or folders of them (repeat).")
]
HoldOutOpt = Annotated[
    str | None,
    typer.Option(help="Style names (file stems) to keep out of training, comma-separated."),
]
PhotoStylesOpt = Annotated[
    float, typer.Option(help="Share of style draws that are training photos.")
]
ColorJitterOpt = Annotated[float, typer.Option(help="Style colour jitter, 0 to 1.")]


def _names(value: str | None) -> list[str]:
    """A comma-separated option's names."""
    return [n.strip() for n in value.split(",") if n.strip()] if value else []


@train_app.command("adain")
def train_adain_cmd(
    content: ContentOpt,
    styles: StylesOpt,
    output: ModelFolderOpt,
    hold_out: HoldOutOpt = None,
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 160000,
    batch_size: BatchOpt = 8,
    crop: Annotated[int, typer.Option(help="Training crop side in pixels (paper: 256).")] = 256,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-4,
    content_weight: Annotated[float, typer.Option(help="Content loss weight.")] = 1.0,
    style_weight: Annotated[
        float, typer.Option(help="Style loss weight (0: reconstruct the photos).")
    ] = 10.0,
    pixel_weight: Annotated[float, typer.Option(help="Pixel loss weight.")] = 0.0,
    identity_weight: Annotated[
        float, typer.Option(help="Weight of decoding the photo with itself as style back to it.")
    ] = 0.0,
    photo_styles: PhotoStylesOpt = 0.25,
    color_jitter: ColorJitterOpt = 0.5,
    jitter: JitterOpt = 0,
    decay_from: DecayOpt = 1.0,
    style_scale: Annotated[
        str, typer.Option(help="Range of the style's short side, in crops: 'low,high'.")
    ] = "1,2",
    width: Annotated[float, typer.Option(help="Decoder width multiplier (paper: 1).")] = 1.0,
    layer: Annotated[
        str, typer.Option(help="VGG19 layer the decoder inverts (paper: relu4_1).")
    ] = "relu4_1",
    input_scale: Annotated[
        float, typer.Option(help="Factor on the features entering the decoder (1/their RMS).")
    ] = 1.0,
    init: Annotated[
        Path | None, typer.Option(help="Decoder model folder to start from (same width).")
    ] = None,
    preview_every: PreviewOpt = 500,
    checkpoint_every: CheckpointOpt = 500,
    time_limit: TimeLimitOpt = 0.0,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train an AdaIN decoder for any style (Huang and Belongie, 2017)."""
    from brushwork.training.adain import AdaINRecipe, train_adain

    scale = parse_floats(style_scale, "--style-scale")
    if len(scale) != 2:
        raise OptionError("--style-scale takes two numbers, 'low,high'")
    recipe = AdaINRecipe(
        crop=crop,
        style_scale=(scale[0], scale[1]),
        photo_styles=photo_styles,
        color_jitter=color_jitter,
        content_weight=content_weight,
        style_weight=style_weight,
        pixel_weight=pixel_weight,
        identity_weight=identity_weight,
        jitter=jitter,
        decay_from=decay_from,
        decoder=AdaINRecipe.net_options(
            {"width": width, "layer": layer, "input_scale": input_scale}, field="decoder"
        ),
    )
    loop = _loop_config(locals())
    result = train_adain(
        content,
        styles,
        output,
        recipe=recipe,
        loop=loop,
        held_out=_names(hold_out),
        init=init,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("wct")
def train_wct_cmd(
    content: ContentOpt,
    output: ModelFolderOpt,
    levels: Annotated[
        str, typer.Option(help="VGG19 layers to decode, coarse to fine, comma-separated.")
    ] = "relu4_1,relu3_1,relu2_1,relu1_1",
    steps: Annotated[
        int | None,
        typer.Option(help="Steps of every trained level (default: 4000/2500/1200 by depth)."),
    ] = None,
    batch_size: BatchOpt = 4,
    crop: Annotated[int, typer.Option(help="Training crop side in pixels.")] = 128,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 5e-4,
    init: Annotated[
        Path | None, typer.Option(help="WCT model to continue each level from.")
    ] = None,
    keep: Annotated[
        str,
        typer.Option(help="Levels copied unchanged from --init, comma-separated (train the rest)."),
    ] = "",
    decay_from: DecayOpt = 1.0,
    preview_every: PreviewOpt = 500,
    checkpoint_every: CheckpointOpt = 100,
    time_limit: TimeLimitOpt = 0.0,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train the photo-only decoders of universal style transfer (WCT, Li et al., 2017);
    re-running the command resumes."""
    from brushwork.training.wct import WCTRecipe, train_wct

    chosen = tuple(n.strip() for n in levels.split(",") if n.strip())
    base = WCTRecipe()
    recipe = WCTRecipe(
        levels=chosen,
        crop=crop,
        steps={n: steps for n in chosen} if steps else base.steps,
        decay_from=decay_from,
    )
    loop = _loop_config(locals() | {"steps": steps or 2000})
    kept = [n.strip() for n in keep.split(",") if n.strip()]
    out = train_wct(
        content, output, recipe=recipe, loop=loop, init=init, keep=kept, progress=not quiet
    )
    _echo_path(out)


@train_app.command("linear")
def train_linear_cmd(
    content: ContentOpt,
    styles: StylesOpt,
    output: ModelFolderOpt,
    decoder: Annotated[
        str,
        typer.Option(help="Model holding the layer's reconstruction decoder (kept fixed)."),
    ] = "wct",
    hold_out: HoldOutOpt = None,
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 160000,
    batch_size: BatchOpt = 8,
    crop: Annotated[int, typer.Option(help="Training crop side in pixels (paper: 256).")] = 256,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-4,
    content_weight: Annotated[float, typer.Option(help="Content loss weight.")] = 1.0,
    style_weight: Annotated[float, typer.Option(help="Gram style loss weight.")] = 100.0,
    photo_styles: PhotoStylesOpt = 0.1,
    color_jitter: ColorJitterOpt = 0.25,
    decay_from: DecayOpt = 1.0,
    layer: Annotated[
        str, typer.Option(help="VGG19 layer the transform works at (relu3_1 or relu4_1).")
    ] = "relu3_1",
    rank: Annotated[int, typer.Option(help="Side of the learned matrices (paper: 32).")] = 32,
    detail: Annotated[
        float,
        typer.Option(
            help="Share of the photo's features outside the transform's subspace kept (paper: 0)."
        ),
    ] = 0.0,
    init: Annotated[
        Path | None, typer.Option(help="Linear model folder to continue (same layer and rank).")
    ] = None,
    preview_every: PreviewOpt = 500,
    checkpoint_every: CheckpointOpt = 500,
    time_limit: TimeLimitOpt = 0.0,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train a learned linear style transform for any style (Li et al., CVPR 2019) in front
    of a fixed reconstruction decoder."""
    from brushwork.training.linear import LinearRecipe, train_linear

    recipe = LinearRecipe(
        crop=crop,
        photo_styles=photo_styles,
        color_jitter=color_jitter,
        content_weight=content_weight,
        style_weight=style_weight,
        decay_from=decay_from,
        detail=detail,
        transform=LinearRecipe.net_options({"layer": layer, "rank": rank}, field="transform"),
    )
    loop = _loop_config(locals())
    result = train_linear(
        content,
        styles,
        output,
        decoder=decoder,
        recipe=recipe,
        loop=loop,
        held_out=_names(hold_out),
        init=init,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("sr")
def train_sr_cmd(
    data: DataOpt,
    output: ModelFolderOpt,
    scale: Annotated[int, typer.Option(help="Upscaling factor: 2, 4 or 8.")] = 4,
    loss: Annotated[
        str, typer.Option(help="feature (VGG relu2_2, Johnson et al.) | pixel (MSE).")
    ] = "feature",
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 2000,
    batch_size: BatchOpt = 4,
    crop: Annotated[
        int, typer.Option(help="High-resolution crop side (a multiple of the scale).")
    ] = 288,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-3,
    tv_weight: Annotated[float, typer.Option(help="Total-variation weight (feature loss).")] = 1e4,
    pixel_weight: Annotated[
        float, typer.Option(help="Per-pixel MSE weight added to the feature loss.")
    ] = 0.0,
    sigma: Annotated[float, typer.Option(help="Blur of the degradation (HR pixels).")] = 1.0,
    channels: Annotated[int, typer.Option(help="Feature maps of the net.")] = 64,
    blocks: Annotated[int, typer.Option(help="Residual blocks.")] = 4,
    jitter: JitterOpt = 0,
    init: Annotated[
        Path | None, typer.Option(help="Model folder to continue from (same scale and net).")
    ] = None,
    preview_every: PreviewOpt = 200,
    checkpoint_every: CheckpointOpt = 100,
    time_limit: TimeLimitOpt = 0.0,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train a super-resolution net (Johnson et al., 2016) on crops of a folder of photos."""
    from brushwork.training.sr import SRRecipe, train_sr

    recipe = SRRecipe(
        crop=crop,
        sigma=sigma,
        loss=loss,
        tv_weight=tv_weight,
        pixel_weight=pixel_weight,
        jitter=jitter,
        net=SRRecipe.net_options({"scale": scale, "channels": channels, "residual_blocks": blocks}),
    )
    result = train_sr(
        data,
        output,
        recipe=recipe,
        loop=_loop_config(locals()),
        init=init,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


UpsampleOpt = Annotated[str, typer.Option(help="nearest (resize+conv) | transpose.")]
GanLrOpt = Annotated[float, typer.Option(help="Adam learning rate (paper: 2e-4).")]
GanModeOpt = Annotated[str, typer.Option(help="vanilla (BCE) | lsgan (least squares).")]
NormOpt = Annotated[str, typer.Option(help="instance | batch | none.")]
CropOpt = Annotated[int, typer.Option(help="Training crop side (papers: 256; CPU recipe: 128).")]
LoadSizeOpt = Annotated[
    int, typer.Option(help="Images are resized to this square before the random crop (286).")
]
GpuOpt = Annotated[
    bool, typer.Option(help="The paper's recipe: 256 px, full-width nets, batch 1, 80k steps.")
]


@train_app.command("pix2pix")
def train_pix2pix_cmd(
    data: Annotated[
        Path,
        typer.Option(help="Folder of AB images (A left, B right), or the A folder with --b."),
    ],
    output: ModelFolderOpt,
    b: Annotated[
        Path | None, typer.Option("--b", help="Folder of B images named as those in --data.")
    ] = None,
    direction: Annotated[str, typer.Option(help="AtoB | BtoA.")] = "AtoB",
    domains: Annotated[str, typer.Option(help="Names of A and B, e.g. photo,labels.")] = "A,B",
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 8000,
    batch_size: BatchOpt = 4,
    crop: CropOpt = 128,
    load_size: LoadSizeOpt = 143,
    lr: GanLrOpt = 2e-4,
    decay_from: DecayOpt = 0.5,
    l1_weight: Annotated[float, typer.Option(help="Lambda of the L1 term (paper: 100).")] = 100.0,
    gan_mode: GanModeOpt = "vanilla",
    depth: Annotated[int, typer.Option(help="U-Net levels (8 for 256 px, 7 for 128).")] = 7,
    width: Annotated[int, typer.Option(help="Channels of the first level (paper: 64).")] = 32,
    max_mult: Annotated[
        int, typer.Option(help="Widest level as a multiple of --width (paper: 8).")
    ] = 4,
    norm: NormOpt = "instance",
    upsample: UpsampleOpt = "nearest",
    n_layers: Annotated[
        int, typer.Option(help="PatchGAN layers (3: 70x70 patches; 0: per pixel).")
    ] = 3,
    gpu: GpuOpt = False,
    init: Annotated[
        Path | None, typer.Option(help="pix2pix model folder to continue from (same nets).")
    ] = None,
    preview_every: PreviewOpt = 250,
    checkpoint_every: CheckpointOpt = 100,
    time_limit: TimeLimitOpt = 0.0,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train pix2pix (Isola et al., 2017) on aligned pairs: a U-Net generator, a PatchGAN
    discriminator and an L1 term."""
    from brushwork.training import pix2pix
    from brushwork.training.pix2pix import Pix2PixRecipe, train_pix2pix

    names = _domains(domains)
    recipe, loop = _gan_recipe(
        pix2pix,
        gpu,
        locals(),
        lambda: Pix2PixRecipe(
            crop=crop,
            load_size=load_size,
            direction=direction,
            gan_mode=gan_mode,
            l1_weight=l1_weight,
            decay_from=decay_from,
            domains=names,
            generator=Pix2PixRecipe.net_options(
                {
                    "depth": depth,
                    "width": width,
                    "max_mult": max_mult,
                    "norm": norm,
                    "upsample": upsample,
                },
                "generator",
            ),
            discriminator=Pix2PixRecipe.net_options(
                {"in_channels": 6, "width": width, "n_layers": n_layers, "norm": norm},
                "discriminator",
            ),
        ),
        direction=direction,
        domains=names,
    )
    result = train_pix2pix(
        data,
        output,
        b=b,
        recipe=recipe,
        loop=loop,
        init=init,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("cyclegan")
def train_cyclegan_cmd(
    a: Annotated[Path, typer.Option("--a", help="Folder of domain A images.")],
    b: Annotated[Path, typer.Option("--b", help="Folder of domain B images.")],
    output: ModelFolderOpt,
    domains: Annotated[str, typer.Option(help="Names of A and B, e.g. iphone,dslr.")] = "A,B",
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 5000,
    batch_size: BatchOpt = 1,
    crop: CropOpt = 128,
    load_size: LoadSizeOpt = 143,
    lr: GanLrOpt = 2e-4,
    decay_from: DecayOpt = 0.5,
    cycle_weight: Annotated[float, typer.Option(help="Lambda of the cycle terms (10).")] = 10.0,
    identity_weight: Annotated[
        float, typer.Option(help="Identity weight as a share of lambda (0.5; 0: off).")
    ] = 0.5,
    pool_size: Annotated[int, typer.Option(help="Past fakes per discriminator (50).")] = 50,
    cycle_noise: Annotated[
        float,
        typer.Option(help="Noise std on each image before its way back in the cycle (0: off)."),
    ] = 0.0,
    label_colors: Annotated[
        str,
        typer.Option(
            help="B is a label map in these colours (rrggbb,rrggbb,...): translated B images "
            "are snapped to them before the way back."
        ),
    ] = "",
    invert_b: Annotated[
        bool,
        typer.Option(
            help="The nets learn B in inverted colours (for label maps whose colours run "
            "against their photos' brightness); the model written takes B's true colours."
        ),
    ] = False,
    gan_mode: GanModeOpt = "lsgan",
    width: Annotated[int, typer.Option(help="Generator channels (paper: 64).")] = 16,
    disc_width: Annotated[int, typer.Option(help="Discriminator channels (paper: 64).")] = 32,
    blocks: Annotated[int, typer.Option(help="Residual blocks (6 at 128 px, 9 at 256).")] = 6,
    residual: Annotated[
        bool, typer.Option(help="Generators learn a change to the input (start as identity).")
    ] = False,
    norm: NormOpt = "instance",
    upsample: UpsampleOpt = "nearest",
    n_layers: Annotated[int, typer.Option(help="PatchGAN layers (3: 70x70 patches).")] = 3,
    gpu: GpuOpt = False,
    init: Annotated[
        Path | None, typer.Option(help="CycleGAN model folder to continue from (same nets).")
    ] = None,
    preview_every: PreviewOpt = 250,
    checkpoint_every: CheckpointOpt = 100,
    time_limit: TimeLimitOpt = 0.0,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train CycleGAN (Zhu et al., 2017) between two folders of unpaired images: two ResNet
    generators, two PatchGANs, cycle and identity terms."""
    from brushwork.training import cyclegan
    from brushwork.training.cyclegan import CycleGANRecipe, train_cyclegan

    names = _domains(domains)
    recipe, loop = _gan_recipe(
        cyclegan,
        gpu,
        locals(),
        lambda: CycleGANRecipe(
            crop=crop,
            load_size=load_size,
            gan_mode=gan_mode,
            cycle_weight=cycle_weight,
            identity_weight=identity_weight,
            pool_size=pool_size,
            cycle_noise=cycle_noise,
            label_colors=tuple(c for c in label_colors.split(",") if c.strip()),
            invert_b=invert_b,
            decay_from=decay_from,
            domains=names,
            generator=CycleGANRecipe.net_options(
                {
                    "width": width,
                    "blocks": blocks,
                    "norm": norm,
                    "upsample": upsample,
                    "residual": residual,
                },
                "generator",
            ),
            discriminator=CycleGANRecipe.net_options(
                {"in_channels": 3, "width": disc_width, "n_layers": n_layers, "norm": norm},
                "discriminator",
            ),
        ),
        domains=names,
    )
    result = train_cyclegan(
        a,
        b,
        output,
        recipe=recipe,
        loop=loop,
        init=init,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("mixgan")
def train_mixgan_cmd(
    content: Annotated[Path, typer.Option(help="Folder of content images (shapes: grey digits).")],
    style: Annotated[Path, typer.Option(help="Folder of style images (colours and textures).")],
    output: ModelFolderOpt,
    ae_steps: Annotated[int, typer.Option(help="Steps of the autoencoder phase.")] = 3000,
    mix_steps: Annotated[int, typer.Option(help="Steps of the mixture phase.")] = 3000,
    batch_size: BatchOpt = 64,
    lr: GanLrOpt = 2e-4,
    l1_weight: Annotated[float, typer.Option(help="Autoencoder L1 weight (paper: 10).")] = 10.0,
    size: Annotated[int, typer.Option(help="Image side (a multiple of 16).")] = 32,
    latent: Annotated[int, typer.Option(help="Size of the code.")] = 32,
    width: Annotated[int, typer.Option(help="Channels of the first conv.")] = 16,
    exclude: Annotated[
        Path | None,
        typer.Option(help="Text file of held-out file names (one per line) to leave out."),
    ] = None,
    preview_every: PreviewOpt = 200,
    checkpoint_every: CheckpointOpt = 200,
    time_limit: TimeLimitOpt = 0.0,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train MIXGAN (Hao et al., 2018): an adversarial autoencoder of the content domain, then
    a mixture decoder whose 8x8-patch discriminator teaches it the style domain's look."""
    from brushwork.training.mixgan import MixGANRecipe, train_mixgan

    held: set[str] = set()
    if exclude is not None:
        try:
            lines = exclude.read_text().splitlines()
        except OSError as exc:
            raise OptionError(
                f"{exclude}: cannot read the held-out list ({exc.strerror})"
            ) from None
        held = {Path(s.strip()).name for s in lines if s.strip() and not s.startswith("#")}
    recipe = MixGANRecipe(
        ae_steps=ae_steps,
        mix_steps=mix_steps,
        l1_weight=l1_weight,
        net=MixGANRecipe.net_options({"size": size, "latent": latent, "width": width}),
    )
    loop = _loop_config(locals() | {"steps": recipe.steps})
    result = train_mixgan(
        content,
        style,
        output,
        recipe=recipe,
        loop=loop,
        exclude=held,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


def _gan_recipe(
    module: Any, gpu: bool, options: dict[str, Any], build: Any, **paper: Any
) -> tuple[Any, Any]:
    """(recipe, loop) of a translation trainer: with ``--gpu`` its module's paper recipe (with
    the command's ``paper`` fields: direction, domain names) and loop; else ``build()`` and
    the command's own loop options."""
    if gpu:
        loop = dataclasses.replace(
            module.GPU_LOOP, device=options["device"], precision=options["precision"]
        )
        return dataclasses.replace(module.GPU, **paper), loop
    return build(), _loop_config(options)


def _domains(text: str) -> tuple[str, str]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if len(names) != 2:
        raise OptionError(f"--domains: expected two names, e.g. photo,labels; got {text!r}")
    return names[0], names[1]


def _loop_config(options: dict[str, Any]) -> Any:
    """The :class:`LoopConfig` of a train command, from its parameters of the same names."""
    from brushwork.training.loop import LoopConfig

    names = ("steps", "batch_size", "lr", "seed", "checkpoint_every", "preview_every", "time_limit")
    return LoopConfig(**{n: options[n] for n in (*names, "precision", "device")})


def _report_training(result: Any, quiet: bool) -> None:
    if os.environ.get("RANK", "0") != "0":
        return  # under torchrun only the first process reports
    if not quiet:
        typer.echo(
            f"{result.steps} steps, {result.seconds:.0f} s, "
            f"{result.images_per_second:.2f} images/s",
            err=True,
        )
    _echo_path(result.folder)
