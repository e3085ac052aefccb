"""Property-based test of the whole JSON API against its OpenAPI document (Schemathesis, in
process over WSGI): as staff and as a resident, every operation gets a bounded number of
generated requests, derandomized so a failure reproduces; any 5xx, any status the document
does not list and any answer that does not match its schema fails the test."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from engage.api.openapi import document
from tests.factories import PASSWORD

EXAMPLES_PER_OPERATION = 12
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, negative_data_rejection]


@pytest.fixture
def fuzzed_app(make_app):
    return make_app()


@pytest.fixture
def bearers(make, fuzzed_app, funded_community) -> list[dict[str, str]]:
    """Authorization headers of a staff member and a resident of one funded community."""
    community = funded_community
    client = fuzzed_app.test_client()
    users = [make.user("staff", community=community), make.user("resident", "volunteer", community=community)]
    answers = [
        client.post("/api/v1/auth/token", json={"username": u.username, "password": PASSWORD}) for u in users
    ]
    tokens = [answer.json["token"] for answer in answers]
    return [{"Authorization": f"Bearer {token}"} for token in tokens]


# The document is the code's own (no app or database needed to build it); each test sends its
# requests to an app on that test's database.
# The bearer header is the test's own (a staff member's, then a resident's), so Schemathesis
# does not generate or negate it.
schema = schemathesis.openapi.from_dict(document())
schema.config.generation.update(with_security_parameters=False)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_contract(case, fuzzed_app, bearers):
    for headers in bearers:
        case.call_and_validate(app=fuzzed_app, headers=headers, checks=CHECKS)
