"""What every page shares: the browser session's set-up (keys, catalog, warnings) and the interpreter's tuning."""
