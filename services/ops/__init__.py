"""Running the portal as a service: static bytes, request logs and metrics (issue 15)."""
