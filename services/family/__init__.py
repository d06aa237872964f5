"""What families see: the EHC timeline, shared documents and forms, their children."""
