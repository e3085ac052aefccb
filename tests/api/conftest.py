import pytest


@pytest.fixture
def client(make_app):
    """API tests run with CSRF protection on, as in production."""
    return make_app(WTF_CSRF_ENABLED=True).test_client()


@pytest.fixture
def funded_community(db, make):
    """A community with its order categories and a 10,000-point budget, as the API needs."""
    from engage.ledger.services import issue_budget
    from engage.orders import categories

    street = make.street()
    community = make.community(street)
    admin = make.user("admin", street_id=street.id, community=community)
    categories.add_defaults(db.session, community.id)
    issue_budget(db.session, admin, community.id, 10_000, "预算")
    db.session.commit()
    return community
