"""scaffold_class: one Durable Object class with chosen features, its test, and a wrangler config patch.

The class is self-contained (its own migration runner, its own `Cloudflare.Env` augmentation) because it lands in
projects this tool did not generate. The config patch is written in the project's own format (jsonc or toml) and
style (declarative ``exports`` or ``migrations`` tags), so it can be pasted or merged as is.
"""

from __future__ import annotations

from server.errors import InvalidInputError, clip
from server.models import GeneratedFile, ScaffoldClassResult

from . import names, render

FEATURES = ("sql", "kv", "alarms", "websockets", "pitr")
CONFIG_FORMATS = ("jsonc", "toml")
CONFIG_STYLES = ("exports", "migrations")
# Features that need another one: the alarm's schedule is an SQL table.
REQUIRES = {"alarms": ("sql",)}


def normalize_features(features: list[str] | tuple[str, ...] | None) -> list[str]:
    if features is None:
        features = []
    if isinstance(features, str) or not isinstance(features, (list, tuple)):
        raise InvalidInputError("features must be a list of strings", hint=f"Allowed features: {', '.join(FEATURES)}.")
    if len(features) > len(FEATURES) * 2:
        raise InvalidInputError(f"too many features ({len(features)})", hint=f"Allowed features: {', '.join(FEATURES)}.")
    chosen = {names.choice(f, FEATURES, "feature") for f in features}
    for feature in list(chosen):
        chosen.update(REQUIRES.get(feature, ()))
    if not chosen:
        chosen = {"sql"}  # an empty list still yields a useful SQLite-backed class
    return [f for f in FEATURES if f in chosen]  # canonical order keeps output stable


def config_patch(class_name: str, binding: str, config_format: str, config_style: str, tag: str) -> str:
    if config_format == "toml":
        lines = ["# Append to wrangler.toml", "[[durable_objects.bindings]]", f'name = "{binding}"',
                 f'class_name = "{class_name}"', ""]
        if config_style == "exports":
            lines += [f"[exports.{class_name}]", 'type = "durable-object"', 'storage = "sqlite"']
        else:
            lines += ["[[migrations]]", f'tag = "{tag}"', f'new_sqlite_classes = ["{class_name}"]']
        return "\n".join(lines) + "\n"
    if config_style == "exports":
        second = (f'  "exports": {{\n    "{class_name}": {{ "type": "durable-object", "storage": "sqlite" }}\n  }}')
        how = 'append the binding to "durable_objects.bindings" and add the entry to "exports"'
    else:
        second = f'  "migrations": [\n    {{ "tag": "{tag}", "new_sqlite_classes": ["{class_name}"] }}\n  ]'
        how = 'append the binding to "durable_objects.bindings" and the tag to the end of "migrations"'
    return (f"// Merge into wrangler.jsonc: {how}.\n{{\n"
            f'  "durable_objects": {{\n    "bindings": [{{ "name": "{binding}", "class_name": "{class_name}" }}]\n  }},\n'
            f"{second}\n}}\n")


def scaffold_class(
    class_name: str,
    features: list[str] | None = None,
    binding: str | None = None,
    config_format: str = "jsonc",
    config_style: str = "exports",
    migration_tag: str | None = None,
) -> ScaffoldClassResult:
    """Render the class module, its test and the config patch. Nothing is written."""
    class_name = names.class_name(class_name)
    binding = names.binding_name(binding) if binding is not None else names.default_binding(class_name)
    feats = normalize_features(features)
    config_format = names.choice(config_format, CONFIG_FORMATS, "config format")
    config_style = names.choice(config_style, CONFIG_STYLES, "config style")
    file = names.kebab(class_name)
    tag = migration_tag if migration_tag is not None else f"add-{file}"
    if not isinstance(tag, str) or not names.PROJECT_RE.fullmatch(tag.lower().replace("_", "-").replace(".", "-")):
        raise InvalidInputError(f"invalid migration tag {clip(str(tag))}",
                                hint="Use letters, digits, '-', '_' or '.', e.g. 'v2' or 'add-shopping-cart'.")
    test_imports = []
    if {"sql", "alarms"} & set(feats):
        test_imports.append("runInDurableObject")
    if "alarms" in feats:
        test_imports.append("runDurableObjectAlarm")
    if {"kv", "websockets"} & set(feats):
        test_imports.append("evictDurableObject")
    variables = {
        "class_name": class_name, "binding": binding, "features": feats, "file": file,
        "test_imports": sorted(test_imports),
        "migration_versions": [1, 2] if "alarms" in feats else [1],
    }
    files = [
        GeneratedFile(path=f"src/{file}.ts", content=render.render(render.CLASS, "class.ts", variables)),
        GeneratedFile(path=f"test/{file}.test.ts", content=render.render(render.CLASS, "class.test.ts", variables)),
    ]
    config_name = "wrangler.toml" if config_format == "toml" else "wrangler.jsonc"
    steps = [
        f"Write src/{file}.ts and test/{file}.test.ts into the project.",
        f'Export the class from the Worker\'s main module: export {{ {class_name} }} from "./{file}";',
        f"Merge config_patch into {config_name}"
        + (" (the migration tag must be new and go last)." if config_style == "migrations" else "."),
        f"Reach it from the Worker with env.{binding}.getByName(name), naming one object per unit of coordination.",
        "npx tsc --noEmit && npx vitest run   (needs @cloudflare/vitest-plugin; see the templates' vitest.config.ts)",
        "Review with the review_code tool, passing the class file and the updated wrangler config.",
    ]
    if "pitr" in feats:
        steps.append("Point-in-time recovery cannot restore locally; try restore() on a deployed preview.")
    if features is not None and not features:
        steps.insert(0, "No features were given, so the class uses 'sql'.")
    return ScaffoldClassResult(files=files, config_patch=config_patch(class_name, binding, config_format,
                                                                      config_style, tag), next_steps=steps)
