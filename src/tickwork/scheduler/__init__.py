"""The scheduler role: APScheduler jobs derived from the schedules table, firing runs."""
