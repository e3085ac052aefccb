"""The JSON API v1 (docs/api.md): one parent blueprint, one child per capability.

The API authenticates only with bearer tokens (never the session cookie), so it is
exempt from CSRF.
"""

from __future__ import annotations

from flask import Blueprint, Flask


def register_api(app: Flask) -> None:
    # Imported here, not at the top: engage.models imports engage.api.models, and this
    # package's import must not pull services in before every model class is defined.
    from engage.activities.api import bp as activities_api
    from engage.api.core import BoundedJSONProvider, authenticate_request
    from engage.api.health import bp as health_bp
    from engage.api.openapi import bp as openapi_bp
    from engage.auth.api import bp as auth_api
    from engage.community.api import bp as community_api
    from engage.duties.api import bp as duties_api
    from engage.extensions import csrf
    from engage.ledger.api import bp as ledger_api
    from engage.notifications.api import bp as notifications_api
    from engage.orders.api import bp as orders_api
    from engage.orders.routing_api import bp as routing_api
    from engage.rankings.api import bp as rankings_api
    from engage.units.api import bp as units_api
    from marketplace.api import bp as marketplace_api

    app.json = BoundedJSONProvider(app)
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.before_request(authenticate_request)
    for child in (
        openapi_bp,
        auth_api,
        community_api,
        ledger_api,
        notifications_api,
        orders_api,
        routing_api,
        activities_api,
        marketplace_api,
        duties_api,
        rankings_api,
        units_api,
    ):
        api.register_blueprint(child)
        csrf.exempt(child)  # Flask-WTF checks each nested blueprint by its own name
    app.register_blueprint(api)
    app.register_blueprint(health_bp)
