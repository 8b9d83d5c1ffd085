"""The firm's pages under /app/ (web/app.py mounts their routers)."""
