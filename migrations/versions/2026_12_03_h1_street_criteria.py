"""Every street has its evaluation criteria from the start: they were written the first
time someone opened the property-ranking page (a GET that wrote); now the street's
creation writes them, and this gives the streets that never had them their defaults.

Revision ID: 2026_12_03_h1
Revises: 2026_12_03_b1
Create Date: 2026-12-03 11:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2026_12_03_h1"
down_revision = "2026_12_03_b1"
branch_labels = None
depends_on = None

# The defaults as they were on this date (engage.rankings.scoring.DEFAULT_CRITERIA).
DEFAULTS = (
    ("theory", "理论宣讲", 15, "manual"),
    ("civilization", "文明创建", 15, "manual"),
    ("volunteering", "志愿服务参与", 15, "volunteer_hours"),
    ("satisfaction", "居民满意度", 25, "satisfaction"),
    ("response", "响应办结", 15, "response_time"),
    ("complaints", "投诉情况", 15, "complaints"),
    ("arrival", "必到响应", 0, "must_arrive"),
)


def upgrade():
    bind = op.get_bind()
    streets = (
        bind.execute(
            sa.text(
                "SELECT id FROM streets WHERE NOT EXISTS "
                "(SELECT 1 FROM ranking_criteria c WHERE c.street_id = streets.id)"
            )
        )
        .scalars()
        .all()
    )
    rows = [
        {
            "street_id": street_id,
            "code": code,
            "name": name,
            "weight": weight,
            "source": source,
            "position": position,
        }
        for street_id in streets
        for position, (code, name, weight, source) in enumerate(DEFAULTS)
    ]
    if rows:
        bind.execute(
            sa.text(
                "INSERT INTO ranking_criteria (street_id, code, name, weight, source, position) "
                "VALUES (:street_id, :code, :name, :weight, :source, :position)"
            ),
            rows,
        )


def downgrade():
    pass  # the criteria stay: they are what the page would have written on its first view
