"""Extra doc sources beside the bundled reference corpus: a user's own Markdown folders (``config``, ``loose``) and
a synced copy of Cloudflare's published Durable Objects docs (``sync``). Each source is indexed on its own and
searched beside the bundled corpus (``library``)."""
