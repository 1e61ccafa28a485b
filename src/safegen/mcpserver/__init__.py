"""`safegen mcp`: the Model Context Protocol server (server: FastMCP and its tool sets; tools: what each tool does)."""
