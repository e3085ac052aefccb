import pytest

from engage.ledger.services import issue_budget


@pytest.fixture
def funded(db, make):
    """Staff of a community whose budget holds ``amount`` points, and the street admin."""

    def build(amount: int = 1000):
        street = make.street()
        community = make.community(street)
        admin = make.user("admin", street_id=street.id, community=community)
        staff = make.user("staff", community=community)
        issue_budget(db.session, admin, community.id, amount, "年度预算")
        db.session.commit()
        return staff, admin

    return build
