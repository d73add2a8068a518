"""do-expert: search, review and scaffold SQLite-backed Cloudflare Durable Objects.

The core (``server.search``, ``server.review``, ``server.scaffold``) is plain Python; ``server.app`` (MCP) and
``server.cli`` (command line) are thin adapters over it.
"""

__version__ = "0.1.0"
