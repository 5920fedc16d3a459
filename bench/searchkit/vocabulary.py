"""Word lists for the search benchmark's generated corpus: the language of South African local government.

Words are drawn with a skewed (Zipf-like) distribution, so a few words ("municipal", "council") appear in most
documents and most words in few: searches then range from very common to rare, as on the real site."""

from __future__ import annotations

# Ordered roughly from most to least common; the generator favours the start of the list.
WORDS = """
municipal municipality council service delivery budget financial community development water report plan
management local government year province district infrastructure revenue public ward councillor policy
capital operational expenditure performance audit compliance act implementation strategy project programme
households residents electricity sanitation roads maintenance housing land planning spatial economic growth
investment funding grant allocation national treasury mfma mfra systems structures accountability governance
oversight committee mayor municipal manager official staff capacity skills training employees human resources
indigent billing tariffs debt collection arrears consumers meters metering losses non-revenue bulk supply
drought flood disaster risk climate adaptation resilience emergency response fire services rainfall dam storage
wastewater treatment works effluent sewer pipes reticulation boreholes tankers informal settlements upgrading
township rural urban villages traditional leaders communal tenure erven zoning by-law bylaws spluma sdf idp
sdbip integrated framework review monitoring evaluation indicators targets quarterly annual midyear adjustment
procurement supply chain tender contract bid suppliers irregular fruitless wasteful unauthorised expenditure
auditor-general clean opinion qualified disclaimer findings material misstatement internal control risk
ethics fraud corruption whistle-blowing disciplinary misconduct mpac oversight report public participation
consultation imbizo petitions complaints ward committees stakeholders partnership civil society youth women
disability inclusion gender equity poverty unemployment jobs epwp cooperatives smme entrepreneurs informal
traders market tourism agriculture agro-processing mining towns social labour plans beneficiation investors
incentives special economic zone industrial park logistics freight transport public transport taxi bus rapid
transit non-motorised pedestrians cycling potholes gravel paving stormwater bridges culverts road safety
licensing fleet vehicles workshop depot landfill waste removal refuse recycling collection environmental
health air quality pollution biodiversity wetlands coastal estuary heritage libraries sport recreation parks
cemeteries clinics primary healthcare hiv tb covid vaccination nutrition early childhood development schools
learners education bursaries internships graduates mentorship coaching leadership change organisational
culture organogram vacancies recruitment appointments section 56 senior managers remuneration salary upgrade
collective agreement bargaining council salga union strike labour relations occupational safety wellness
ict broadband connectivity digital transformation e-services smart city cybersecurity data records archives
geographic information gis valuation roll property rates general valuation supplementary objections appeals
revenue enhancement credit control cut-offs prepaid smart meters eskom distribution licence load shedding
load reduction embedded generation solar photovoltaic wheeling energy efficiency street lighting substation
transformer cable theft vandalism illegal connections electrification free basic services indigent register
water conservation demand management leak detection pressure management reservoir pump station bulk meter
blue drop green drop no drop water quality compliance monitoring sampling laboratory chlorination turbidity
migration migrants urbanisation densification backyard dwellers rental housing social housing title deeds
land invasions evictions relocation resettlement human settlements grants usdg misg mig equitable share
conditional grants rollover underspending cash flow liquidity creditors payment days going concern reserves
borrowing loans intergovernmental relations district development model one plan cogta provincial treasury
section 139 intervention administration financial recovery plan mandatory discretionary turnaround support
toolkit guideline handbook template checklist case study good practice lessons learned peer learning network
webinar workshop conference presentation research paper policy brief legal opinion judgment court ruling
constitution chapter seven powers functions assignment delegation framework regulation gazette notice
amendment bill white paper green paper consultation draft final approved adopted resolution minutes agenda
""".split()

# Rare and specialised words (the long tail).
RARE_WORDS = """
abattoir aquifer bioremediation cadastral desalination ecotourism fynbos geotechnical hydrological isohyet
jojoba karoo kraal lithium manganese nodal oxidation pangolin quarry rhino sorghum telemetry uranium vermicompost
wildfire xeriscaping yellowwood zinc acacia baobab citrus dolerite estuarine fluoride granite hydroponics
irrigation jacaranda kelp limestone macadamia nitrates ostrich platinum quartzite rooibos shale thornveld
ultrafiltration vanadium wattle xerophyte yeast zeolite aloe buchu chromium diamonds euphorbia fluorspar
""".split()

TITLE_OPENINGS = [
    "A guide to", "Toolkit for", "Lessons from", "Handbook on", "Template for", "Policy brief on",
    "Legal opinion on", "Research report on", "Case study:", "Improving", "Strengthening", "Managing",
    "Understanding", "Planning for", "Financing", "Monitoring", "Reforming", "Building capacity for",
]

TAGS = [
    "mfma", "budget", "audit", "water", "electricity", "drought", "idp", "led", "smme", "youth", "women",
    "spluma", "by-laws", "revenue", "indigent", "climate", "covid-19", "ict", "roads", "housing",
]

TOPIC_THEMES = [
    ("Municipal Finance (MFMA)", ["Budgeting", "Revenue management", "Audit outcomes"]),
    ("Governance and Accountability", ["Council oversight", "Ethics and anti-corruption"]),
    ("Local Economic Development", ["SMMEs and informal trade", "Tourism"]),
    ("Water and Sanitation", ["Water conservation", "Wastewater"]),
    ("Electricity", ["Energy efficiency", "Electricity revenue"]),
    ("Roads and Transport", ["Road maintenance", "Public transport"]),
    ("Human Resources and Capacity", ["Skills development"]),
    ("ICT and Smart Cities", ["Cybersecurity"]),
    ("Disaster Risk and Climate", ["Drought response", "Floods"]),
    ("Spatial Planning", ["Land use management"]),
    ("Community Participation", ["Ward committees"]),
    ("Migration", []),
    ("Mining Towns", []),
]
