"""Every table of the application, imported in one place so that the shared
MetaData (and so Alembic's autogenerate and the tests) always sees all of them."""
from engage.activities.models import Activity, AttendanceCorrection, Enrollment  # noqa: F401
from engage.api.models import IdempotentRequest  # noqa: F401
from engage.audit.models import AccessLog, AuthEvent  # noqa: F401
from engage.auth.models import AuthSession, User, UserRole  # noqa: F401
from engage.duties.models import (CarePolicy, CareTarget, DutyEvent, DutyReminder, DutyReport,  # noqa: F401
                                  HouseholdCheck, SensitiveGrant, Visit)
from engage.community.models import (Community, Compound, Grid, Household, MicroGrid,  # noqa: F401
                                     PropertyCompany, Street)
from engage.notifications.models import Notification  # noqa: F401
from engage.orders.models import OrderCategory, OrderEvent, ServiceOrder  # noqa: F401
from engage.rankings.models import (Criterion, ManualScore, PeriodicReport, PropertyRanking,  # noqa: F401
                                    RankingEntry, VolunteerTally, YellowResponse)
from engage.volunteers.models import Certificate, Team, TeamMember, VolunteerProfile  # noqa: F401
from marketplace.models import (Location, MemberCard, Merchant, PinLockout, Redemption, Reward,  # noqa: F401
                                 Stock, StockMovement, UsedMemberCode)
from points.models import Account, Hold, LedgerHead, Posting, Transaction  # noqa: F401
