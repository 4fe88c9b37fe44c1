"""Renderers: one module per output format or view. They read results; they never compute them."""
