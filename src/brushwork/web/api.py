"""The HTTP API (FastAPI): the same work as the page, for programs.

Every error is JSON, ``{"error": "one line"}``, with a status that says why: 400 a bad option,
404 an unknown style or job, 409 a result not ready, 413 too large or too long, 415 not an
image or video, 422 a malformed request, 503 a full queue. See the README for examples.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException

from brushwork._version import __version__
from brushwork.web import handlers
from brushwork.web.catalogue import painting
from brushwork.web.handlers import IMAGE_SUFFIXES, VIDEO_SUFFIXES, Limits, StyleOptions
from brushwork.web.jobs import Job, JobQueue, RequestError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MEDIA_TYPES = {".png": "image/png", ".mp4": "video/mp4", ".gif": "image/gif"}


class BodyTooLarge(BaseException):
    """Raised from ``receive`` past the limit; a BaseException, so that no body parser on the
    way turns it into a 400."""


class LimitBody:
    """ASGI middleware: refuse a request body over ``max_bytes`` with 413 as it arrives (by its
    Content-Length, or by counting a chunked body), before anything parses or decodes it."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = _error(
            f"the upload is over this server's limit of {handlers.megabytes(self.max_bytes)}", 413
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(response.body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": bytes(response.body)})


#: seconds a client told "busy" (503) waits before it tries again
RETRY_AFTER = 30


def _error(message: str, status: int) -> JSONResponse:
    headers = {"Retry-After": str(RETRY_AFTER)} if status == 503 else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def save_upload(upload: UploadFile, job: Job, stem: str, suffixes: tuple[str, ...]) -> Path:
    """Copy an upload into the job's folder under a fixed name (never the client's path)."""
    path = job.folder / handlers.upload_name(stem, upload.filename, suffixes)
    with open(path, "wb") as f:
        shutil.copyfileobj(upload.file, f, length=1 << 20)
    return path


OWN_STYLE = "Or a painting of your own (any style, optimisation)."


class StyleFields(BaseModel):
    """The form fields a photo and a clip share (see :class:`handlers.StyleOptions`)."""

    style: str | None = Field(None, description="A bundled style's name (GET /api/styles).")
    method: str | None = Field(
        None,
        description="fast | adain | wct | linear | optimize | photoreal (the last two: photos "
        "only).",
    )
    strength: float = Field(1.0, description="fast: 1 = full style, 0 = the photo; adain: alpha.")
    blend_with: str | None = Field(None, description="A second bundled style.")
    blend: float = Field(0.5, description="Share of the second style, 0-1.")
    preserve_color: str | None = Field(None, description="luminance | histogram.")
    size: int | None = Field(None, description="Long side of the output, px.")


def create_api(queue: JobQueue, limits: Limits) -> FastAPI:
    """The API app; ``brushwork serve`` mounts the page on it at ``/``."""
    api = FastAPI(
        title="brushwork",
        version=__version__,
        description=(
            "Neural style transfer over HTTP: stylise photos and clips, upscale and translate "
            "images."
        ),
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )

    @api.exception_handler(RequestError)
    async def request_error(request: Request, exc: RequestError) -> JSONResponse:
        return _error(str(exc), exc.status)

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return _error(f"{where}: {first.get('msg', 'invalid')}", 422)

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(str(exc.detail), exc.status_code)

    @api.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        """A bug: one line, with no server path in it; the server keeps running."""
        line = f"internal error: {type(exc).__name__}: {exc}".splitlines()[0]
        return _error(queue.public(line), 500)

    def run(job: Job, work: Callable[[Job], Path], wait: bool) -> Response:
        queue.submit(job, work)
        if not wait:
            return JSONResponse(job.as_dict(), status_code=202, headers=_location(job))
        queue.wait(job)
        return result_response(job, discard=True)

    def result_response(job: Job, *, discard: bool) -> Response:
        if job.state == "failed":
            if discard:
                queue.discard(job)
            return _error(job.error or "failed", job.error_status)
        if job.state == "cancelled":
            return _error("the job was cancelled", 409)
        if job.state != "done" or job.result is None:
            return _error(f"the job is {job.state} ({job.message}); try again later", 409)
        headers = {f"X-Brushwork-{k.title()}": str(v) for k, v in job.info.items()}
        task = BackgroundTask(queue.discard, job) if discard else None
        return FileResponse(
            job.result,
            media_type=MEDIA_TYPES.get(job.result.suffix, "application/octet-stream"),
            filename=f"brushwork{job.result.suffix}",
            headers=headers,
            background=task,
        )

    @api.get("/api/health")
    def health() -> dict[str, Any]:
        """Whether the server runs, its queue and its limits."""
        return {
            "status": "ok",
            "version": __version__,
            "queue": queue.stats(),
            "limits": limits.describe(),
        }

    @api.get("/api/styles")
    def styles() -> dict[str, Any]:
        """The bundled styles (paintings) by name."""
        return {"styles": handlers.styles(), "methods": list(handlers.METHODS)}

    @api.get("/api/styles/{name}/painting", response_class=FileResponse)
    def style_painting(name: str) -> FileResponse:
        """A thumbnail of the painting."""
        return FileResponse(_painting(name).painting, media_type="image/jpeg")

    @contextmanager
    def preparing(kind: str) -> Iterator[Job]:
        """A new job whose folder is removed if its request turns out bad."""
        job = queue.new(kind)
        try:
            yield job
        except BaseException:
            queue.discard(job)
            raise

    def style_options(
        job: Job, fields: StyleFields, style_image: UploadFile | None, **extra: Any
    ) -> StyleOptions:
        """The checked options, with an uploaded painting saved into the job's folder."""
        own = None
        if style_image is not None and style_image.filename:
            own = save_upload(style_image, job, "style", IMAGE_SUFFIXES)
            handlers.check_image(own, limits, "style image")
        given: dict[str, Any] = {k: None if v == "" else v for k, v in fields.model_dump().items()}
        video = extra.pop("video", False)
        options = StyleOptions(style_image=own, **given, **extra)
        return handlers.check_options(options, limits, video=video)

    @api.post("/api/stylize", responses={200: {"content": {"image/png": {}}}})
    def stylize(
        photo: Annotated[UploadFile, File(description="The photo.")],
        fields: Annotated[StyleFields, Form()],
        style_image: Annotated[UploadFile | None, File(description=OWN_STYLE)] = None,
        steps: Annotated[int, Form(description="optimize: iterations.")] = 200,
        refine: Annotated[
            int,
            Form(
                description="fast, adain, wct, linear: optimisation steps from the one-pass "
                "picture."
            ),
        ] = 0,
        smooth: Annotated[
            str | None,
            Form(description="fast | exact: put the result back on the photo's edges."),
        ] = None,
        content_mask: Annotated[
            UploadFile | None,
            File(description="optimize, photoreal: colour-coded regions of the photo."),
        ] = None,
        style_mask: Annotated[
            UploadFile | None,
            File(description="optimize, photoreal: the style image's regions, same colours."),
        ] = None,
        wait: Annotated[bool, Form(description="false: answer 202 with a job at once.")] = True,
    ) -> Response:
        """Stylise a photo; answers the PNG (or, with ``wait=false``, a job to poll)."""
        with preparing("photo") as job:
            path = save_upload(photo, job, "photo", IMAGE_SUFFIXES)
            handlers.check_image(path, limits, "photo")
            masks: dict[str, Path | None] = {}
            for key, upload in (("content_mask", content_mask), ("style_mask", style_mask)):
                masks[key] = None
                if upload is not None and upload.filename:
                    saved = save_upload(upload, job, key, IMAGE_SUFFIXES)
                    handlers.check_image(saved, limits, key.replace("_", " "))
                    masks[key] = saved
            options = style_options(job, fields, style_image, steps=steps, refine=refine,
                                    smooth=smooth or None, **masks)  # fmt: skip
        return run(job, lambda j: handlers.stylize_photo(j, path, options), wait)

    @api.post("/api/video", responses={200: {"content": {"video/mp4": {}, "image/gif": {}}}})
    def video(
        clip: Annotated[UploadFile, File(description="The clip (MP4, MOV, WebM, MKV, GIF).")],
        fields: Annotated[StyleFields, Form()],
        style_image: Annotated[UploadFile | None, File(description=OWN_STYLE)] = None,
        temporal: Annotated[bool, Form(description="Steady strokes, no flicker.")] = True,
        wait: Annotated[bool, Form(description="false: answer 202 with a job at once.")] = False,
    ) -> Response:
        """Stylise a clip (fast or adain), sound kept; by default answers 202 with a job."""
        with preparing("video") as job:
            path = save_upload(clip, job, "clip", VIDEO_SUFFIXES)
            info = handlers.check_clip(path, limits)
            options = style_options(job, fields, style_image, temporal=temporal, video=True)
        return run(job, lambda j: handlers.stylize_clip(j, path, info, options, limits), wait)

    @api.post("/api/upscale", responses={200: {"content": {"image/png": {}}}})
    def upscale(
        image: Annotated[UploadFile, File(description="The image.")],
        scale: Annotated[int, Form(description="4 or 8.")] = 4,
        model: Annotated[str, Form(description="sharp (feature loss) | smooth (pixel loss).")] = (
            "sharp"
        ),
        wait: Annotated[bool, Form(description="false: answer 202 with a job at once.")] = True,
    ) -> Response:
        """Upscale an image x4 or x8 (perceptual-loss super-resolution)."""
        with preparing("upscale") as job:
            handlers.upscale_model_name(scale, model)  # a bad option before the upload is read
            path = save_upload(image, job, "image", IMAGE_SUFFIXES)
            name = handlers.check_upscale(path, scale, model, limits)
        return run(job, lambda j: handlers.upscale_photo(j, path, name), wait)

    @api.get("/api/translations")
    def translations() -> dict[str, Any]:
        """The bundled translations (pix2pix, CycleGAN), one per model and direction."""
        return {"translations": handlers.translations()}

    @api.post("/api/translate", responses={200: {"content": {"image/png": {}}}})
    def translate(
        image: Annotated[UploadFile, File(description="The image.")],
        model: Annotated[
            str,
            Form(description="A translation id from /api/translations (model or model:BtoA)."),
        ],
        wait: Annotated[bool, Form(description="false: answer 202 with a job at once.")] = True,
    ) -> Response:
        """Translate an image with a bundled pix2pix or CycleGAN model."""
        with preparing("translate") as job:
            handlers.translation_choice(model)  # a bad option before the upload is read
            path = save_upload(image, job, "image", IMAGE_SUFFIXES)
            chosen = handlers.check_translate(path, model, limits)
        return run(job, lambda j: handlers.translate_photo(j, path, chosen), wait)

    @api.post("/api/mix", responses={200: {"content": {"image/png": {}}}})
    def mix(
        model: Annotated[str, Form(description="A bundled MIXGAN model.")] = "mnist_mixgan",
        samples: Annotated[int, Form(description="New mixtures to sample (1-1024).")] = 64,
        seed: Annotated[int | None, Form(description="Seed: the same samples again.")] = None,
        image: Annotated[
            UploadFile | None, File(description="A content image (a digit) to mix instead.")
        ] = None,
        wait: Annotated[bool, Form(description="false: answer 202 with a job at once.")] = True,
    ) -> Response:
        """MIXGAN: a sheet of sampled mixtures, or one content image's shape and mixture."""
        with preparing("mix") as job:
            handlers.check_mix(model, samples, seed)
            path = None
            if image is not None and image.filename:
                path = save_upload(image, job, "image", IMAGE_SUFFIXES)
                handlers.check_image(path, limits, "image")
        return run(job, lambda j: handlers.mix_digits(j, model, samples, seed, path), wait)

    @api.get("/api/jobs/{job_id}")
    def job_status(job_id: str) -> dict[str, Any]:
        """A job's state, progress and message; ``position`` is the number of jobs ahead."""
        job = queue.get(job_id)
        return job.as_dict() | {"position": queue.position(job)}

    @api.get("/api/jobs/{job_id}/result")
    def job_result(job_id: str) -> Response:
        """The finished job's file (kept a while after it ends: 15 minutes by default)."""
        return result_response(queue.get(job_id), discard=False)

    @api.delete("/api/jobs/{job_id}")
    def job_cancel(job_id: str) -> dict[str, Any]:
        """Cancel a job: a waiting one never starts, a running one stops at its next step."""
        return queue.cancel(job_id).as_dict()

    return api


def _painting(name: str) -> Any:
    from brushwork.errors import OptionError

    try:
        return painting(name)
    except OptionError as exc:
        raise RequestError(str(exc), 404) from None


def _location(job: Job) -> dict[str, str]:
    return {"Location": f"/api/jobs/{job.id}"}
