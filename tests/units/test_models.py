"""Every department, street, community, grid and property company is one unit, written
with it; a unit points at exactly the row of its kind."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from engage.units.models import Department, Unit


def test_each_new_hierarchy_row_becomes_a_unit_of_its_district(db, make):
    district = make.district()
    street = make.street(district=district)
    community = make.community(street)
    grid = make.grid(community)
    company = make.company(street)
    department = Department(district_id=district.id, name="城管")
    db.session.add(department)
    db.session.commit()
    units = {(u.kind, u.district_id): u for u in db.session.scalars(select(Unit))}
    assert set(units) == {
        (kind, district.id) for kind in ("department", "street", "community", "grid", "property_company")
    }
    assert units[("street", district.id)].street_id == street.id
    assert units[("community", district.id)].community_id == community.id
    assert units[("grid", district.id)].grid_id == grid.id
    assert units[("property_company", district.id)].property_company_id == company.id
    assert units[("department", district.id)].department_id == department.id


@pytest.mark.parametrize("references", [{}, {"street": True, "community": True}, {"community": True}])
def test_a_unit_points_at_exactly_the_row_of_its_kind(db, make, references):
    street = make.street()
    community = make.community(street)
    db.session.execute(delete(Unit))
    ids = {"street_id": street.id, "community_id": community.id}
    values = {f"{kind}_id": ids[f"{kind}_id"] for kind in references}
    with pytest.raises(IntegrityError):
        db.session.execute(
            Unit.__table__.insert().values(kind="street", district_id=street.district_id, **values)
        )
    db.session.rollback()
