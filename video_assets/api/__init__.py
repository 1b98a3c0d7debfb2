"""The HTTP door: FastAPI over the same service functions as the CLI. It writes request rows and never launches
runs; the request sensor stays the one launcher."""
