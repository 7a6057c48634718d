"""Debian's chromium for headless use (browser tests, the map bench): where it is and how to start it.

Playwright cannot download a browser here; it drives the system one. The flags keep Chromium from
reaching for Google's services, which a closed network refuses.
"""

from __future__ import annotations

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "launch_chromium"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def launch_chromium(playwright):
    """Start headless Debian chromium through a Playwright instance."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
