"""Every kind of import by the name the page, the template download and the CLI use."""

from __future__ import annotations

from engage.imports.care_targets import CareTargets
from engage.imports.households import Households
from engage.imports.kinds import Kind
from engage.imports.residents import Residents
from engage.imports.volunteers import Volunteers

KINDS: dict[str, Kind] = {
    kind.name: kind for kind in (Households(), Residents(), Volunteers(), CareTargets())
}
