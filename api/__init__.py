"""The REST API (/api/v1/): Kbase's content for an office's other systems, and personal API tokens."""
