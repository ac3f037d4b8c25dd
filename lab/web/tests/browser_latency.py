"""Plays about SECONDS seconds at the level's own tick rate in a real headless Chromium (Debian's,
driven by Playwright for Python without downloading a browser) against a running ``priors
serve``: presses Space through the instructions, then holds arrow keys for random spans
(100-400 ms) with random gaps (50-200 ms) between them, as a person tapping and holding would,
and closes the tab. The server's web_timing.csv then holds each key's browser time and each
frame's display time, from which lab/web/tests/browser.rs measures key-to-display latency.

Usage: browser_latency.py URL CHROMIUM SECONDS
Run by lab/web/tests/browser.rs under RUN_SLOW_TESTS.
"""

import random
import sys
import time

from playwright.sync_api import sync_playwright


def main():
    url, chromium, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    rng = random.Random(17)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(url + "/?PROLIFIC_PID=pw-latency-1&STUDY_ID=pw-study&SESSION_ID=pw-latency")
        page.wait_for_function("window.priorsState && window.priorsState.screen === 'instructions'")
        page.keyboard.press("Space")
        page.wait_for_function("window.priorsState.screen === 'ready'")
        page.keyboard.press("Space")
        page.wait_for_function("window.priorsState.tick > 0")
        presses = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            key = rng.choice(["ArrowLeft", "ArrowRight", "ArrowRight", "ArrowUp"])
            page.keyboard.down(key)
            time.sleep(rng.uniform(0.1, 0.4))
            page.keyboard.up(key)
            presses += 1
            time.sleep(rng.uniform(0.05, 0.2))
        print("presses", presses, "last tick", page.evaluate("window.priorsState.tick"))
        browser.close()


if __name__ == "__main__":
    main()
