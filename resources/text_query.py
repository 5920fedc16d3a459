"""The text condition of a search, written so that PostgreSQL's indexes answer it without reading documents.

`search_vector @@ query` is answered by the GIN index on search_vector alone for words, OR and -exclusion. A phrase
("service delivery", and every hyphenated word, which the parser turns into a phrase of three) is not: the index only
finds the documents holding all its words, and PostgreSQL then reads each one's vector to compare positions. With
common words that is nearly every document. Migrations 0006 and 0008 index each document's runs of two words, and of
three where the first is a hyphenated word (`resources_search_phrases(search_vector)`); a document matches
`'a' <-> 'b'` exactly when its runs hold 'a b'.

`text_match_sql(tsquery_text, ...)` takes PostgreSQL's text form of the query (`websearch_to_tsquery(...)::text`)
and writes a subquery returning exactly the rows for which `search_vector @@ query` holds:
- words, OR and exclusions stay conditions on the vector (the GIN index answers them exactly);
- phrases of two words, and hyphenated words (the parser's `'non-revenu' <-> 'non' <-> 'revenu'`), become
  look-ups in the phrase index (exact, nothing read);
- longer phrases, and phrases with a gap (a stop word inside the quotes), are narrowed by the indexes (their pairs)
  and then confirmed on the vectors of the rows found, when they are required parts of the query;
- anything else (such a phrase under OR, a form websearch_to_tsquery never writes) is left to the vector, as a
  whole.
The phrase index's expression only ever appears as an index condition that needs no recheck (never beside a
condition whose matches PostgreSQL must confirm), so it is never computed row by row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

VECTOR = "search_vector"
PHRASES = f"resources_search_phrases({VECTOR})"  # the expression of the index resources_search_phrases_gin

_TOKEN = re.compile(r"\s*(?:'((?:[^'\\]|''|\\.)*)'(:[*A-Da-d]+)?|<(-|\d+)>|([&|!()]))")


class UnsupportedQuery(ValueError):
    """The tsquery uses something websearch_to_tsquery never writes (weights, prefixes): left to the vector."""


@dataclass(frozen=True)
class Node:
    kind: str  # "word", "not", "and", "or", "phrase"
    word: str = ""
    children: tuple[Node, ...] = ()
    distances: tuple[int, ...] = ()  # a phrase's distance between each pair of neighbouring children


@dataclass
class Condition:
    sql: str
    parameters: list[object] = field(default_factory=list)


# --- Reading the text form of a tsquery ------------------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise UnsupportedQuery(f"cannot read {text[position:position + 20]!r}")
        word, suffix, distance, operator = match.groups()
        if word is not None:
            if suffix:
                raise UnsupportedQuery("weights and prefixes are not written by websearch_to_tsquery")
            # The text form doubles quotes and backslashes.
            tokens.append(("word", re.sub(r"''|\\(.)", lambda m: m.group(1) or "'", word)))
        elif distance is not None:
            tokens.append(("phrase", "1" if distance == "-" else distance))
        else:
            tokens.append(("operator", operator))
        position = match.end()
    return tokens


class _Parser:
    # Priorities as PostgreSQL prints them: ! binds tightest, then <->, then &, then |.
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise UnsupportedQuery("the query ends too early")
        self.index += 1
        return token

    def parse(self) -> Node:
        node = self.either()
        if self.peek() is not None:
            raise UnsupportedQuery("unexpected text after the query")
        return node

    def _series(self, operator: str, kind: str, operand: Any) -> Node:
        children = [operand()]
        while self.peek() == ("operator", operator):
            self.take()
            children.append(operand())
        return children[0] if len(children) == 1 else Node(kind, children=tuple(children))

    def either(self) -> Node:
        return self._series("|", "or", self.both)

    def both(self) -> Node:
        return self._series("&", "and", self.phrase)

    def phrase(self) -> Node:
        # Left-associative, as PostgreSQL prints and reads it: a <-> b <-> c is (a <-> b) <-> c.
        children = [self.unary()]
        distances: list[int] = []
        while (token := self.peek()) is not None and token[0] == "phrase":
            self.take()
            distances.append(int(token[1]))
            children.append(self.unary())
        if not distances:
            return children[0]
        return Node("phrase", children=tuple(children), distances=tuple(distances))

    def unary(self) -> Node:
        kind, value = self.take()
        if kind == "word":
            return Node("word", word=value)
        if (kind, value) == ("operator", "!"):
            return Node("not", children=(self.unary(),))
        if (kind, value) == ("operator", "("):
            node = self.either()
            if self.take() != ("operator", ")"):
                raise UnsupportedQuery("unbalanced parentheses")
            return node
        raise UnsupportedQuery(f"unexpected {value!r}")


def parse_tsquery(text: str) -> Node:
    """The tree of a tsquery's text form. Raises UnsupportedQuery for what websearch_to_tsquery never writes."""
    return _Parser(_tokens(text)).parse()


# --- Writing it back -------------------------------------------------------------------------------------------------


def _quote(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def to_tsquery_text(node: Node) -> str:
    """The node as tsquery text (every compound part in parentheses), for `%s::tsquery`."""
    if node.kind == "word":
        return _quote(node.word)
    if node.kind == "not":
        return f"!({to_tsquery_text(node.children[0])})"
    if node.kind == "and":
        return " & ".join(f"({to_tsquery_text(child)})" for child in node.children)
    if node.kind == "or":
        return " | ".join(f"({to_tsquery_text(child)})" for child in node.children)
    text = f"({to_tsquery_text(node.children[0])})"
    for distance, child in zip(node.distances, node.children[1:], strict=True):
        text += f" <{distance}> ({to_tsquery_text(child)})"
    return text


# --- The condition ---------------------------------------------------------------------------------------------------

def _is_indexed(words: list[str]) -> bool:
    """Whether the phrase index holds this run of words (as in resources_search_phrases, migration 0008): every
    pair, and runs of three that start with a hyphenated word."""
    return len(words) == 2 or (len(words) == 3 and "-" in words[0])


class _NeedsConfirming(Exception):
    """A phrase the indexes can narrow down but not decide."""


def _has_phrase(node: Node) -> bool:
    return node.kind == "phrase" or any(_has_phrase(child) for child in node.children)


def _words_of_run(node: Node) -> list[str] | None:
    """The words of a phrase of words one after the other (`a <-> b <-> c`); None for any other phrase."""
    if any(child.kind != "word" for child in node.children) or any(d != 1 for d in node.distances):
        return None
    return [child.word for child in node.children]


def _required_words(node: Node) -> list[Node]:
    """Words every match of `node` contains (a phrase needs each of its words)."""
    if node.kind == "word":
        return [node]
    if node.kind in {"and", "phrase"}:
        return [word for child in node.children for word in _required_words(child)]
    return []


def _on_vector(node: Node) -> Condition:
    return Condition(f"{VECTOR} @@ %s::tsquery", [to_tsquery_text(node)])


def _join(operator: str, conditions: list[Condition]) -> Condition:
    if len(conditions) == 1:
        return conditions[0]
    return Condition(
        f" {operator} ".join(f"({condition.sql})" for condition in conditions),
        [parameter for condition in conditions for parameter in condition.parameters],
    )


def _exact(node: Node, table: str) -> Condition:
    """A condition the indexes answer exactly (no row's vector read), or _NeedsConfirming."""
    if not _has_phrase(node):
        return _on_vector(node)
    if node.kind == "phrase":
        words = _words_of_run(node)
        if words is None or not _is_indexed(words):
            raise _NeedsConfirming
        return Condition(f"{PHRASES} @> %s::text[]", [[" ".join(words)]])
    if node.kind == "not":
        # A separate look-up, hashed: in the outer scan the phrase index's expression would be computed per row.
        inner = _exact(node.children[0], table)
        return Condition(f"id NOT IN (SELECT excluded.id FROM {table} AS excluded WHERE {inner.sql})", inner.parameters)
    plain = [child for child in node.children if not _has_phrase(child)]
    others = [child for child in node.children if _has_phrase(child)]
    conditions: list[Condition] = []
    if node.kind == "and":
        if plain:
            if not any(_required_words(child) for child in plain):
                # Only exclusions: with the words the phrases need beside them, the index finds the rows without
                # scanning all of itself (the phrases need those words anyway, so nothing changes).
                plain += [word for child in others for word in _required_words(child)]
            conditions.append(_on_vector(Node("and", children=tuple(plain)) if len(plain) > 1 else plain[0]))
        conditions += [_exact(child, table) for child in others]
        return _join("AND", conditions)
    if plain:
        conditions.append(_on_vector(Node("or", children=tuple(plain)) if len(plain) > 1 else plain[0]))
    conditions += [_exact(child, table) for child in others]
    return _join("OR", conditions)


def _narrowing(phrase: Node) -> list[Node]:
    """Exact conditions every match of `phrase` meets: the runs of it the index holds (each pair, and the run of
    three after each hyphenated word), or else its words."""
    words = _words_of_run(phrase)
    if words is None:
        return _required_words(phrase)
    runs = [words[start:start + 2] for start in range(len(words) - 1)]
    runs += [words[start:start + 3] for start in range(len(words) - 2) if _is_indexed(words[start:start + 3])]
    return [
        Node("phrase", children=tuple(Node("word", word=word) for word in run), distances=(1,) * (len(run) - 1))
        for run in runs
    ]


def _match(node: Node, table: str) -> tuple[Condition, Condition | None]:
    """(condition the indexes answer, confirmation on the vectors of the rows it finds, or None)."""
    try:
        return _exact(node, table), None
    except _NeedsConfirming:
        pass
    parts = node.children if node.kind == "and" else (node,)
    kept: list[Node] = []
    confirm: list[Node] = []
    for part in parts:
        try:
            _exact(part, table)
        except _NeedsConfirming:
            if part.kind != "phrase":
                raise
            confirm.append(part)
            kept += _narrowing(part)
        else:
            kept.append(part)
    narrowed = _exact(Node("and", children=tuple(kept)) if len(kept) > 1 else kept[0], table)
    return narrowed, _on_vector(Node("and", children=tuple(confirm)) if len(confirm) > 1 else confirm[0])


def text_match_sql(tsquery_text: str, *, table: str, columns: list[str]) -> tuple[str, list[object]]:
    """A subquery (in parentheses) selecting `columns` of `table` (both quoted) from exactly the rows whose
    search_vector matches the tsquery `tsquery_text`, and its parameters (%s placeholders). An empty query
    matches nothing, as `@@` does."""
    selected = ", ".join(columns)
    if not tsquery_text.strip():
        return f"(SELECT {selected} FROM {table} WHERE FALSE)", []
    try:
        condition, confirm = _match(parse_tsquery(tsquery_text), table)
    except (UnsupportedQuery, _NeedsConfirming):
        condition, confirm = Condition(f"{VECTOR} @@ %s::tsquery", [tsquery_text]), None
    # OFFSET 0 keeps each step apart: the planner may not merge the confirmation (which reads vectors) into the
    # index scan, where it would make PostgreSQL recheck every row found, phrase index expression included.
    has_vector = any(column.strip('"') == VECTOR for column in columns)
    with_vector = selected if confirm is None or has_vector else f"{selected}, {VECTOR}"
    found = f"(SELECT {with_vector} FROM {table} WHERE {condition.sql} OFFSET 0)"
    if confirm is None:
        return found, condition.parameters
    return (
        f"(SELECT {selected} FROM {found} AS {table} WHERE {confirm.sql} OFFSET 0)",
        [*condition.parameters, *confirm.parameters],
    )
