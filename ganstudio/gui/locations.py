"""Where GAN Studio keeps things on this computer, as Help > About says, so a person can
find, back up or clear them."""

from __future__ import annotations

import html
import sys
from pathlib import Path

from ganstudio.gui.common import settings


def core_cache() -> Path | None:
    """Decoded image folders and downloaded models; None until the model core has loaded (the
    module that knows the folder brings torch, too slow to import for a dialog)."""
    if "torch" not in sys.modules:
        return None
    from ganstudio.core.folder_cache import default_cache_root

    return default_cache_root()


def locations_html(explorer: object) -> str:
    """A paragraph naming the settings and the caches; ``explorer`` is the Explorer tab (its
    direction cache), or its placeholder before the core has loaded."""
    cache = core_cache()
    lines = [f"Settings: {settings.location()}",
             f"Cache: {cache if cache is not None else 'shown once the model core has loaded'}"]
    directions = getattr(explorer, "cache_dir", None)
    if directions is not None:
        lines.append(f"Directions cache: {directions}")
    return "<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>"
