"""The engine service: JSON lines over stdin/stdout (``scicbir serve``); see docs/protocol.md."""
