"""The live twin: online calibration, feed-forward prediction and run-to-run control.

The twin follows the line as it runs (Zanotto et al. 2022, Figure 1): it learns the
slot die's coat-weight bias from each beta-gauge reading (:mod:`.calibration`), predicts
the loading of the coil about to be coated from its slurry batch's measured solid
content, and sets the pump so that coil lands on target (:mod:`.control`), against the
plain EWMA run-to-run controller of Sachs, Hu and Ingolfsson (1995); and likewise the
calender's line-load offset and porosity (:mod:`.calender`); it predicts the end-of-line
capacity of the cells in the line (:mod:`.quality`). The twin on the virtual line
is :mod:`gigatwin.line.live`, on a store :mod:`gigatwin.ingest.live`.
"""

from gigatwin.twin.live.calibration import BiasFilter, CoatingModel, Estimate
from gigatwin.twin.live.control import EwmaController, Limits, TwinController
from gigatwin.twin.live.quality import CellPredictor, ElectrodeInput

__all__ = ["BiasFilter", "CellPredictor", "CoatingModel", "ElectrodeInput", "Estimate",
           "EwmaController", "Limits", "TwinController"]
