"""`caseterm hmis ...`: HUD HMIS CSV FY2026 (validate a set; more under `export --format hmis`)."""

from __future__ import annotations

from pathlib import Path

import click

from caseterm import clock
from caseterm.errors import BadInput


def _printable(line: str) -> str:
    """Another system's file reaches the terminal: its control characters become '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in line)


@click.group("hmis")
def hmis() -> None:
    """HUD HMIS CSV FY2026: check a set of files (any system's)."""


@hmis.command("check")
@click.argument("path", type=click.Path(path_type=Path))
def check_cmd(path: Path) -> None:
    """Check the HMIS CSV set in PATH (a folder or a .zip) against FY2026.

    Prints `File.csv:ROW:Column: problem` (ROW 1 is the header, 0 the whole file);
    exit status 0 when clean, 2 when not.
    """
    from caseterm.hmis.check import check_path

    problems = check_path(path, clock.today())
    for problem in problems:
        click.echo(_printable(str(problem)))
    if problems:
        raise BadInput(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''} found")
    click.echo(f"{path}: a clean HMIS CSV FY2026 set.")


# --------------------------------------------------------------------------
# caseterm project ...
# --------------------------------------------------------------------------


def _date(value: str | None, option: str):
    return clock.parse_date(value, option) if value else None


def _project_options(func):
    """The options `project add` and `project edit` share (None: leave as it is)."""
    options = [
        click.option("--name", help="Project name (HUD 2.02.2)."),
        click.option("--type", "ptype", metavar="TYPE",
                     help="HUD project type: psh, rrh, th, es, outreach, services-only, prevention, ce, ... or a 2.02.6 code."),
        click.option("--hud/--non-hud", "continuum", default=None,
                     help="A continuum (HUD CoC) project, or not (e.g. a TANF program)."),
        click.option("--participation", type=int, help="2.08.1: 0 not participating, 1 HMIS, 2 comparable database."),
        click.option("--housing-type", type=int, help="2.02.D: 1 site-based single, 2 site-based clustered, 3 tenant-based."),
        click.option("--residential-affiliation/--no-residential-affiliation", "affiliation", default=None,
                     help="Services only / outreach: affiliated with a residential project."),
        click.option("--start", metavar="YYYY-MM-DD", help="Operating start date."),
        click.option("--end", metavar="YYYY-MM-DD", help="Operating end date."),
        click.option("--coc", metavar="XX-000", help="CoC code (2.03.1)."),
        click.option("--geocode", metavar="NNNNNN", help="Geocode (2.03.2)."),
        click.option("--funder", type=int, help="Funding source, HUD list 2.06.1 (46: local or other)."),
        click.option("--other-funder", help="The funding source's name when --funder is 46."),
        click.option("--grant", help="Grant identifier."),
        click.option("--grant-start", metavar="YYYY-MM-DD"),
        click.option("--grant-end", metavar="YYYY-MM-DD"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _fields(name, ptype, continuum, participation, housing_type, affiliation, start, end, coc, geocode, funder,
            other_funder, grant, grant_start, grant_end):
    from caseterm.hmis.records import ProjectFields, project_type_code

    return ProjectFields(
        name=name, project_type=project_type_code(ptype) if ptype else None, continuum_project=continuum,
        hmis_participation=participation, housing_type=housing_type, residential_affiliation=affiliation,
        operating_start=_date(start, "--start"), operating_end=_date(end, "--end"), coc_code=coc, geocode=geocode,
        funder=funder, other_funder=other_funder, grant_id=grant, grant_start=_date(grant_start, "--grant-start"),
        grant_end=_date(grant_end, "--grant-end"))


@click.group("project")
def project() -> None:
    """The agency's organization and its projects (HUD HMIS 2.01-2.08)."""


@project.command("org")
@click.argument("name", required=False)
@click.option("--victim-service-provider/--not-victim-service-provider", "vsp", default=None,
              help="A victim service provider (DV agency): caseterm is its comparable database.")
@click.pass_obj
def org_cmd(ctx, name: str | None, vsp: bool | None) -> None:
    """Name the organization (or change it); without arguments, show it."""
    from caseterm.hmis.records import organization, set_organization
    from caseterm.store import session_scope

    with session_scope(ctx.engine(create=True)) as session:
        org = organization(session) if name is None and vsp is None else set_organization(session, name, vsp)
        if org is None:
            raise BadInput("no organization yet: `caseterm project org NAME [--victim-service-provider]`")
        kind = "victim service provider (comparable database)" if org.victim_service_provider else "not a victim service provider"
        click.echo(_printable(f"{org.name} ({kind})"))


@project.command("add")
@_project_options
@click.pass_obj
def add_cmd(ctx, **options) -> None:
    """Add a project (--name and --start needed)."""
    from caseterm.hmis.records import add_project
    from caseterm.store import session_scope

    fields = _fields(**options)
    with session_scope(ctx.engine(create=True)) as session:
        made = add_project(session, fields)
        click.echo(_printable(f"Added project #{made.id} {made.name}."))


@project.command("edit")
@click.argument("which")
@_project_options
@click.pass_obj
def edit_cmd(ctx, which: str, **options) -> None:
    """Change a project (WHICH: its number or name); only the options given change."""
    from caseterm.hmis.records import edit_project
    from caseterm.store import session_scope

    fields = _fields(**options)
    with session_scope(ctx.engine()) as session:
        changed = edit_project(session, which, fields)
        click.echo(_printable(f"Changed project #{changed.id} {changed.name}."))


@project.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per project.")
@click.pass_obj
def list_cmd(ctx, as_json: bool) -> None:
    """The projects, with their HUD type, dates, CoC and funder."""
    import json

    from caseterm.hmis.records import organization, projects
    from caseterm.hmis.spec import load_spec
    from caseterm.store import session_scope

    types = load_spec().codes("2.02.6")
    with session_scope(ctx.engine()) as session:
        org = organization(session)
        rows = projects(session)
        if as_json:
            click.echo(json.dumps([{
                "id": p.id, "name": p.name, "project_type": p.project_type, "hud": p.continuum_project,
                "operating_start": p.operating_start.isoformat(),
                "operating_end": p.operating_end.isoformat() if p.operating_end else None,
                "coc_code": p.coc_code, "funder": p.funder, "grant_id": p.grant_id,
                "residential_affiliation": p.residential_affiliation} for p in rows], indent=2))
            return
        if org is not None:
            click.echo(_printable(f"Organization: {org.name}" + (" (victim service provider)" if org.victim_service_provider else "")))
        if not rows:
            click.echo("No projects yet: `caseterm project add --name NAME --type psh --start YYYY-MM-DD`.")
        for p in rows:
            hud = "HUD" if p.continuum_project else "non-HUD"
            kind = types.get(str(p.project_type), "-") if p.project_type is not None else "-"
            ends = f" to {p.operating_end}" if p.operating_end else ""
            click.echo(_printable(f"#{p.id:<3} {p.name}  [{kind}; {hud}]  from {p.operating_start}{ends}"
                                  f"  CoC {p.coc_code or '-'}  funder {p.funder if p.funder is not None else '-'}"
                                  f"  grant {p.grant_id or '-'}"))
