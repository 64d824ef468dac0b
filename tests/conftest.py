"""Tests write variants of the shipped scenarios in temporary folders: let those read scenarios/ on purpose."""

import os
from pathlib import Path

from flowsim.scenario.loading import ALLOWED_FOLDERS_VARIABLE

os.environ[ALLOWED_FOLDERS_VARIABLE] = str(Path(__file__).parents[1] / "scenarios")
