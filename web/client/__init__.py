"""The client's pages under /client/ (web/app.py mounts their routers)."""
