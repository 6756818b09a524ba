"""Published sources used by more than one part of gigatwin, registered once.

A citation used by a single module lives next to its model; one that several areas cite
(the seed papers, a model shared by the twin and the factory) lives here, so that the
registry holds one entry per key (``gigatwin.citations.register`` refuses a key twice
with different data).
"""

from gigatwin.citations import Citation, register

ZANOTTO_2022 = register(Citation(
    key="zanotto2022",
    authors="Zanotto, Zapata Dominguez, Ayerbe, Boyano, Burmeister, Duquesnoy, Eisentraeger, "
            "Florez Montano, Gallo-Bueno, Gold, Hall, Kaden, Muerkoster, Mitra, Patrignani, "
            "Petrov, Ruhland, Schmidt, Tappe, Gramlich, Franco",
    title="Data Specifications for Battery Manufacturing Digitalization: Current Status, "
          "Challenges, and Opportunities",
    venue="Batteries & Supercaps 5 (2022) e202200224",
    year=2022,
    doi="10.1002/batt.202200224",
))
LIU_2021 = register(Citation(
    key="liu2021",
    authors="Liu, Zhang, Wang, Wang",
    title="Current and future lithium-ion battery manufacturing",
    venue="iScience 24 (2021) 102332",
    year=2021,
    doi="10.1016/j.isci.2021.102332",
))
AHMED_2016 = register(Citation(
    key="ahmed2016", authors="Ahmed, Nelson, Gallagher, Dees",
    title="Energy impact of cathode drying and solvent recovery during lithium-ion battery manufacturing",
    venue="Journal of Power Sources 322 (2016) 169-178", year=2016, doi="10.1016/j.jpowsour.2016.04.102"))
ALDUCHOV_1996 = register(Citation(
    key="alduchov1996", authors="Alduchov, Eskridge",
    title="Improved Magnus form approximation of saturation vapor pressure",
    venue="Journal of Applied Meteorology 35 (1996) 601-609", year=1996,
    doi="10.1175/1520-0450(1996)035<0601:IMFAOS>2.0.CO;2"))
