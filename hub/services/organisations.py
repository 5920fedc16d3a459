"""Reference data: provinces, municipalities (from hub/data/*.csv, the Municipal Demarcation Board's 2016
boundaries) and SALGA's offices. Loading is idempotent: rows are matched by code and updated in place."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

SALGA_NATIONAL_OFFICE = "SALGA National Office"


@dataclass
class ReferenceDataCounts:
    provinces: int
    municipalities: int
    salga_offices: int


def salga_provincial_office_name(province_name: str) -> str:
    return f"SALGA {province_name}"


def load_reference_data(*, apps=None, data_dir: Path = DATA_DIR) -> ReferenceDataCounts:
    """Create or update the 9 provinces, 257 municipalities (districts before their locals), an organisation per
    municipality, and SALGA's national and nine provincial offices. Safe to run again. `apps` lets a data migration
    pass its historical models."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Province = apps.get_model("hub", "Province")
    Municipality = apps.get_model("hub", "Municipality")
    Organisation = apps.get_model("hub", "Organisation")

    with transaction.atomic():
        provinces = {}
        with open(data_dir / "provinces.csv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                provinces[row["code"]], _ = Province.objects.update_or_create(
                    code=row["code"], defaults={"name": row["name"]}
                )
        municipalities = {}
        with open(data_dir / "municipalities.csv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                district = municipalities[row["district_code"]] if row["district_code"] else None
                municipality, _ = Municipality.objects.update_or_create(
                    code=row["code"],
                    defaults={
                        "name": row["name"],
                        "category": row["category"],
                        "province": provinces[row["province_code"]],
                        "district": district,
                    },
                )
                municipalities[row["code"]] = municipality
                Organisation.objects.update_or_create(
                    municipality=municipality,
                    defaults={"name": _organisation_name(row), "kind": "municipality",
                              "province": provinces[row["province_code"]]},
                )
        Organisation.objects.update_or_create(
            kind="salga", is_national_office=True, defaults={"name": SALGA_NATIONAL_OFFICE, "province": None}
        )
        for province in provinces.values():
            Organisation.objects.update_or_create(
                kind="salga",
                is_national_office=False,
                province=province,
                defaults={"name": salga_provincial_office_name(province.name)},
            )
    return ReferenceDataCounts(
        provinces=len(provinces), municipalities=len(municipalities), salga_offices=1 + len(provinces)
    )


def _organisation_name(row: dict[str, str]) -> str:
    suffix = {"A": "Metropolitan Municipality", "B": "Local Municipality", "C": "District Municipality"}[row["category"]]
    # Same rule as Municipality.full_name: "City of ..." names are already full names.
    return row["name"] if row["name"].startswith("City of") else f"{row['name']} {suffix}"
