"""How tools present themselves to clients: argument validation errors as do-expert tool errors, and compact
schemas for tools/list.

The SDK reports a tool call whose arguments fail the input schema with pydantic's own text (a URL to pydantic's
docs, the rejected value, no hint). An agent fixes its call faster from one line per field that names the field,
what was wrong and what is allowed, read from the tool's published input schema, in the same shape as every other
do-expert error (message, hint, code).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from server.errors import error_text


def allowed(schema: dict[str, Any]) -> str:
    """What a JSON-schema property accepts, in words: type, range, length, choices."""
    options = schema.get("anyOf") or [schema]
    parts = []
    for opt in options:
        kind = opt.get("type")
        if kind is None and "enum" not in opt and "const" not in opt:
            continue
        if "enum" in opt:
            parts.append("one of " + ", ".join(repr(v) for v in opt["enum"]))
        elif "const" in opt:
            parts.append(repr(opt["const"]))
        elif kind == "integer" and ("minimum" in opt or "maximum" in opt):
            parts.append(f"an integer from {opt.get('minimum', '-inf')} to {opt.get('maximum', 'inf')}")
        elif kind == "array":
            lo, hi = opt.get("minItems"), opt.get("maxItems")
            size = f" of {lo} to {hi} items" if lo is not None and hi is not None else ""
            parts.append(f"a list{size}")
        elif kind == "string" and opt.get("maxLength"):
            parts.append(f"a string of at most {opt['maxLength']} characters")
        elif kind == "null":
            parts.append("null (leave it out)")
        elif kind:
            parts.append({"string": "a string", "integer": "an integer", "boolean": "true or false",
                          "object": "an object", "number": "a number"}.get(kind, kind))
    return " or ".join(dict.fromkeys(parts)) or "see the tool's input schema"


def describe(tool: str, error: ValidationError, input_schema: dict[str, Any] | None) -> str:
    """One tool-error text for all the failing fields of a call."""
    props = (input_schema or {}).get("properties", {})
    lines, hints = [], []
    for err in error.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "model"]
        name = loc[0] if loc else "arguments"
        where = ".".join(loc) or "arguments"
        lines.append(f"invalid argument '{where}' for {tool}: {err.get('msg', 'invalid value')}")
        if err.get("type") == "missing":
            hints.append(f"'{name}' is required: {allowed(props.get(name, {}))}")
        elif name in props:
            hints.append(f"'{name}' must be {allowed(props[name])}")
        else:
            hints.append("allowed arguments: " + ", ".join(props) if props else "this tool takes no arguments")
    hint = "; ".join(dict.fromkeys(hints)) or "check the tool's input schema"
    return error_text("\n".join(lines), hint, "invalid_input")


def compact_schema(schema, output: bool = False):
    """Schema without generated titles. An output schema also loses defaults and ``required`` (a result is a whole
    model dump: every field is always present) and descriptions (the tool's description says what the result means;
    the models keep them for the docs). Every byte here is read by the model on every tools/list."""
    if isinstance(schema, list):
        return [compact_schema(v, output) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if (key == "title" and isinstance(value, str)) or (output and key in ("default", "description", "required")):
            continue
        if key == "default" and value is None:  # an optional argument left out is None anyway
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            out[key] = {name: compact_schema(sub, output) for name, sub in value.items()}
        elif key == "anyOf" and (merged := _nullable(value)) is not None:
            out.update(compact_schema(merged, output))
        else:
            out[key] = compact_schema(value, output)
    return out


# Keywords that constrain one JSON type only, so null still passes them: {"anyOf": [{"type": "integer", "minimum":
# 1}, {"type": "null"}]} says the same as {"type": ["integer", "null"], "minimum": 1}, in a third of the bytes.
_ONE_TYPE_KEYWORDS = {"type", "minimum", "maximum", "minLength", "maxLength", "pattern", "items", "minItems",
                      "maxItems", "format", "title", "description"}


def _nullable(branches) -> dict | None:
    if not isinstance(branches, list) or len(branches) != 2 or {"type": "null"} not in branches:
        return None
    other = branches[0] if branches[1] == {"type": "null"} else branches[1]
    if not isinstance(other, dict) or not isinstance(other.get("type"), str) or set(other) - _ONE_TYPE_KEYWORDS:
        return None
    return {**other, "type": [other["type"], "null"]}
