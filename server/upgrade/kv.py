"""KV-backed classes: a new SQLite-backed class plus a data copy over RPC, generated as code with a test.

A namespace's storage backend is fixed when it is created (references/lifecycle-and-config.md, "Why a class cannot
move from KV-backed to SQLite"), so a class that the `migrations` history creates with `new_classes` stays KV-backed.
For each such class ``Old`` (bound as ``OLD``) this module produces, from the templates in ``templates/kv_copy/``:

- ``Old.exportPage(startAfter, limit)``: one page of ``storage.list({ startAfter, limit })``, inserted into the class;
- ``OldSqlite extends Old``, appended to the class's file: the same code in a SQLite-backed namespace, with
  ``importPage(page, startAfter)`` (page + cursor in one ``transactionSync``; a page not starting at the cursor is a
  no-op, which makes the copy idempotent and resumable), ``copyState()`` and ``restartAfterCopy()`` (``ctx.abort``
  once complete, so state the constructor read from the empty storage is rebuilt from the copied data);
- ``src/<old>-copy.ts``: ``copyOldToSqlite(env, { name } | { id })``, the driver that pages old -> new;
- ``test/<old>-copy.test.ts``: seeds an old object, interrupts and resumes a copy, checks the new object's data;
- config: a ``new_sqlite_classes`` step appended to ``migrations`` and an ``OLD_SQLITE`` binding.

Why the project keeps ``migrations`` (config.py does not turn it into ``exports`` while a KV-backed class lives):
``"storage": "legacy-kv"`` in ``exports`` is accepted only for a namespace that already exists, which this tool
cannot see; the copy takes several deploys and ``exports`` has no way back once deployed; and after the last step
(``deleted_classes`` for ``Old``) the history holds only SQLite classes, so a second ``upgrade`` converts it.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2

from ..review.config import ParsedConfig
from ..review.parse import InputTooComplex, SourceFile
from .config import _array_end

TEMPLATES = Path(__file__).resolve().parent / "templates" / "kv_copy"
_ADDED_NAMES = ("exportPage", "importPage", "copyState", "readCopyState", "restartAfterCopy")
_CODE_EXT = (".ts", ".mts", ".tsx")


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, autoescape=False, trim_blocks=True)


def _render(name: str, **values) -> str:
    return _env().get_template(name).render(**values)


@dataclass
class KvChange:
    new: dict[str, str] = field(default_factory=dict)  # path -> full new text (new files and edited files)
    plan: list[str] = field(default_factory=list)
    added: list[tuple[str, str, str]] = field(default_factory=list)  # (old class, new class, new binding)


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()


def _import_path(from_dir: str, to_file: str) -> str:
    rel = posixpath.relpath(to_file, from_dir or ".").rsplit(".", 1)[0]
    return rel if rel.startswith(".") else "./" + rel


def _find_class(texts: dict[str, str], name: str) -> tuple[str, SourceFile, object] | None:
    for path in sorted(texts):
        if not path.lower().endswith(_CODE_EXT) or path.lower().endswith(".d.ts") or f"class {name}" not in texts[path]:
            continue
        try:
            src = SourceFile(path, texts[path])
        except InputTooComplex:  # a file the review refuses too: not a place to insert code
            continue
        for node in src.classes:
            if src.text_of(node.child_by_field_name("name")) == name:
                return path, src, node
    return None


def _char_offset(src: SourceFile, byte: int) -> int:
    return len(src.data[:byte].decode("utf-8", "replace"))


def _json_append(text: str, key_re: str, item: str) -> str | None:
    """``text`` with ``item`` appended to the JSON array that follows ``key_re``; None if not exactly one."""
    found = list(re.finditer(key_re, text))
    if len(found) != 1:
        return None
    open_at = found[0].end() - 1
    end = _array_end(text, open_at)
    if end < 0:
        return None
    close = end - 1
    inner = text[open_at + 1:close]
    body = re.sub(r"//[^\n]*|/\*.*?\*/", "", inner, flags=re.S).strip()
    stripped = text[:close].rstrip()
    if "\n" in inner:  # multi-line array: a new line with the indent of the last element
        indent = re.match(r"[ \t]*", inner.rstrip().rsplit("\n", 1)[-1]).group(0)
        sep = "" if not body or body.endswith(",") else ","
        return stripped + sep + "\n" + indent + item + text[len(stripped):]
    sep = "" if not body or body.endswith(",") else ", "
    return stripped + sep + item + text[len(stripped):]


def _next_tag(steps: list) -> str:
    tags = [s.get("tag") for s in steps if isinstance(s, dict)]
    nums = [int(t[1:]) for t in tags if isinstance(t, str) and re.fullmatch(r"v\d+", t)]
    if len(nums) == len(tags) and nums:
        return f"v{max(nums) + 1}"
    tag, n = "sqlite-copy", 1
    while tag in tags:
        n += 1
        tag = f"sqlite-copy-{n}"
    return tag


def kv_to_sqlite(cfg: ParsedConfig, texts: dict[str, str], new: dict[str, str], classes: list[str]) -> KvChange:
    """Code, test and config for moving each KV-backed class in ``classes`` to a new SQLite-backed class. ``new``
    holds texts other upgrades already changed (they are built on)."""
    out = KvChange()
    current = lambda p: out.new.get(p, new.get(p, texts.get(p)))  # noqa: E731
    bindings = {b.class_name: b.name for b in (cfg.model.durable_objects.bindings if cfg.model.durable_objects else [])
                if not b.script_name}
    test_dirs = sorted({posixpath.dirname(p) for p in texts if ".test." in p or ".spec." in p})
    test_dir = test_dirs[0] if test_dirs else posixpath.join(cfg.dir, "test") if cfg.dir else "test"
    for old in classes:
        new_name, binding = f"{old}Sqlite", bindings.get(old)
        where = _find_class({p: current(p) for p in set(texts) | set(new)}, old)
        if where is None or binding is None:
            out.plan.append(f"{old} is KV-backed, but " + ("its class was not found in the sources given" if where is None
                            else "no durable_objects binding names it") + ": no copy code generated. Create a SQLite-"
                            "backed class and copy the data over RPC by hand (lifecycle-and-config#why-a-class-cannot-"
                            "move-from-kv-backed-to-sqlite).")
            continue
        path, src, node = where
        body = node.child_by_field_name("body")
        members = {src.text_of(m.child_by_field_name("name")) for m in (body.named_children if body else [])}
        clash = [n for n in _ADDED_NAMES if n in members] + ([new_name] if f"class {new_name}" in src.text else [])
        if body is None or clash:
            out.plan.append(f"{old}: not generated, {', '.join(clash) or 'no class body'} already exists in {path}.")
            continue
        new_binding = f"{binding}_SQLITE"
        stem = _kebab(old)
        driver = posixpath.join(posixpath.dirname(path), f"{stem}-copy.ts")
        test = posixpath.join(test_dir, f"{stem}-copy.test.ts")
        if driver in texts or test in texts:
            out.plan.append(f"{old}: not generated, {driver if driver in texts else test} already exists.")
            continue
        values = dict(old=old, new=new_name, binding_old=binding, binding_new=new_binding, copy_fn=f"copy{old}ToSqlite",
                      driver_path=driver, config_path=cfg.path, has_alarm="alarm" in members)
        # the class file: exportPage inserted at the end of the old class body, the new class appended
        text = src.text
        close = _char_offset(src, body.end_byte) - 1  # the class body's closing brace
        line_start = text.rfind("\n", 0, close) + 1
        block = _render("export_page.ts.j2", indent=_member_indent(text, src, body) or "  ", **values)
        at = line_start if text[line_start:close].strip() == "" else close
        # block starts with a blank line and ends with a newline; a `}` on the class's last line gets its own line
        text = text[:at].rstrip("\n") + "\n" + block + text[at:]
        text = text.rstrip("\n") + "\n" + _render("new_class.ts.j2", **values)
        text = _add_env_binding(text, binding, new_binding, new_name)
        out.new[path] = text
        out.new[driver] = _render("driver.ts.j2", class_import=_import_path(posixpath.dirname(driver), path), **values)
        out.new[test] = _render("copy.test.ts.j2", class_import=_import_path(test_dir, path),
                                driver_import=_import_path(test_dir, driver), **values)
        main = cfg.main_path
        if main and main != path and main in texts:
            out.new[main] = current(main).rstrip("\n") + \
                f'\nexport {{ {new_name} }} from "{_import_path(posixpath.dirname(main), path)}";\n'
        out.added.append((old, new_name, new_binding))
        out.plan.append(f"{old} is KV-backed (`new_classes`): its backend cannot change in place. Added {new_name} "
                        f"(extends {old}, SQLite-backed, binding {new_binding}), {old}.exportPage() and "
                        f"{new_name}.importPage() over RPC, the copy driver {values['copy_fn']}() in {driver} "
                        f"(idempotent, resumable; it resets each object once copied, so constructor caches re-read) and its "
                        f"test {test}. Deploy, route each object's traffic through "
                        f"the copy to {new_binding}, copy the rest, then delete {old} with a `deleted_classes` step; "
                        "after that `do-expert upgrade` can move the config to `exports`.")
        if "implements DurableObject" in src.text_of(node) or "extends DurableObject" not in src.text_of(node):
            out.plan.append(f"{old} does not extend DurableObject: RPC (exportPage) and this.ctx need it. Run "
                            "`do-expert review --unsafe-fixes` (do-legacy-class-shape) before type-checking.")
    return out


def _member_indent(text: str, src: SourceFile, body) -> str:
    for m in body.named_children:
        start = _char_offset(src, m.start_byte)
        ls = text.rfind("\n", 0, start) + 1
        if text[ls:start].strip() == "":
            return text[ls:start]
    return ""


def _add_env_binding(text: str, binding: str, new_binding: str, new_name: str) -> str:
    """Type the new binding next to the old one in an Env interface in the same file, if there is one."""
    m = re.search(rf"(?m)^([ \t]*){re.escape(binding)}\??\s*:\s*DurableObjectNamespace\b[^;\n]*;[^\n]*$", text)
    if m is None:
        return text
    return text[:m.end()] + f"\n{m.group(1)}{new_binding}: DurableObjectNamespace<{new_name}>;" + text[m.end():]


def config_for_copy(cfg: ParsedConfig, text: str, steps: list, added: list[tuple[str, str, str]]) -> tuple[str, list[str]]:
    """The config text with, per (old, new class, new binding), a binding and one `new_sqlite_classes` step."""
    plan: list[str] = []
    if not added:
        return text, plan
    tag = _next_tag(steps)
    names = [n for _, n, _ in added]
    if cfg.path.lower().endswith(".toml"):
        plan.append(f"{cfg.path}: add by hand: [[migrations]] tag = \"{tag}\" new_sqlite_classes = {json.dumps(names)}"
                    + "".join(f'; [[durable_objects.bindings]] name = "{b}" class_name = "{n}"' for _, n, b in added))
        return text, plan
    out = text
    for _, name, binding in added:
        item = '{ "name": ' + json.dumps(binding) + ', "class_name": ' + json.dumps(name) + " }"
        nxt = _json_append(out, r'"bindings"\s*:\s*\[', item)
        out = nxt if nxt is not None else out
    step = '{ "tag": ' + json.dumps(tag) + ', "new_sqlite_classes": ' + json.dumps(names) + " }"
    nxt = _json_append(out, r'"migrations"\s*:\s*\[', step)
    if nxt is not None:
        nxt = _acknowledge_kv(nxt, [o for o, _, _ in added])
    back = ParsedConfig(cfg.path, nxt) if nxt is not None else None
    want_bindings = {(b.name, b.class_name) for b in back.model.durable_objects.bindings} \
        if back is not None and not back.error and back.model.durable_objects else set()
    if back is None or back.error or back.raw.get("migrations", [])[-1:] != [{"tag": tag, "new_sqlite_classes": names}] \
            or not all((b, n) in want_bindings for _, n, b in added):
        plan.append(f"{cfg.path}: add by hand a migration step {step} and the binding(s) "
                    + ", ".join(f"{b} -> {n}" for _, n, b in added) + ".")
        return text, plan
    plan.append(f"{cfg.path}: `migrations` kept (a KV-backed class lives: `legacy-kv` in `exports` is valid only for "
                f"a namespace that already exists, and the copy takes several deploys); added step {tag!r} "
                f"new_sqlite_classes {names} and the binding(s) " + ", ".join(b for _, _, b in added) + ".")
    return nxt, plan


def _acknowledge_kv(text: str, classes: list[str]) -> str:
    """A ``do-expert-ignore do-prefer-sqlite-backend`` comment above each `new_classes` entry being copied: the
    warning is acted on (the copy), and the entry must stay until the class is deleted."""
    for name in classes:
        for key in re.finditer(r'"new_classes"\s*:\s*\[', text):
            end = _array_end(text, key.end() - 1)
            at = text.find(json.dumps(name), key.end(), end)
            if at < 0:
                continue
            line_start = text.rfind("\n", 0, at) + 1
            indent = re.match(r"[ \t]*", text[line_start:]).group(0)
            note = (f"{indent}// do-expert-ignore do-prefer-sqlite-backend: {name} is being copied to {name}Sqlite; "
                    f"delete it once copied\n")
            text = text[:line_start] + note + text[line_start:]
            break
    return text
