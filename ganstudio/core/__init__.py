"""The model core: torch and numpy only, no Qt (checked by an import-linter contract)."""

import logging
import warnings

# Pillow's own warnings (DecompressionBombWarning, palette notes) and log lines (a TIFF's "More
# samples per pixel than can be decoded", which Python prints on stderr when no logging is set
# up) would print beside the one line a person sees; an image's problems are told by the
# readers' own checks (core.data, core.export). Here, so that every reader is covered.
warnings.filterwarnings("ignore", module=r"PIL\.")
_pillow_log = logging.getLogger("PIL")
_pillow_log.addHandler(logging.NullHandler())
_pillow_log.propagate = False  # not even to a handler another library puts on the root logger
