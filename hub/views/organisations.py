"""The municipalities of South Africa: the list by province and one page per municipality. Open to everyone; only
the names of members who opted in are for signed-in members."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from hub import permissions, registry, selectors
from hub.models import Municipality, Province


def municipality_list(request: HttpRequest) -> HttpResponse:
    """/municipalities/: by province, metros then districts with their locals; ?q= (name or code, accents
    ignored) and ?province= (code) narrow it."""
    query = selectors.clean_search_query(request.GET.get("q"), max_length=100)
    provinces = list(Province.objects.order_by("name"))
    province_codes = {province.code for province in provinces}
    province_code = request.GET.get("province", "").strip().upper()
    if province_code not in province_codes:
        province_code = ""
    groups = selectors.municipalities_by_province(query=query, province_code=province_code)
    return render(
        request,
        "hub/municipality_list.html",
        {
            "groups": groups,
            "provinces": provinces,
            "query": query,
            "province_code": province_code,
            "is_filtered": bool(query or province_code),
            "total": sum(group.count for group in groups),
        },
    )


def municipality_detail(request: HttpRequest, code: str) -> HttpResponse:
    """/municipalities/<code>/ (code in any case): profile, district or locals, members who opted in (members
    only), and the sections apps register."""
    try:
        municipality = selectors.get_municipality(code)
    except Municipality.DoesNotExist:
        raise Http404 from None
    locals_ = (
        selectors.local_municipalities_of(municipality)
        if municipality.category == Municipality.Category.DISTRICT
        else []
    )
    members, members_total = selectors.members_at(user=request.user, municipality=municipality)
    sections = [
        section.render(request, municipality=municipality) for section in registry.municipality_sections()
    ]
    list_url = reverse("hub:municipality_list")
    crumbs = [
        (_("Municipalities"), list_url),
        (municipality.province.name, f"{list_url}?{urlencode({'province': municipality.province.code})}"),
    ]
    if municipality.district:
        crumbs.append((municipality.district.name, municipality.district.get_absolute_url()))
    crumbs.append((municipality.name, None))
    return render(
        request,
        "hub/municipality_detail.html",
        {
            "municipality": municipality,
            "local_municipalities": locals_,
            "members": members,
            "members_total": members_total,
            "can_see_members": permissions.is_member(request.user),
            "sections": [html for html in sections if html],
            "crumbs": crumbs,
        },
    )
