"""do-syntax-error: the file does not parse (reported by the engine; the rest of the file is still checked)."""

from ..rule import Rule, no_check

RULE = Rule(
    id="do-syntax-error",
    severity="error",
    summary="The TypeScript file has a syntax error.",
    why="Code that does not parse will not compile or deploy. The review continues on the parts that parsed, so "
        "other findings may be incomplete until the syntax error is fixed.",
    bad='export class Counter extends DurableObject {\n  async get() {\n    return this.ctx.storage.get("n"\n  }\n}',
    good='export class Counter extends DurableObject {\n  async get() {\n    return this.ctx.storage.get("n");\n  }\n}',
    fix="Fix the syntax at the reported position (unbalanced brackets, a missing comma or parenthesis).",
    docs=("workers",),
    check=no_check,
    engine=True,
)
