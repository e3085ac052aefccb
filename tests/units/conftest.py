"""A district with two streets, and the people who route requests in it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def district(make):
    """District A: street 1 (community 1 with a grid and a compound served by company 1,
    community 2), street 2; an inactive department; staff, admin and command centre; and
    district B with its own street, department and command centre."""
    home = make.district()
    street, street2 = make.street(district=home), make.street(district=home)
    community, community2 = make.community(street), make.community(street)
    company, company2 = make.company(street), make.company(street)
    make.compound(community, company)
    other = make.district()
    return SimpleNamespace(
        district=home,
        street=street,
        street2=street2,
        community=community,
        community2=community2,
        grid=make.grid(community),
        company=company,
        company2=company2,
        centre=make.user("district_admin", district_id=home.id),
        admin=make.user("admin", street_id=street.id),
        staff=make.user("staff", community=community),
        other=other,
        other_street=make.street(district=other),
        other_centre=make.user("district_admin", district_id=other.id),
    )
