"""Headless Chromium for the explorer's tests and screenshots: which browser, with which flags.

Example:
    >>> "--headless" in CHROMIUM_ARGS
    True
"""

from __future__ import annotations

import shutil

__all__ = ["CHROMIUM_ARGS", "find_chromium"]

CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    # Containers and CI runners often lack the user namespaces Chromium's sandbox needs.
    "--no-sandbox",
    "--disable-gpu",
    # The page is offline by design: nothing in the browser itself may reach the network.
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Flags for playwright's ``chromium.launch(executable_path=..., args=list(CHROMIUM_ARGS))``."""


def find_chromium() -> str | None:
    """The system Chromium's path (Debian: ``apt-get install chromium``), or None.

    Example:
        >>> path = find_chromium()
        >>> path is None or "chrom" in path
        True
    """
    return shutil.which("chromium") or shutil.which("chromium-browser")
