"""Paths of the Temporal binaries that the PyPI packages put beside the interpreter."""

from __future__ import annotations

import sys
from pathlib import Path

BIN = Path(sys.executable).parent
TEMPORAL_CLI = BIN / "temporal"
TEMPORAL_TEST_SERVER = BIN / "temporal-test-server"
