"""Webhooks: an outbox written with each request state change, signed Standard Webhooks deliveries sent by
`video-assets webhooks deliver`, and the endpoints tenants register over the API. Domain code: no dagster here."""
