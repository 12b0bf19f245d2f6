"""The bundled offline demo: a small news site served on 127.0.0.1, and its source registry."""
