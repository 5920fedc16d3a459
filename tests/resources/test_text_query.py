"""The text condition of a search (resources.text_query): phrases answered by the phrase index, and always the
same rows as `search_vector @@ websearch_to_tsquery(...)`."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from resources.models import Resource
from resources.services.search import SEARCH_CONFIG
from resources.text_query import Node, UnsupportedQuery, parse_tsquery, text_match_sql, to_tsquery_text
from tests.resources.search_helpers import resource_with_text

# --- Reading and writing tsquery text (no database) -----------------------------------------------------------------


def test_reads_words_phrases_and_operators_with_postgresql_priorities():
    node = parse_tsquery("'water' & 'conserv' | 'hous' & !'drought'")

    assert node == Node("or", children=(
        Node("and", children=(Node("word", word="water"), Node("word", word="conserv"))),
        Node("and", children=(Node("word", word="hous"), Node("not", children=(Node("word", word="drought"),)))),
    ))
    phrase = parse_tsquery("'non-revenu' <-> 'non' <-> 'revenu' | 'ward' <3> 'committe'")
    assert phrase.children[0].distances == (1, 1)
    assert phrase.children[1].distances == (3,)


def test_quotes_and_backslashes_survive_the_round_trip():
    node = parse_tsquery(r"'o''brien' <-> 'a\\b'")

    assert [child.word for child in node.children] == ["o'brien", "a\\b"]
    assert parse_tsquery(to_tsquery_text(node)) == node


@pytest.mark.parametrize("text", ["'water':*", "'water':AB", "'water' &", "('water'", "'water' 'sewer'", "%"])
def test_forms_websearch_never_writes_are_refused(text):
    with pytest.raises(UnsupportedQuery):
        parse_tsquery(text)


TABLE = '"resources_resource"'


def match(tsquery_text: str) -> tuple[str, list[object]]:
    return text_match_sql(tsquery_text, table=TABLE, columns=['"id"'])


def test_unreadable_text_falls_back_to_the_vector_as_a_whole():
    sql, parameters = match("'water':*")

    assert "WHERE search_vector @@ %s::tsquery OFFSET 0" in sql
    assert parameters == ["'water':*"]


def test_phrases_of_two_words_and_hyphenated_words_are_only_look_ups_in_the_phrase_index():
    for tsquery, run in [("'servic' <-> 'deliveri'", "servic deliveri"),
                         ("'non-revenu' <-> 'non' <-> 'revenu'", "non-revenu non revenu")]:
        sql, parameters = match(tsquery)

        assert "resources_search_phrases(search_vector) @> %s::text[]" in sql
        assert "@@" not in sql  # no vector read
        assert parameters == [[run]]


@pytest.mark.parametrize("tsquery, pairs", [
    ("'financi' <-> 'recoveri' <-> 'plan'", [["financi recoveri"], ["recoveri plan"]]),
    ("'budget' <-> 'implement' <-> 'plan' <-> 'review'", [["budget implement"], ["implement plan"], ["plan review"]]),
    ("'agro-process' <-> 'agro' <-> 'process' <-> 'plant'",
     [["agro-process agro"], ["agro process"], ["process plant"], ["agro-process agro process"]]),
])
def test_a_longer_phrase_is_narrowed_by_its_indexed_runs_then_confirmed_on_the_vector(tsquery, pairs):
    sql, parameters = match(tsquery)

    assert parameters[:-1] == pairs
    assert parse_tsquery(parameters[-1]) == parse_tsquery(tsquery)  # the whole phrase, confirmed
    assert sql.index("@>") < sql.index("OFFSET 0") < sql.index("search_vector @@")


# --- Same rows as the vector (database) -----------------------------------------------------------------------------

DOCUMENTS = [
    "Service delivery protests in the ward. Delivery of the service was late.",
    "Delivery service for water tankers; service levels and delivery dates.",
    "The ward committees met; committees of the ward then reported to council.",
    "Ward councillors and their committees: public participation.",
    "Non-revenue water: find leaks, reduce non-revenue losses. Agro-processing plant in Khâi-Ma.",
    "Revenue enhancement without a non-revenue programme; processing of agro products.",
    "O'Brien's guide to water conservation and drought response.",
    "Water conservation by-laws; drought tariffs; service delivery budget implementation plan.",
    "Housing delivery and informal settlements upgrading.",
    "Capital expenditure on roads; expenditure of capital grants.",
    "Budget implementation was slow. The implementation plan is approved.",
    "Water service delivery was poor; the service delivery budget was cut.",
]
QUERIES = [
    '"service delivery"',
    '"delivery service"',
    '"ward committees"',
    '"ward of the committees"',
    "non-revenue",
    '"non-revenue water"',
    "agro-processing",
    '"agro-processing plant"',
    '"service delivery" OR housing',
    '"service delivery" -drought',
    '-"service delivery" water',
    '"service delivery" "water conservation"',
    '"capital expenditure" OR "expenditure of capital"',
    "water conservation OR housing -drought",
    '"o\'brien\'s guide"',
    "kh\u00e2i-ma",
    "-water",
    '"the of"',
    "delivery",
    '"budget implementation plan" -"ward committees"',
    '"water conservation by-laws"',
    '"water conservation by-laws" drought',
    '"ward of the committees" OR housing',
    '"ward of the committees" -"service delivery"',
    '-"service delivery" -"ward committees"',
    '"service delivery" OR -water',
    "capital -expenditure",
    '"water service delivery budget"',
    '"water service delivery"',
    "delivery service OR \"capital grants\"",
]


def _ids(condition_sql: str, parameters: list[object]) -> set[int]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM resources_resource WHERE {condition_sql}", parameters)
        return {row[0] for row in cursor.fetchall()}


def _matched(tsquery_text: str) -> set[int]:
    sql, parameters = match(tsquery_text)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {sql} AS found", parameters)
        return {row[0] for row in cursor.fetchall()}


def _tsquery_text(query: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT websearch_to_tsquery('{SEARCH_CONFIG}', %s)::text", [query])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_every_query_finds_exactly_the_rows_the_vector_finds():
    # Given documents where the words of each phrase also occur apart, in the other order, or with a word between
    for number, text in enumerate(DOCUMENTS):
        resource_with_text(text, title=f"Document {number}", summary="A document.")

    for query in QUERIES:
        # When the query's condition is written for the indexes
        tsquery = _tsquery_text(query)

        # Then it matches the same rows as the vector itself
        expected = _ids(f"search_vector @@ websearch_to_tsquery('{SEARCH_CONFIG}', %s)", [query])
        assert _matched(tsquery) == expected, f"{query!r} ({tsquery}): {match(tsquery)[0]}"
    # And the phrases did tell documents apart (the comparison above is not vacuous)
    assert len(_matched(_tsquery_text('"service delivery"'))) == 3
    assert len(_matched(_tsquery_text("service delivery"))) == 4
    assert _matched(_tsquery_text('"water service delivery budget"')) == set()


@pytest.mark.django_db
def test_phrase_searches_use_the_phrase_index():
    resource_with_text("Service delivery protests.", title="Protests")
    sql, parameters = match(_tsquery_text('"service delivery"'))

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT id FROM {sql} AS found", parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "resources_search_phrases_gin" in plan
    assert Resource.objects.count() == 1
