"""Plant cost, energy and throughput by step, innovation scenarios, and a line DES.

Layers (pvlib's three tiers): pure models in ``throughput``, ``cost`` and ``energy``; plants as data
(``plant.load_plant``); the orchestrator ``model.evaluate_plant``; scenarios as data
(``scenarios``); the discrete-event simulation in ``gigatwin.factory.des`` (the only
module that imports SimPy).
"""

from gigatwin.factory.model import PlantResult, StepResult, evaluate_plant
from gigatwin.factory.plant import Plant, PlantError, load_plant

__all__ = ["Plant", "PlantError", "PlantResult", "StepResult", "evaluate_plant", "load_plant"]
