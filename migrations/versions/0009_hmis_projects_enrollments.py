"""HUD HMIS: the organization, projects, enrollments (several per client over time),
the client's universal data elements and the stage-collected elements.

Existing data moves without loss: a database with clients gets one
organization ("Our agency", not a victim service provider: edit it with
`caseterm project edit`), one non-HUD project per program the clients are in
(`client.program`, e.g. TANF: Services Only, not a continuum project), and one
enrollment per client, from the earliest date the client file has (referral,
initial contact, first interview, shelter entry; else the first appointment or
note), carrying the client's exit date and exit reason. A client who left
without notice gets HUD destination 30 (no exit interview completed); other
reasons keep caseterm's reason and wait for a destination (the hmis-exit rule
asks for it). The client's own columns are left as they are; downgrade drops
the new tables, so upgrade-downgrade-upgrade gives the same enrollments.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: HUD destination for caseterm's exit reasons where the meaning is one code (3.12).
DESTINATION_OF_REASON = {"left_without_notice": 30}


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False)]


def _uid() -> sa.Column:
    return sa.Column("uid", sa.String(length=36), nullable=False)


def upgrade() -> None:
    op.create_table(
        "hmis_organization",
        sa.Column("id", sa.Integer(), nullable=False),
        _uid(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("common_name", sa.String(length=200), nullable=True),
        sa.Column("victim_service_provider", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hmis_organization_uid", "hmis_organization", ["uid"], unique=True)
    op.create_table(
        "hmis_project",
        sa.Column("id", sa.Integer(), nullable=False),
        _uid(),
        sa.Column("organization_id", sa.Integer(), sa.ForeignKey("hmis_organization.id"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("common_name", sa.String(length=200), nullable=True),
        sa.Column("project_type", sa.Integer(), nullable=True),
        sa.Column("continuum_project", sa.Boolean(), nullable=False),
        sa.Column("hmis_participation", sa.Integer(), nullable=False),
        sa.Column("housing_type", sa.Integer(), nullable=True),
        sa.Column("rrh_subtype", sa.Integer(), nullable=True),
        sa.Column("residential_affiliation", sa.Boolean(), nullable=True),
        sa.Column("res_project_id", sa.Integer(), sa.ForeignKey("hmis_project.id"), nullable=True),
        sa.Column("target_population", sa.Integer(), nullable=True),
        sa.Column("operating_start", sa.Date(), nullable=False),
        sa.Column("operating_end", sa.Date(), nullable=True),
        sa.Column("coc_code", sa.String(length=6), nullable=True),
        sa.Column("geocode", sa.String(length=6), nullable=True),
        sa.Column("funder", sa.Integer(), nullable=True),
        sa.Column("other_funder", sa.String(length=100), nullable=True),
        sa.Column("grant_id", sa.String(length=100), nullable=True),
        sa.Column("grant_start", sa.Date(), nullable=True),
        sa.Column("grant_end", sa.Date(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hmis_project_uid", "hmis_project", ["uid"], unique=True)
    op.create_index("ix_hmis_project_organization_id", "hmis_project", ["organization_id"])
    op.create_table(
        "hmis_enrollment",
        sa.Column("id", sa.Integer(), nullable=False),
        _uid(),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("client.id"), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("hmis_project.id"), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=True),
        sa.Column("relationship_to_hoh", sa.Integer(), nullable=False),
        sa.Column("enrollment_coc", sa.String(length=6), nullable=True),
        *[sa.Column(name, sa.Integer(), nullable=True) for name in (
            "living_situation", "rental_subsidy_type", "length_of_stay", "los_under_threshold",
            "previous_street_essh")],
        sa.Column("date_to_street_essh", sa.Date(), nullable=True),
        *[sa.Column(name, sa.Integer(), nullable=True) for name in (
            "times_homeless_past_three_years", "months_homeless_past_three_years", "disabling_condition")],
        sa.Column("move_in_date", sa.Date(), nullable=True),
        sa.Column("exit_date", sa.Date(), nullable=True),
        sa.Column("destination", sa.Integer(), nullable=True),
        sa.Column("destination_subsidy_type", sa.Integer(), nullable=True),
        sa.Column("other_destination", sa.String(length=50), nullable=True),
        sa.Column("exit_reason", sa.String(length=32), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hmis_enrollment_uid", "hmis_enrollment", ["uid"], unique=True)
    op.create_index("ix_hmis_enrollment_client_id", "hmis_enrollment", ["client_id"])
    op.create_index("ix_hmis_enrollment_project_id", "hmis_enrollment", ["project_id"])
    op.create_table(
        "hmis_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("client.id"), nullable=False),
        sa.Column("name_data_quality", sa.Integer(), nullable=False),
        sa.Column("ssn", sa.String(length=9), nullable=True),
        sa.Column("ssn_data_quality", sa.Integer(), nullable=False),
        sa.Column("dob_data_quality", sa.Integer(), nullable=False),
        sa.Column("race", sa.String(), nullable=False),
        sa.Column("race_none", sa.Integer(), nullable=True),
        sa.Column("additional_race_ethnicity", sa.String(length=100), nullable=True),
        sa.Column("sex", sa.Integer(), nullable=True),
        sa.Column("veteran_status", sa.Integer(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hmis_client_client_id", "hmis_client", ["client_id"], unique=True)
    op.create_table(
        "hmis_collection",
        sa.Column("id", sa.Integer(), nullable=False),
        _uid(),
        sa.Column("enrollment_id", sa.Integer(), sa.ForeignKey("hmis_enrollment.id"), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("information_date", sa.Date(), nullable=False),
        sa.Column("income_from_any_source", sa.Integer(), nullable=True),
        sa.Column("income", sa.String(), nullable=False),
        sa.Column("benefits_from_any_source", sa.Integer(), nullable=True),
        sa.Column("benefits", sa.String(), nullable=False),
        sa.Column("insurance_from_any_source", sa.Integer(), nullable=True),
        sa.Column("insurance", sa.String(), nullable=False),
        sa.Column("disabilities", sa.String(), nullable=False),
        sa.Column("dv_survivor", sa.Integer(), nullable=True),
        sa.Column("dv_when", sa.Integer(), nullable=True),
        sa.Column("dv_currently_fleeing", sa.Integer(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hmis_collection_uid", "hmis_collection", ["uid"], unique=True)
    op.create_index("ix_hmis_collection_enrollment_id", "hmis_collection", ["enrollment_id"])
    _move_client_enrollments()
    if op.get_bind().dialect.name == "postgresql":
        for statement in _policies():
            op.execute(statement)
        for table in NEW_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")


NEW_TABLES = ("hmis_organization", "hmis_project", "hmis_enrollment", "hmis_client", "hmis_collection")


def _policies() -> list[str]:
    """Agency mode: the organization and projects are everyone's to read and an admin's to change;
    enrollments and data elements follow their client, through 0007's per-statement id sets
    (`caseterm_visible_clients()` / `caseterm_writable_clients()`, schema-qualified), and a login
    that is not an active worker is refused everything, as on every other table."""
    s = op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
    admin = f"(SELECT {s}.caseterm_is_admin())"
    visible = f"client_id IN (SELECT {s}.caseterm_visible_clients())"
    writable = f"client_id IN (SELECT {s}.caseterm_writable_clients())"
    rows = []
    for table in ("hmis_organization", "hmis_project"):
        rows += [("read", table, "SELECT", "true", None), ("admin", table, "ALL", admin, admin)]
    for table in ("hmis_enrollment", "hmis_client"):
        rows += [
            ("read", table, "SELECT", visible, None),
            ("insert", table, "INSERT", None, writable),
            ("update", table, "UPDATE", writable, writable),
            ("delete", table, "DELETE", writable, None),
        ]
    in_writable = f"enrollment_id IN (SELECT id FROM {s}.hmis_enrollment WHERE {writable})"
    in_visible = f"enrollment_id IN (SELECT id FROM {s}.hmis_enrollment WHERE {visible})"
    rows += [
        ("read", "hmis_collection", "SELECT", in_visible, None),
        ("insert", "hmis_collection", "INSERT", None, in_writable),
        ("update", "hmis_collection", "UPDATE", in_writable, in_writable),
        ("delete", "hmis_collection", "DELETE", in_writable, None),
    ]
    out = []
    for name, table, command, using, check in rows:
        sql = f"CREATE POLICY caseterm_{name} ON {s}.{table} FOR {command}"
        if using is not None:
            sql += f" USING ({using})"
        if check is not None:
            sql += f" WITH CHECK ({check})"
        out.append(sql)
    for table in NEW_TABLES:
        out.append(f"CREATE POLICY caseterm_active ON {s}.{table} AS RESTRICTIVE FOR ALL "
                   f"USING ((SELECT {s}.caseterm_me()) IS NOT NULL) WITH CHECK ((SELECT {s}.caseterm_me()) IS NOT NULL)")
    return out


def _move_client_enrollments() -> None:
    """One organization, a project per program, an enrollment per client with a date (see the docstring)."""
    bind = op.get_bind()
    clients = bind.execute(sa.text(
        "SELECT id, program, referral_date, initial_contact_date, first_interview_date, shelter_entry_date, "
        "exit_date, exit_reason FROM client ORDER BY id")).mappings().all()
    if not clients:
        return
    now = dt.datetime.now().replace(microsecond=0)
    org = sa.table("hmis_organization", *[sa.column(c) for c in (
        "id", "uid", "name", "victim_service_provider", "created_at", "updated_at")])
    bind.execute(org.insert().values(uid=str(uuid.uuid4()), name="Our agency", victim_service_provider=False,
                                     created_at=now, updated_at=now))
    org_id = bind.execute(sa.text("SELECT max(id) FROM hmis_organization")).scalar_one()
    project = sa.table("hmis_project", *[sa.column(c) for c in (
        "uid", "organization_id", "name", "project_type", "continuum_project", "hmis_participation",
        "operating_start", "funder", "created_at", "updated_at")])
    enrollment = sa.table("hmis_enrollment", *[sa.column(c) for c in (
        "uid", "client_id", "project_id", "entry_date", "household_id", "relationship_to_hoh", "exit_date",
        "destination", "exit_reason", "created_at", "updated_at")])

    def as_date(value: object) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value  # type: ignore[return-value]
        return dt.date.fromisoformat(str(value)[:10])

    firsts = {row[0]: as_date(row[1]) for row in bind.execute(sa.text(
        "SELECT client_id, min(d) FROM (SELECT client_id, min(start) AS d FROM appointment GROUP BY client_id "
        "UNION ALL SELECT client_id, min(contact_at) FROM note GROUP BY client_id) AS t GROUP BY client_id"))}
    entries: dict[int, dt.date] = {}
    for client in clients:
        dates = [as_date(client[k]) for k in ("referral_date", "initial_contact_date", "first_interview_date",
                                              "shelter_entry_date")]
        known = [d for d in dates if d is not None] or ([firsts[client["id"]]] if firsts.get(client["id"]) else [])
        if known:
            entries[client["id"]] = min(known)
    projects: dict[str, int] = {}
    for client in clients:
        if client["id"] not in entries:
            continue  # no date anywhere: nothing to place (the client's record is unchanged)
        program = client["program"] or "Program"
        if program not in projects:
            start = min(entries[c["id"]] for c in clients if c["id"] in entries and (c["program"] or "Program") == program)
            bind.execute(project.insert().values(
                uid=str(uuid.uuid4()), organization_id=org_id, name=program[:200], project_type=6,
                continuum_project=False, hmis_participation=0, operating_start=start, funder=46,
                created_at=now, updated_at=now))
            projects[program] = bind.execute(sa.text("SELECT max(id) FROM hmis_project")).scalar_one()
        uid = str(uuid.uuid4())
        exit_date = as_date(client["exit_date"])
        if exit_date is not None and exit_date < entries[client["id"]]:
            exit_date = entries[client["id"]]  # an exit before the earliest date: the client left the day they came
        bind.execute(enrollment.insert().values(
            uid=uid, client_id=client["id"], project_id=projects[program], entry_date=entries[client["id"]],
            household_id=uid.replace("-", ""), relationship_to_hoh=1, exit_date=exit_date,
            destination=DESTINATION_OF_REASON.get(client["exit_reason"] or "") if exit_date else None,
            exit_reason=client["exit_reason"], created_at=now, updated_at=now))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _policies():
            name, table = statement.split()[2], statement.split()[4]
            op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
