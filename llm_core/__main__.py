"""`python -m llm_core`: the command line."""

import os
import sys

from .cli import main

try:
    sys.exit(main())
except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error worth a traceback
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
