"""Questions whose subject is another product or tool come back not covered, unless the corpus treats that subject
in a heading or the question says it is about Durable Objects (server/search/offtopic.py)."""

import pytest

from server.search.offtopic import about_something_else, foreign_subjects


@pytest.mark.parametrize("question, subjects", [
    ("How do I upload a file to an R2 bucket from a Worker?", {"r2"}),
    ("How do I configure ESLint with the flat config format?", {"eslint"}),
    ("Can I use Workers AI embeddings with Vectorize?", {"workers ai", "embeddings", "vectorize"}),
    ("token bucket rate limit", set()),  # DO vocabulary, not a product
    ("Should I store uploads in R2 or in my Durable Object?", set()),  # says it is about DOs
    ("does partyserver need nodejs_compat in wrangler config", set()),  # a flag, not Node.js
])
def test_foreign_subjects(question, subjects):
    assert foreign_subjects(question) == subjects


def test_a_subject_the_corpus_heads_a_section_with_is_covered():
    headings = ["Choosing > D1 instead: one shared relational database", "Choosing > Overview"]
    assert not about_something_else("when is D1 better than per-user databases", headings)
    assert about_something_else("how do I run a D1 migration with wrangler and R2", headings)  # R2 heads nothing


def test_search_marks_another_product_not_covered_and_says_why(real_engine):
    result = real_engine.search("How do I upload a file to an R2 bucket from a Worker?")
    assert result.covered is False
    assert "r2" in result.note and "Durable Objects" in result.note
    assert real_engine.search("How do I schedule an alarm in a Durable Object?").covered is True


@pytest.mark.parametrize("question", [
    'sql.exec("SELECT * FROM users WHERE email = ?", email).one() throws when the user does not exist',
    "index a field inside a json column for the booking lookup by guest email",
    "this.ctx.storage.kv.get returns undefined for a key I put in Workers KV",
])
def test_a_column_or_the_objects_own_api_is_not_another_product(question):
    """A bare "email" is a column far more often than Email Routing, and a question that names an API only a
    Durable Object has (ctx.storage, sql.exec, setAlarm...) is anchored here, as "Durable Object" anchors it."""
    from server.search.offtopic import foreign_subjects

    assert foreign_subjects(question) == set()


@pytest.mark.parametrize("question, subject", [
    ("How do I send an email from a Worker with MailChannels?", "send an email"),
    ("matplotlib bar chart labels", "matplotlib"),
    ("deploy my app to cloud run with a dockerfile", "cloud run"),
    ("workers kv: put then get from another colo returns the old value", "workers kv"),
    ("queue consumer: how do max_batch_size and max_batch_timeout work", "queue consumer"),
    ("socket.io emit to everyone in a room except the sender", "socket.io"),
])
def test_other_stacks_are_named(question, subject):
    from server.search.offtopic import foreign_subjects

    assert subject in foreign_subjects(question)
