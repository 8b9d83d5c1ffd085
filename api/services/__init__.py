"""The rules behind the endpoints: each operation validates, moves the workflow, and audits."""
