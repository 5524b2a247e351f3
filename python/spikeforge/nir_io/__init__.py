"""NIR (Neuromorphic Intermediate Representation, nir 1.0.8) import into and export from our SpikingMLP.

``reader``: graphs of Affine/Linear + LIF/IF (LI/I readout) -> SpikingMLP + approximation report.
``writer``: SpikingMLP -> NIR graph / .nir file. ``mapping``: the continuous <-> discrete parameter math.
"""

from spikeforge.nir_io.mapping import DISCRETIZATIONS, TAU_CONVENTIONS, MappingReport, Timing
from spikeforge.nir_io.reader import import_graph, read_graph
from spikeforge.nir_io.writer import export_graph, write_graph

__all__ = [
    "DISCRETIZATIONS",
    "TAU_CONVENTIONS",
    "MappingReport",
    "Timing",
    "export_graph",
    "import_graph",
    "read_graph",
    "write_graph",
]
