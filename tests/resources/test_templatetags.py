"""Template helpers of the resource centre: facet options are written in Python, so their escaping is tested here."""

from __future__ import annotations

from django.template import Context, Template

from resources.selectors import Facet, FacetOption


def render_options(facet: Facet, options: list[FacetOption], *, estimated: bool = False, folded: bool = False) -> str:
    template = Template(
        "{% load resources_extras %}{% facet_options facet options estimated folded=folded %}"
    )
    return template.render(Context({"facet": facet, "options": options, "estimated": estimated, "folded": folded}))


def test_options_are_checkboxes_with_counts_and_every_value_is_escaped():
    # Given an organisation whose name and value carry markup
    hostile = FacetOption(value='7"><script>', label="<script>alert(1)</script> & Co", count=1, selected=True)
    plain = FacetOption(value="12", label="City of Cape Town", count=1234)
    facet = Facet(name="organisation", label="Organisation", options=[hostile, plain])

    # When its options are written
    html = render_options(facet, facet.options)

    # Then nothing from the data is markup, the chosen one is ticked, and counts say what they count
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert 'value="7&quot;&gt;&lt;script&gt;" checked>' in html
    assert '<input type="checkbox" id="facet-organisation-12" name="organisation" value="12">' in html
    assert '<label for="facet-organisation-12" class="checkbox__label">City of Cape Town' in html
    assert '(1<span class="visually-hidden"> resource</span>)' in html
    assert '(1234<span class="visually-hidden"> resources</span>)' in html


def test_sub_topics_are_indented_when_shown_and_name_their_theme_when_folded_away():
    theme = FacetOption(value="water", label="Water", count=9)
    child = FacetOption(value="drought", label="Drought", count=3, depth=1, parent="water", parent_label="Water")
    facet = Facet(name="topic", label="Topic", options=[theme, child])

    shown = render_options(facet, [theme, child])
    folded = render_options(facet, [child], estimated=True, folded=True)

    assert '<div class="checkbox facet__child"><input type="checkbox" id="facet-topic-drought"' in shown
    assert '<div class="checkbox"><input type="checkbox" id="facet-topic-drought"' in folded
    assert "Water: Drought" in folded and "Water: Drought" not in shown
    assert "(about 3<span" in folded
