import sys
from pathlib import Path

# tests/ helpers (spec_reference, strategies) are imported as plain modules.
sys.path.insert(0, str(Path(__file__).parent))
