"""Questions about something else: other Cloudflare products used on their own, and general programming.

Relevance alone cannot tell "How do I upload a file to an R2 bucket from a Worker?" from a DO question: every one
of its words occurs somewhere in the corpus (R2 in a choosing note, "file" and "Worker" everywhere), so the best
section covers the whole question in passing. What the corpus does not do is treat R2 as a subject. So a question
whose subject is one of the products or tools below, that never says it is about Durable Objects, and whose best
sections do not carry that subject in their heading, is not covered.

Bare "email" is not listed: agents look rows up "by email" far more often than they ask about Email Routing; the
product is named by its phrases ("send an email", "Email Workers").

Products the corpus does discuss as alternatives (D1, KV, Queues, Workflows) are still listed: a question about
them is covered only when the returned sections have every one of them in a heading ("D1 instead: ..."). Words
that are also DO vocabulary ("bucket" of a token bucket, "stream" of a ReadableStream, React of the Agents
client hooks, Containers, which the corpus covers) are not listed.
"""

from __future__ import annotations

import re

# Lowercased names as agents type them; a name of two words is matched as a phrase.
FOREIGN_SUBJECTS = frozenset({
    # other Cloudflare products
    "r2", "pages", "hyperdrive", "vectorize", "embeddings", "workers ai", "ai gateway",
    "images", "access", "zero trust", "waf", "firewall", "dns", "cdn", "purge", "turnstile",
    "email routing", "email worker", "email workers", "send email", "send an email", "send emails", "sending email",
    "sending emails", "receive email", "receive emails", "inbound email", "browser rendering", "zaraz", "spectrum",
    "tunnel", "load balancer",
    "load balancing", "page rule", "page rules", "ssl", "tls", "certificate", "argo", "analytics engine",
    "logpush", "d1", "kv", "queue", "queues", "workflows", "workflow", "mx record",
    # the products by their full names and parts: a heading that names only "KV" or "queue handlers" (the object's
    # own KV API, calling a DO from a queue consumer) does not make a question about the product itself covered
    "workers kv", "cloudflare queues", "queue consumer", "dead letter queue", "cron trigger", "cron triggers",
    "cache rules", "redirect rules", "http/3", "zone",
    # general programming and other stacks
    "useeffect", "vue", "svelte", "angular", "next.js", "nextjs", "css", "html", "div", "python",
    "django", "flask", "rails", "ruby", "java", "golang", "php", "docker", "kubernetes", "git", "github",
    "eslint", "prettier", "webpack", "postgres", "postgresql", "mysql", "mongodb", "redis", "csv", "regex",
    "regular expression", "quicksort", "express", "cors", "let and const", "spread operator", "type alias",
    "asyncio", "node.js", "nodejs",
    # data science, other languages' frameworks, test runners for other stacks
    "matplotlib", "pandas", "numpy", "pytest", "jupyter", "tensorflow", "pytorch", "sklearn", "scikit-learn",
    "spring boot", "laravel", "symfony", "dotnet", "kotlin", "swiftui", "flutter", "react native", "tailwind",
    "jquery", "mocha", "cypress", "selenium",
    # other clouds and hosts, infrastructure tools, other realtime and ORM stacks (s3, sqs, kafka and jest are left
    # out: the agent vocabulary maps them to DO designs, and a question naming them with no DO anchor is rare)
    "socket.io", "prisma", "aws", "aws lambda", "dynamodb", "ec2", "gcp", "cloud run", "bigquery", "firebase",
    "firestore", "supabase", "vercel", "netlify", "heroku", "terraform", "ansible", "nginx", "powershell", "homebrew",
    "rabbitmq",
})
# Saying "Durable Object", or naming an API only a Durable Object has, anchors the question here: "WHERE email = ?"
# in a sql.exec call is a column, not Email Routing; "kv" after ctx.storage is the object's own KV API.
_ANCHOR = re.compile(r"(?i:durable[\s_-]*objects?)|\bDOs?\b|(?i:\bctx\.storage|\bstate\.storage|\bsql\.exec\b|"
                     r"\bstorage\.(?:sql|kv|put|get|delete|list|transaction)|\b(?:set|get|delete)Alarm\b|"
                     r"\bacceptWebSocket\b|\bblockConcurrencyWhile\b|\bidFromName\b|\bnewUniqueId\b|"
                     r"\btransactionSync\b|\bnew_sqlite_classes\b|\bserializeAttachment\b|\brunInDurableObject\b)")
_WORD = re.compile(r"[a-z0-9][a-z0-9_./-]*")


def foreign_subjects(question: str) -> set[str]:
    """The foreign subjects a question names, unless it also says it is about Durable Objects."""
    if _ANCHOR.search(question):
        return set()
    words = _WORD.findall(question.lower())
    found = {w for w in words if w in FOREIGN_SUBJECTS}
    for n in (2, 3):
        found |= {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)
                  if " ".join(words[i:i + n]) in FOREIGN_SUBJECTS}
    return found


def about_something_else(question: str, headings: list[str]) -> bool:
    """True when the question names a foreign product or tool that none of the given section headings (the best
    results' heading paths) names."""
    text = " ".join(headings).lower()
    return any(not re.search(rf"(?<![a-z0-9]){re.escape(s)}(?![a-z0-9])", text) for s in foreign_subjects(question))
