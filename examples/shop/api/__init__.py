"""The shop's HTTP and WebSocket routers."""
