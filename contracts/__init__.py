"""The bottom layer: what the API, the workflows and the activities must agree on, defined once.

Workflow and activity messages, statuses, error types, ids and keys. Imports nothing of Sceau.
"""
