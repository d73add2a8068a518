"""Bad input to scaffold_project and scaffold_class: clear errors that name what is allowed, short messages."""

from __future__ import annotations

import pytest

from server.errors import InvalidInputError, NotFoundError
from server.scaffold import FEATURES, scaffold_class, scaffold_project

BAD_PROJECT_NAMES = [
    "", "../evil", "a/b", "a\\b", "/abs", "..", ".", "my app", "rm -rf", "$(whoami)", "`id`", "a;b", "a&&b", "a|b",
    "a>b", "'quoted'", "café", "名前", "ｆｕｌｌ", "a\nb", "a\x00b", "x" * 5000, "Upper", "-lead", "trail-", "9lives",
    "a_b", "a.b", "x" * 64,
]
BAD_CLASS_NAMES = ["", "lower", "My Class", "My-Class", "My/Class", "../X", "Café", "Ünicode", "X" * 5000, "A;B",
                   "$(X)", "1Abc", "DurableObject", "Env", "Response"]
BAD_BINDINGS = ["", "lower", "MY-BINDING", "MY BINDING", "../X", "Ä", "X" * 5000, "1X", "X;Y"]


def check_message(err: pytest.ExceptionInfo, *must_contain: str) -> None:
    text = f"{err.value.message} {err.value.hint}"
    assert len(err.value.message) < 200, "error messages must not echo huge input"
    for part in must_contain:
        assert part in text, (part, text)


@pytest.mark.parametrize("name", BAD_PROJECT_NAMES)
def test_bad_project_names_are_refused_with_the_rule(name):
    with pytest.raises(InvalidInputError) as err:
        scaffold_project(name, "counter")
    check_message(err, "lowercase ASCII letters, digits and '-'")


@pytest.mark.parametrize("name", ["a", "my-app", "x" * 63, "chat2"])
def test_good_project_names_pass(name):
    assert scaffold_project(name, "counter").template == "counter"


def test_long_input_is_truncated_in_the_message():
    with pytest.raises(InvalidInputError) as err:
        scaffold_project("x" * 5000, "counter")
    assert "(5,000 characters)" in err.value.message


@pytest.mark.parametrize("template", ["nope", "", "../counter", "Counter", "counter ", "x" * 5000])
def test_unknown_templates_list_the_available_ones(template):
    with pytest.raises(NotFoundError) as err:
        scaffold_project("ok", template)
    check_message(err, "counter", "chat-room", "booking", "rate-limiter", "multi-tenant", "job-queue")


@pytest.mark.parametrize("style", ["", "export", "MIGRATIONS", "toml"])
def test_unknown_config_style_names_the_allowed_ones(style):
    with pytest.raises(InvalidInputError) as err:
        scaffold_project("ok", "counter", style)
    check_message(err, "exports", "migrations")


@pytest.mark.parametrize("bad", [None, 5, ["counter"]])
def test_non_string_arguments_are_input_errors(bad):
    with pytest.raises((InvalidInputError, NotFoundError)):
        scaffold_project(bad, "counter")  # type: ignore[arg-type]
    with pytest.raises((InvalidInputError, NotFoundError)):
        scaffold_project("ok", bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", BAD_CLASS_NAMES)
def test_bad_class_names_are_refused(name):
    with pytest.raises(InvalidInputError) as err:
        scaffold_class(name, ["sql"])
    assert len(err.value.message) < 200
    assert "PascalCase" in err.value.hint or "shadows" in err.value.message


@pytest.mark.parametrize("binding", BAD_BINDINGS)
def test_bad_bindings_are_refused(binding):
    with pytest.raises(InvalidInputError) as err:
        scaffold_class("Cart", ["sql"], binding)
    check_message(err, "UPPER_SNAKE_CASE")


@pytest.mark.parametrize("features", [["sql", "cron"], ["SQL"], ["websocket"], ["sql; rm -rf /"], ["x" * 5000]])
def test_unknown_features_name_the_allowed_ones(features):
    with pytest.raises(InvalidInputError) as err:
        scaffold_class("Cart", features)
    check_message(err, *FEATURES)


@pytest.mark.parametrize("features", ["sql", 5, {"sql": True}, ["sql"] * 11])
def test_features_must_be_a_short_list(features):
    with pytest.raises(InvalidInputError):
        scaffold_class("Cart", features)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs,allowed", [({"config_format": "yaml"}, ("jsonc", "toml")),
                                            ({"config_style": "legacy"}, ("exports", "migrations")),
                                            ({"migration_tag": "v2; rm"}, ("letters",))])
def test_bad_class_config_options(kwargs, allowed):
    with pytest.raises(InvalidInputError) as err:
        scaffold_class("Cart", ["sql"], **kwargs)
    check_message(err, *allowed)
