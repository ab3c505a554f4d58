"""Make ``pruning_support`` importable by the pruner tests (pytest's importlib mode)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
