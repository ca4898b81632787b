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


# --------------------------------------------------------------------------
# caseterm hmis enroll | exit | client | record | show
# --------------------------------------------------------------------------

#: Words for HUD's reasons for missing data, accepted wherever a code is.
MISSING_WORDS = {"dk": 8, "doesnt-know": 8, "refused": 9, "prefers-not": 9, "dnc": 99, "not-collected": 99}


def _code(value: str | None, option: str) -> int | None:
    """A HUD code: a number, or dk (8), refused (9), dnc (99)."""
    if value is None or value == "":
        return None
    key = value.strip().lower()
    if key in MISSING_WORDS:
        return MISSING_WORDS[key]
    if key.lstrip("-").isdigit():
        return int(key)
    raise BadInput(f"{option} {value}: a HUD code (a number), or dk (8), refused (9), dnc (99)")


def _pick_enrollment(session, client, which: int | None, open_only: bool = True):
    """--enrollment N, else the open enrollment (else, when `open_only` is false, the latest one)."""
    from caseterm.hmis.records import enrollments_of

    rows = enrollments_of(session, client.id)
    if which is not None:
        for row in rows:
            if row.id == which:
                return row
        raise BadInput(f"--enrollment {which}: not an enrollment of case {client.case_number} (see `caseterm hmis show`)")
    open_rows = [r for r in rows if r.exit_date is None] or ([] if open_only else rows[-1:])
    if not open_rows:
        raise BadInput(f"case {client.case_number}: no open enrollment; enroll first (`caseterm hmis enroll`)")
    return open_rows[-1]


def _audit(session, case_number: str, what: str) -> None:
    from caseterm.services import audit

    from caseterm.vocabulary import AuditAction

    audit.record(session, AuditAction.HMIS_RECORDED, case_number, audit.detail_of(what=what))


@hmis.command("enroll")
@click.argument("case")
@click.option("--project", "project_name", required=True, help="Project number or name (`caseterm project list`).")
@click.option("--entry", required=True, metavar="YYYY-MM-DD", help="Project start date (3.10).")
@click.option("--relationship", default="1", show_default=True, help="Relationship to head of household (3.15.1).")
@click.option("--household", help="Household ID shared with the head of household's enrollment.")
@click.option("--coc", help="Enrollment CoC (3.16), e.g. OR-501.")
@click.option("--living-situation", help="Prior living situation (3.917.1 / list 3.917).")
@click.option("--length-of-stay", help="Length of stay in that place (3.917.2).")
@click.option("--times-homeless", help="Times homeless in the past three years (3.917.4).")
@click.option("--months-homeless", help="Months homeless in the past three years (3.917.5: 101-113).")
@click.option("--homeless-since", metavar="YYYY-MM-DD", help="Approximate date homelessness started (3.917.3).")
@click.option("--disabling-condition", help="Disabling condition (3.08): 0, 1, dk, refused, dnc.")
@click.pass_obj
def enroll_cmd(ctx, case: str, project_name: str, entry: str, relationship: str, household: str | None,
               coc: str | None, living_situation: str | None, length_of_stay: str | None, times_homeless: str | None,
               months_homeless: str | None, homeless_since: str | None, disabling_condition: str | None) -> None:
    """Enroll CASE in a project from --entry, with the intake block (3.917)."""
    from caseterm.hmis import records
    from caseterm.store import session_scope

    with session_scope(ctx.engine()) as session:
        client = records.client_by_case(session, case)
        project_row = records.find_project(session, project_name)
        made = records.enroll(
            session, client, project_row, clock.parse_date(entry, "--entry"),
            relationship_to_hoh=_code(relationship, "--relationship"), household_id=household,
            enrollment_coc=coc.upper() if coc else None, living_situation=_code(living_situation, "--living-situation"),
            length_of_stay=_code(length_of_stay, "--length-of-stay"),
            times_homeless_past_three_years=_code(times_homeless, "--times-homeless"),
            months_homeless_past_three_years=_code(months_homeless, "--months-homeless"),
            date_to_street_essh=_date(homeless_since, "--homeless-since"),
            disabling_condition=_code(disabling_condition, "--disabling-condition"))
        _audit(session, case, "enroll")
        click.echo(f"Enrolled {case} in {_printable(project_row.name)} from {made.entry_date} (enrollment #{made.id}).")


@hmis.command("exit")
@click.argument("case")
@click.option("--date", "exit_date", required=True, metavar="YYYY-MM-DD", help="Project exit date (3.11).")
@click.option("--destination", required=True, help="Destination (3.12), e.g. 435, 410, 116, 30, dk, refused, dnc.")
@click.option("--subsidy", help="With destination 435: the subsidy type (3.12.A), e.g. 419 VASH, 433 HCV.")
@click.option("--enrollment", type=int, help="Which enrollment (default: the open one).")
@click.pass_obj
def exit_cmd(ctx, case: str, exit_date: str, destination: str, subsidy: str | None, enrollment: int | None) -> None:
    """Exit CASE's enrollment with its destination."""
    from caseterm.hmis import records
    from caseterm.store import session_scope

    day = clock.parse_date(exit_date, "--date")
    if day > clock.today():
        raise BadInput(f"--date {day}: in the future")
    with session_scope(ctx.engine()) as session:
        client = records.client_by_case(session, case)
        row = _pick_enrollment(session, client, enrollment)
        records.exit_enrollment(session, row, day, _code(destination, "--destination"), _code(subsidy, "--subsidy"))
        _audit(session, case, "exit")
        click.echo(f"Exited {case} on {day} (enrollment #{row.id}).")


@hmis.command("client")
@click.argument("case")
@click.option("--name-quality", help="Name data quality (3.01): 1 full, 2 partial, dk, refused, dnc.")
@click.option("--ssn", help="SSN, nine characters; x for unknown digits (partial: xxxxx1234). Optional.")
@click.option("--ssn-quality", help="SSN data quality (3.02): 1 full, 2 partial, dk, refused, dnc.")
@click.option("--dob-quality", help="DOB data quality (3.03): 1 full, 2 approximate, dk, refused, dnc.")
@click.option("--race", help="Race and ethnicity (3.04), comma-separated: " + "AmIndAKNative,Asian,BlackAfAmerican,"
              "HispanicLatinaeo,MidEastNAfrican,NativeHIPacific,White; or dk, refused, dnc.")
@click.option("--sex", help="Sex (3.06): 0 female, 1 male, dk, refused, dnc.")
@click.option("--veteran", help="Veteran status (3.07): 0, 1, dk, refused, dnc.")
@click.pass_obj
def client_cmd(ctx, case: str, name_quality, ssn, ssn_quality, dob_quality, race, sex, veteran) -> None:
    """Record CASE's universal data elements that belong to the person (3.01-3.07)."""
    from caseterm.hmis import records
    from caseterm.store import session_scope

    race_none = None
    races = None
    if race is not None:
        if race.strip().lower() in MISSING_WORDS or race.strip().isdigit():
            race_none, races = _code(race, "--race"), ""
        else:
            races = ",".join(sorted({r.strip() for r in race.split(",") if r.strip()}))
    with session_scope(ctx.engine()) as session:
        client = records.client_by_case(session, case)
        existing = records.client_elements(session, client)
        if races and existing is not None:
            existing.race_none = None  # races given replace an earlier 8/9/99
        records.set_client_elements(
            session, client, name_data_quality=_code(name_quality, "--name-quality"), ssn=ssn,
            ssn_data_quality=_code(ssn_quality, "--ssn-quality"), dob_data_quality=_code(dob_quality, "--dob-quality"),
            race=races, race_none=race_none, sex=_code(sex, "--sex"), veteran_status=_code(veteran, "--veteran"))
        _audit(session, case, "client")
        click.echo(f"Recorded {case}'s universal data elements.")


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise BadInput(f"{option} {value}: write NAME=VALUE")
        out[key.strip()] = rest.strip()
    return out


@hmis.command("record")
@click.argument("case")
@click.option("--stage", required=True, type=click.Choice(["entry", "update", "annual", "exit"]),
              help="Data collection stage (5.03).")
@click.option("--date", "info_date", metavar="YYYY-MM-DD", help="Information date (default today).")
@click.option("--enrollment", type=int, help="Which enrollment (default: the open one).")
@click.option("--income", "income", multiple=True, metavar="SOURCE=AMOUNT", help="Monthly income by source (4.02), e.g. Earned=850.")
@click.option("--income-any", help="Income from any source: 0, 1, dk, refused, dnc.")
@click.option("--benefit", "benefits", multiple=True, metavar="SOURCE", help="Non-cash benefit (4.03), e.g. SNAP.")
@click.option("--benefits-any", help="Non-cash benefits from any source: 0, 1, dk, refused, dnc.")
@click.option("--insurance", "insurance", multiple=True, metavar="SOURCE", help="Health insurance (4.04), e.g. Medicaid.")
@click.option("--insurance-any", help="Covered by health insurance: 0, 1, dk, refused, dnc.")
@click.option("--disability", "disabilities", multiple=True, metavar="TYPE=ANSWER",
              help="Disability (4.05-4.10): type 5 physical, 6 developmental, 7 chronic, 8 HIV/AIDS, 9 mental, 10 substance; answer 0, 1, dk, refused, dnc (10: 0-3).")
@click.option("--dv", help="Domestic violence survivor (4.11): 0, 1, dk, refused, dnc.")
@click.option("--dv-when", help="When it occurred (4.11.A): 1 <3 months, 2 3-6, 3 6-12, 4 a year or more, dk, refused, dnc.")
@click.option("--dv-fleeing", help="Currently fleeing: 0, 1, dk, refused, dnc.")
@click.pass_obj
def record_cmd(ctx, case: str, stage: str, info_date: str | None, enrollment: int | None, income, income_any,
               benefits, benefits_any, insurance, insurance_any, disabilities, dv, dv_when, dv_fleeing) -> None:
    """Record CASE's stage data elements (income, benefits, insurance, disabilities, DV) for one stage."""
    from caseterm.hmis import records
    from caseterm.store import session_scope

    day = clock.parse_date(info_date, "--date") if info_date else clock.today()
    if day > clock.today():
        raise BadInput(f"--date {day}: in the future")
    amounts = {}
    for source, amount in _pairs(income, "--income").items():
        try:
            amounts[source] = round(float(amount), 2)
        except ValueError:
            raise BadInput(f"--income {source}={amount}: not an amount") from None
    disability = {int(_code(k, "--disability")): _code(v, "--disability")  # type: ignore[arg-type]
                  for k, v in _pairs(disabilities, "--disability").items()}
    codes = dict(income_any=_code(income_any, "--income-any"), benefits_any=_code(benefits_any, "--benefits-any"),
                 insurance_any=_code(insurance_any, "--insurance-any"), dv_survivor=_code(dv, "--dv"),
                 dv_when=_code(dv_when, "--dv-when"), dv_fleeing=_code(dv_fleeing, "--dv-fleeing"))
    with session_scope(ctx.engine()) as session:
        client = records.client_by_case(session, case)
        row = _pick_enrollment(session, client, enrollment, open_only=stage != "exit")
        records.record_collection(session, row, records.STAGES[stage], day, income=amounts, benefits=list(benefits),
                                  insurance=list(insurance), disabilities=disability, **codes)
        _audit(session, case, "record")
        click.echo(f"Recorded {case}'s {stage} data elements for {day} (enrollment #{row.id}).")


@hmis.command("show")
@click.argument("case")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show_cmd(ctx, case: str, as_json: bool) -> None:
    """CASE's enrollments and recorded data elements."""
    import json

    from caseterm.hmis import records
    from caseterm.hmis.views import client_summary
    from caseterm.store import session_scope

    with session_scope(ctx.engine()) as session:
        client = records.client_by_case(session, case)
        summary = client_summary(session, client)
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
        return
    for line in summary["lines"]:
        click.echo(_printable(line))
