"""Every table of the application, imported in one place so that the shared
MetaData (and so Alembic's autogenerate and the tests) always sees all of them."""

from engage.activities.models import Activity, AttendanceCorrection, Enrollment
from engage.api.models import IdempotentRequest
from engage.audit.models import AccessLog, AuthEvent
from engage.auth.models import AuthSession, User, UserRole
from engage.community.models import (
    Community,
    Compound,
    District,
    Grid,
    Household,
    HouseholdMember,
    MicroGrid,
    PropertyCompany,
    Street,
)
from engage.duties.models import (
    CarePolicy,
    CareTarget,
    DutyEvent,
    DutyReminder,
    DutyReport,
    HouseholdCheck,
    SensitiveGrant,
    Visit,
)
from engage.imports.models import ImportRun, StagedImport
from engage.notifications.models import Notification
from engage.orders.models import OrderCategory, OrderEvent, OrderExtension, OrderWhistle, ServiceOrder
from engage.outbox.models import DeliveryAttempt, NotificationPreference, OutboxMessage, OutboxNotice
from engage.rankings.models import (
    Criterion,
    ManualScore,
    PeriodicReport,
    PropertyRanking,
    RankingEntry,
    VolunteerTally,
    YellowResponse,
)
from engage.units.models import Department, Unit
from engage.verification.models import SmsCode, SmsCodeLimit
from engage.volunteers.models import Certificate, ServiceHours, Team, TeamMember, VolunteerProfile
from marketplace.models import (
    Location,
    MemberCard,
    Merchant,
    PinLockout,
    Redemption,
    Reward,
    Stock,
    StockMovement,
    UsedMemberCode,
)
from points.models import Account, Hold, Posting, Seal, SealedHead, Transaction
