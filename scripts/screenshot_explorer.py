"""Write docs/explorer-netmon.png: the chain explorer on the netmon example, top chain selected.

    python scripts/screenshot_explorer.py [OUTPUT.png]

Needs Playwright (a dev dependency) and a Chromium binary (``apt-get install chromium``, or
``$MAESTRO_CHROMIUM``); ``playwright install`` is not needed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

import maestro_graph as mg

OUT = Path(__file__).resolve().parent.parent / "docs" / "explorer-netmon.png"
#: No network, no first-run or background work (as tests/test_explorer_browser.py).
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main(target: Path) -> None:
    chromium = os.environ.get("MAESTRO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    explorer = mg.analyze(mg.example("netmon")).explore()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        page_file = explorer.write(Path(folder) / "netmon.html")
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        tab = browser.new_page(viewport={"width": 1500, "height": 1040})
        tab.goto(page_file.as_uri())
        tab.wait_for_selector("body[data-ready=true]")
        tab.click("#chains li >> nth=0")
        tab.screenshot(path=str(target))
        browser.close()
    print(target)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
