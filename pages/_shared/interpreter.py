"""The app process's interpreter: code loaded once is kept out of the garbage collector's way while answers stream."""

from __future__ import annotations

import gc
import sys

_modules_settled = 0  # how many modules were loaded at the last freeze


def settle_new_code() -> None:
    """After a run that loaded new modules, collect once and freeze what survives.

    A full collection walks every object in the process. With Streamlit, an SDK, pandas and Altair loaded, that
    is some 180,000 objects and 50-120 ms holding the interpreter, stalling every stream in flight; Python starts
    one on its own now and then. Frozen objects (mostly the loaded code) are left out of later collections, so
    those stay short. This runs only after a run that imported something, which was slow anyway.
    """
    global _modules_settled
    if len(sys.modules) > _modules_settled:
        _modules_settled = len(sys.modules)
        gc.collect()
        gc.freeze()
