"""Demo data (README "Demo logins"): created only by ``flask engage demo``, never otherwise."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.activities import attendance
from engage.activities import services as activities
from engage.auth.services import create_user
from engage.community.models import (
    Community,
    Compound,
    District,
    Grid,
    Household,
    MicroGrid,
    PropertyCompany,
    Street,
)
from engage.duties import care, checks, events, schedule
from engage.duties import rhythm as duty_rhythm
from engage.ledger.services import award_points, issue_budget
from engage.orders import routing
from engage.orders import services as orders
from engage.orders.categories import add_defaults
from engage.rankings import reports as periodic_reports
from engage.rankings import services as ranking_services
from engage.rankings.leaderboards import rebuild_tallies
from engage.rankings.scoring import add_default_criteria
from engage.units import services as units
from engage.units.models import Department, Unit
from engage.volunteers import services as volunteers
from marketplace import catalogue, members, redemption
from points.base import utcnow

DEMO_PASSWORD = "engage-demo"
DEMO_STREET = "红星街道"
DEMO_DISTRICT = "示范区"
DEMO_DEPARTMENTS = ("城管", "住建", "供电", "水务", "市场监管")
DEMO_ZONE = ZoneInfo("Asia/Shanghai")
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ["建国", "秀英", "志强", "丽华", "明", "芳", "海燕", "国庆", "桂兰", "小龙"]


def load_demo(session: Session, *, key: str, stale_days: int) -> bool:
    """Create everything once (``key`` encrypts the sensitive fields; ``stale_days`` is the
    configured 必清 freshness its reports count by); returns False (and changes nothing) if
    already there."""
    if session.scalar(select(Street).where(Street.name == DEMO_STREET)):
        return False
    street = Street(district=District(name=DEMO_DISTRICT), name=DEMO_STREET)
    home = Community(street=street, name="幸福社区")
    other = Community(street=street, name="和平社区")
    session.add_all([street, home, other])
    session.flush()
    add_default_criteria(session, street.id)
    companies = [
        PropertyCompany(street_id=street.id, name=name, contact_name=contact, contact_phone=phone)
        for name, contact, phone in (
            ("红心物业服务有限公司", "赵经理", "13800000001"),
            ("安居物业管理有限公司", "钱经理", "13800000002"),
            ("金盾物业管理有限公司", "孙经理", "13800000003"),
        )
    ]
    session.add_all(companies)
    session.flush()
    users = _accounts(session, street, home, other, companies[0])
    users.update(_command_centre(session, street.district))
    _hierarchy(session, home, users["gridworker"], companies)
    _hierarchy(session, other, None, companies[1:])
    _place_members(session, home, users)
    session.flush()
    _points(session, users, home, other)
    _orders(session, users, home, other)
    _unit_orders(session, users)
    _activities(session, users, key)
    _mall(session, users)
    _duties(session, users, home, key)
    _rankings(session, users, home)
    rebuild_tallies(session, zone=DEMO_ZONE, now=utcnow())
    periodic_reports.generate(session, now=utcnow(), zone=DEMO_ZONE)
    duty_rhythm.generate_reports(session, now=utcnow(), zone=DEMO_ZONE, stale_days=stale_days)
    return True


def _rankings(session: Session, users: dict, home: Community) -> None:
    """Micro-grids placed in compounds, and two published quarters of 红色物业 evaluations."""
    compounds = list(
        session.scalars(select(Compound).where(Compound.community_id == home.id).order_by(Compound.id))
    )
    for n, micro_grid in enumerate(
        session.scalars(select(MicroGrid).where(MicroGrid.community_id == home.id).order_by(MicroGrid.id))
    ):
        micro_grid.compound_id = compounds[n % len(compounds)].id
    session.flush()
    admin = users["admin"]
    criteria = {c.code: c for c in ranking_services.criteria(session, admin)}
    companies = list(session.scalars(select(PropertyCompany).order_by(PropertyCompany.id)))
    for label, marks in (("2026-Q2", (95, 72, 48)), ("2026-Q3", (92, 80, 55))):
        for company, mark in zip(companies, marks, strict=False):
            for code in ("theory", "civilization"):
                ranking_services.score(
                    session,
                    admin,
                    label,
                    company.id,
                    criteria[code].id,
                    mark,
                    "季度考评组现场检查",
                    zone=DEMO_ZONE,
                )
        ranking_services.publish(session, admin, label, zone=DEMO_ZONE, rule={"red_min": 70})


def _duties(session: Session, users: dict, home: Community, key: str) -> None:
    """Care targets in all eight categories for the grid worker (some overdue), visits,
    a late and an open 必到 event, and part of the 六必清 checklist."""
    staff, worker = users["staff"], users["gridworker"]
    grid = session.scalar(select(Grid).where(Grid.grid_worker_id == worker.id).order_by(Grid.id))
    now = utcnow()
    for n, (category, weeks_ago, visited_days_ago) in enumerate(
        (
            ("elderly_alone", 8, 2),
            ("elderly_alone", 8, None),
            ("hardship", 10, 45),
            ("left_behind_child", 6, 3),
            ("troubled_youth", 6, None),
            ("disabled_family", 12, 20),
            ("mental_illness", 12, 9),
            ("petitioner", 12, 70),
            ("religious", 20, 30),
        )
    ):
        target = care.register_target(
            session,
            staff,
            grid_id=grid.id,
            category=category,
            name=_name(40 + n),
            phone=f"139{n:04d}8888",
            address=f"1号楼{n + 1}单元",
            zone=DEMO_ZONE,
            id_number="11010519491231002X" if n == 0 else "",
            notes="需定期关注" if category != "petitioner" else "反映小区停车问题",
            key=key,
        )
        target.created_at = now - timedelta(weeks=weeks_ago)
        target.next_visit_due = schedule.next_due(
            None, care.frequency_of(session, target), DEMO_ZONE, now=target.created_at
        )
        if visited_days_ago is not None:
            care.record_visit(
                session,
                worker,
                target.id,
                visited_at=now - timedelta(days=visited_days_ago),
                kind="home",
                found="情况稳定",
                zone=DEMO_ZONE,
                key=key,
            )
    limits = dict(urgent_minutes=30, other_hours=24)
    late = events.report_event(
        session,
        users["resident1"],
        grid_id=grid.id,
        kind="neighbour_dispute",
        title="楼上漏水引发邻里纠纷",
        now=now - timedelta(days=3),
        **limits,
    )
    events.advance(session, worker, late.id, "arrive", now=now - timedelta(days=1))
    events.report_event(
        session,
        worker,
        grid_id=grid.id,
        kind="emergency",
        title="3号楼电梯困人",
        now=now - timedelta(minutes=10),
        **limits,
    )
    household = session.scalar(
        select(Household).join(MicroGrid).where(MicroGrid.grid_id == grid.id).order_by(Household.id)
    )
    for item in ("basic", "population", "needs"):
        checks.confirm(session, worker, household.id, item, now=now - timedelta(days=10))


def _mall(session: Session, users: dict) -> None:
    """A kiosk at the service centre, a merchant, rewards in stock and a few redemptions."""
    staff = users["staff"]
    kiosk = catalogue.add_kiosk(session, staff, name="党群服务中心兑换机", kiosk_user_id=users["kiosk1"].id)
    shop = catalogue.add_merchant(session, staff, name="好邻居便利店", contact="幸福路12号")
    barber = catalogue.add_merchant(session, staff, name="老街理发店", contact="和平巷3号")
    rewards = {}
    for name, price, category, merchant, counter_stock, kiosk_stock, limit in (
        ("洗衣液", 30, "goods", shop, 20, 10, None),
        ("大米（5公斤）", 80, "goods", shop, 10, 0, 1),
        ("毛巾", 15, "goods", None, 0, 15, None),
        ("理发服务券", 20, "coupon", barber, 30, 0, None),
        ("上门家电清洗", 60, "services", None, 5, 0, None),
    ):
        rewards[name] = catalogue.create_reward(
            session,
            staff,
            name=name,
            price_points=price,
            category=category,
            stock=counter_stock,
            merchant_id=merchant.id if merchant else None,
            limit_per_person=limit,
            limit_period="month" if limit else None,
        )
        if kiosk_stock:
            catalogue.restock(session, staff, rewards[name].id, kiosk.id, kiosk_stock, note="兑换机补货")
    redemption.redeem_online(
        session, users["resident1"], rewards["理发服务券"].id, 1, zone=DEMO_ZONE, pickup_hours=72
    )
    redemption.redeem(session, users["volunteer1"], rewards["毛巾"].id, 1, location=kiosk, zone=DEMO_ZONE)
    members.set_pin(session, users["resident1"], "480213")


def _activities(session: Session, users: dict, key: str) -> None:
    """Teams, profiles, a weekly patrol, upcoming activities and some served hours."""
    staff, first, second = users["staff"], users["volunteer1"], users["volunteer2"]
    teams = {
        name: volunteers.create_team(session, staff, name=name, description=about)
        for name, about in (
            ("彩虹联盟", "新就业群体志愿服务队：快递员、外卖骑手、网约车司机就近帮办"),
            ("巡防联盟", "夜间巡逻、防火防盗、文明劝导"),
            ("蓝天救援", "应急救援与防汛值守"),
        )
    }
    for volunteer, names in ((first, ("彩虹联盟", "巡防联盟")), (second, ("巡防联盟",))):
        for name in names:
            volunteers.join_team(session, volunteer, teams[name].id)
    volunteers.update_volunteer_profile(
        session,
        first,
        volunteer_group="new_employment",
        availability="工作日晚上、周末",
        skills="助老,维修",
        id_number="11010519491231002X",
        key=key,
    )
    volunteers.update_volunteer_profile(
        session,
        second,
        volunteer_group="party_member",
        availability="周末上午",
        skills="家政,理论宣讲",
        key=key,
    )
    midnight = datetime.now(DEMO_ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    fields = dict(capacity=10, points_per_hour=10, location="幸福社区党群服务中心")
    activities.create_activity(
        session,
        staff,
        title="夜间巡逻",
        kind="patrol",
        repeat_weeks=3,
        starts_at=midnight + timedelta(days=2, hours=19),
        ends_at=midnight + timedelta(days=2, hours=21),
        team_id=teams["巡防联盟"].id,
        **fields,
    )
    visit = activities.create_activity(
        session,
        staff,
        title="敬老院陪伴",
        kind="volunteer_service",
        starts_at=midnight + timedelta(days=3, hours=9),
        ends_at=midnight + timedelta(days=3, hours=11),
        skills="助老",
        **fields,
    )
    activities.enroll(session, first, visit.id)
    for title, kind, days_ago, minutes in (
        ("垃圾分类宣传", "civilization", 20, 150),
        ("理论宣讲进小区", "theory_lecture", 9, 90),
    ):
        _served(
            session,
            staff,
            (first, second),
            title=title,
            kind=kind,
            minutes=minutes,
            starts_at=midnight - timedelta(days=days_ago, hours=-9),
            **fields,
        )


def _served(session: Session, staff, people, *, starts_at, minutes: int, **fields) -> None:
    """A past activity: posted and enrolled beforehand, attendance recorded by staff."""
    moved_by = utcnow() + timedelta(days=1) - starts_at
    activity = activities.create_activity(
        session,
        staff,
        starts_at=starts_at + moved_by,
        ends_at=starts_at + moved_by + timedelta(hours=3),
        **fields,
    )
    for volunteer in people:
        activities.enroll(session, volunteer, activity.id)
    activity.starts_at, activity.ends_at = starts_at, starts_at + timedelta(hours=3)
    session.flush()
    for enrollment in activities.roster(session, staff, activity.id)[1]:
        attendance.correct_attendance(
            session,
            staff,
            enrollment.id,
            checked_in_at=starts_at,
            checked_out_at=starts_at + timedelta(minutes=minutes),
            reason="纸质签到表补录",
            max_hours=8,
        )


def _orders(session: Session, users: dict, home: Community, other: Community) -> None:
    """Categories for both communities and orders in every state of the loop."""
    add_defaults(session, home.id)
    add_defaults(session, other.id)
    staff, resident, volunteer = users["staff"], users["resident1"], users["volunteer1"]
    users["volunteer1"].skills, users["volunteer2"].skills = "助老,维修", "家政"
    steps = [
        lambda o: orders.dispatch_order(session, staff, o.id),
        lambda o: orders.accept_order(session, volunteer, o.id),
        lambda o: orders.complete_order(session, volunteer, o.id, note="已上门服务"),
        lambda o: orders.rate_order(session, resident, o.id, stars=5, comment="非常及时，谢谢！"),
    ]
    for title, category, done in (
        ("帮忙换灯泡", "repair", 4),
        ("陪老人去医院复查", "elderly_care", 4),
        ("代取药品", "errand", 3),
        ("家里水管漏水", "repair", 2),
        ("打扫卫生", "housekeeping", 1),
        ("楼道堆物需要清理", "feedback", 0),
    ):
        order = orders.place_order(session, resident, category=category, title=title)
        for step in steps[:done]:
            order = step(order)


def _points(session: Session, users: dict, home: Community, other: Community) -> None:
    """Both communities get a budget; volunteers already have some awards."""
    admin = users["admin"]
    issue_budget(session, admin, home.id, 200_000, "2026年度志愿服务积分预算")
    issue_budget(session, admin, other.id, 50_000, "2026年度志愿服务积分预算")
    for username, amount, memo in (
        ("volunteer1", 120, "社区环境整治"),
        ("volunteer2", 80, "敬老院慰问"),
        ("volunteer1", 50, "防汛值守"),
        ("resident1", 30, "垃圾分类示范户"),
    ):
        award_points(session, users["staff"], users[username].id, amount, memo)


def _accounts(
    session: Session, street: Street, home: Community, other: Community, company: PropertyCompany
) -> dict:
    specs = [
        ("admin", "街道管理员", ["admin", "staff"], {"street_id": street.id}),
        ("staff", "社区工作者·陈", ["staff"], {}),
        ("gridworker", "网格员·周", ["grid_worker"], {}),
        ("volunteer1", "志愿者·李明", ["volunteer"], {"phone": "13900000001"}),
        ("volunteer2", "志愿者·王芳", ["volunteer"], {"phone": "13900000002"}),
        ("resident1", "居民·张建国", ["resident"], {"phone": "13700000001"}),
        ("resident2", "居民·刘秀英", ["resident"], {"phone": "13700000002"}),
        ("property1", "物业·赵经理", ["property_manager"], {"property_company_id": company.id}),
        ("kiosk1", "社区服务中心兑换机", ["kiosk"], {}),
    ]
    users = {
        username: create_user(
            session,
            username=username,
            password=DEMO_PASSWORD,
            display_name=name,
            roles=roles,
            community_id=home.id,
            **extra,
        )
        for username, name, roles, extra in specs
    }
    users["staff2"] = create_user(
        session,
        username="staff2",
        password=DEMO_PASSWORD,
        display_name="和平社区工作者",
        roles=["staff"],
        community_id=other.id,
    )
    return users


def _command_centre(session: Session, district: District) -> dict:
    """The district's command centre and its departments, with one member each in 城管 and 住建;
    returns the three accounts."""
    centre = create_user(
        session,
        username="district",
        password=DEMO_PASSWORD,
        display_name="示范区指挥中心",
        roles=["district_admin"],
        district_id=district.id,
    )
    departments = [units.create_department(session, centre, name) for name in DEMO_DEPARTMENTS]
    accounts = {"district": centre}
    for username, name, department in (
        ("dept1", "城管·吴队长", departments[0]),
        ("dept2", "住建·郑工", departments[1]),
    ):
        accounts[username] = create_user(
            session, username=username, password=DEMO_PASSWORD, display_name=name, roles=["department"]
        )
        units.attach_member(session, centre, department.id, username)
    return accounts


def _unit_orders(session: Session, users: dict) -> None:
    """Requests on the unit path in every status: assigned, signed, replied (awaiting the
    callback), closed, returned, extended, reopened (重办), whistled (吹哨报到), answered at
    intake and one urgent; the command centre or staff dispatched each."""
    centre, staff, resident = users["district"], users["staff"], users["resident2"]
    city, housing = users["dept1"], users["dept2"]
    unit = {
        name: session.scalar(select(Unit.id).join(Department).where(Department.name == name))
        for name in DEMO_DEPARTMENTS
    }

    def place(title: str, *, by=resident, **extra) -> int:
        extra = (
            {"on_behalf_of": resident.id, "channel": "hotline_12345", **extra}
            if by is not resident
            else extra
        )
        return orders.place_order(session, by, category="repair", title=title, **extra).id

    def assign(order_id: int, department: str, by=centre) -> None:
        routing.assign_order(session, by, order_id, unit_id=unit[department])

    assign(place("路灯不亮（幸福路3号）"), "城管")
    signed = place("人行道井盖松动")
    assign(signed, "城管")
    routing.sign_order(session, city, signed)
    for title, satisfaction in (
        ("小区门口占道经营", None),
        ("路面坑洼积水", "satisfied"),
        ("垃圾清运不及时", "unsatisfied"),
    ):
        order_id = place(title)
        assign(order_id, "城管")
        routing.sign_order(session, city, order_id)
        routing.reply_order(session, city, order_id, result="已到现场处置，拍照存档")
        if satisfaction:
            routing.callback_order(session, centre, order_id, satisfaction=satisfaction, note="电话回访")
    returned = place("楼顶防水层破损漏雨")
    assign(returned, "城管")
    routing.return_order(session, city, returned, reason="房屋维修属于住建部门职责")
    for title, approve in (("老旧小区供水管网老化", True), ("单元门禁损坏", None)):
        order_id = place(title)
        assign(order_id, "住建")
        routing.sign_order(session, housing, order_id)
        routing.request_extension(session, housing, order_id, hours=72, reason="需协调施工队和配件")
        if approve:
            routing.decide_extension(session, centre, order_id, approve=True)
    whistled = place("小区违章搭建", by=staff)
    assign(whistled, "城管", by=staff)
    routing.sign_order(session, city, whistled)
    routing.whistle_order(
        session,
        staff,
        whistled,
        unit_ids=[unit["住建"], unit["供电"]],
        note="涉及房屋结构和电线",
        report_hours=24,
    )
    routing.report_in(session, housing, whistled, note="已派技术人员到场")
    routing.answer_order(
        session, staff, place("咨询居住证办理材料", by=staff), answer="身份证、租房合同，到社区服务中心办理"
    )
    urgent = place("电线垂落（3号楼）", by=staff, priority="urgent")
    assign(urgent, "供电", by=staff)


def _hierarchy(session: Session, community: Community, grid_worker, companies) -> None:
    """Three grids of four micro-grids of six households, and two compounds."""
    for g in range(1, 4):
        grid = Grid(
            community_id=community.id,
            name=f"第{g}网格",
            grid_worker_id=grid_worker.id if grid_worker and g == 1 else None,
        )
        session.add(grid)
        session.flush()
        for m in range(1, 5):
            micro_grid = MicroGrid(
                grid_id=grid.id,
                community_id=community.id,
                name=f"{g}-{m}微网格",
                leader_name=_name(g * 10 + m),
            )
            session.add(micro_grid)
            session.flush()
            session.add_all(
                Household(
                    micro_grid_id=micro_grid.id,
                    community_id=community.id,
                    address=f"{g}号楼{m}单元{h:02d}室",
                    head_name=_name(g + m + h),
                    phone=f"1350000{g}{m}{h:02d}",
                    size=1 + (g + m + h) % 5,
                )
                for h in range(1, 7)
            )
    for i, company in enumerate(companies * 2):
        session.add(
            Compound(
                community_id=community.id,
                name=f"{community.name[:2]}{'东西南北中和'[i]}苑",
                address=f"{community.name}路{i + 1}号",
                property_company_id=company.id,
            )
        )


def _place_members(session: Session, home: Community, users: dict) -> None:
    """Residents and volunteers live in the grid worker's first micro-grids."""
    micro_grids = list(
        session.scalars(select(MicroGrid).where(MicroGrid.community_id == home.id).order_by(MicroGrid.id))
    )
    for i, username in enumerate(("resident1", "resident2", "volunteer1", "volunteer2")):
        users[username].micro_grid_id = micro_grids[i % 2].id


def _name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
