"""`manage.py api_bench` (make bench-api): the morning rush against gunicorn as deployed (docs/deploy.md)."""
