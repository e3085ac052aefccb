"""Unbound extensions; ``create_app`` binds them to an application."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from points.base import Base

# Objects stay readable after commit without re-opening a transaction (on SQLite every
# transaction holds the write lock, see points.db).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
