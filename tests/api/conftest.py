import pytest


@pytest.fixture
def client(make_app):
    """API tests run with CSRF protection on, as in production."""
    return make_app(WTF_CSRF_ENABLED=True).test_client()
