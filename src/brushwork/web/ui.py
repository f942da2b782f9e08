"""The web page (Gradio): a thin layer over :mod:`brushwork.web.handlers`.

Five tabs, Photo, Video, Upscale, Translate and Mix. Each run copies the uploads into a job of
the shared :class:`~brushwork.web.jobs.JobQueue` (so the page and the API share one concurrency
limit), shows the job's progress and can stop it. Gradio keeps a session's uploads so a photo can be
tried in several styles; they are deleted when the page is closed, and at the latest an hour
after upload.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from brushwork import methods
from brushwork.web import handlers
from brushwork.web.catalogue import catalogue
from brushwork.web.handlers import (
    IMAGE_SUFFIXES,
    VIDEO_SUFFIXES,
    Limits,
    StyleOptions,
)
from brushwork.web.jobs import Job, JobQueue, RequestError

INTRO = """# brushwork: turn a photo into a painting
**1.** Upload a photo. **2.** Pick a painting below, or upload your own.
**3.** Press **Paint**. The result keeps your photo's size; download it at full resolution.
Clips and upscaling have their own tabs. Programs can use the [HTTP API](/api/docs)."""

#: what the page calls each method of handlers.METHODS
METHOD_LABELS = {
    "fast": "Fast (a trained style, about a second)",
    "adain": "Any style (AdaIN, a few seconds)",
    "wct": "Any style (WCT, photo-only decoders, a few seconds)",
    "linear": "Any style (learned linear transform, a few seconds)",
    "optimize": "Optimise (Gatys et al., minutes, finest)",
    "photoreal": "Photorealistic (a style photo's light and colours, minutes)",
}
NONE = "(none)"
SMOOTHING = [
    ("No smoothing", NONE),
    ("Fast (guided filter, under a second)", "fast"),
    ("Exact (sparse solve, seconds)", "exact"),
]
ORIGINAL = "original size"
COLOURS = [
    ("The painting's colours", NONE),
    ("Keep my photo's colours", "luminance"),
    ("Match my photo's colour palette", "histogram"),
]
#: seconds between progress updates
POLL = 0.25
#: the page's events are not an API of their own: programs use /api (brushwork.web.api)
PAGE_ONLY: dict[str, Any] = {"api_visibility": "private"}


class Page:
    """What the page's events share: the job queue and limits, the gallery, and per browser
    session its running job and its uploads. Each tab is built by its own function below."""

    def __init__(self, queue: JobQueue, limits: Limits) -> None:
        self.queue = queue
        self.limits = limits
        self.styles = list(catalogue().values())
        self.names = [p.name for p in self.styles]
        self.titles = {p.name: p.title for p in self.styles}
        self.first = self.names[0] if self.names else None
        self.sessions: dict[str, str] = {}  # browser session -> its running job
        self.uploads: dict[str, set[str]] = {}  # browser session -> the files Gradio received
        self.upload_root = Path(gr.utils.get_upload_folder()).resolve()

    def remember(self, request: gr.Request, *paths: str | None) -> None:
        self.uploads.setdefault(request.session_hash or "", set()).update(p for p in paths if p)

    def forget(self, request: gr.Request) -> None:
        """The page was closed: stop its job and delete its uploads."""
        key = request.session_hash or ""
        job_id = self.sessions.pop(key, None)
        if job_id is not None:
            with contextlib.suppress(RequestError):
                self.queue.cancel(job_id)
        for p in self.uploads.pop(key, set()):
            path = Path(p).resolve()
            if path.is_relative_to(self.upload_root):
                path.unlink(missing_ok=True)

    def preview_of(self, name: str | None) -> str | None:
        p = catalogue()[name].preview if name else None
        return str(p) if p else None

    def chosen_text(self, name: str | None, own: Any = None) -> str:
        if own:
            return "Style: **your painting** (uses *Any style* or *Optimise*)"
        return f"Style: **{self.titles[name]}**" if name else "Style: pick a painting"

    def track(self, job: Job, request: gr.Request, progress: gr.Progress) -> Job:
        self.sessions[request.session_hash or ""] = job.id
        while not job.ended:
            ahead = self.queue.position(job)
            if job.state == "queued":
                progress(None, desc=f"waiting for a free worker ({ahead} ahead)")
            elif job.progress is not None:
                progress(job.progress, desc=job.message)
            time.sleep(POLL)
        self.sessions.pop(request.session_hash or "", None)
        if job.state == "failed":
            raise gr.Error(job.error or "failed", print_exception=False)
        if job.state == "cancelled":
            raise gr.Error("Stopped.", print_exception=False)
        return job

    def submit(self, kind: str, prepare: Callable[[Job], Callable[[Job], Path]]) -> Job:
        try:
            job = self.queue.new(kind)
        except RequestError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        try:
            work = prepare(job)
        except RequestError as exc:
            self.queue.discard(job)
            raise gr.Error(str(exc), print_exception=False) from None
        self.queue.submit(job, work)
        return job

    def run_job(
        self,
        what: str,
        prepare: Callable[[Job], Callable[[Job], Path]],
        request: gr.Request,
        progress: gr.Progress,
        upload: str | None,
        *more: str | None,
    ) -> Job:
        """Queue the work ``prepare`` makes of the uploads and wait for it, showing progress."""
        if not upload:
            article = "an" if what[0] in "aeiou" else "a"
            raise gr.Error(f"Upload {article} {what} first.", print_exception=False)
        self.remember(request, upload, *more)
        kind = "video" if what == "clip" else what
        return self.track(self.submit(kind, prepare), request, progress)

    def own_style(self, own: str | None, job: Job) -> Path | None:
        if not own:
            return None
        path = copy_upload(own, job, "style", IMAGE_SUFFIXES)
        handlers.check_image(path, self.limits, "style image")
        return path

    def stop(self, request: gr.Request) -> str:
        job_id = self.sessions.get(request.session_hash or "")
        if job_id is not None:
            self.queue.cancel(job_id)
            return "Stopped."
        return "Nothing is running."


def build_ui(queue: JobQueue, limits: Limits) -> gr.Blocks:
    """The page; mount it on the API app with :func:`gradio.mount_gradio_app`."""
    page = Page(queue, limits)
    ui = gr.Blocks(title="brushwork", delete_cache=(600, 3600))
    with ui:
        gr.Markdown(INTRO)
        with gr.Tab("Photo"):
            photo_tab(page)
        with gr.Tab("Video"):
            video_tab(page)
        with gr.Tab("Upscale"):
            upscale_tab(page)
        with gr.Tab("Translate"):
            translate_tab(page)
        if handlers.mix_models():
            with gr.Tab("Mix"):
                mix_tab(page)
        gr.Markdown(
            f"Limits of this server: uploads up to {limits.upload_bytes / 2**20:.0f} MB and "
            f"{limits.pixels / 1e6:.0f} MP, clips up to {limits.video_seconds:g} s. "
            f"Uploads are deleted when you close the page."
        )
        ui.unload(page.forget)
    return ui


def photo_tab(page: Page) -> None:
    """Photo: upload, pick a painting (or your own), method, strength, more options; Paint."""
    limits, names = page.limits, page.names

    def pick(evt: gr.SelectData) -> tuple[str, str, None, str | None]:
        name = names[evt.index]
        return name, page.chosen_text(name), None, page.preview_of(name)

    def own_uploaded(own: str | None, method: str, name: str) -> tuple[Any, str, Any]:
        if own and method == "fast":
            method = methods.ANY_STYLE_DEFAULT
        selected = None if own else names.index(name) if name in names else None
        return (
            gr.update(value=method),
            page.chosen_text(name, own),
            gr.update(selected_index=selected),
        )

    def method_changed(method: str) -> tuple[Any, Any, Any]:
        optimises = method in ("optimize", "photoreal")
        any_style = method in methods.arbitrary()
        return (
            gr.update(visible=optimises),
            gr.update(
                label="Style strength (alpha)" if any_style else "Style strength",
                visible=not optimises,
            ),
            gr.update(visible=not optimises),
        )

    def paint(
        photo: str | None,
        style: str | None,
        own: str | None,
        method: str,
        strength: float,
        steps: float,
        blend_with: str,
        blend: float,
        colour: str,
        size: str,
        smooth: str,
        refine: float,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, Any, str]:
        def prepare(job: Job) -> Callable[[Job], Path]:
            path = copy_upload(photo, job, "photo", IMAGE_SUFFIXES)
            handlers.check_image(path, limits, "photo")
            chosen = ui_options(
                style,
                page.own_style(own, job),
                method,
                strength,
                blend_with=blend_with,
                blend=blend,
                colour=colour,
                size=size,
                steps=steps,
                refine=refine,
                smooth=smooth,
            )
            options = handlers.check_options(chosen, limits)
            return lambda j: handlers.stylize_photo(j, path, options)

        job = page.run_job("photo", prepare, request, progress, photo, own)
        assert job.result is not None
        return str(job.result), gr.update(value=str(job.result), visible=True), summary(job)

    sizes = [ORIGINAL] + [
        str(s) for s in (512, 768, 1024, 1536, 2048, 3072, 4096) if s <= limits.output_side
    ]
    with gr.Row(equal_height=False):
        with gr.Column(scale=5):
            photo = image_input("1. Your photo", 300, "photo")
            style = gr.State(page.first)
            gallery = gr.Gallery(
                value=[(str(p.painting), caption(p.title)) for p in page.styles],
                label="2. Pick a painting",
                columns=5,
                allow_preview=False,
                height=260,
                object_fit="cover",
                elem_id="gallery",
                selected_index=0,
            )
            chosen = gr.Markdown(page.chosen_text(page.first))
            example = gr.Image(
                page.preview_of(page.first),
                label="What the fast style does to photos (above: photos; below: painted)",
                interactive=False,
                height=200,
                buttons=[],
                elem_id="style-preview",
            )
            with gr.Accordion("...or upload a painting of your own", open=False):
                own = image_input("Your painting", 200, "own-style")
            method = gr.Radio(
                [(label, key) for key, label in METHOD_LABELS.items()],
                value="fast",
                label="3. Method",
                info="Optimise and Photorealistic paint at 512 px unless you pick a size in "
                "More options. Photorealistic wants a style photo: upload one below the gallery.",
                elem_id="method",
            )
            strength = gr.Slider(0, 1, value=1.0, step=0.05, label="Style strength")
            steps = gr.Slider(
                50,
                limits.steps,
                value=200,
                step=10,
                visible=False,
                label="Optimisation steps (more: finer, slower)",
            )
            with gr.Accordion("More options", open=False):
                blend_with = gr.Dropdown(
                    [NONE, *names], value=NONE, label="Blend with a second painting"
                )
                blend = gr.Slider(0, 1, value=0.5, step=0.05, label="Share of the second painting")
                colour = gr.Radio(COLOURS, value=NONE, label="Colours")
                size = gr.Dropdown(sizes, value=ORIGINAL, label="Output size (long side, px)")
                smooth = gr.Radio(
                    SMOOTHING,
                    value=NONE,
                    label="Keep the photo's edges (FastPhotoStyle smoothing, any method)",
                    elem_id="smooth",
                )
                refine_steps = gr.Slider(
                    5,
                    min(limits.steps, 300),
                    value=30,
                    step=5,
                    label="Refine: optimisation steps from the one-pass picture (512 px "
                    "unless you pick a size)",
                )
            with gr.Row():
                run = gr.Button("Paint", variant="primary", elem_id="paint")
                refine_run = gr.Button("Paint, then refine", elem_id="refine")
                halt = gr.Button("Stop", variant="stop")
        with gr.Column(scale=5):
            result = gr.Image(
                label="Result",
                type="filepath",
                format="png",
                interactive=False,
                elem_id="result",
                buttons=["download", "fullscreen"],
            )
            download = gr.DownloadButton("Download full resolution (PNG)", visible=False)
            status = gr.Markdown(elem_id="status")
    gallery.select(pick, None, [style, chosen, own, example], **PAGE_ONLY)
    own.change(own_uploaded, [own, method, style], [method, chosen, gallery], **PAGE_ONLY)
    method.change(method_changed, method, [steps, strength, refine_run], **PAGE_ONLY)
    chosen_inputs = [
        photo, style, own, method, strength, steps, blend_with, blend, colour, size, smooth
    ]  # fmt: skip
    event = run.click(
        paint,
        [*chosen_inputs, gr.State(0)],
        [result, download, status],
        api_name="paint",
        api_visibility="undocumented",  # for gradio_client; /api is the documented API
    )
    refined = refine_run.click(
        paint, [*chosen_inputs, refine_steps], [result, download, status], **PAGE_ONLY
    )
    halt.click(page.stop, None, status, cancels=[event, refined], **PAGE_ONLY)


def video_tab(page: Page) -> None:
    """Video: a clip, a painting (or your own), fast or AdaIN, steady strokes; Paint."""
    limits = page.limits

    def paint_clip(
        clip: str | None,
        style: str | None,
        own: str | None,
        method: str,
        strength: float,
        temporal: bool,
        size: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, Any, Any, str]:
        def prepare(job: Job) -> Callable[[Job], Path]:
            path = copy_upload(clip, job, "clip", VIDEO_SUFFIXES)
            info = handlers.check_clip(path, limits)
            chosen = ui_options(
                style, page.own_style(own, job), method, strength, size=size, temporal=temporal
            )
            options = handlers.check_options(chosen, limits, video=True)
            return lambda j: handlers.stylize_clip(j, path, info, options, limits)

        job = page.run_job("clip", prepare, request, progress, clip, own)
        assert job.result is not None
        gif = job.result.suffix == ".gif"
        return (
            gr.update(value=None if gif else str(job.result), visible=not gif),
            gr.update(value=str(job.result) if gif else None, visible=gif),
            gr.update(value=str(job.result), visible=True),
            summary(job),
        )

    clip_sizes = [ORIGINAL] + [
        str(s) for s in (360, 480, 720, 1080, 1280, 1920) if s <= limits.video_side
    ]
    with gr.Row(equal_height=False):
        with gr.Column(scale=5):
            clip = gr.File(
                label="1. Your clip (MP4, MOV, WebM, MKV or GIF; sound kept)",
                file_types=list(VIDEO_SUFFIXES),
                type="filepath",
                elem_id="clip",
            )
            clip_style = gr.Dropdown(
                [(page.titles[n], n) for n in page.names], value=page.first, label="2. Painting"
            )
            clip_own = image_input("...or your own painting", 160, "clip-own-style")
            clip_method = gr.Radio(
                [
                    ("Fast (a trained style)", "fast"),
                    ("Any style (AdaIN)", "adain"),
                    ("Any style (WCT)", "wct"),
                    ("Any style (linear transform)", "linear"),
                ],
                value="fast",
                label="3. Method",
            )
            clip_strength = gr.Slider(0, 1, value=1.0, step=0.05, label="Style strength")
            temporal = gr.Checkbox(True, label="Steady strokes (no flicker)")
            clip_size = gr.Dropdown(
                clip_sizes,
                value=ORIGINAL,
                label=f"Output size (long side, at most {limits.video_side} px)",
            )
            with gr.Row():
                clip_run = gr.Button("Paint the clip", variant="primary")
                clip_halt = gr.Button("Stop", variant="stop")
        with gr.Column(scale=5):
            clip_out = gr.Video(label="Result", interactive=False, elem_id="clip-result")
            gif_out = gr.Image(
                label="Result", type="filepath", format="gif", interactive=False, visible=False
            )
            clip_download = gr.DownloadButton("Download", visible=False)
            clip_status = gr.Markdown(elem_id="clip-status")
    clip_own.change(
        lambda own, m: gr.update(value=methods.ANY_STYLE_DEFAULT if own and m == "fast" else m),
        [clip_own, clip_method],
        clip_method,
        **PAGE_ONLY,
    )
    clip_event = clip_run.click(
        paint_clip,
        [clip, clip_style, clip_own, clip_method, clip_strength, temporal, clip_size],
        [clip_out, gif_out, clip_download, clip_status],
        **PAGE_ONLY,
    )
    clip_halt.click(page.stop, None, clip_status, cancels=[clip_event], **PAGE_ONLY)


def upscale_tab(page: Page) -> None:
    """Upscale: an image, x4 or x8, sharp or smooth; Upscale."""
    limits = page.limits

    def upscale(
        image: str | None,
        scale: str,
        model: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, Any, str]:
        factor = int(scale.lstrip("x"))

        def prepare(job: Job) -> Callable[[Job], Path]:
            path = copy_upload(image, job, "image", IMAGE_SUFFIXES)
            name = handlers.check_upscale(path, factor, model, limits)
            return lambda j: handlers.upscale_photo(j, path, name)

        job = page.run_job("image", prepare, request, progress, image)
        assert job.result is not None
        return str(job.result), gr.update(value=str(job.result), visible=True), summary(job)

    with gr.Row(equal_height=False):
        with gr.Column(scale=5):
            small = image_input("Your image", 300, "small")
            scales = [f"x{s}" for s in _scales()]
            factor = gr.Radio(scales, value=scales[0] if scales else None, label="Scale")
            kind = gr.Radio(
                [("Sharp (perceptual loss)", "sharp"), ("Smooth (pixel loss)", "smooth")],
                value="sharp",
                label="Look",
            )
            with gr.Row():
                up_run = gr.Button("Upscale", variant="primary")
                up_halt = gr.Button("Stop", variant="stop")
        with gr.Column(scale=5):
            big = gr.Image(
                label="Result",
                type="filepath",
                format="png",
                elem_id="big",
                interactive=False,
                buttons=["download", "fullscreen"],
            )
            up_download = gr.DownloadButton("Download full resolution (PNG)", visible=False)
            up_status = gr.Markdown(elem_id="up-status")
    up_event = up_run.click(
        upscale, [small, factor, kind], [big, up_download, up_status], **PAGE_ONLY
    )
    up_halt.click(page.stop, None, up_status, cancels=[up_event], **PAGE_ONLY)


def translate_tab(page: Page) -> None:
    """Translate: an image and a trained translation (labels -> photo, iPhone -> DSLR, ...);
    Translate."""
    limits = page.limits
    choices = [
        (f"{t['from']} -> {t['to']} ({t['method']}, {t['model']})", t["id"])
        for t in handlers.translations()
    ]

    def translate(
        image: str | None,
        choice: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, Any, str]:
        def prepare(job: Job) -> Callable[[Job], Path]:
            path = copy_upload(image, job, "image", IMAGE_SUFFIXES)
            model = handlers.check_translate(path, choice, limits)
            return lambda j: handlers.translate_photo(j, path, model)

        job = page.run_job("image", prepare, request, progress, image)
        assert job.result is not None
        return str(job.result), gr.update(value=str(job.result), visible=True), summary(job)

    with gr.Row(equal_height=False):
        with gr.Column(scale=5):
            source = image_input("Your image", 300, "source")
            which = gr.Dropdown(
                choices,
                value=choices[0][1] if choices else None,
                label="Translation",
                elem_id="translation",
            )
            with gr.Row():
                tr_run = gr.Button("Translate", variant="primary", elem_id="translate")
                tr_halt = gr.Button("Stop", variant="stop")
        with gr.Column(scale=5):
            translated = gr.Image(
                label="Result",
                type="filepath",
                format="png",
                elem_id="translated",
                interactive=False,
                buttons=["download", "fullscreen"],
            )
            tr_download = gr.DownloadButton("Download (PNG)", visible=False)
            tr_status = gr.Markdown(elem_id="tr-status")
    tr_event = tr_run.click(
        translate, [source, which], [translated, tr_download, tr_status], **PAGE_ONLY
    )
    tr_halt.click(page.stop, None, tr_status, cancels=[tr_event], **PAGE_ONLY)


def mix_tab(page: Page) -> None:
    """Mix (MIXGAN): sample new mixtures, or upload a digit to paint; Mix."""
    limits = page.limits
    models = handlers.mix_models()

    def mixing(
        model: str,
        samples: float,
        seed: float | None,
        digit: str | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, str]:
        chosen_seed = None if seed is None else int(seed)

        def prepare(job: Job) -> Callable[[Job], Path]:
            handlers.check_mix(model, int(samples), chosen_seed)
            path = None
            if digit:
                path = copy_upload(digit, job, "image", IMAGE_SUFFIXES)
                handlers.check_image(path, limits, "image")
            return lambda j: handlers.mix_digits(j, model, int(samples), chosen_seed, path)

        if digit:  # optional here: sampling needs no upload
            page.remember(request, digit)
        job = page.track(page.submit("mix", prepare), request, progress)
        assert job.result is not None
        return str(job.result), f"Done: {job.info.get('mixtures')} mixture(s)."

    with gr.Row(equal_height=False):
        with gr.Column(scale=4):
            which = gr.Dropdown(models, value=models[0], label="Model", elem_id="mix-model")
            count = gr.Slider(1, 256, value=64, step=1, label="Samples")
            seed_box = gr.Number(value=0, precision=0, label="Seed (the same seed, the same ones)")
            digit_box = image_input("...or a digit of your own to paint", 160, "digit")
            mix_run = gr.Button("Mix", variant="primary", elem_id="mix")
        with gr.Column(scale=6):
            sheet = gr.Image(
                label="Mixtures", type="filepath", format="png", elem_id="mixtures",
                interactive=False,
            )  # fmt: skip
            mix_status = gr.Markdown(elem_id="mix-status")
    mix_run.click(mixing, [which, count, seed_box, digit_box], [sheet, mix_status], **PAGE_ONLY)


def image_input(label: str, height: int, elem_id: str) -> gr.Image:
    """An upload box that hands the file over as it is, undecoded: brushwork's own checks read
    it (one-line messages; alpha, 16-bit and EXIF are brushwork's)."""
    box = gr.Image(
        label=label,
        type="filepath",
        image_mode=None,
        sources=["upload", "clipboard"],
        height=height,
        elem_id=elem_id,
    )
    gradio_preprocess = box.preprocess

    def as_uploaded(payload: Any) -> str | None:
        if payload is None or payload.path is None:  # bytes: Gradio writes them to a file
            out = gradio_preprocess(payload)
            return None if out is None else str(out)
        return str(payload.path)

    # on the instance: a subclass of a Gradio component makes Gradio write a .pyi beside this file
    box.preprocess = as_uploaded  # type: ignore[method-assign]
    return box


def ui_options(
    style: str | None,
    own: Path | None,
    method: str,
    strength: float,
    *,
    blend_with: str | None = NONE,
    blend: float = 0.5,
    colour: str | None = NONE,
    size: str | None = ORIGINAL,
    steps: float = 200,
    temporal: bool = True,
    refine: float = 0,
    smooth: str | None = NONE,
) -> StyleOptions:
    """The page's choices as :class:`StyleOptions` (its "(none)" and "original size" as None)."""
    return StyleOptions(
        method=method,
        style=None if own else style,
        style_image=own,
        blend_with=None if blend_with in (None, NONE) else blend_with,
        blend=blend,
        strength=strength,
        preserve_color=None if colour in (None, NONE) else colour,
        size=None if size in (None, ORIGINAL) else int(size),
        steps=int(steps),
        refine=int(refine),
        temporal=temporal,
        smooth=None if smooth in (None, NONE) else smooth,
    )


def copy_upload(src: str | None, job: Job, stem: str, suffixes: tuple[str, ...]) -> Path:
    """Copy a file Gradio received into the job's folder under a fixed name."""
    if not src:
        raise RequestError(f"no {stem} was uploaded", 400)
    path = job.folder / handlers.upload_name(stem, src, suffixes)
    shutil.copyfile(src, path)
    return path


def caption(title: str) -> str:
    """A gallery caption: the painting's name without painter and year."""
    return title.split(", ", 1)[-1].rsplit(" (", 1)[0]


def summary(job: Job) -> str:
    """One line on what the job made."""
    i = job.info
    size = f"{i.get('width')}x{i.get('height')}"
    extra = f", {i['frames']} frames" if "frames" in i else ""
    what = f" with {i['style']}" if "style" in i else ""
    if "translation" in i:
        what = f", {i['translation']}"
    return f"Done in {i.get('seconds', 0):.1f} s{what}: {size}{extra}."


def _scales() -> list[int]:
    from brushwork.pipelines.upscale import bundled_scales

    return bundled_scales()
