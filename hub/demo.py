"""Demo content for the hub: expertise taxonomy, verified email domains, one log-in per role and realistic member
profiles across the provinces. Idempotent: people are matched by email, taxonomies by slug or domain.

The demo people are fictional (names, job titles and bios are invented); the municipalities are real.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify

from hub.models import ExpertiseArea, Organisation, Profile, User, VerifiedEmailDomain
from hub.roles import GROUP_ROLES, Role
from hub.services.organisations import load_reference_data

DEMO_PASSWORD = "Ubuntu-Learning-2026"

EXPERTISE_AREAS = [
    ("Municipal finance (MFMA)", "Budgets, revenue, audit outcomes and MFMA compliance."),
    ("Revenue enhancement", "Billing, indigent registers, debt collection and tariff setting."),
    ("Governance and accountability", "Councils, oversight (MPAC), risk and ethics."),
    ("Local economic development", "Investment attraction, SMMEs, informal trade and township economies."),
    ("Water and sanitation", "Water services, non-revenue water, drought and wastewater."),
    ("Electricity", "Distribution, Eskom debt, embedded generation and energy efficiency."),
    ("Roads and transport", "Road maintenance, public transport and non-motorised transport."),
    ("Human resources and capacity", "Staff regulations, skills development and organograms."),
    ("ICT and smart cities", "Municipal ICT governance, cybersecurity and digital services."),
    ("Disaster risk and climate", "Disaster management, floods, fire and climate adaptation."),
    ("Spatial planning (SPLUMA)", "Spatial development frameworks, land use and by-laws."),
    ("Community participation", "Ward committees, IDP consultation and petitions."),
    ("Migration", "Migration and urbanisation in municipal planning."),
    ("Mining towns", "Social and labour plans and mining-affected communities."),
    ("Integrated development planning", "IDP, SDBIP and performance management."),
]

VERIFIED_DOMAINS = [
    ("capetown.gov.za", "CPT"),
    ("joburg.org.za", "JHB"),
    ("durban.gov.za", "ETH"),
    ("tshwane.gov.za", "TSH"),
    ("ekurhuleni.gov.za", "EKU"),
    ("nelsonmandelabay.gov.za", "NMA"),
    ("buffalocity.gov.za", "BUF"),
    ("mangaung.co.za", "MAN"),
]


@dataclass
class DemoPerson:
    email: str
    full_name: str
    organisation: str  # municipality code, or "SALGA" / "SALGA:<province code>"
    job_title: str
    function: str
    bio: str
    expertise: list[str]
    languages: list[str]
    listed: bool = True
    expert: bool = False
    role: str = Role.MEMBER
    verified_official: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


ROLE_LOGINS: list[DemoPerson] = [
    DemoPerson("member@demo.lgkh.org.za", "Thandiwe Mokoena", "NC067", "Administrative officer",
               "corporate_services", "Works in corporate services and is new to the hub.",
               ["human-resources-and-capacity"], ["af", "en"], listed=False),
    DemoPerson("official@demo.lgkh.org.za", "Sipho Ndlovu", "KZN225", "Manager: Local Economic Development",
               "led_officer", "Leads LED in Msunduzi: informal trade, township enterprises and the city's market.",
               ["local-economic-development", "community-participation"], ["zu", "en"], expert=True,
               role=Role.MUNICIPAL_OFFICIAL, verified_official=True),
    DemoPerson("staff@demo.lgkh.org.za", "Lindiwe Khumalo", "SALGA", "Knowledge management specialist",
               "salga_staff", "Runs SALGA's knowledge hub and the peer learning programme.",
               ["governance-and-accountability", "integrated-development-planning"], ["en", "xh", "zu"],
               role=Role.SALGA_STAFF),
    DemoPerson("reviewer@demo.lgkh.org.za", "Pieter van der Merwe", "SALGA:WC", "Senior adviser: municipal finance",
               "salga_staff", "Reviews knowledge products on municipal finance before publication.",
               ["municipal-finance-mfma", "revenue-enhancement"], ["af", "en"], expert=True,
               role=Role.CONTENT_REVIEWER),
    DemoPerson("publisher@demo.lgkh.org.za", "Naledi Sithole", "SALGA", "Communications officer",
               "salga_staff", "Edits the Knowledge Hub update and network bulletins.",
               ["community-participation"], ["en", "st", "tn"], role=Role.NEWSLETTER_PUBLISHER),
    DemoPerson("admin@demo.lgkh.org.za", "Ayanda Mthembu", "SALGA", "Systems administrator",
               "salga_staff", "Administers the LG Knowledge Hub.", ["ict-and-smart-cities"], ["en", "zu"],
               listed=False, role=Role.SITE_ADMINISTRATOR),
]

MEMBERS: list[DemoPerson] = [
    DemoPerson("nomvula.dlamini@example.org", "Nomvula Dlamini", "CPT", "Director: Water Demand Management",
               "technical_services", "Led Cape Town's water demand programme through Day Zero; happy to share "
               "pressure management and leak detection lessons.", ["water-and-sanitation", "disaster-risk-and-climate"],
               ["xh", "en", "af"], expert=True, verified_official=True),
    DemoPerson("johan.botha@example.org", "Johan Botha", "WC044", "Chief financial officer", "cfo",
               "CFO of George. Clean audits five years running; interested in revenue enhancement in growing towns.",
               ["municipal-finance-mfma", "revenue-enhancement"], ["af", "en"], expert=True, verified_official=True),
    DemoPerson("kagiso.molefe@example.org", "Kagiso Molefe", "NW373", "Municipal manager", "municipal_manager",
               "Municipal manager in Rustenburg, a mining town: social and labour plans, traditional councils and "
               "informal settlements.", ["mining-towns", "governance-and-accountability"], ["tn", "en"], expert=True,
               verified_official=True),
    DemoPerson("mpho.mahlangu@example.org", "Mpho Mahlangu", "MP312", "IDP manager", "idp_manager",
               "Coordinates Emalahleni's IDP and the district IDP forum.", ["integrated-development-planning"],
               ["nr", "zu", "en"], verified_official=True),
    DemoPerson("tshilidzi.netshitenzhe@example.org", "Tshilidzi Netshitenzhe", "LIM343", "ICT manager",
               "ict_manager", "Moved Thulamela's billing and records to the cloud; Tshivenḓa speaker.",
               ["ict-and-smart-cities"], ["ve", "en", "nso"], expert=True, verified_official=True),
    DemoPerson("zanele.nkosi@example.org", "Zanele Nkosi", "ETH", "Head: Disaster Management", "disaster_management",
               "eThekwini's disaster management centre through the 2022 floods.", ["disaster-risk-and-climate"],
               ["zu", "en"], expert=True, verified_official=True),
    DemoPerson("thabo.mokoena@example.org", "Thabo Mokoena", "MAN", "Councillor", "councillor",
               "Ward councillor and MPAC member in Mangaung.", ["governance-and-accountability",
               "community-participation"], ["st", "en"]),
    DemoPerson("lerato.moloi@example.org", "Lerato Moloi", "FS184", "LED officer", "led_officer",
               "Matjhabeng: reviving the Goldfields economy after mine closures.",
               ["local-economic-development", "mining-towns"], ["st", "xh", "en"], verified_official=True),
    DemoPerson("andile.mabaso@example.org", "Andile Mabaso", "EC157", "Senior manager: Technical services",
               "technical_services", "Rural roads and water schemes in King Sabata Dalindyebo.",
               ["roads-and-transport", "water-and-sanitation"], ["xh", "en"], verified_official=True),
    DemoPerson("fatima.patel@example.org", "Fatima Patel", "JHB", "Spatial planner", "idp_manager",
               "Inclusionary housing and the Corridors of Freedom.", ["spatial-planning-spluma", "migration"],
               ["en", "af"], expert=True, verified_official=True),
    DemoPerson("vusi.shabangu@example.org", "Vusi Shabangu", "MP326", "Executive mayor's chief of staff", "other",
               "City of Mbombela.", ["governance-and-accountability"], ["ss", "zu", "en"]),
    DemoPerson("hendrik.cloete@example.org", "Hendrik Cloete", "NC067", "Municipal manager", "municipal_manager",
               "Khâi-Ma: running a small municipality across a huge, dry area.", ["water-and-sanitation",
               "human-resources-and-capacity"], ["af", "en"], expert=True, verified_official=True),
    DemoPerson("nhlanhla.zungu@example.org", "Nhlanhla Zungu", "DC28", "District ICT manager", "ict_manager",
               "Shared ICT services for King Cetshwayo's local municipalities.", ["ict-and-smart-cities"],
               ["zu", "en"]),
    DemoPerson("rirhandzu.baloyi@example.org", "Rirhandzu Baloyi", "LIM331", "Human resources manager",
               "corporate_services", "Greater Giyani: staff regulations and skills plans.",
               ["human-resources-and-capacity"], ["ts", "nso", "en"]),
    DemoPerson("researcher@example.org", "Dr Ashwin Naidoo", "SALGA:KZN", "Research manager", "researcher",
               "Research on municipal fiscal sustainability and migration.", ["municipal-finance-mfma", "migration"],
               ["en"], expert=True),
    DemoPerson("boitumelo.kgosi@example.org", "Boitumelo Kgosi", "NW405", "Electrical engineer", "technical_services",
               "JB Marks: small-scale embedded generation rules and smart meters.", ["electricity"], ["tn", "en"],
               expert=True, verified_official=True),
    DemoPerson("ayesha.jacobs@example.org", "Ayesha Jacobs", "WC024", "Community participation officer",
               "community_services", "Stellenbosch: ward committees that work.", ["community-participation"],
               ["af", "en"], listed=True),
    DemoPerson("sibusiso.zulu@example.org", "Sibusiso Zulu", "KZN282", "Revenue manager", "cfo",
               "uMhlathuze: data-cleansing the billing system lifted collections to 95%.", ["revenue-enhancement"],
               ["zu", "en"], expert=True, verified_official=True),
]


def _organisation(reference: str) -> Organisation:
    if reference == "SALGA":
        return Organisation.objects.get(kind="salga", is_national_office=True)
    if reference.startswith("SALGA:"):
        return Organisation.objects.get(kind="salga", is_national_office=False, province__code=reference[6:])
    return Organisation.objects.get(municipality__code=reference)


def _ensure_person(person: DemoPerson) -> User:
    user = User.objects.filter(email__iexact=person.email).first()
    if user is None:
        user = User.objects.create_user(email=person.email, password=DEMO_PASSWORD, full_name=person.full_name)
    EmailAddress.objects.update_or_create(
        user=user, email=person.email, defaults={"verified": True, "primary": True}
    )
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.organisation = _organisation(person.organisation)
    profile.job_title = person.job_title
    profile.function = person.function
    profile.bio = person.bio
    profile.languages = person.languages
    profile.listed_in_directory = person.listed
    profile.available_as_expert = person.expert
    if person.verified_official:
        profile.affiliation_status = Profile.Affiliation.VERIFIED
    profile.save()
    profile.expertise.set(ExpertiseArea.objects.filter(slug__in=person.expertise))
    if person.role in GROUP_ROLES:
        user.groups.add(Group.objects.get(name=GROUP_ROLES[person.role]))
    if person.role == Role.SITE_ADMINISTRATOR and not user.is_staff:
        user.is_staff = True  # may also use Django admin
        user.save(update_fields=["is_staff"])
    return user


def seed_hub_demo() -> list[tuple[str, str]]:
    """Create the hub's demo content and return (role label, email) for each demo log-in."""
    load_reference_data()
    with transaction.atomic():
        for name, description in EXPERTISE_AREAS:
            ExpertiseArea.objects.update_or_create(
                slug=slugify(name), defaults={"name": name, "description": description}
            )
        for domain, code in VERIFIED_DOMAINS:
            VerifiedEmailDomain.objects.update_or_create(
                domain=domain, defaults={"organisation": _organisation(code)}
            )
        VerifiedEmailDomain.objects.update_or_create(
            domain="salga.org.za", defaults={"organisation": _organisation("SALGA")}
        )
        for person in ROLE_LOGINS + MEMBERS:
            _ensure_person(person)
    return [(str(Role(person.role).label), person.email) for person in ROLE_LOGINS]
