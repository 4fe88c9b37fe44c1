"""Models in and out of other tools' formats: ``importers/`` (one module per format, a shared
builder) and ``exporters/`` (one module per output format)."""
