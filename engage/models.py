"""Every table of the application, imported in one place so that the shared
MetaData (and so Alembic's autogenerate and the tests) always sees all of them."""

from engage.activities.models import Activity, AttendanceCorrection, Enrollment  # noqa: F401
from engage.api.models import IdempotentRequest  # noqa: F401
from engage.audit.models import AccessLog, AuthEvent  # noqa: F401
from engage.auth.models import AuthSession, User, UserRole  # noqa: F401
from engage.community.models import (
    MicroGrid,  # noqa: F401
)
from engage.duties.models import (
    DutyReport,  # noqa: F401
)
from engage.notifications.models import Notification  # noqa: F401
from engage.orders.models import OrderCategory, OrderEvent, ServiceOrder  # noqa: F401
from engage.rankings.models import (
    PropertyRanking,  # noqa: F401
)
from engage.volunteers.models import Certificate, Team, TeamMember, VolunteerProfile  # noqa: F401
from marketplace.models import (
    Reward,  # noqa: F401
)
from points.models import Account, Hold, LedgerHead, Posting, Transaction  # noqa: F401
