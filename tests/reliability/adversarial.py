"""Hostile TypeScript inputs for the linear-time tests: long runs, deep nesting, long chains, many siblings.

Each generator takes a size in characters and returns a file of about that size that a careless regex or a per-node
ancestor walk would make super-linear. The review must finish in time proportional to the size, or skip the file
with ``do-input-skipped`` (too deep, too many nodes, too large), never hang.
"""

from __future__ import annotations

HEAD = 'import { DurableObject } from "cloudflare:workers";\n'


def comment_in_ws_class(n: int) -> str:  # do-ws-state-not-attached's field regex once took 94 s on 40 KB
    return (HEAD + "export class Room extends DurableObject {\n  // " + "a" * n + "\n  sessions = new Map();\n"
            "  async fetch(r: Request) { const p = new WebSocketPair(); this.ctx.acceptWebSocket(p[1]);"
            " this.sessions.set(p[1], 1); return new Response(null, { status: 101, webSocket: p[0] }); }\n"
            "  async webSocketMessage(ws: WebSocket, m: string) { this.sessions.get(ws); }\n}\n")


def array_chain_in_sql(n: int) -> str:  # `Array\(.*\)\.fill` in do-sql-interpolation was quadratic
    k = n // 7
    return (HEAD + "export class A extends DurableObject {\n  run(x: string) { this.ctx.storage.sql.exec(`SELECT ${"
            + "Array(" * k + "x" + ")" * k + "}`); }\n}\n")


def array_calls_flat(n: int) -> str:  # many sibling Array( calls on one line: the same regex, no nesting
    k = n // 12
    return (HEAD + "export class A extends DurableObject {\n  run(x: string) { this.ctx.storage.sql.exec(`SELECT ${["
            + "Array(x), " * k + "]}`); }\n}\n")


def nested_ifs(n: int) -> str:  # tree-sitter query captures exploded past ~30k levels
    k = n // 16
    return HEAD + "export class A extends DurableObject {\n  run(x: number) { " + "if (x) { " * k + "x++; " + "} " * k + "}\n}\n"


def member_chain(n: int) -> str:  # one expression 100k member accesses deep
    return (HEAD + "export class A extends DurableObject {\n  async fetch(r: Request) { const v = this" + ".a" * (n // 2)
            + '; this.ctx.storage.sql.exec("SELECT " + v); return new Response("x"); }\n}\n')


def binary_chain(n: int) -> str:  # a + a + a ... nests left-deep without any bracket
    return HEAD + "export const v = a" + " + a" * (n // 4) + ";\n"


def many_map_fields(n: int) -> str:  # many fields x many calls: per-field scans of every call
    k = n // 70
    fields = "".join(f"  f{i} = new Map();\n" for i in range(k))
    calls = "".join(f"    this.f{i}.set(1, 2);\n" for i in range(k))
    reads = " ".join(f"this.f{i}.get(1);" for i in range(k))
    return (HEAD + "export class A extends DurableObject {\n" + fields + "  async fetch(r: Request) {\n" + calls
            + '    return new Response("x");\n  }\n  async webSocketMessage(ws: WebSocket, m: string) { ' + reads + " }\n}\n")


def assignments_without_semicolons(n: int) -> str:  # `[^;]*` scans from every assignment to the end
    k = n // 26
    body = "".join(f"    this.count{i} = {i}\n" for i in range(k))
    return (HEAD + "export class A extends DurableObject {\n  count0 = 0\n  async fetch(r: Request) {\n" + body
            + '    return new Response("x")\n  }\n}\n')


def long_identifier(n: int) -> str:
    return "export const " + "a" * n + " = 1;\n"


def long_whitespace(n: int) -> str:
    return "export const a =" + " " * n + "1;\n"


def open_brackets_in_string(n: int) -> str:
    return "export const x = `" + "[(" * (n // 2) + "`;\n"


def many_classes(n: int) -> str:  # thousands of small DO classes: per-class work must not rescan the file
    k = n // 120
    return HEAD + "".join(
        f"export class C{i} extends DurableObject {{ async alarm() {{ await this.ctx.storage.setAlarm(Date.now()); }} }}\n"
        for i in range(k))


GENERATORS = [comment_in_ws_class, array_chain_in_sql, array_calls_flat, nested_ifs, member_chain, binary_chain,
              many_map_fields, assignments_without_semicolons, long_identifier, long_whitespace,
              open_brackets_in_string, many_classes]
