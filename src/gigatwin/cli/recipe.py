"""``gigatwin recipe validate | new | upgrade``: write and check cell recipes.

``--set KEY=VALUE`` (``parse_sets``) is shared with ``simulate``, ``sensitivity`` and
``compare``: KEY is a recipe path (``cathode.calender_line_load``) or, for a cell
setting, its bare spec key (``design_stack_thickness``, filed in its step's section);
VALUE is written as in a recipe, with its unit (``"900 N/mm"``, ``"0.5 +- 0.05"``).
"""
# ruff: noqa: B008  (typer declares arguments and options as default values)

from __future__ import annotations

from pathlib import Path

import typer

from gigatwin.cli._common import console, err_console, fail, write_json

recipe_app = typer.Typer(help="Write and check cell recipes (every setting a spec key).",
                         no_args_is_help=True)

SET_HELP = ("Change a setting: KEY=VALUE with its unit, e.g. "
            "'cathode.calender_line_load=900 N/mm' (repeatable)")


def register(app: typer.Typer) -> None:
    app.add_typer(recipe_app, name="recipe")


def parse_sets(items: list[str] | None) -> dict[str, object]:
    """``["cathode.calender_line_load=900 N/mm"]`` -> ``{path: value}``; a bare cell key
    goes to the section of its spec step. Raises typer.Exit with a clear message."""
    import yaml

    from gigatwin.spec.registry import load_registry
    from gigatwin.spec.vocabulary import ELECTRODES, close_matches

    out: dict[str, object] = {}
    spec = load_registry().parameters
    for item in items or []:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key or not text:
            raise fail(f"--set {item!r}: write KEY=VALUE, e.g. "
                       "'cathode.calender_line_load=900 N/mm'")
        if "." not in key:
            if key not in spec:
                close = close_matches(key, spec)
                raise fail(f"--set {key}: not a key of the data specification"
                           + (f"; did you mean {', '.join(close)}?" if close else ""))
            step = spec[key].step
            if step not in ("cell", "assembly", "electrolyte_filling", "formation",
                            "aging_eol"):
                raise fail(f"--set {key}: an electrode setting; write "
                           f"{' or '.join(f'{e}.{key}' for e in ELECTRODES)}")
            key = f"{step}.{key}"
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        out[key] = value
    return out


def load(recipe_path: Path, sets: list[str] | None = None):
    """Load a recipe with ``--set`` changes, or exit 2 with every problem listed."""
    from gigatwin.twin import RecipeError, load_recipe

    try:
        return load_recipe(recipe_path, overrides=parse_sets(sets))
    except RecipeError as exc:
        given = f" (with --set {', '.join(sets)})" if sets else ""
        raise fail(str(exc) + given) from None


@recipe_app.command("validate")
def validate(recipe: Path = typer.Argument(..., help="Recipe YAML file"),
             sets: list[str] | None = typer.Option(None, "--set", help=SET_HELP),
             json_path: Path | None = typer.Option(None, "--json",
                                                   help="Write the problems as JSON (- for stdout)")
             ) -> None:
    """Check a recipe against the data specification: every problem at once.

    Exit 0 when valid (warnings allowed), 1 with a table of every problem.
    """
    from gigatwin.twin import RecipeError, load_recipe

    try:
        loaded = load_recipe(recipe, overrides=parse_sets(sets))
        errors, warnings = [], list(loaded.warnings) + _unused(loaded)
    except RecipeError as exc:
        errors, warnings = exc.problems, exc.warnings
    _problem_table(recipe, errors, warnings)
    if errors and sets:
        err_console.print(f"(the recipe with --set {', '.join(sets)})", soft_wrap=True,
                          markup=False)
    write_json({"recipe": str(recipe), "valid": not errors,
                "errors": [p.as_dict() for p in errors],
                "warnings": [p.as_dict() for p in warnings]}, json_path)
    if errors:
        raise typer.Exit(1)


def _unused(recipe) -> list:
    """Warnings for valid settings that no model of the chain reads."""
    from gigatwin.twin.chain import unused_settings
    from gigatwin.twin.recipe import Problem

    return [Problem(path, "a key of the data specification, but no model of the chain uses "
                    "it yet: it changes no result", "warning", "unused")
            for path in unused_settings(recipe)]


def _problem_table(recipe: Path, errors, warnings) -> None:
    from rich.table import Table

    if not errors and not warnings:
        console.print(f"[green]{recipe}: valid[/green]")
        return
    verdict = f"{len(errors)} error(s)" if errors else "valid"
    table = Table(title=f"{recipe}: {verdict}, {len(warnings)} warning(s)")
    for column in ("#", "severity", "path", "kind", "problem"):
        table.add_column(column, overflow="fold")
    for i, p in enumerate([*errors, *warnings], start=1):
        style = "red" if p.severity == "error" else "yellow"
        table.add_row(str(i), f"[{style}]{p.severity}[/{style}]", p.path or "-", p.kind,
                      p.message)
    console.print(table)


@recipe_app.command("new")
def new(cell_format: str = typer.Option(..., "--format",
                                        help="pouch, cylindrical or prismatic"),
        chemistry: str = typer.Option(..., "--chemistry",
                                      help="nmc622_graphite, nmc811_sigraphite, lfp_graphite"),
        output: Path = typer.Option(..., "-o", "--output", help="Recipe file to write"),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing file")) -> None:
    """Write a commented recipe of a format and a chemistry that validates."""
    import yaml

    from gigatwin.spec.vocabulary import close_matches
    from gigatwin.twin import RecipeError, recipe_from_dict
    from gigatwin.twin.recipe_writer import dump_recipe, new_recipe, template_names

    for kind, name in (("format", cell_format), ("chemistry", chemistry)):
        known = template_names(kind)
        if name.lower() not in known:
            close = close_matches(name.lower(), known)
            raise fail(f"--{kind} {name!r} is not one of {', '.join(known)}"
                       + (f"; did you mean {', '.join(close)}?" if close else ""))
    if output.exists() and not force:
        raise fail(f"{output} exists; use --force to overwrite it")
    raw = new_recipe(cell_format.lower(), chemistry.lower())
    text = dump_recipe(raw, header=(
        f"{raw['name']}: written by `gigatwin recipe new --format {cell_format.lower()} "
        f"--chemistry {chemistry.lower()}`.\nEvery key is a key of the data specification "
        "(`gigatwin spec show KEY`). Quantities:\n\"value unit +- tolerance unit\" or "
        "{value, unit, tolerance}; a tolerance is one\nstandard deviation. Settings are "
        "typical values, not a supplier recipe."))
    try:
        recipe_from_dict(yaml.safe_load(text), source=str(output))
    except RecipeError as exc:  # a template bug, not the user's: say so
        raise fail(f"the templates gave an invalid recipe (please report): {exc}") from None
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output} ({raw['name']}); check it with "
                  f"`gigatwin recipe validate {output}`")


@recipe_app.command("upgrade")
def upgrade(recipe: Path = typer.Argument(..., help="Recipe written in the old names"),
            output: Path = typer.Option(..., "-o", "--output", help="Recipe file to write"),
            force: bool = typer.Option(False, "--force", help="Overwrite an existing file")
            ) -> None:
    """Rewrite a recipe written in the names used before the spec vocabulary."""

    from gigatwin.checks import load_yaml
    from gigatwin.spec.vocabulary import upgrade_recipe
    from gigatwin.twin.recipe_writer import dump_recipe

    try:
        raw = load_yaml(recipe, "recipe")    # UTF-8, bounded size, no YAML bomb
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read {recipe}: {exc}") from None
    if not isinstance(raw, dict):
        raise fail(f"{recipe}: the top level must be a mapping of sections")
    if output.exists() and not force:
        raise fail(f"{output} exists; use --force to overwrite it")
    new_raw, renamed = upgrade_recipe(raw)
    output.write_text(dump_recipe(new_raw, f"Upgraded from {recipe.name} by `gigatwin "
                                           "recipe upgrade`."), encoding="utf-8")
    console.print(f"wrote {output}: {len(renamed)} setting(s) renamed; check it with "
                  f"`gigatwin recipe validate {output}`")


@recipe_app.command("renames")
def renames(json_path: Path | None = typer.Option(None, "--json",
                                                  help="Write the table as JSON (- for stdout)")
            ) -> None:
    """The table of renamed keys: names used before the spec vocabulary -> spec keys."""
    from rich.table import Table

    from gigatwin.spec.vocabulary import renames as table_of_renames

    table = table_of_renames()
    rows = ([("step", old, new) for old, new in table.steps.items()]
            + [("setting", old, e.new + (f" (unit {e.unit})" if e.unit else ""))
               for old, e in table.settings.items() if old != e.new]
            + [("protocol", old, e.new + (f" (unit {e.unit})" if e.unit else ""))
               for old, e in table.protocol.items()]
            + [("output", old, new) for old, new in table.outputs.items() if old != new])
    shown = Table(title="Renamed keys (src/gigatwin/spec/renamed.yaml)")
    for col in ("kind", "old", "new"):
        shown.add_column(col, overflow="fold")
    for row in rows:
        shown.add_row(*row)
    console.print(shown)
    write_json([dict(zip(("kind", "old", "new"), r, strict=True)) for r in rows], json_path)
