"""scaffold_class: features, naming, config patches in each format and style."""

from __future__ import annotations

import itertools
import tomllib

import json5
import pytest

from server.scaffold import FEATURES, scaffold_class


def test_files_and_default_binding():
    r = scaffold_class("ShoppingCart", ["sql"])
    assert [f.path for f in r.files] == ["src/shopping-cart.ts", "test/shopping-cart.test.ts"]
    cls = r.files[0].content
    assert "export class ShoppingCart extends DurableObject" in cls
    assert "SHOPPING_CART: DurableObjectNamespace<ShoppingCart>" in cls
    assert "_sql_schema_migrations" in cls and "blockConcurrencyWhile" in cls
    assert any('export { ShoppingCart } from "./shopping-cart"' in s for s in r.next_steps)


@pytest.mark.parametrize("n", range(1, len(FEATURES) + 1))
def test_every_feature_combination_renders_cleanly(n):
    for combo in itertools.combinations(FEATURES, n):
        r = scaffold_class("Thing", list(combo))
        for f in r.files:
            assert "{{" not in f.content and "{%" not in f.content, (combo, f.path)
            assert "\n\n\n" not in f.content, (combo, f.path)  # template whitespace stays tidy


def test_feature_specific_code():
    c = {f: scaffold_class("Thing", [f]).files for f in FEATURES}
    assert "ctx.storage.kv.put" in c["kv"][0].content and "evictDurableObject" in c["kv"][1].content
    assert "alarm(info?: AlarmInvocationInfo)" in c["alarms"][0].content
    assert "runDurableObjectAlarm" in c["alarms"][1].content
    assert "acceptWebSocket" in c["websockets"][0].content and "webSocketMessage" in c["websockets"][0].content
    assert "setWebSocketAutoResponse" in c["websockets"][0].content
    assert "getCurrentBookmark" in c["pitr"][0].content and "onNextSessionRestoreBookmark" in c["pitr"][0].content
    assert "_sql_schema_migrations" not in c["kv"][0].content  # no SQL asked for, none generated


def test_alarms_bring_sql_and_empty_features_default_to_sql():
    assert "scheduled_tasks" in scaffold_class("Thing", ["alarms"]).files[0].content
    assert "CREATE TABLE IF NOT EXISTS items" in scaffold_class("Thing", ["alarms"]).files[0].content
    empty = scaffold_class("Thing", [])
    assert "_sql_schema_migrations" in empty.files[0].content
    assert "'sql'" in empty.next_steps[0]


def test_jsonc_patches():
    exp = json5.loads(scaffold_class("Cart", ["sql"], "CART_DO").config_patch)
    assert exp == {"durable_objects": {"bindings": [{"name": "CART_DO", "class_name": "Cart"}]},
                   "exports": {"Cart": {"type": "durable-object", "storage": "sqlite"}}}
    mig = json5.loads(scaffold_class("Cart", ["sql"], config_style="migrations", migration_tag="v2").config_patch)
    assert mig["migrations"] == [{"tag": "v2", "new_sqlite_classes": ["Cart"]}]
    assert "exports" not in mig


def test_toml_patches():
    exp = tomllib.loads(scaffold_class("Cart", ["kv"], config_format="toml").config_patch)
    assert exp == {"durable_objects": {"bindings": [{"name": "CART", "class_name": "Cart"}]},
                   "exports": {"Cart": {"type": "durable-object", "storage": "sqlite"}}}
    mig = tomllib.loads(scaffold_class("Cart", ["kv"], config_format="toml", config_style="migrations").config_patch)
    assert mig["migrations"] == [{"tag": "add-cart", "new_sqlite_classes": ["Cart"]}]
