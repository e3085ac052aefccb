"""The import page's two forms: the upload (what, where, which file) and the confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from engage.forms import options
from engage.imports.registry import KINDS


class UploadForm(FlaskForm):
    kind = SelectField(_l("导入内容"), choices=options((name, kind.title) for name, kind in KINDS.items()))
    # The service decides which communities the account may import into (NotFound otherwise).
    community_id = SelectField(_l("导入到社区"), coerce=int, validate_choice=False)
    file = FileField(
        _l("文件（.xlsx 或 .csv，最大5MB）"), validators=[FileRequired(_l("请选择要导入的文件。"))]
    )


class ConfirmForm(FlaskForm):
    """Carries only the token of the file kept server-side since the preview."""

    token = HiddenField(validators=[DataRequired()])
