"""The shapes of requests and responses, declared once (pydantic); OpenAPI comes from them.

Values follow the data specification: a quantity's ``unit`` is its spec SI unit unless
the field says it is a display unit.
"""

from __future__ import annotations

import functools
import math
from datetime import datetime
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Role = Literal["viewer", "engineer", "admin"]
Name = Field(min_length=1, max_length=200)


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy arrays and scalars as Python values and NaN/inf as None."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@functools.cache
def _adapter(shape) -> TypeAdapter:
    return TypeAdapter(shape)


def encode(shape, value: Any) -> bytes:
    """``value`` checked against ``shape`` (a model or ``list[Model]``) and encoded as
    JSON, as FastAPI's ``response_model`` would: for answers that are cached as bytes."""
    adapter = _adapter(shape)
    return adapter.dump_json(adapter.validate_python(value))


# -- accounts -----------------------------------------------------------------------------
class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    role: Role
    expires_in: int = Field(description="seconds")


class Me(BaseModel):
    name: str
    role: str
    kind: Literal["user", "key"]


class UserOut(BaseModel):
    username: str
    role: Role
    created_ts: datetime


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=10, max_length=200)
    role: Role


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)


class KeyOut(BaseModel):
    key_id: str
    name: str
    role: str
    created_by: str | None
    created_ts: datetime
    revoked_ts: datetime | None


class KeyCreated(BaseModel):
    key_id: str
    key: str = Field(description="shown once; only its hash is stored")


class AuditEntry(BaseModel):
    ts: datetime
    actor: str
    action: str
    target: str | None
    detail: str | None


# -- specification ------------------------------------------------------------------------
class RangeOut(BaseModel):
    lower: float | None
    upper: float | None
    lower_inclusive: bool
    upper_inclusive: bool
    unit: str
    as_given: str
    source: str


class ParameterOut(BaseModel):
    key: str
    step: str
    substep: str | None
    role: Literal["MP", "PP", "SP"]
    label: str
    description: str
    kind: str
    unit: str
    display_unit: str
    choices: list[str] | None
    measurement: list[str]
    accuracy: str | None
    accuracy_si: float | None
    accuracy_note: str | None
    online: Literal["online", "offline", "both", "none"]
    models: list[str]
    typical: RangeOut | None
    physical: RangeOut | None
    iri: str
    ontology_label: str | None
    seed_rows: list[str]


class StepOut(BaseModel):
    key: str
    name: str
    order: int
    description: str
    source: str
    parameters: int


class RecordsIn(BaseModel):
    """Records in the spec's format (``key``, ``value``, ``unit``, ``ts``, ``asset``,
    ``product``, ``id``); any JSON is accepted here so that a bad record is kept in
    quarantine with its reason instead of refusing the batch."""

    model_config = ConfigDict(extra="forbid")
    records: list[Any] = Field(max_length=10_000)


class RecordOutcome(BaseModel):
    row: int | None
    ok: bool
    key: str | None
    value: float | str | None
    unit: str | None
    ts: str | None
    asset: str | None
    product: str | None
    id: str | None
    errors: list[str]
    warnings: list[str]


class ValidationReport(BaseModel):
    received: int
    accepted: int
    rejected: int
    records: list[RecordOutcome]


class IngestCounts(BaseModel):
    received: int
    stored: int
    duplicates: int
    quarantined: int


class ReleaseIn(BaseModel):
    """A corrected record to store instead of the quarantined one; without it the
    quarantined text is validated again as it is (after the specification changed)."""

    model_config = ConfigDict(extra="forbid")
    record: dict[str, Any] | None = None


class QuarantineEntry(BaseModel):
    quarantine_id: str
    received_ts: datetime
    source: str
    raw: str
    reason: str


# -- twin ---------------------------------------------------------------------------------
class RecipeSummary(BaseModel):
    name: str = Field(description="file stem of an example recipe")
    title: str
    description: str


class RecipeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipe: dict[str, Any] = Field(description="the recipe document, as its YAML parsed")


class RecipeProblem(BaseModel):
    path: str = Field(description="dotted recipe path (cathode.coating_speed); empty for the whole recipe")
    message: str = Field(description="what is wrong: value, unit, range, or the key it was renamed to")
    severity: str = Field(description="error or warning")
    kind: str = Field(description="unknown_key, dimension, range, missing, cross_field, syntax, "
                                  "renamed, unused ...")


class RecipeCheck(BaseModel):
    ok: bool = Field(description="no errors (warnings allowed), as `gigatwin recipe validate`")
    name: str | None
    settings: int
    problems: list[RecipeProblem] = Field(description="every error, all at once")
    warnings: list[RecipeProblem] = Field(
        description="outside the typical range, renamed keys, keys no model reads yet")


class SimulationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    example: str | None = Field(None, max_length=200, description="an example recipe's name")
    recipe: dict[str, Any] | None = Field(None, description="or a recipe document")
    samples: int = Field(2000, ge=1, le=20_000)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    bins: int = Field(40, ge=5, le=200)


class Histogram(BaseModel):
    unit: str
    edges: list[float]
    counts: list[int]


class OutputStats(BaseModel):
    mean: float | None
    std: float | None
    p05: float | None
    p95: float | None
    unit: str
    nominal: float | None = None


class SimulationOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    recipe: str
    samples: int
    seed: int | None
    steps: dict[str, dict[str, OutputStats]]
    cell: dict[str, OutputStats]
    yields: dict[str, float | None] = Field(alias="yield")
    citations: list[dict[str, Any]]
    histograms: dict[str, Histogram] = Field(description="cell outputs, display units")


class PlantSummary(BaseModel):
    name: str
    title: str


# -- quality ------------------------------------------------------------------------------
class SignalSeries(BaseModel):
    key: str
    asset_id: str | None
    unit: str | None
    count: int
    first_ts: datetime
    last_ts: datetime


class ChartOut(BaseModel):
    key: str
    asset_id: str | None
    unit: str | None
    ts: list[datetime]
    analysis: dict[str, Any]


class CapabilityOut(BaseModel):
    key: str
    asset_id: str | None
    unit: str | None
    result: dict[str, Any]


# -- traceability -------------------------------------------------------------------------
class ReachedOut(BaseModel):
    object_id: str
    kind: str
    generation: int
    ranges_m: list[list[float]]


class EdgeOut(BaseModel):
    parent_id: str
    child_id: str


class Genealogy(BaseModel):
    object_id: str
    direction: Literal["trace", "track"]
    reached: list[ReachedOut]
    edges: list[EdgeOut] = Field(description="between the objects reached")


class ObjectOut(BaseModel):
    object_id: str
    kind: str


# -- background jobs ----------------------------------------------------------------------
JobKind = Literal["simulation", "comparison", "performance", "design", "plant"]
JobState = Literal["queued", "running", "done", "failed", "cancelled"]


class JobIn(BaseModel):
    """A background job: its kind and that kind's parameters (see docs/api.md)."""

    model_config = ConfigDict(extra="forbid")
    kind: JobKind
    params: dict[str, Any] = Field(default_factory=dict)


class RecipeRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    example: str | None = Field(None, max_length=200, description="an example recipe's name")
    recipe: dict[str, Any] | None = Field(None, description="or a recipe document")


class ComparisonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: RecipeRef = Field(description="recipe A, the reference")
    b: RecipeRef = Field(description="recipe B (differences are B - A)")
    samples: int = Field(2000, ge=2, le=20_000)
    seed: int = Field(0, ge=0, le=2**32 - 1)


class PerformanceIn(RecipeRef):
    rates: list[float] = Field([0.1, 1.0, 2.0], min_length=1, max_length=8,
                               description="discharge C-rates, each in (0, 10]")
    model: Literal["dfn", "spme"] = "spme"
    samples: int = Field(0, ge=0, le=20, description="sampled cells besides the nominal one")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    mesh: Literal["default", "coarse"] = "coarse"


class DesignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    problem: str = Field(max_length=200, description="an example design problem's name")
    generations: int = Field(5, ge=1, le=50)
    population: int = Field(12, ge=4, le=100)
    seed: int = Field(0, ge=0, le=2**32 - 1)


class PlantJobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plant: str = Field(max_length=200, description="an example plant's name")
    scenarios: list[str] = Field(default_factory=list, max_length=20)


class JobOut(BaseModel):
    job_id: str
    kind: JobKind
    owner: str
    state: JobState
    progress: float = Field(description="0 to 1")
    message: str | None
    params: dict[str, Any]
    error: str | None
    created_ts: datetime
    started_ts: datetime | None
    finished_ts: datetime | None


# -- virtual line and live twin -----------------------------------------------------------
class LineStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line: str = Field("pilot_line", max_length=200, description="an example line's name")
    scenario: str | None = Field(None, max_length=200, description="an example scenario")
    duration_h: float = Field(24.0, gt=0, le=720, description="simulated hours")
    speed: float = Field(60.0, gt=0, le=100_000, description="times real time")
    seed: int = Field(0, ge=0, le=2**32 - 1)


class LineStatus(BaseModel):
    state: Literal["stopped", "running", "finished", "failed"]
    line: str | None
    scenario: str | None
    simulated_s: float
    duration_s: float | None
    speed: float | None
    records: int
    started_ts: datetime | None
    stopped_ts: datetime | None
    started_by: str | None
    error: str | None
    lines: list[str]
    scenarios: list[str]


class FollowIn(RecipeRef):
    """The recipe the line runs (an example's name or a document)."""


class EstimateOut(BaseModel):
    ts: datetime
    key: str
    mean: float | None = Field(description="posterior mean of the flow bias [1]")
    std: float | None = Field(description="posterior standard deviation [1]")
    accepted: bool | None
    reason: str | None


class RecommendationOut(BaseModel):
    rec_id: str
    ts: datetime
    key: str
    previous: float | None = Field(description="setpoint in force before [1]")
    value: float | None = Field(description="recommended setpoint [1]")
    predicted: float | None = Field(description="predicted areal loading, in the SI unit "
                                                "of <electrode>.coating_areal_loading")
    predicted_std: float | None
    target: float | None = Field(description="target areal loading, same unit")
    why: str | None
    status: Literal["advised", "accepted", "rejected"]


# -- alarms and streams -------------------------------------------------------------------
class AlarmOut(BaseModel):
    event_id: str
    ts: datetime = Field(description="when the alarm was raised")
    asset_id: str | None
    severity: str | None
    code: str | None = Field(description="what raised it, e.g. ewma:<spec key>")
    message: str | None
    object_id: str | None
    state: Literal["open", "cleared"]
    cleared_ts: datetime | None
    acknowledged: bool
    acked_by: str | None
    acked_ts: datetime | None
    comment: str | None


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str | None = Field(default=None, max_length=1000,
                                description="what was done about it (optional)")


class StreamTicket(BaseModel):
    ticket: str = Field(description="pass as ?ticket= to GET /stream (EventSource sends "
                                    "no headers); opens streams only")
    expires_in: int = Field(description="seconds within which a stream must be opened")


class DesignObjective(BaseModel):
    name: str
    unit: str = Field(description="the unit of the objective's column in the Pareto rows")


class DesignVariable(BaseModel):
    path: str = Field(description="the recipe setting the optimiser varies")
    unit: str = Field(description="its display unit in the Pareto rows")


class DesignProblemOut(BaseModel):
    name: str = Field(description="params.problem of a design job")
    title: str
    objectives: list[DesignObjective]
    variables: list[DesignVariable]
