"""The served OpenAPI document is valid OpenAPI 3.1 and declares what the contract needs."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from engage.api.openapi import document


def test_the_served_document_is_valid_openapi_3_1(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_path_parameter_is_declared_with_a_type(app):
    with app.app_context():
        paths = document()["paths"]
    for path, ops in paths.items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, op in ops.items():
            declared = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "path"}
            assert set(declared) == names, (path, method)
            assert all(p["required"] and "type" in p["schema"] for p in declared.values())


def test_every_operation_answers_with_schemas_for_success_and_errors(app):
    with app.app_context():
        spec = document()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            success = [s for s in op["responses"] if s.startswith("2")]
            assert len(success) == 1, (path, method)
            assert op["responses"][success[0]]["content"]["application/json"]["schema"], (path, method)
            errors = {s for s in op["responses"] if not s.startswith("2")}
            assert op.get("security") == [] or "401" in errors, (path, method)
            assert errors <= {"400", "401", "403", "404", "409", "429"}, (path, method)
            if "requestBody" in op:
                schema = op["requestBody"]["content"]["application/json"]["schema"]
                assert "400" in errors and "required" in schema
