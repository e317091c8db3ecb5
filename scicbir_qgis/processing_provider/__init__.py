"""Processing algorithms (compress folder, search region, decode) for batch use and models."""
