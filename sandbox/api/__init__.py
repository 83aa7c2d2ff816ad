"""HTTP layer: thin handlers that read a request, call one world operation and render the result."""
