"""The REST API under /api/v1: one blueprint per resource, described by one OpenAPI document."""
