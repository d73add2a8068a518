"""Validation of the names a caller gives the scaffolder.

Every name ends up in generated source, in wrangler config and (for the CLI) in a folder name, so each kind is held
to a strict ASCII pattern instead of being escaped: a name that passes can be pasted into TypeScript, JSONC, TOML and
a shell without quoting. Errors name the rule and an example that would pass, but never echo more than a short
prefix of the bad input (a 5,000-character name must not produce a 5,000-character error).
"""

from __future__ import annotations

import re

from server.errors import InvalidInputError, clip

PROJECT_RE = re.compile(r"[a-z][a-z0-9-]{0,61}[a-z0-9]|[a-z]")
CLASS_RE = re.compile(r"[A-Z][A-Za-z0-9]{0,63}")
BINDING_RE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")

# Names a generated class must not take: they shadow globals or imports the generated code relies on.
RESERVED_CLASSES = frozenset({
    "DurableObject", "DurableObjectState", "DurableObjectStorage", "DurableObjectNamespace", "DurableObjectStub",
    "WorkerEntrypoint", "RpcTarget", "Env", "Request", "Response", "WebSocket", "WebSocketPair", "Headers", "URL",
    "Error", "Object", "Array", "Map", "Set", "Date", "Promise", "JSON", "Math", "String", "Number", "Boolean",
    "Migration", "SqlStorage", "Cloudflare", "ExportedHandler",
})


def _check_type(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{what} must be a string, got {type(value).__name__}")
    return value


def project_name(value: str) -> str:
    """Worker / package name: lowercase letters, digits and '-', 1-63 characters (a valid Worker name)."""
    value = _check_type(value, "project name")
    if PROJECT_RE.fullmatch(value):
        return value
    raise InvalidInputError(
        f"invalid project name {clip(value)}",
        hint="Use 1-63 characters: lowercase ASCII letters, digits and '-', starting with a letter and not ending "
             "with '-' (it becomes the Worker name and the folder name), e.g. 'my-chat'. Path separators, spaces, "
             "shell characters and non-ASCII letters are not allowed.",
    )


def class_name(value: str) -> str:
    """TypeScript class name in PascalCase ASCII: it is exported from the Worker and named in wrangler config."""
    value = _check_type(value, "class name")
    if not CLASS_RE.fullmatch(value):
        raise InvalidInputError(
            f"invalid class name {clip(value)}",
            hint="Use PascalCase ASCII: a capital letter, then letters and digits, at most 64 characters, "
                 "e.g. 'ShoppingCart'.",
        )
    if value in RESERVED_CLASSES:
        raise InvalidInputError(f"class name {clip(value)} shadows a runtime or generated name",
                                hint="Pick a domain name such as 'ShoppingCart' or 'GameRoom'.")
    return value


def binding_name(value: str) -> str:
    """Binding name in UPPER_SNAKE_CASE ASCII: it becomes a property of `env`."""
    value = _check_type(value, "binding")
    if BINDING_RE.fullmatch(value):
        return value
    raise InvalidInputError(
        f"invalid binding name {clip(value)}",
        hint="Use UPPER_SNAKE_CASE ASCII: a capital letter, then capitals, digits and '_', at most 64 characters, "
             "e.g. 'SHOPPING_CART'.",
    )


def default_binding(cls: str) -> str:
    """ShoppingCart -> SHOPPING_CART (the convention the templates follow)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", cls).upper()


def kebab(cls: str) -> str:
    """ShoppingCart -> shopping-cart (file names of generated classes)."""
    return default_binding(cls).lower().replace("_", "-")


def choice(value: str, allowed: list[str] | tuple[str, ...], what: str) -> str:
    value = _check_type(value, what)
    if value in allowed:
        return value
    raise InvalidInputError(f"unknown {what} {clip(value)}", hint=f"Allowed {what}s: {', '.join(allowed)}.")
