"""The words of the resource centre's demo: the two-level topic taxonomy and about 65 knowledge products.

The municipalities, provinces and SALGA offices are real; the documents are illustrative demo content written for
the hub (figures and circular numbers are examples, not official guidance). Each resource's `paragraphs` become its
description and the text of its files; `file_only` paragraphs appear only inside the generated PDF/Word files, so
the demo shows search finding a phrase that is in a document but nowhere on the page ("sweep of dormant accounts",
"pressure logger", "ward-level load profile"...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (theme name, slug, description, [(sub-topic name, slug), ...])
TOPICS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("Municipal finance (MFMA)", "municipal-finance", "Budgets, revenue, audit outcomes and MFMA compliance.", [
        ("Budgeting and mSCOA", "budgeting-and-mscoa"),
        ("Revenue management", "revenue-management"),
        ("Audit outcomes", "audit-outcomes"),
        ("Supply chain management", "supply-chain-management"),
    ]),
    ("Governance and accountability", "governance", "Councils, oversight, risk, ethics and intergovernmental relations.", [
        ("Council oversight and MPAC", "council-oversight"),
        ("Risk and ethics", "risk-and-ethics"),
        ("Intergovernmental relations", "intergovernmental-relations"),
    ]),
    ("Local economic development", "local-economic-development", "Investment, SMMEs, informal trade and tourism.", [
        ("SMMEs and informal trade", "smmes-and-informal-trade"),
        ("Township economies", "township-economies"),
        ("Tourism and investment", "tourism-and-investment"),
    ]),
    ("Water and sanitation", "water-and-sanitation", "Water services, losses, drought and wastewater.", [
        ("Non-revenue water", "non-revenue-water"),
        ("Drought and water security", "drought-and-water-security"),
        ("Wastewater treatment", "wastewater-treatment"),
    ]),
    ("Electricity", "electricity", "Distribution, Eskom debt, embedded generation and efficiency.", [
        ("Distribution and Eskom debt", "distribution-and-eskom-debt"),
        ("Embedded generation", "embedded-generation"),
        ("Energy efficiency", "energy-efficiency"),
    ]),
    ("Roads and transport", "roads-and-transport", "Road maintenance, public and non-motorised transport.", [
        ("Road maintenance", "road-maintenance"),
        ("Public transport", "public-transport"),
    ]),
    ("Human resources and capacity", "human-resources", "Staff regulations, skills and organisational design.", [
        ("Staff regulations", "staff-regulations"),
        ("Skills development", "skills-development"),
        ("Organisational design", "organisational-design"),
    ]),
    ("ICT and smart cities", "ict-and-smart-cities", "ICT governance, cybersecurity and digital services.", [
        ("ICT governance", "ict-governance"),
        ("Cybersecurity", "cybersecurity"),
        ("Digital services", "digital-services"),
    ]),
    ("Disaster risk and climate", "disaster-risk-and-climate", "Disaster management, floods, fire and adaptation.", [
        ("Disaster management", "disaster-management"),
        ("Climate adaptation", "climate-adaptation"),
        ("Floods and fire", "floods-and-fire"),
    ]),
    ("Spatial planning", "spatial-planning", "Spatial development frameworks, land use and settlements.", [
        ("Spatial development frameworks", "spatial-development-frameworks"),
        ("Land use management", "land-use-management"),
        ("Human settlements", "human-settlements"),
    ]),
    ("Community participation", "community-participation", "Ward committees, IDP consultation and petitions.", [
        ("Ward committees", "ward-committees"),
        ("IDP consultation", "idp-consultation"),
        ("Petitions and complaints", "petitions-and-complaints"),
    ]),
    ("Migration", "migration", "Migration and urbanisation in municipal planning.", [
        ("Urbanisation", "urbanisation"),
        ("Migrants in municipal planning", "migrants-in-planning"),
    ]),
    ("Mining towns", "mining-towns", "Social and labour plans and life after mining.", [
        ("Social and labour plans", "social-and-labour-plans"),
        ("Mine closure and diversification", "mine-closure-and-diversification"),
    ]),
]


@dataclass
class DemoResource:
    slug: str
    title: str
    resource_type: str
    topics: list[str]
    summary: str
    paragraphs: list[str]
    file_only: list[str] = field(default_factory=list)
    files: tuple[str, ...] = ("pdf",)  # pdf, docx, csv; none for links and recordings
    languages: tuple[str, ...] = ("en",)
    provinces: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    national: bool = False
    organisation: str = "SALGA"  # municipality code, "SALGA" or "SALGA:<province code>"
    published: str = "2025-06-01"
    visibility: str = "public"
    tags: tuple[str, ...] = ()
    authors: str = ""
    uploader: str = "staff@demo.lgkh.org.za"
    review_by: str | None = None
    superseded_by: str | None = None
    downloads: int = 0
    external_url: str = ""
    licence: str = "cc-by-4.0"


R = DemoResource

RESOURCES: list[DemoResource] = [
    # --- Municipal finance -------------------------------------------------------------------------------------
    R("mfma-circular-129-explained-budgeting-2026-27", "MFMA Circular 129 explained: budgeting for 2026/27", "guide",
      ["budgeting-and-mscoa"],
      "What the budget circular for the 2026/27 MTREF asks of municipalities, in plain language, with a checklist "
      "for the budget steering committee.",
      ["National Treasury's budget circular sets the assumptions every municipality must use for its 2026/27 "
       "medium-term revenue and expenditure framework (MTREF): headline inflation, wage increases, bulk electricity "
       "and water tariffs, and the conditions attached to grants.",
       "This guide walks a budget steering committee through the circular section by section. It explains how to "
       "test whether the budget is funded, how to present tariff increases to council and residents, and which "
       "mSCOA data strings must be submitted with the tabled and adopted budget.",
       "A one-page checklist at the end lists the dates in the budget timetable that councils most often miss."],
      file_only=["Checklist item 7: confirm that the funding compliance test in the A1 schedule shows a surplus in "
                 "cash and cash equivalents after commitments, before the budget is tabled.",
                 "Tip from George Municipality: hold the tariff workshop with ward councillors before the IDP "
                 "public meetings, not after."],
      files=("pdf", "docx"), national=True, published="2026-03-12", tags=("MTREF", "budget circular", "mSCOA"),
      authors="Pieter van der Merwe", uploader="reviewer@demo.lgkh.org.za", downloads=412, review_by="2027-03-31"),
    R("mfma-circular-122-explained-budgeting-2023-24", "MFMA Circular 122 explained: budgeting for 2023/24", "guide",
      ["budgeting-and-mscoa"],
      "The 2023/24 budget circular in plain language. Replaced by the guide to Circular 129.",
      ["This guide explained the budget circular for the 2023/24 MTREF: the headline inflation forecast, the "
       "guidance on bulk tariff increases and the new reporting requirements on unfunded budgets.",
       "It is kept for reference: budget steering committees preparing the 2026/27 budget should use the guide to "
       "Circular 129."],
      national=True, published="2023-03-20", tags=("MTREF", "budget circular"), authors="Pieter van der Merwe",
      uploader="reviewer@demo.lgkh.org.za", superseded_by="mfma-circular-129-explained-budgeting-2026-27",
      downloads=198, review_by="2024-03-31"),
    R("revenue-enhancement-toolkit", "Revenue enhancement toolkit for small and rural municipalities", "toolkit",
      ["revenue-management"],
      "Practical steps to bill every customer correctly and collect what is owed, for municipalities with small "
      "finance teams.",
      ["Many small municipalities bill fewer than half of the properties on their valuation roll, and collect "
       "less than 70% of what they bill. This toolkit starts with the basics: match the valuation roll, the "
       "billing system and the meter book, then fix the gaps.",
       "It includes a data-cleansing plan, a template credit control and debt collection policy, and guidance on "
       "an indigent register that is reviewed every year.",
       "Each step has an estimate of the staff time it needs, so a CFO can plan the work with the people they have."],
      file_only=["Step 3: run a sweep of dormant accounts: accounts with no payment and no meter reading in twelve "
                 "months are either vacant land, demolished buildings or customers who have been missed."],
      files=("pdf", "docx"), national=True, published="2025-02-17", tags=("billing", "credit control", "indigent"),
      uploader="staff@demo.lgkh.org.za", downloads=356),
    R("case-study-umhlathuze-revenue-data-cleansing", "Case study: uMhlathuze revenue data cleansing", "case_study",
      ["revenue-management"],
      "How uMhlathuze cleaned its billing data and lifted its collection rate to 95% in two years.",
      ["uMhlathuze Local Municipality found that one in eight of its billing accounts had a wrong address, a "
       "wrong tariff or no meter linked to it. The revenue team matched the billing system against the valuation "
       "roll and the deeds registry, property by property.",
       "The municipality used students on a six-month programme to visit properties with a tablet, and published "
       "the corrected accounts in ward meetings before changing any bill.",
       "Collections rose from 86% to 95% of billing, and the number of disputes fell by a third."],
      file_only=["Lesson: never send the first corrected bill without a letter that explains the change; every "
                 "surprise becomes a dispute."],
      provinces=("KZN",), municipalities=("KZN282",), organisation="KZN282", published="2025-09-04",
      tags=("billing", "data cleansing", "collection rate"), authors="Sibusiso Zulu",
      uploader="sibusiso.zulu@example.org", downloads=287, languages=("en", "zu")),
    R("clean-audit-journey-george", "A clean audit journey: lessons from George", "case_study",
      ["audit-outcomes"],
      "Five years of clean audits in George: the audit action plan, the monthly close and the culture behind them.",
      ["George Municipality has received a clean audit outcome for five consecutive years. The CFO describes the "
       "audit action plan that tracks every finding of the Auditor-General to a named official and a date.",
       "A monthly close, with reconciliations signed off by the tenth working day, means that the annual financial "
       "statements are mostly a compilation of work already done."],
      file_only=["Our audit steering committee meets every second Thursday and the municipal manager chairs it."],
      provinces=("WC",), municipalities=("WC044",), organisation="WC044", published="2024-11-12",
      tags=("Auditor-General", "clean audit"), authors="Johan Botha", uploader="johan.botha@example.org",
      downloads=174, languages=("en", "af")),
    R("scm-deviations-legal-brief", "Supply chain deviations: what regulation 36 allows", "legal_brief",
      ["supply-chain-management"],
      "When a municipality may deviate from competitive bidding, and how to record and report a deviation.",
      ["Regulation 36 of the Municipal Supply Chain Management Regulations lets an accounting officer dispense "
       "with the official procurement processes only in an emergency, where there is a sole supplier, or where it "
       "is impractical or impossible to follow them.",
       "This brief summarises what the courts and the Auditor-General have said about each ground, and how every "
       "deviation must be recorded, reasoned and reported to council at its next meeting."],
      national=True, published="2024-08-26", tags=("procurement", "regulation 36"), licence="cc-by-nc-4.0",
      uploader="reviewer@demo.lgkh.org.za", downloads=143, review_by="2025-08-31"),
    R("gids-munisipale-begrotings-vir-raadslede", "Gids tot munisipale begrotings vir raadslede", "guide",
      ["budgeting-and-mscoa", "council-oversight"],
      "An Afrikaans guide for councillors: how to read the municipal budget and ask the right questions.",
      ["Hierdie gids verduidelik vir raadslede hoe die munisipale begroting saamgestel word, wat die belangrikste "
       "skedules beteken en watter vrae om te vra voordat die begroting goedgekeur word.",
       "Dit sluit 'n lys van tien vrae in wat elke raadslid oor die befondsing van die begroting moet vra."],
      languages=("af",), provinces=("WC", "NC"), organisation="SALGA:WC", published="2025-04-03",
      tags=("councillors", "budget"), uploader="reviewer@demo.lgkh.org.za", downloads=61),
    R("municipal-debt-to-eskom-and-water-boards-2025", "Municipal debt to Eskom and water boards: the 2025 picture",
      "research_report", ["distribution-and-eskom-debt", "revenue-management"],
      "Research on the growth of municipal arrears to Eskom and the water boards, and what drives it.",
      ["Municipal arrears to Eskom and the water boards have grown faster than municipal revenue for a decade. "
       "This report analyses the debt by province and by category of municipality.",
       "It finds that the debt is concentrated: fewer than 30 municipalities owe most of it, and in most of them "
       "the collection rate for electricity sales is below 75%.",
       "The report sets out the conditions of the municipal debt relief programme and what the first municipalities "
       "to join it have learnt."],
      file_only=["Table 4 shows the ratio of arrears to annual bulk purchases by province; in the Free State it "
                 "exceeds three years of purchases."],
      national=True, published="2025-07-15", visibility="members", tags=("Eskom", "debt relief", "arrears"),
      authors="Dr Ashwin Naidoo", uploader="researcher@example.org", downloads=231),
    R("mscoa-data-strings-quick-reference", "mSCOA data strings: a quick reference", "guide",
      ["budgeting-and-mscoa"],
      "The seven segments of an mSCOA data string and the errors that make a submission fail.",
      ["Every transaction in a municipal financial system carries an mSCOA data string of seven segments: project, "
       "function, item, fund, costing, region and municipal standard classification.",
       "This reference explains each segment with examples and lists the ten validation errors that most often "
       "make the Local Government Database and Reporting Suite reject a submission."],
      national=True, published="2024-05-08", tags=("mSCOA", "reporting"), uploader="staff@demo.lgkh.org.za",
      downloads=95),
    R("budget-funding-assessment-template", "Budget funding assessment template", "template",
      ["budgeting-and-mscoa"],
      "A Word template for the report to council that shows whether the budget is funded.",
      ["Use this template to present the funding compliance assessment of the tabled budget to council: cash "
       "and investments, commitments, the collection rate assumed and the resulting surplus or shortfall.",
       "Replace the text in square brackets and attach schedule A1 and the supporting tables."],
      file_only=["[Name of municipality] Budget funding assessment for the 2026/27 MTREF. Recommendation: that "
                 "council notes that the budget is [funded/unfunded] and approves the budget funding plan."],
      files=("docx",), national=True, published="2026-01-22", tags=("MTREF", "template"), downloads=88),
    # --- Governance and accountability ------------------------------------------------------------------------
    R("mpac-oversight-handbook", "MPAC oversight handbook", "guide", ["council-oversight"],
      "How a municipal public accounts committee investigates unauthorised, irregular and fruitless expenditure.",
      ["The municipal public accounts committee (MPAC) is council's instrument for holding the executive to "
       "account. This handbook explains its terms of reference, its annual work plan and how it conducts "
       "hearings.",
       "A chapter on unauthorised, irregular, fruitless and wasteful expenditure explains how MPAC investigates "
       "each case and what it may recommend to council: write-off, recovery or referral to law enforcement."],
      file_only=["A hearing starts with the chairperson reading the allegation aloud and asking the official "
                 "whether they have seen the documents in the bundle."],
      files=("pdf",), national=True, published="2024-02-14", tags=("MPAC", "UIFW"), downloads=267,
      review_by="2025-12-31"),
    R("councillor-code-of-conduct-legal-brief", "The councillors' code of conduct: a legal brief", "legal_brief",
      ["risk-and-ethics"],
      "What the code of conduct in the Municipal Structures Act requires, and how breaches are investigated.",
      ["The code of conduct for councillors sets rules on attendance, disclosure of interests, personal gain and "
       "the use of municipal property. This brief explains each rule and the procedure when a breach is alleged.",
       "It summarises the changes made by the Municipal Structures Amendment Act, including the new sanctions."],
      national=True, published="2024-10-01", tags=("ethics", "councillors"), uploader="reviewer@demo.lgkh.org.za",
      downloads=77),
    R("fraud-risk-register-template", "Fraud risk register template", "template", ["risk-and-ethics"],
      "A template register to identify, rate and treat fraud and corruption risks across departments.",
      ["The register lists, for each department, the fraud and corruption risks identified in workshops, their "
       "likelihood and impact, the existing controls and the further actions with owners and dates.",
       "It is designed to be reviewed by the risk committee every quarter."],
      file_only=["Example risk: ghost employees on the payroll. Control: quarterly head count signed by each "
                 "director."],
      files=("docx",), national=True, published="2025-05-19", tags=("fraud", "risk register")),
    R("district-development-model-one-plan-brief", "The District Development Model and the One Plan", "policy_brief",
      ["intergovernmental-relations"],
      "What the District Development Model means for a local municipality's IDP, budget and projects.",
      ["The District Development Model asks national, provincial and local government to plan and budget together "
       "in each of the 44 districts and 8 metros, through one long-term plan for each space.",
       "This brief explains how the One Plan relates to the IDP and what a local municipality should bring to the "
       "district hub."],
      national=True, published="2023-09-11", tags=("DDM", "One Plan"), downloads=58, review_by="2025-09-30"),
    R("salga-internal-governance-assessment-2026", "Governance assessment of municipalities under intervention, 2026",
      "research_report", ["council-oversight", "intergovernmental-relations"],
      "SALGA's internal assessment of governance in municipalities under section 139 intervention.",
      ["This internal report assesses governance in the municipalities placed under provincial intervention in "
       "terms of section 139 of the Constitution, and SALGA's support to each.",
       "It is for SALGA staff preparing engagements with provincial executives and is not for publication."],
      file_only=["Recommendation 3: support a turnaround plan with monthly reporting to the provincial executive."],
      national=True, published="2026-05-06", visibility="internal", tags=("section 139", "intervention"),
      authors="SALGA Governance unit", uploader="staff@demo.lgkh.org.za", licence="all-rights-reserved"),
    # --- Local economic development ---------------------------------------------------------------------------
    R("informal-trading-by-law-toolkit", "Informal trading by-law toolkit", "toolkit",
      ["smmes-and-informal-trade"],
      "A model by-law, a permit system and a guide to working with traders' organisations.",
      ["Informal trade supports hundreds of thousands of households, but many by-laws treat it as a nuisance. "
       "This toolkit offers a model informal trading by-law that designates trading areas, sets fair permit fees "
       "and gives traders a right to be heard before their goods are impounded.",
       "It includes a permit application form, a trading-area plan template and a guide to forming a traders' "
       "forum with the municipality."],
      file_only=["Clause 12: goods impounded must be listed on a receipt handed to the trader, and perishable "
                 "goods may not be held for more than 24 hours."],
      files=("pdf", "docx"), national=True, published="2024-06-18", tags=("informal trade", "by-law"),
      uploader="official@demo.lgkh.org.za", downloads=203),
    R("case-study-msunduzi-township-market", "Case study: reviving Msunduzi's township markets", "case_study",
      ["township-economies", "smmes-and-informal-trade"],
      "How Msunduzi worked with traders to upgrade three markets in Edendale and Imbali.",
      ["Msunduzi Local Municipality upgraded three township markets with shelters, water points and lighting, "
       "designed with the traders who use them.",
       "Rentals were set after a survey of traders' turnover, and the traders' committee now collects them and "
       "reports monthly to the LED unit."],
      file_only=["Occupancy of the Edendale market stalls rose from 40% to 92% in the first year."],
      provinces=("KZN",), municipalities=("KZN225",), organisation="KZN225", published="2025-10-21",
      tags=("markets", "township economy"), authors="Sipho Ndlovu", uploader="official@demo.lgkh.org.za",
      languages=("en", "zu"), downloads=96),
    R("tourism-investment-small-towns-presentation", "Attracting tourism investment to small towns", "presentation",
      ["tourism-and-investment"],
      "Slides from the SALGA LED learning network: packaging a small town's tourism offer for investors.",
      ["Slide 1: why small towns lose tourism investment: no land ready for development, slow approvals and no "
       "single contact person.",
       "Slide 2: an investment prospectus in six pages: the offer, the land, the infrastructure, the incentives, "
       "the contacts and the timeline.",
       "Slide 3: examples from Knysna, Dr Beyers Naude and Kai !Garib."],
      provinces=("WC", "EC", "NC"), municipalities=("WC048", "EC101", "NC082"), published="2025-03-05",
      tags=("tourism", "investment"), downloads=34),
    R("township-economy-data-2024", "Township businesses by sector: survey data 2024", "data_set",
      ["township-economies"],
      "Survey of 2,400 township businesses in four metros: sector, employees, turnover band and registration.",
      ["The data set records, for each surveyed business, the metro, sector, number of employees, turnover band, "
       "whether it is registered and whether it has a bank account.",
       "The survey was run in Johannesburg, Tshwane, eThekwini and Nelson Mandela Bay in 2024."],
      files=("csv", "pdf"), provinces=("GT", "KZN", "EC"), municipalities=("JHB", "TSH", "ETH", "NMA"),
      published="2024-12-09", tags=("survey", "township economy"), licence="cc-by-4.0", downloads=47),
    R("led-strategy-review-guide", "Reviewing your LED strategy: a step-by-step guide", "guide",
      ["tourism-and-investment", "smmes-and-informal-trade"],
      "How to review a local economic development strategy so that it leads to projects, not only a document.",
      ["An LED strategy is useful only if it is short, grounded in the local economy and tied to the budget. This "
       "guide shows how to review one in four months with the people who will carry it out.",
       "It covers an economic profile from public data, a stakeholder workshop, a shortlist of catalytic projects "
       "and an implementation plan with owners and budgets."],
      national=True, published="2022-08-30", tags=("LED strategy",), downloads=122, review_by="2024-08-31"),
    # --- Water and sanitation ---------------------------------------------------------------------------------
    R("non-revenue-water-reduction-toolkit", "Non-revenue water reduction toolkit", "toolkit",
      ["non-revenue-water"],
      "Measure your water losses, find the leaks and fix the meters: a toolkit with a water balance template.",
      ["Non-revenue water is water a municipality produces or buys but never bills: leaks, burst pipes, faulty "
       "meters, illegal connections and unbilled authorised use. In many municipalities it is more than 40% of the "
       "water supplied.",
       "This toolkit starts with the IWA water balance, then sets out a programme of pressure management, active "
       "leak detection, meter replacement and billing corrections, with the cost and the likely savings of each.",
       "A Word template for the annual water balance report is included."],
      file_only=["Install a pressure logger at the critical point of each zone for at least seven days before "
                 "setting the pressure reducing valve.",
                 "Night flow analysis: the minimum night flow between 02:00 and 04:00, less legitimate night use, "
                 "estimates the real losses in a district metered area."],
      files=("pdf", "docx"), national=True, published="2025-08-11",
      tags=("water losses", "leak detection", "water balance"), uploader="nomvula.dlamini@example.org",
      downloads=521),
    R("case-study-cape-town-day-zero-demand-management", "Case study: Cape Town's water demand management through Day Zero",
      "case_study", ["drought-and-water-security", "non-revenue-water"],
      "How Cape Town cut its water use by more than half during the 2015-2018 drought.",
      ["Between 2015 and 2018 the City of Cape Town reduced its water consumption from about 1.2 billion litres a "
       "day to about 500 million litres, through restrictions, tariffs, pressure management and communication.",
       "This case study describes what worked, what residents found hardest, and what the City would do "
       "differently."],
      file_only=["The water map, which showed each household's consumption as a dot, was the single most "
                 "effective communication tool."],
      provinces=("WC",), municipalities=("CPT",), organisation="CPT", published="2023-06-05",
      tags=("drought", "Day Zero", "demand management"), authors="Nomvula Dlamini",
      uploader="nomvula.dlamini@example.org", downloads=389, languages=("en", "af", "xh")),
    R("waterbesparingsgids-vir-huishoudings", "Waterbesparingsgids vir huishoudings", "guide",
      ["drought-and-water-security"],
      "An Afrikaans household water-saving guide that municipalities may print for residents.",
      ["Hierdie gids wys huishoudings hoe om water te bespaar: korter storte, lekkasies herstel, grys water "
       "hergebruik en die tuin in die koel deel van die dag natlei.",
       "Munisipaliteite mag die gids druk en versprei met hul eie logo en kontakbesonderhede."],
      languages=("af",), provinces=("WC", "NC"), municipalities=("NC067",), organisation="NC067",
      published="2024-01-15", tags=("water saving", "households"), uploader="hendrik.cloete@example.org",
      downloads=44),
    R("khai-ma-small-town-water-security-case-study", "Case study: water security in Khâi-Ma's small towns",
      "case_study", ["drought-and-water-security"],
      "How a small Northern Cape municipality keeps water flowing to towns hundreds of kilometres apart.",
      ["Khâi-Ma Local Municipality serves Pofadder, Aggeneys, Onseepkans and smaller settlements across a very "
       "large, dry area. Boreholes are the main source and each town has its own scheme.",
       "The municipality monitors borehole levels monthly, shares a maintenance team across towns and agreed a "
       "water-supply arrangement with a neighbouring mine."],
      file_only=["Borehole monitoring sheet: record the rest water level, the pumping water level and the hours "
                 "pumped, every month, for every borehole."],
      provinces=("NC",), municipalities=("NC067",), organisation="NC067", published="2025-05-27",
      tags=("boreholes", "small towns", "Khâi-Ma"), authors="Hendrik Cloete", uploader="hendrik.cloete@example.org",
      languages=("en", "af"), downloads=52),
    R("green-drop-wastewater-improvement-plan", "Preparing a wastewater risk abatement plan after Green Drop",
      "guide", ["wastewater-treatment"],
      "How to turn a poor Green Drop score into a funded wastewater risk abatement plan.",
      ["The Green Drop assessments rate each wastewater treatment works on its management, operation and "
       "compliance. A low score is a starting point for a wastewater risk abatement plan.",
       "This guide shows how to rank the risks at each works, cost the actions and find funding in the municipal "
       "infrastructure grant and the water services infrastructure grant."],
      national=True, published="2024-04-22", tags=("Green Drop", "wastewater"), downloads=133),
    R("water-services-by-law-template-2017", "Model water services by-law (2017)", "template",
      ["non-revenue-water", "drought-and-water-security"],
      "A model water services by-law. Replaced by the 2024 edition.",
      ["This model by-law covered connections, metering, tariffs, restrictions and offences. It has been replaced "
       "by the 2024 edition, which adds drought restrictions and water management devices."],
      files=("docx",), national=True, published="2017-09-01", tags=("by-law", "water services"),
      superseded_by="water-services-by-law-template-2024", review_by="2022-09-30", downloads=64),
    R("water-services-by-law-template-2024", "Model water services by-law (2024 edition)", "template",
      ["non-revenue-water", "drought-and-water-security"],
      "A model water services by-law with drought restrictions, water management devices and metering rules.",
      ["This model by-law sets out the rules for water connections, meters, tariffs, restrictions during drought "
       "and offences. Municipalities adapt it and take it through public participation before council adopts it.",
       "The 2024 edition adds a schedule of drought restriction levels and rules for water management devices."],
      file_only=["Schedule 2, level 3 restrictions: no watering of gardens with municipal water between 09:00 and "
                 "18:00; no filling of swimming pools."],
      files=("docx", "pdf"), national=True, published="2024-07-08", tags=("by-law", "water services"),
      downloads=152),
    R("ethekwini-sanitation-research-isizulu-summary", "Ukuthuthukiswa kokuthuthwa kwendle: isifinyezo",
      "research_report", ["wastewater-treatment"],
      "An isiZulu summary of research on sanitation services in eThekwini's informal settlements.",
      ["This summary, in isiZulu, presents the main findings of research on shared ablution blocks in informal "
       "settlements in eThekwini and the community's recommendations."],
      languages=("zu",), provinces=("KZN",), municipalities=("ETH",), organisation="ETH", published="2025-02-03",
      tags=("sanitation", "informal settlements"), downloads=23),
    # --- Electricity --------------------------------------------------------------------------------------------
    R("ssg-embedded-generation-rules-guide", "Small-scale embedded generation: rules and tariffs for municipalities",
      "guide", ["embedded-generation"],
      "How to let residents and businesses connect rooftop solar safely, and how to set a fair feed-in tariff.",
      ["Rooftop solar is growing quickly. A municipality that sells electricity needs rules for connecting "
       "small-scale embedded generation (SSEG) to its grid, a register of installations and a tariff that pays "
       "for the network.",
       "This guide covers the NRS 097 standards, the application and commissioning process, bi-directional meters "
       "and the design of an SSEG tariff that does not undermine the municipality's revenue."],
      file_only=["JB Marks registered 1,140 rooftop systems in its first year of applications, most of them "
                 "under 10 kVA."],
      files=("pdf",), national=True, published="2025-01-28", tags=("rooftop solar", "SSEG", "tariffs"),
      uploader="boitumelo.kgosi@example.org", downloads=301, languages=("en", "tn")),
    R("case-study-jb-marks-smart-meters", "Case study: smart prepaid meters in JB Marks", "case_study",
      ["distribution-and-eskom-debt", "energy-efficiency"],
      "How JB Marks replaced 18,000 meters and cut electricity losses.",
      ["JB Marks Local Municipality replaced 18,000 old prepaid and conventional meters with smart prepaid "
       "meters over three years, starting in the areas with the highest losses.",
       "Losses fell from 28% to 17% of purchases and revenue from electricity rose by a fifth."],
      file_only=["We analysed a ward-level load profile before choosing where to start the meter replacement."],
      provinces=("NW",), municipalities=("NW405",), organisation="NW405", published="2025-06-30",
      tags=("smart meters", "electricity losses"), authors="Boitumelo Kgosi", uploader="boitumelo.kgosi@example.org",
      languages=("en", "tn"), downloads=164),
    R("eskom-debt-relief-conditions-policy-brief", "Municipal debt relief: conditions and choices", "policy_brief",
      ["distribution-and-eskom-debt"],
      "What a municipality commits to when it applies for Eskom debt relief, and the risks of falling out of it.",
      ["The municipal debt relief programme writes off a municipality's arrears to Eskom in three annual tranches "
       "if it pays its current account in full every month and meets other conditions.",
       "This brief sets out the conditions, the reporting and what happens when a municipality misses a payment."],
      national=True, published="2024-03-18", visibility="members", tags=("Eskom", "debt relief"), downloads=188,
      review_by="2025-03-31"),
    R("energy-efficiency-street-lighting-toolkit", "Energy-efficient street lighting toolkit", "toolkit",
      ["energy-efficiency"],
      "Retrofit street lights with LEDs: audit, business case, procurement and maintenance.",
      ["Street lighting is often a municipality's largest electricity use. This toolkit explains how to audit the "
       "lights, build a business case for LED retrofits and use the energy efficiency and demand side management "
       "grant.",
       "It includes a specification template and a maintenance plan."],
      files=("pdf", "docx"), national=True, published="2023-11-14", tags=("LED", "street lighting", "EEDSM"),
      downloads=71),
    R("electricity-webinar-load-reduction", "Webinar: living with load reduction", "recording",
      ["distribution-and-eskom-debt"],
      "Recording of the SALGA webinar on Eskom load reduction in municipal areas, with a transcript.",
      ["Officials from three municipalities and Eskom discussed how load reduction is applied in areas with high "
       "losses, and what municipalities can do to protect essential services such as water pump stations.",
       "The transcript is attached."],
      national=True, published="2024-09-19", external_url="https://www.salga.org.za/", tags=("webinar", "load reduction")),
    # --- Roads and transport -------------------------------------------------------------------------------------
    R("rural-roads-asset-management-guide", "Rural roads asset management guide", "guide",
      ["road-maintenance"],
      "Keep a road asset register, assess condition and plan maintenance with a small budget.",
      ["Rural municipalities maintain thousands of kilometres of gravel roads with small budgets and few "
       "engineers. This guide explains how to keep a road asset register, carry out visual condition assessments "
       "and rank maintenance work.",
       "It shows how to use the rural roads asset management systems grant and the data district municipalities "
       "already hold."],
      file_only=["Gravel loss of more than 50 mm a year on a road means that regravelling should be planned within "
                 "three years."],
      provinces=("EC",), municipalities=("EC157", "EC441"), national=True, published="2024-05-30",
      tags=("gravel roads", "asset register"), uploader="andile.mabaso@example.org", downloads=86,
      languages=("en", "xh")),
    R("pothole-repair-programme-template", "Pothole repair programme template", "template", ["road-maintenance"],
      "A template for a pothole repair programme: reporting, prioritising, repairing and reporting back.",
      ["Use this template to plan a pothole repair programme: how residents report potholes, how they are "
       "prioritised, the repair standard and the turnaround time published to residents."],
      files=("docx",), national=True, published="2025-04-28", tags=("potholes",), downloads=57),
    R("public-transport-integration-research", "Integrating minibus taxis into municipal public transport",
      "research_report", ["public-transport"],
      "Research on how metros have worked with the minibus-taxi industry in bus rapid transit and beyond.",
      ["Minibus taxis carry most of South Africa's public transport passengers. This report reviews how metros "
       "have negotiated with the industry when introducing bus rapid transit and what it cost.",
       "It recommends a phased approach that keeps taxi operators as owners of new operating companies."],
      provinces=("GT", "WC"), municipalities=("JHB", "TSH", "CPT"), published="2023-10-16",
      tags=("minibus taxis", "BRT"), authors="Fatima Patel", uploader="fatima.patel@example.org", downloads=79),
    R("non-motorised-transport-journal-article", "Walking cities: non-motorised transport in South African towns",
      "journal_article", ["public-transport", "spatial-development-frameworks"],
      "A peer-reviewed article on walking and cycling in intermediate cities.",
      ["Most trips in South Africa's intermediate cities are made on foot, yet budgets favour roads for cars. The "
       "article analyses travel surveys in five towns and the state of their sidewalks.",
       "It argues for sidewalks and safe crossings on the routes to schools and clinics first."],
      national=True, published="2022-04-12", tags=("walking", "cycling"), authors="N. Mokoena, P. Jacobs",
      licence="cc-by-nc-4.0", downloads=18),
    # --- Human resources and capacity ----------------------------------------------------------------------------
    R("municipal-staff-regulations-practical-guide", "Municipal Staff Regulations: a practical guide", "guide",
      ["staff-regulations"],
      "What the Municipal Staff Regulations require for recruitment, performance management and skills.",
      ["The Local Government: Municipal Staff Regulations set common rules for recruitment, selection, "
       "performance management, skills development and discipline of municipal staff.",
       "This guide explains each chapter with the forms and timelines a human resources unit needs."],
      file_only=["Regulation 15: a vacant post must be advertised nationally, and the shortlisting panel must "
                 "include at least one person from outside the department."],
      files=("pdf", "docx"), national=True, published="2023-08-21", tags=("staff regulations", "recruitment"),
      uploader="rirhandzu.baloyi@example.org", downloads=244, languages=("en", "ts")),
    R("municipal-staff-regulations-draft-guide-2021", "Municipal Staff Regulations: guide to the draft (2021)",
      "guide", ["staff-regulations"],
      "A guide to the draft regulations. Replaced by the practical guide to the final regulations.",
      ["This guide explained the draft Municipal Staff Regulations published for comment. It is replaced by the "
       "practical guide to the regulations as promulgated."],
      national=True, published="2021-06-14", superseded_by="municipal-staff-regulations-practical-guide",
      tags=("staff regulations",), review_by="2022-06-30", downloads=90),
    R("workplace-skills-plan-template", "Workplace skills plan template", "template", ["skills-development"],
      "A template for the annual workplace skills plan and training report to the LGSETA.",
      ["The template follows the LGSETA's workplace skills plan format: the skills audit, priority skills, planned "
       "training and the annual training report."],
      files=("docx",), national=True, published="2025-03-31", tags=("LGSETA", "skills"), downloads=112),
    R("organisational-design-small-municipalities", "Organisational design for small municipalities",
      "policy_brief", ["organisational-design"],
      "An organogram that fits the money: options for municipalities with fewer than 300 staff.",
      ["Small municipalities often carry organograms with many unfunded vacant posts. This brief proposes a core "
       "structure for municipalities with fewer than 300 staff and shared services with the district for "
       "specialised functions.",
       "It explains the process for consulting unions and approving a new organogram."],
      national=True, published="2024-12-02", visibility="members", tags=("organogram", "shared services"),
      downloads=67),
    R("salga-hr-benchmarking-internal-2025", "Salary and benefits benchmarking for municipal managers (internal)",
      "data_set", ["staff-regulations"],
      "Internal benchmark of senior managers' packages by municipal category, for SALGA advisers.",
      ["This internal data set compares the total packages of municipal managers and managers directly "
       "accountable to them against the upper limits, by municipal category."],
      files=("csv",), national=True, published="2025-11-10", visibility="internal", tags=("upper limits",),
      licence="all-rights-reserved"),
    # --- ICT and smart cities -------------------------------------------------------------------------------------
    R("municipal-ict-governance-framework-guide", "Municipal ICT governance framework: implementation guide", "guide",
      ["ict-governance"],
      "Put the municipal corporate governance of ICT policy into practice: steering committee, plans and audits.",
      ["The municipal corporate governance of ICT policy framework asks each municipality to adopt an ICT "
       "governance charter, set up an ICT steering committee and align ICT plans with the IDP.",
       "This guide gives a phased plan, with templates for the charter and the ICT strategic plan."],
      file_only=["The ICT steering committee should be chaired by a senior manager outside the ICT unit, so that "
                 "it represents the business, not the technology."],
      files=("pdf", "docx"), national=True, published="2024-09-09", tags=("ICT governance", "CGICT"), downloads=93),
    R("case-study-thulamela-cloud-billing", "Case study: Thulamela moves billing and records to the cloud",
      "case_study", ["digital-services", "ict-governance"],
      "How Thulamela moved billing and records to cloud services without interrupting service.",
      ["Thulamela Local Municipality moved its billing system and electronic records to cloud services over 18 "
       "months, after repeated server failures.",
       "The case study covers the business case, the contract, data migration and the training of staff in "
       "English, Tshivenḓa and Sepedi."],
      file_only=["Data migration rehearsal: we ran the full migration three times on a copy before the final "
                 "weekend."],
      provinces=("LIM",), municipalities=("LIM343",), organisation="LIM343", published="2025-08-25",
      tags=("cloud", "billing", "records management"), authors="Tshilidzi Netshitenzhe",
      uploader="tshilidzi.netshitenzhe@example.org", languages=("en", "ve", "nso"), downloads=81),
    R("cybersecurity-incident-response-playbook", "Cybersecurity incident response playbook for municipalities",
      "toolkit", ["cybersecurity"],
      "What to do in the first 72 hours of a ransomware attack, and how to prepare before it happens.",
      ["Several municipalities have lost access to their systems to ransomware. This playbook sets out the first "
       "72 hours: isolate, assess, notify the Information Regulator, restore from backups and communicate.",
       "It includes a checklist of preparations: offline backups, multi-factor authentication and an incident "
       "response team."],
      file_only=["Keep one copy of the backups offline and test a full restore every quarter."],
      national=True, published="2025-10-13", visibility="members", tags=("ransomware", "POPIA", "backups"),
      downloads=158),
    R("municipal-ict-security-assessment-internal", "ICT security assessment of metros (internal)",
      "research_report", ["cybersecurity"],
      "SALGA's internal summary of ICT security assessments in the metros.",
      ["Internal summary of the findings of ICT security assessments in the eight metros and SALGA's proposed "
       "support programme. Not for publication."],
      provinces=("GT", "WC", "KZN", "EC", "FS"), published="2026-02-16", visibility="internal",
      tags=("cybersecurity",), licence="all-rights-reserved"),
    R("e-services-self-service-portal-guide", "Building a resident self-service portal", "guide",
      ["digital-services"],
      "Let residents see their accounts, report faults and apply for services online.",
      ["A self-service portal lets residents see their municipal account, report faults and apply for services "
       "without queueing. This guide covers the choice of services to start with, identity checks and POPIA.",
       "It recommends starting with account statements by email and fault reporting with a reference number."],
      national=True, published="2023-05-22", tags=("e-services", "portal"), downloads=64, review_by="2025-05-31"),
    # --- Disaster risk and climate ----------------------------------------------------------------------------------
    R("ethekwini-floods-2022-lessons", "Lessons from the 2022 eThekwini floods", "case_study",
      ["floods-and-fire", "disaster-management"],
      "What eThekwini learnt about early warning, evacuation and recovery from the April 2022 floods.",
      ["In April 2022 extreme rainfall caused floods and landslides in eThekwini and surrounding municipalities, "
       "with great loss of life and damage to infrastructure.",
       "This case study by the city's disaster management centre covers early warning, evacuation, shelters, "
       "the recovery of water and roads, and the disaster grant process."],
      file_only=["Ward-based early warning WhatsApp groups reached more people faster than radio in the informal "
                 "settlements along the rivers."],
      provinces=("KZN",), municipalities=("ETH",), organisation="ETH", published="2023-04-11",
      tags=("floods", "early warning", "recovery"), authors="Zanele Nkosi", uploader="zanele.nkosi@example.org",
      languages=("en", "zu"), downloads=276),
    R("disaster-management-plan-template", "Municipal disaster management plan template", "template",
      ["disaster-management"],
      "A template plan following the Disaster Management Act: risk assessment, roles, contingency plans.",
      ["This template follows the Disaster Management Act and the national framework: a disaster risk "
       "assessment, the roles of departments, contingency plans for the main hazards and the contact list."],
      files=("docx",), national=True, published="2024-10-28", tags=("Disaster Management Act",), downloads=98),
    R("climate-change-adaptation-toolkit", "Climate change adaptation toolkit for municipalities", "toolkit",
      ["climate-adaptation"],
      "Assess climate risks, choose adaptation actions and build them into the IDP and budget.",
      ["Municipalities are on the front line of climate change: heat, drought, floods and fire. This toolkit "
       "helps a municipality assess its climate risks and vulnerability, choose adaptation actions and build them "
       "into the IDP, the spatial development framework and the budget.",
       "Examples come from municipalities in all nine provinces."],
      file_only=["Heat-health action: open cooling centres in community halls when the forecast maximum exceeds "
                 "the local threshold for three days."],
      files=("pdf", "docx"), national=True, published="2025-11-03", tags=("climate", "adaptation", "heat"),
      downloads=141),
    R("veld-fire-preparedness-brief", "Veld fire preparedness: a brief for councils", "policy_brief",
      ["floods-and-fire"],
      "Fire protection associations, firebreaks and by-laws: what councils should check before the fire season.",
      ["Veld fires cause loss of life and property every winter in the inland provinces and every summer in the "
       "Western Cape. This brief lists what a council should check before the fire season.",
       "It explains fire protection associations and the duties of landowners under the National Veld and Forest "
       "Fire Act."],
      provinces=("WC", "MP", "FS"), published="2024-07-29", tags=("veld fire", "fire protection association"),
      languages=("en", "ss"),
      downloads=42),
    R("disaster-response-webinar-recording", "Webinar: municipal disaster grants after the 2024 floods", "recording",
      ["disaster-management"],
      "Recording of the webinar on applying for disaster funding after a declared disaster.",
      ["Officials from the National Disaster Management Centre explained how municipalities apply for disaster "
       "grant funding after a declared disaster and what records to keep."],
      national=True, published="2024-11-26", external_url="https://www.ndmc.gov.za/", tags=("webinar", "disaster grant")),
    # --- Spatial planning --------------------------------------------------------------------------------------------
    R("spluma-sdf-guide", "Preparing a spatial development framework under SPLUMA", "guide",
      ["spatial-development-frameworks"],
      "The content, process and public participation of a municipal SDF that meets SPLUMA.",
      ["The Spatial Planning and Land Use Management Act (SPLUMA) requires every municipality to adopt a spatial "
       "development framework (SDF) as part of its IDP. This guide explains the content and the process.",
       "It includes a template project plan and examples of capital expenditure frameworks."],
      file_only=["A capital expenditure framework lists the infrastructure the SDF needs, by priority area, for at "
                 "least ten years."],
      files=("pdf",), national=True, published="2023-02-27", tags=("SPLUMA", "SDF"), uploader="fatima.patel@example.org",
      downloads=184, review_by="2025-02-28"),
    R("land-use-scheme-by-law-legal-brief", "Land use schemes and by-laws: a legal brief", "legal_brief",
      ["land-use-management"],
      "What SPLUMA requires of a municipal land use scheme and planning by-law, and common legal pitfalls.",
      ["Every municipality must have a single land use scheme for its whole area and a planning by-law. This "
       "brief explains what each must contain and summarises recent court decisions on municipal planning "
       "tribunals."],
      national=True, published="2025-01-13", tags=("SPLUMA", "land use scheme", "tribunal"),
      uploader="reviewer@demo.lgkh.org.za", downloads=66),
    R("inclusionary-housing-johannesburg-case-study", "Case study: inclusionary housing in Johannesburg", "case_study",
      ["human-settlements", "spatial-development-frameworks"],
      "How Johannesburg's inclusionary housing policy works and what developers have built under it.",
      ["The City of Johannesburg's inclusionary housing policy asks developers of new residential projects above "
       "a size threshold to include affordable units.",
       "This case study describes the incentives offered, the first projects and the monitoring of affordability."],
      provinces=("GT",), municipalities=("JHB",), organisation="JHB", published="2024-03-04",
      tags=("affordable housing", "inclusionary housing"), authors="Fatima Patel", uploader="fatima.patel@example.org",
      downloads=73),
    R("informal-settlement-upgrading-toolkit", "Informal settlement upgrading toolkit", "toolkit",
      ["human-settlements"],
      "Upgrade informal settlements in situ with communities: enumeration, basic services and tenure.",
      ["In-situ upgrading improves informal settlements where they are rather than relocating residents. This "
       "toolkit covers enumeration with community leaders, interim basic services, layout planning and tenure.",
       "It explains the informal settlements upgrading partnership grant."],
      files=("pdf", "docx"), national=True, published="2024-08-12", tags=("informal settlements", "UISP"),
      downloads=108, languages=("en", "xh", "zu")),
    # --- Community participation ---------------------------------------------------------------------------------
    R("ward-committee-handbook", "Ward committee handbook", "guide", ["ward-committees"],
      "The role of ward committees, how they are elected and how they work with the ward councillor.",
      ["Ward committees help the ward councillor to represent the community and to involve residents in the IDP "
       "and budget. This handbook explains how they are elected, what they may do and how they are supported.",
       "It includes a template for the ward committee's monthly report to the speaker."],
      file_only=["A ward committee meeting needs a quorum of half its members plus one; the councillor chairs it."],
      files=("pdf", "docx"), national=True, published="2024-01-29", tags=("ward committees", "speaker"),
      languages=("en", "zu", "xh", "st"), uploader="ayesha.jacobs@example.org", downloads=332),
    R("ward-committee-handbook-isixhosa", "Incwadi yekomiti yewadi", "guide", ["ward-committees"],
      "The ward committee handbook in isiXhosa.",
      ["Le ncwadi ichaza indima yekomiti yewadi, indlela enyulwa ngayo kunye nendlela esebenza ngayo nocebisi "
       "wewadi."],
      languages=("xh",), national=True, published="2024-02-19", tags=("ward committees",), downloads=41),
    R("idp-public-participation-guide", "Public participation in the IDP and budget", "guide",
      ["idp-consultation"],
      "Plan IDP and budget consultation that reaches people who do not come to meetings.",
      ["Municipalities must consult communities on the IDP and budget every year. This guide shows how to plan "
       "consultation that reaches young people, workers and people with disabilities: different times, places, "
       "languages and channels.",
       "It explains how to record what was said and report back on what changed."],
      file_only=["Report back: publish a table with each issue raised, the ward, and the municipality's response."],
      national=True, published="2025-09-15", tags=("IDP", "public participation"), downloads=121,
      uploader="mpho.mahlangu@example.org", languages=("en", "nr", "ss")),
    R("petitions-management-system-stellenbosch", "Case study: Stellenbosch's petitions management system",
      "case_study", ["petitions-and-complaints"],
      "Every petition registered, acknowledged and answered within 30 days.",
      ["Stellenbosch Municipality adopted a petitions policy and a register that tracks every petition from "
       "receipt to a written answer, reported to council every quarter.",
       "The case study covers the policy, the register and how the municipality measures response times."],
      provinces=("WC",), municipalities=("WC024",), organisation="WC024", published="2025-04-14",
      tags=("petitions", "complaints"), authors="Ayesha Jacobs", uploader="ayesha.jacobs@example.org",
      languages=("en", "af"), downloads=39),
    R("community-participation-citizen-survey-data", "Citizen satisfaction survey results 2025", "data_set",
      ["petitions-and-complaints", "idp-consultation"],
      "Results of a citizen satisfaction survey in twelve municipalities: services, communication and trust.",
      ["The survey asked residents of twelve municipalities to rate water, electricity, refuse removal, roads and "
       "communication, and whether they trust their municipality.",
       "The data set has one row per municipality and question."],
      files=("csv",), provinces=("GT", "MP", "LIM", "NW"), published="2025-12-01", visibility="members",
      tags=("survey", "satisfaction"), downloads=29),
    # --- Migration ---------------------------------------------------------------------------------------------------
    R("migration-and-municipal-planning-research", "Migration and municipal planning", "research_report",
      ["migrants-in-planning", "urbanisation"],
      "How migration into cities and towns changes the demand for services, and how to plan for it.",
      ["South Africa's cities and towns grow mainly through migration from rural areas and other provinces. This "
       "report uses census data to show where people are moving and what it means for services.",
       "It recommends that IDPs include a population projection that accounts for migration."],
      file_only=["Gauteng's population grew by more than three million between the 2011 and 2022 censuses."],
      national=True, published="2024-06-03", tags=("census", "urbanisation"), authors="Dr Ashwin Naidoo",
      uploader="researcher@example.org", downloads=117),
    R("urbanisation-policy-brief-iudf", "The Integrated Urban Development Framework: a brief", "policy_brief",
      ["urbanisation"],
      "What the IUDF asks of intermediate cities and how it links to the grants they receive.",
      ["The Integrated Urban Development Framework sets out how government will manage urbanisation. This brief "
       "explains its levers and the support available to intermediate cities."],
      national=True, published="2022-11-21", tags=("IUDF", "intermediate cities"), review_by="2024-11-30",
      downloads=38),
    R("migrants-social-cohesion-presentation", "Social cohesion and migrants: municipal practice", "presentation",
      ["migrants-in-planning"],
      "Slides from a peer learning session on preventing xenophobic violence at local level.",
      ["Slide 1: early warning signs of xenophobic violence in a ward.",
       "Slide 2: the role of ward councillors, community policing forums and traders' organisations.",
       "Slide 3: examples from Johannesburg and eThekwini."],
      provinces=("GT", "KZN"), municipalities=("JHB", "ETH"), published="2025-07-24", visibility="members",
      tags=("social cohesion", "xenophobia"), downloads=26),
    # --- Mining towns ------------------------------------------------------------------------------------------------
    R("social-and-labour-plans-guide", "Social and labour plans: a guide for municipalities", "guide",
      ["social-and-labour-plans"],
      "How municipalities can shape mines' social and labour plans and hold them to their commitments.",
      ["Mining companies must commit to local economic development projects in their social and labour plans. "
       "This guide shows municipalities how to get those projects into the IDP, and how to monitor delivery.",
       "It includes a template memorandum of understanding between a municipality and a mine."],
      file_only=["Ask for the social and labour plan's project list with budgets per year before the IDP "
                 "representative forum meets."],
      files=("pdf", "docx"), national=True, published="2024-04-08", tags=("SLP", "mining"),
      uploader="kagiso.molefe@example.org", downloads=149, languages=("en", "tn")),
    R("rustenburg-mining-town-case-study", "Case study: planning Rustenburg with the mines", "case_study",
      ["social-and-labour-plans", "spatial-development-frameworks"],
      "How Rustenburg aligned mines' housing and infrastructure commitments with its spatial plans.",
      ["Rustenburg Local Municipality brought the mining houses, traditional councils and the province into one "
       "forum to align housing and infrastructure commitments with the municipality's spatial development "
       "framework.",
       "The case study covers the forum, the joint project list and the disputes that still arise."],
      provinces=("NW",), municipalities=("NW373",), organisation="NW373", published="2025-03-24",
      tags=("mining", "traditional councils"), authors="Kagiso Molefe", uploader="kagiso.molefe@example.org",
      languages=("en", "tn"), downloads=72),
    R("matjhabeng-after-mine-closures", "Matjhabeng after the mines: diversifying the Goldfields economy",
      "research_report", ["mine-closure-and-diversification"],
      "Research on the economic decline of the Free State Goldfields and options for diversification.",
      ["The closure of gold mines around Welkom has cut jobs and municipal revenue in Matjhabeng. This report "
       "analyses the decline and assesses options: agro-processing, logistics, solar energy and the "
       "rehabilitation of mine land.",
       "It recommends a joint economic recovery plan with the province and the remaining mines."],
      file_only=["Mine land rehabilitation could release land for a solar park close to existing substations."],
      provinces=("FS",), municipalities=("FS184",), organisation="FS184", published="2024-10-14",
      tags=("mine closure", "Goldfields"), authors="Lerato Moloi", uploader="lerato.moloi@example.org",
      languages=("en", "st"), downloads=58),
    R("mining-towns-webinar", "Webinar: municipalities and mines, working together", "recording",
      ["social-and-labour-plans"],
      "Recording of the SALGA webinar on municipal-mine partnerships.",
      ["Municipal managers from Rustenburg, Emalahleni and Mogalakwena discussed partnerships with mining "
       "companies on water, housing and local procurement."],
      provinces=("NW", "MP", "LIM"), municipalities=("NW373", "MP312", "LIM367"), published="2025-05-15",
      external_url="https://www.salga.org.za/", tags=("webinar", "mining")),
    R("emalahleni-coal-transition-brief", "A just transition for coal towns: Emalahleni", "policy_brief",
      ["mine-closure-and-diversification", "energy-efficiency"],
      "What the closure of coal power stations means for Emalahleni and what the municipality can do now.",
      ["Emalahleni's economy depends on coal mining and coal power stations that will close over the coming "
       "decades. This brief sets out the risks to jobs and municipal revenue and the first steps of a local "
       "just transition plan."],
      provinces=("MP",), municipalities=("MP312",), organisation="MP312", published="2025-08-04",
      tags=("just transition", "coal"), uploader="mpho.mahlangu@example.org", downloads=49,
      languages=("en", "zu")),
    # --- Links and cross-cutting ---------------------------------------------------------------------------------------
    R("auditor-general-mfma-reports-link", "Auditor-General: consolidated local government audit outcomes", "link",
      ["audit-outcomes"],
      "The Auditor-General's yearly consolidated report on local government audit outcomes.",
      ["The Auditor-General of South Africa publishes a consolidated report on the audit outcomes of all "
       "municipalities every year, with findings by province."],
      files=(), national=True, published="2025-06-11", external_url="https://www.agsa.co.za/",
      tags=("Auditor-General",)),
    R("municipal-money-link", "Municipal Money: compare municipalities' finances", "link",
      ["budgeting-and-mscoa", "audit-outcomes"],
      "National Treasury's site for comparing municipal finances and performance indicators.",
      ["Municipal Money publishes each municipality's budget, spending, cash position and audit outcome, with "
       "indicators that can be compared across municipalities."],
      files=(), national=True, published="2024-02-05", external_url="https://municipalmoney.gov.za/",
      tags=("data", "indicators")),
    R("polokwane-water-conservation-plan", "Polokwane water conservation and demand management plan", "policy_brief",
      ["non-revenue-water", "drought-and-water-security"],
      "Polokwane's plan to reduce water losses and manage demand as the city grows.",
      ["Polokwane's water conservation and demand management plan sets targets for reducing non-revenue water, "
       "replacing old pipes and meters, and managing demand during shortages."],
      provinces=("LIM",), municipalities=("LIM354",), organisation="LIM354", published="2024-11-25",
      tags=("water conservation", "demand management"), languages=("en", "nso"), downloads=33),
    R("sol-plaatje-electricity-revenue-protection", "Sol Plaatje: electricity revenue protection unit", "case_study",
      ["distribution-and-eskom-debt"],
      "A small revenue protection unit that finds tampered meters and illegal connections.",
      ["Sol Plaatje Municipality set up a small revenue protection unit that audits meters in high-loss areas, "
       "removes illegal connections and works with the community to report tampering."],
      provinces=("NC",), municipalities=("NC091",), organisation="NC091", published="2025-10-06",
      tags=("meter tampering", "revenue protection"), downloads=27),
]

# Collections: (slug, title, introduction (Markdown), featured, [(resource slug, note), ...])
COLLECTIONS: list[tuple[str, str, str, bool, list[tuple[str, str]]]] = [
    ("mfma-toolkit", "MFMA toolkit",
     "Everything a **CFO, budget office or finance committee** needs for the budget cycle and clean audits, in "
     "the order you will need it:\n\n1. Understand this year's budget circular.\n2. Check that the budget is "
     "funded.\n3. Fix billing and collect what is owed.\n4. Keep the audit clean.",
     True,
     [("mfma-circular-129-explained-budgeting-2026-27", "Start here: the assumptions every 2026/27 budget must use."),
      ("budget-funding-assessment-template", "For the report that goes to council with the tabled budget."),
      ("mscoa-data-strings-quick-reference", ""),
      ("revenue-enhancement-toolkit", "The step-by-step plan for billing and collection."),
      ("case-study-umhlathuze-revenue-data-cleansing", "What this looks like in practice."),
      ("municipal-debt-to-eskom-and-water-boards-2025", ""),
      ("scm-deviations-legal-brief", ""),
      ("clean-audit-journey-george", "How one municipality kept its audit clean for five years."),
      ("salga-internal-governance-assessment-2026", "For SALGA advisers supporting municipalities in distress.")]),
    ("drought-response", "Drought response",
     "From water restrictions to borehole monitoring: what municipalities that lived through drought would tell "
     "you to do **before the dams run low**.",
     True,
     [("case-study-cape-town-day-zero-demand-management", "The best-known example, with what the City would do differently."),
      ("non-revenue-water-reduction-toolkit", "Cutting losses is the cheapest new water there is."),
      ("water-services-by-law-template-2024", "Restriction levels you can adopt now."),
      ("khai-ma-small-town-water-security-case-study", ""),
      ("waterbesparingsgids-vir-huishoudings", "For residents (Afrikaans)."),
      ("polokwane-water-conservation-plan", "")]),
    ("new-councillors-start-here", "New councillors: start here",
     "Short guides for councillors in their first year: the budget, oversight, ethics and working with ward "
     "committees.",
     True,
     [("gids-munisipale-begrotings-vir-raadslede", ""),
      ("mpac-oversight-handbook", ""),
      ("councillor-code-of-conduct-legal-brief", ""),
      ("ward-committee-handbook", ""),
      ("idp-public-participation-guide", "")]),
    ("mining-towns-learning-pack", "Mining towns learning pack",
     "Material from the mining towns peer learning network: social and labour plans, planning with the mines and "
     "life after mining.",
     False,
     [("social-and-labour-plans-guide", ""),
      ("rustenburg-mining-town-case-study", ""),
      ("matjhabeng-after-mine-closures", ""),
      ("emalahleni-coal-transition-brief", ""),
      ("mining-towns-webinar", "")]),
]

# Items sent for review (the review queue in the demo): (slug, title, type, topics, summary, paragraphs, uploader)
SUBMITTED: list[tuple[str, str, str, list[str], str, list[str], str]] = [
    ("kzn-indigent-register-verification-2026", "Verifying the indigent register with household visits",
     "case_study", ["revenue-management"],
     "How a KwaZulu-Natal municipality verified its indigent register with ward-based household visits.",
     ["Draft case study submitted for review: the municipality verified 9,000 indigent households with ward "
      "committee members and found that a fifth no longer qualified or could not be found."],
     "official@demo.lgkh.org.za"),
    ("msunduzi-led-forum-terms-of-reference", "Terms of reference for a local LED forum", "template",
     ["smmes-and-informal-trade"],
     "A template terms of reference for a local economic development forum with business and traders.",
     ["Template submitted for review: membership, meetings, decision-making and reporting of an LED forum."],
     "official@demo.lgkh.org.za"),
    ("giyani-recruitment-turnaround", "Filling critical posts faster: Greater Giyani's recruitment turnaround",
     "case_study", ["staff-regulations"],
     "How Greater Giyani cut the time to fill critical posts from nine months to three.",
     ["Submitted for review: the recruitment process map before and after, and the delegations that made it "
      "faster within the Municipal Staff Regulations."],
     "rirhandzu.baloyi@example.org"),
]
