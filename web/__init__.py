"""The pages for people: staff under /app/, clients under /client/ (see web/app.py)."""
