"""tickwork: workflow commands on cron calendars, with a web page and a full run history."""

from __future__ import annotations

__version__ = "0.1.0"
