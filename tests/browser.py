"""A page as a person sees it: Debian's headless Chromium, driven through its ChromeDriver.

Both come from the system's packages (`apt-get install chromium chromium-driver`; .ci/run
installs them): a test that needs them fails, never skips, when they are missing.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The machine's network is closed: without these Chromium keeps trying Google's hosts.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000")
ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts"


@dataclass
class Seen:
    text: str  # what the page shows (innerText: hidden elements are not in it)
    console: list[dict[str, Any]]  # every console message and page error
    driver: Any


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    assert not missing, f"{missing} missing: apt-get install chromium chromium-driver"
    profile = tempfile.mkdtemp(prefix="chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def opened(page: Path, screenshot: str) -> Iterator[Seen]:
    """`page` loaded from disk; a full-page screenshot kept in build/test-artifacts/."""
    with chromium() as driver:
        driver.get(page.resolve().as_uri())
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": max(size["width"], 1400), "height": size["height"],
                "scale": 1}  # the whole page, however the headless window was sized
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "clip": clip})
        (ARTIFACTS / screenshot).write_bytes(base64.b64decode(shot["data"]))
        yield Seen(driver.execute_script("return document.body.innerText"),
                   driver.get_log("browser"), driver)
