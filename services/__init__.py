"""Domain rules. Blueprints call these; they take plain values, never the request."""
