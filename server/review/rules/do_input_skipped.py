"""do-input-skipped: a file that was not reviewed (binary or too large; reported by the engine)."""

from ..rule import Rule, no_check

RULE = Rule(
    id="do-input-skipped",
    severity="warning",
    summary="A file was not reviewed because it is binary or too large.",
    why="Binary content is not source code, and multi-megabyte sources are bundles or generated code: reviewing "
        "them costs time and says nothing about the DO code you wrote. The finding makes the gap visible instead "
        "of silently passing.",
    bad="\u0000\u0001\u0002 (a compiled .wasm or image saved as src/blob.ts)",
    good='export default {\n  async fetch() {\n    return new Response("ok");\n  },\n};',
    fix="Review the sources (src/**/*.ts) and wrangler config rather than build output; exclude bundles.",
    docs=("workers",),
    check=no_check,
    engine=True,
)
