"""Plays the solver's route in a real headless Chromium (Debian's, driven by Playwright for
Python without downloading a browser) against a running ``priors serve``: opens the page with
Prolific parameters, presses Space through the instructions, holds the route's arrow keys tick
by tick with real key events, and waits for the completion redirect.

Usage: browser_play.py URL CHROMIUM ROUTE_KEYS_CSV
(ROUTE_KEYS_CSV: one line per tick, the snake_case key codes to hold, space-separated.)
Run by lab/web/tests/browser.rs under RUN_SLOW_TESTS.
"""

import sys

from playwright.sync_api import sync_playwright

CODES = {"arrow_left": "ArrowLeft", "arrow_right": "ArrowRight", "arrow_up": "ArrowUp",
         "arrow_down": "ArrowDown", "space": "Space"}


def main():
    url, chromium, keys_csv = sys.argv[1:4]
    ticks = [set(line.split()) for line in open(keys_csv).read().splitlines()]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(url + "/?PROLIFIC_PID=pw-person-1&STUDY_ID=pw-study&SESSION_ID=pw-session")
        page.wait_for_function("window.priorsState && window.priorsState.screen === 'instructions'")
        page.keyboard.press("Space")
        page.wait_for_function("window.priorsState.screen === 'ready'")
        page.keyboard.press("Space")
        held = set()
        for i, want in enumerate(ticks):
            for k in sorted(held - want):
                page.keyboard.up(CODES[k])
            for k in sorted(want - held):
                page.keyboard.down(CODES[k])
            held = want
            # The server runs tick i; its frame arrives and is drawn.
            page.wait_for_function(
                f"window.priorsState.tick > {i} || window.priorsState.code !== null")
        for k in held:
            page.keyboard.up(CODES[k])
        try:
            page.wait_for_url("**/done?cc=**", timeout=20000)
        except Exception:
            # Say where the game stood (a missed goal vs. a slow redirect) before failing.
            print("no redirect; page state:", page.evaluate("JSON.stringify(window.priorsState)"))
            raise
        print("redirected to", page.url)
        browser.close()


if __name__ == "__main__":
    main()
