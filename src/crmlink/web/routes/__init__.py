"""The console's pages, one module per page group; each route states the role it needs."""
