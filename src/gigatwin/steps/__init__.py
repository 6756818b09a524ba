"""Step models: one module per manufacturing step, pure vectorised functions in SI.

Every model function takes SI floats or numpy arrays (broadcast together) and returns
the same, or a small frozen dataclass of them. Its docstring states the equation, the
unit of every argument and result in square brackets, the validity range and the
source; the function is decorated with :func:`gigatwin.citations.cites`. Inputs outside
the validity range raise :class:`gigatwin.checks.RangeError` naming the argument.

The step contract (checked by ``tests/steps/test_conformance.py`` over every module
listed in :data:`STEP_MODULES`): each module defines ``CONFORMANCE``, a tuple of
:class:`gigatwin.steps.contract.Conformance`, one per public model function, giving a
valid scalar input set and invalid ones. The conformance test checks that scalar and
array inputs agree, that valid inputs never give NaN, and that invalid inputs raise a
``ValueError`` naming the offending argument.
"""

# In process order. Each name is a module of this package.
STEP_MODULES = (
    "mixing",
    "coating",
    "drying",
    "calendering",
    "slitting",
    "post_drying",
    "assembly",
    "filling",
    "formation",
    "end_of_line",
)
