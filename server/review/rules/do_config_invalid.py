"""do-config-invalid: a wrangler config that cannot be parsed (reported by the engine)."""

from ..rule import Rule, no_check

RULE = Rule(
    id="do-config-invalid",
    severity="error",
    summary="The wrangler config (jsonc, json or toml) cannot be parsed.",
    why="Wrangler cannot deploy a config it cannot read, and the config rules (exports, migrations, compatibility "
        "date) cannot check anything until it parses.",
    bad='{\n  "name": "counter",\n  "main": "src/index.ts"\n  "compatibility_date": "2026-09-01"\n}',
    good='{\n  "name": "counter",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-09-01",\n}',
    fix="Fix the syntax at the reported line (JSONC allows comments and trailing commas; TOML needs quoted strings).",
    docs=("lifecycle-and-config",),
    check=no_check,
    example_path="wrangler.jsonc",
    engine=True,
)
