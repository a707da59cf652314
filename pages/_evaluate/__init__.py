"""The Evaluate page's parts: the run's set-up and live state (`state`, `setup`), the results grid and a case
opened side by side (`grid`, `case`), and the per-model summary, run against run and downloads (`summary`)."""
