"""The Analytics page's parts: the cached reads of the logs, the column settings, the tabs."""
