"""The data specification: steps, parameters, exports, validation of records.

The specification does not change while the service runs, so the read routes are
``async`` (no thread needed) and answer from encoded JSON kept per request
(:class:`gigatwin.api.cache.ResponseCache`)."""

from __future__ import annotations

import csv
import tempfile
from enum import StrEnum
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, UploadFile, status
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from gigatwin.api.deps import ResponsesDep, ViewerDep
from gigatwin.api.schemas import (
    ParameterOut,
    RecordsIn,
    StepOut,
    ValidationReport,
    encode,
    jsonable,
)
from gigatwin.spec import BatchResult, load_registry, validate_file, validate_records

router = APIRouter(prefix="/spec", tags=["specification"])
MAX_UPLOAD = 20 * 1024 * 1024


class ExportFormat(StrEnum):
    json_schema = "json-schema"
    jsonld = "jsonld"
    markdown = "markdown"
    html = "html"


def _unknown_step(step: str, registry) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND,
                         detail=f"unknown step {step!r}; steps: {', '.join(registry.steps)}")


@router.get("/steps", response_model=list[StepOut], summary="The steps, in process order")
async def steps(user: ViewerDep, responses: ResponsesDep):
    def compute() -> bytes:
        return encode(list[StepOut], [
            StepOut(key=s.key, name=s.name, order=s.order, description=s.description,
                    source=s.source, parameters=len(s.parameter_keys))
            for s in load_registry().ordered_steps()])

    return responses.answer(("spec.steps",), compute)


@router.get("/parameters", response_model=list[ParameterOut],
            summary="Parameters, filtered by step, role, measurability and text")
async def parameters(user: ViewerDep, responses: ResponsesDep,
                     step: Annotated[str | None, Query(max_length=64)] = None,
                     role: Literal["MP", "PP", "SP"] | None = None,
                     online: Literal["online", "offline", "both", "none"] | None = None,
                     q: Annotated[str | None, Query(max_length=100,
                                                    description="in key or label")] = None):
    return responses.answer(("spec.parameters", step, role, online, q),
                            lambda: encode(list[ParameterOut], _parameters(step, role, online, q)))


def _parameters(step, role, online, q) -> list[dict]:
    registry = load_registry()
    if step is not None and step not in registry.steps:
        raise _unknown_step(step, registry)
    chosen = [registry.steps[step]] if step else registry.ordered_steps()
    found = [p for s in chosen for p in registry.step_parameters(s.key)]
    if role:
        found = [p for p in found if p.role == role]
    if online:
        found = [p for p in found if p.online == online]
    if q:
        text = q.lower()
        found = [p for p in found if text in p.key.lower() or text in p.label.lower()]
    return [p.as_dict() for p in found]


@router.get("/parameters/{key}", response_model=ParameterOut, summary="One parameter")
async def parameter(key: Annotated[str, Path(max_length=100)], user: ViewerDep):
    registry = load_registry()
    if key not in registry.parameters:
        import difflib

        close = difflib.get_close_matches(key, registry.parameters, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown key {key!r}{hint}")
    return registry.parameters[key].as_dict()


@router.get("/export", summary="The specification as JSON Schema, JSON-LD, Markdown or HTML",
            responses={200: {"content": {"application/json": {}, "text/markdown": {},
                                         "text/html": {}}}})
def export(user: ViewerDep, format: ExportFormat,  # noqa: A002 (the query parameter's name)
           step: Annotated[str | None, Query(max_length=64)] = None):
    from gigatwin.spec import export as ex

    registry = load_registry()
    if step is not None and (format is not ExportFormat.json_schema or step not in registry.steps):
        if step not in registry.steps:
            raise _unknown_step(step, registry)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"step applies to format json-schema only, not {format.value}")
    if format is ExportFormat.json_schema:
        return JSONResponse(jsonable(ex.json_schema(registry, step) if step
                                     else ex.json_schemas(registry)))
    if format is ExportFormat.jsonld:
        return JSONResponse(jsonable(ex.jsonld(registry)), media_type="application/ld+json")
    if format is ExportFormat.markdown:
        return PlainTextResponse(ex.markdown(registry), media_type="text/markdown")
    return HTMLResponse(ex.html_tables(registry))


def _report(batch: BatchResult) -> ValidationReport:
    return ValidationReport(received=batch.received, accepted=len(batch.accepted),
                            rejected=len(batch.rejected),
                            records=[jsonable(r.as_dict()) for r in batch.all])


@router.post("/validate", response_model=ValidationReport,
             summary="Validate records against the specification (nothing is stored)")
def validate(body: RecordsIn, user: ViewerDep) -> ValidationReport:
    return _report(validate_records(body.records, load_registry()))


@router.post("/validate-file", response_model=ValidationReport,
             summary="Validate a CSV, JSON or JSON-lines file of records (nothing is stored)")
def validate_upload(file: UploadFile, user: ViewerDep) -> ValidationReport:
    suffix = FilePath(file.filename or "").suffix.lower()
    if suffix not in (".csv", ".json", ".jsonl", ".ndjson"):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"file {file.filename!r}: type {suffix or 'none'!r} is not "
                                   ".csv, .json, .jsonl or .ndjson")
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            detail=f"file {file.filename!r} is over {MAX_UPLOAD // 2**20} MiB")
    with tempfile.TemporaryDirectory() as folder:
        path = FilePath(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            batch = validate_file(path, load_registry())
        except (ValueError, UnicodeDecodeError, csv.Error) as exc:
            message = str(exc).replace(str(path), file.filename or "upload")
            if str(file.filename) not in message:
                message = f"{file.filename}: {message}"
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=message) from exc
    return _report(batch)
