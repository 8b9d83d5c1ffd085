"""The provider's HTTP routes, one module per concern; ``app.py`` includes the routers.

``yousign_api``     /v3, behind the API key: ``signature_requests``, ``documents``, ``signers``
``signer_side``     what a signer does in Yousign's signing page (sign, decline)
``admin``           /_admin controls for tests (expiry, injected faults) and /healthz
"""
