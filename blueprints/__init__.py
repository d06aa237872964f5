"""HTTP only: each module parses requests, calls services and renders a page or a fragment."""
