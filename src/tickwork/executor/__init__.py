"""The executor role: runs start here as subprocesses and end here as history."""
