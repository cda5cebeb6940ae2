"""Run every benchmark in bench/ and print its figures beside its baseline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

for script in sorted(HERE.glob("*.py")):
    if script.name == "run.py":
        continue
    print(f"== {script.stem}", flush=True)
    subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=True)
