"""Webhooks: a transactional outbox (events.py), endpoints admins register (endpoints.py), signed
deliveries with retries and dead letters (delivery.py), and the SSRF guard on targets (targets.py).

See docs/integrations.md for the wire format and how a receiver verifies a signature.
"""
