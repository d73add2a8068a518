"""do-partly-reviewed: valid TypeScript the parser could not read in full (reported by the engine)."""

from ..rule import Rule, no_check

RULE = Rule(
    id="do-partly-reviewed",
    severity="info",
    summary="Part of the file uses a construct the review parser cannot read; the rest was reviewed.",
    why="The review parses TypeScript with tree-sitter, whose grammar lags the language in a few places (for "
        "example an anonymous default function signature inside `declare module`). TypeScript accepts the code, "
        "so it is not an error; the finding only says that rules could not see inside that construct.",
    bad='declare module "worker:*" {\n  export default function (): string;\n}\n'
        'export class Counter extends DurableObject {\n  async get() {\n    return this.ctx.storage.get("n");\n  }\n}',
    good='declare module "worker:*" {\n  const script: () => string;\n  export default script;\n}\n'
         'export class Counter extends DurableObject {\n  async get() {\n    return this.ctx.storage.get("n");\n  }\n}',
    fix="Nothing to fix in the code. If the construct holds DO logic, review that part by hand.",
    docs=("workers",),
    check=no_check,
    engine=True,
)
