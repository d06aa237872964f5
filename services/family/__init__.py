"""What families see and do: registration, reference codes, timeline, shared documents and forms."""
