"""The page in a real browser (Debian's chromium driven by Playwright): upload a photo, pick a
painting, press Paint, find the picture."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from .conftest import Server

pytestmark = pytest.mark.browser

#: a folder to keep the screenshots in (the README's comes from here); default: the test's tmp
SHOTS = os.environ.get("BRUSHWORK_SCREENSHOTS")


def keep(shot: Path) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(SHOTS) / shot.name)


def open_page(page: Page, server: Server) -> None:
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(server.url, wait_until="load")
    expect(page.locator("#paint")).to_be_visible(timeout=60_000)


def record_texts(page: Page, selector: str) -> Callable[[], list[str]]:
    """Keep every text the element at ``selector`` shows from now on (a progress message may
    last less than a poll when the page's machine is busy); the returned function reads them."""
    page.locator(selector).evaluate(
        """el => {
            window.__texts = [];
            new MutationObserver(() => window.__texts.push(el.innerText))
                .observe(el, {subtree: true, childList: true, characterData: true});
        }"""
    )
    return lambda: list(page.evaluate("window.__texts"))


def set_slider(page: Page, label: str, value: int) -> None:
    """Type ``value`` in the number box of the slider whose label starts with ``label``, until
    the slider shows it (a box typed in just after its accordion opens may not take it yet)."""
    box = page.get_by_role("spinbutton", name=re.compile(f"^number input for {label}"))
    bar = page.get_by_role("slider", name=re.compile(f"^range slider for {label}"))
    for _ in range(10):
        box.fill(str(value))
        box.press("Tab")  # the page takes the value on the box's change
        try:
            expect(bar).to_have_value(str(value), timeout=2_000)
            return
        except AssertionError:
            continue
    expect(bar).to_have_value(str(value))


def natural_size(page: Page, selector: str) -> tuple[int, int]:
    w, h = page.locator(selector).evaluate("img => [img.naturalWidth, img.naturalHeight]")
    return int(w), int(h)


def test_upload_pick_paint_and_find_the_picture(
    page: Page, server: Server, data: Path, tmp_path: Path
) -> None:
    photo = data / "content/tubingen.jpg"
    open_page(page, server)
    page.locator("#photo input[type=file]").set_input_files(photo)
    page.locator("#gallery button.thumbnail-item").nth(2).click()  # The Great Wave
    expect(page.get_by_text("Style: Katsushika Hokusai, The Great Wave")).to_be_visible()
    page.locator("#paint").click()
    expect(page.locator("#result img")).to_be_visible(timeout=120_000)
    expect(page.locator("#status")).to_contain_text("Done in", timeout=10_000)
    assert "great_wave (fast)" in page.locator("#status").inner_text()
    # the full-resolution picture, the photo's size
    expect(page.locator("#result img")).to_have_js_property("complete", True)
    with Image.open(photo) as img:
        assert natural_size(page, "#result img") == img.size
    expect(page.get_by_role("button", name="Download full resolution (PNG)")).to_be_visible()
    shot = tmp_path / "web_page.png"
    page.screenshot(path=shot, full_page=True)
    keep(shot)
    assert Image.open(shot).size[0] == 1280
    # closing the page deletes the session's uploads
    uploads = server.workdir() / "uploads"
    assert list(uploads.rglob("tubingen.jpg"))
    page.close()
    deadline = time.monotonic() + 30
    while list(uploads.rglob("tubingen.jpg")):
        assert time.monotonic() < deadline, "the upload outlived the page"
        time.sleep(0.5)


def test_own_painting_switches_to_any_style_and_errors_are_shown(
    page: Page, server: Server, data: Path, tmp_path: Path
) -> None:
    open_page(page, server)
    page.locator("#paint").click()  # no photo yet
    expect(page.get_by_text("Upload a photo first.")).to_be_visible(timeout=30_000)
    page.locator("#photo input[type=file]").set_input_files(data / "content/golden_gate.jpg")
    page.get_by_text("...or upload a painting of your own").click()
    page.locator("#own-style input[type=file]").set_input_files(data / "style/mosaic.jpg")
    # the page's events go through the server: give a busy machine time
    expect(page.get_by_text("Style: your painting")).to_be_visible(timeout=30_000)
    expect(page.get_by_label("Any style (learned linear transform, a few seconds)")).to_be_checked(
        timeout=30_000
    )
    page.locator("#paint").click()
    expect(page.locator("#status")).to_contain_text("your style image (linear)", timeout=120_000)
    with Image.open(data / "content/golden_gate.jpg") as img:
        assert natural_size(page, "#result img") == img.size
    shot = tmp_path / "web_page_own_style.png"
    page.screenshot(path=shot, full_page=True)
    keep(shot)


def test_wct_then_refine_from_the_page(page: Page, server: Server, data: Path) -> None:
    open_page(page, server)
    page.locator("#photo input[type=file]").set_input_files(data / "content/tubingen.jpg")
    page.get_by_label("Any style (WCT, photo-only decoders, a few seconds)").check()
    page.get_by_text("More options", exact=True).click()
    set_slider(page, "Refine", 5)
    seen = record_texts(page, "#result")
    page.locator("#refine").click()  # "Paint, then refine": 5 steps from the one-pass picture
    expect(page.locator("#status")).to_contain_text("Done in", timeout=240_000)
    assert "refining: 5 optimisation steps" in " ".join(seen())
    assert "starry_night (wct)" in page.locator("#status").inner_text()
    expect(page.locator("#result img")).to_have_js_property("complete", True)
    assert max(natural_size(page, "#result img")) == 512  # a refine paints at 512 px by default


def test_linear_transform_from_the_page(page: Page, server: Server, data: Path) -> None:
    open_page(page, server)
    page.locator("#photo input[type=file]").set_input_files(data / "content/tubingen.jpg")
    page.get_by_label("Any style (learned linear transform, a few seconds)").check()
    page.locator("#paint").click()
    expect(page.locator("#status")).to_contain_text("Done in", timeout=120_000)
    assert "starry_night (linear)" in page.locator("#status").inner_text()
    with Image.open(data / "content/tubingen.jpg") as img:
        assert natural_size(page, "#result img") == img.size


def test_optimisation_shows_its_steps_and_stop_cancels_it(
    page: Page, server: Server, data: Path
) -> None:
    open_page(page, server)
    page.locator("#photo input[type=file]").set_input_files(data / "content/tubingen.jpg")
    start_then_stop(page, "Optimise (Gatys et al., minutes, finest)", 200)
    # the job ended as cancelled on the server, and a new run is taken at once
    with server.client() as c:
        deadline = time.monotonic() + 30
        while c.get("/api/health").json()["queue"]["running"]:
            assert time.monotonic() < deadline, "the optimisation kept running after Stop"
            time.sleep(0.2)


def test_a_clip_is_painted_with_a_frame_counter(
    page: Page, server: Server, data: Path, tmp_path: Path
) -> None:
    open_page(page, server)
    page.get_by_role("tab", name="Video").click()
    page.locator("#clip input[type=file]").set_input_files(data / "video/sintel_ambush_4.mp4")
    page.get_by_label(re.compile(r"^Output size \(long side, at most")).click()
    page.get_by_role("option", name="360", exact=True).click()  # the clip is 1024x436
    seen = record_texts(page, "#clip-result")
    page.get_by_role("button", name="Paint the clip").click()
    done = re.compile(r"Done in .* 33 frames")  # (the progress says "painting 33 frames")
    expect(page.locator("#clip-status")).to_contain_text(done, timeout=120_000)
    assert "360x152" in page.locator("#clip-status").inner_text()  # even sides for H.264
    assert re.search(r"frame \d+ of 33", " ".join(seen())), "no frame counter was shown"
    expect(page.locator("#clip-result video")).to_be_visible()
    shot = tmp_path / "web_page_video.png"
    page.screenshot(path=shot, full_page=True)
    keep(shot)


def test_translate_labels_to_a_photo_from_the_page(
    page: Page, server: Server, data: Path, tmp_path: Path
) -> None:
    labels = tmp_path / "labels.png"
    Image.open(data / "translation/facades/test/3.jpg").crop((256, 0, 512, 256)).save(labels)
    open_page(page, server)
    page.get_by_role("tab", name="Translate").click()
    page.locator("#source input[type=file]").set_input_files(labels)
    page.locator("#translate").click()
    expect(page.locator("#tr-status")).to_contain_text("labels -> photo", timeout=120_000)
    expect(page.locator("#translated img")).to_have_js_property("complete", True)
    assert natural_size(page, "#translated img") == (256, 256)
    shot = tmp_path / "web_page_translate.png"
    page.screenshot(path=shot, full_page=True)
    keep(shot)


def test_mix_digits_from_the_page(page: Page, server: Server) -> None:
    open_page(page, server)
    page.get_by_role("tab", name="Mix").click()
    page.locator("#mix").click()
    expect(page.locator("#mix-status")).to_contain_text("64 mixture(s)", timeout=60_000)
    expect(page.locator("#mixtures img")).to_have_js_property("complete", True)
    assert natural_size(page, "#mixtures img") == (16 * 64, 4 * 64)


def test_smoothing_and_the_photorealistic_method_from_the_page(
    page: Page, server: Server, data: Path
) -> None:
    open_page(page, server)
    page.locator("#photo input[type=file]").set_input_files(data / "content/tubingen.jpg")
    page.get_by_text("More options", exact=True).click()
    page.get_by_label("Fast (guided filter, under a second)").check()
    page.locator("#paint").click()
    expect(page.locator("#status")).to_contain_text("Done in", timeout=120_000)
    expect(page.locator("#result img")).to_have_js_property("complete", True)
    # the photorealistic method takes a style photo and shows its steps (both stages)
    page.get_by_text("...or upload a painting of your own").click()
    page.locator("#own-style input[type=file]").set_input_files(
        data / "content/hoover_tower_night.jpg"
    )
    expect(page.get_by_text("Style: your painting")).to_be_visible(timeout=30_000)
    start_then_stop(page, "Photorealistic (a style photo's light and colours, minutes)", 250)


def start_then_stop(page: Page, method: str, steps: int) -> None:
    """Pick an optimising method, paint, see its step counter (``steps`` in all), press Stop."""
    page.get_by_label(method).check()
    expect(page.get_by_text("Optimisation steps (more: finer, slower)")).to_be_visible()
    page.locator("#paint").click()
    progress = re.compile(rf"preparing \(VGG19 features|step \d+ of {steps}")
    expect(page.locator("#result").get_by_text(progress)).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Stop").first.click()
    expect(page.locator("#status")).to_contain_text("Stopped.", timeout=10_000)
