"""Engage: volunteer points and community engagement for street offices.

``create_app`` is the only way to build the application; nothing reads
configuration or touches the database at import time.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(_load_config(app))
    if config:
        app.config.from_mapping(config)
    _apply_password_hashing(app)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_unit_of_work(app)
    register_errorhandlers(app)
    register_templates(app)
    register_commands(app)
    return app


def _load_config(app: Flask) -> dict:
    from engage.config import load_config

    return load_config(Path(app.instance_path))


def _apply_password_hashing(app: Flask) -> None:
    from engage.auth import passwords

    passwords.HASH_METHOD = app.config["PASSWORD_HASH_METHOD"]


def engine_options(url: str, configured: dict) -> dict:
    """A server database can drop idle connections: ping before use (a SQLite file cannot).
    On PostgreSQL, no JIT compilation: every statement here is short, and the planner's cost
    guess made a unit's month of 三率 spend 68 of its 150 ms compiling (bench/routing.py, 10^6
    requests); a deployment can still turn it on per role or database."""
    if url.startswith("sqlite"):
        return {**configured, "pool_pre_ping": False}
    connect_args = configured.get("connect_args", {})
    options = " ".join(filter(None, ["-c jit=off", connect_args.get("options")]))
    return {**configured, "pool_pre_ping": True, "connect_args": {**connect_args, "options": options}}


def register_extensions(app: Flask) -> None:
    import engage.models  # noqa: F401 - every table on the shared MetaData
    from engage.auth import login, throttle
    from engage.background import queue
    from engage.extensions import babel, csrf, db, migrate
    from engage.i18n import select_locale, select_timezone
    from points.db import configure_engine

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, immediate=app.config["SQLITE_IMMEDIATE_TRANSACTIONS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(ROOT / "translations"),
    )
    throttle.init_app(app)
    login.init_app(app)
    queue.init_app(app)


def register_security(app: Flask) -> None:
    from engage.security import register_security as register

    register(app)


def register_blueprints(app: Flask) -> None:
    from engage.activities.views import bp as activities_bp
    from engage.api import register_api
    from engage.audit.views import bp as audit_bp
    from engage.auth.recovery_views import bp as recovery_bp
    from engage.auth.views import bp as auth_bp
    from engage.background.views import bp as background_bp
    from engage.community.views import bp as community_bp
    from engage.duties.views import bp as duties_bp
    from engage.home.views import bp as home_bp
    from engage.imports.views import bp as imports_bp
    from engage.ledger.views import bp as ledger_bp
    from engage.notifications.views import bp as notifications_bp
    from engage.orders.routing_views import bp as routing_bp
    from engage.orders.views import bp as orders_bp
    from engage.outbox.views import bp as outbox_bp
    from engage.rankings.unit_views import bp as unit_rankings_bp
    from engage.rankings.views import bp as rankings_bp
    from engage.security import storable_request_fields
    from engage.units.views import bp as units_bp
    from engage.validation import DatabaseInt
    from engage.volunteers.views import bp as volunteers_bp
    from marketplace.kiosk import bp as kiosk_bp
    from marketplace.views import bp as mall_bp

    app.url_map.converters["int"] = DatabaseInt  # before any rule is added: every <int:id> is bounded
    for blueprint in (
        home_bp,
        auth_bp,
        recovery_bp,
        community_bp,
        audit_bp,
        ledger_bp,
        orders_bp,
        routing_bp,
        notifications_bp,
        outbox_bp,
        activities_bp,
        volunteers_bp,
        mall_bp,
        kiosk_bp,
        duties_bp,
        rankings_bp,
        unit_rankings_bp,
        units_bp,
        imports_bp,
        background_bp,
    ):
        app.register_blueprint(blueprint)
    register_api(app)
    app.before_request(storable_request_fields)


def register_unit_of_work(app: Flask) -> None:
    from engage.unit_of_work import register_unit_of_work as register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    from engage.errorhandlers import register_errorhandlers as register

    register(app)


def register_templates(app: Flask) -> None:
    from engage.templating import register_template_helpers

    register_template_helpers(app)


def register_commands(app: Flask) -> None:
    from engage.cli import engage_cli, register_subgroups

    register_subgroups()
    app.cli.add_command(engage_cli)
