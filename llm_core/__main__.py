"""`python -m llm_core`: the command line."""

import os
import sys

try:
    from .cli.main import main  # inside the try: Ctrl-C may land while it loads

    sys.exit(main())
except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error worth a traceback
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
except KeyboardInterrupt:  # before main() could handle it (the CLI was still loading): its message, by hand
    print("cancelled: stopped by Ctrl-C; nothing was asked", file=sys.stderr)
    sys.exit(130)
