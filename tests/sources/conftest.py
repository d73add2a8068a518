"""Fixtures for the sources tests: private config, data and index folders per test, and a small team-notes folder."""

from pathlib import Path

import pytest

NOTES = {
    "design/room-sharding.md": """---
title: Room sharding plan
description: How our chat service maps rooms to Durable Objects.
tags: [chat, sharding]
---

# Room sharding plan

We give every chat room its own object, named with idFromName(roomSlug).

## Quokka ledger

The quokka ledger keeps one row per paid invoice and is compacted nightly by the ledger janitor.

## Rollout

Rooms move to the new layout one tenant at a time.
""",
    "runbooks/index.mdx": """import { Render } from "~/components";

# Runbook: stuck alarms

<Render file="shared-warning" product="ops" />

{/* internal: keep this page short */}

## Pager steps

<Details header="When the pager fires > twice">
Check the alarm backlog dashboard, then restart the janitor worker.
</Details>

```ts
import { env } from "cloudflare:test";
const box = <Tags />;
```
""",
    "notes.txt": "not markdown: ignored",
}


@pytest.fixture
def user_folders(tmp_path, monkeypatch, shared_index_root):
    """Empty config and data folders for this test; the bundled index is shared by the session (built once)."""
    monkeypatch.setenv("DO_EXPERT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("DO_EXPERT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DO_EXPERT_INDEX_DIR", str(shared_index_root))
    from server.sources import library

    monkeypatch.setattr(library, "RECHECK_SECONDS", 0.0)  # see config edits at once
    return tmp_path


@pytest.fixture(scope="session")
def shared_index_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sources-index")


@pytest.fixture
def notes_folder(tmp_path) -> Path:
    root = tmp_path / "team notes"
    for rel, text in NOTES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
