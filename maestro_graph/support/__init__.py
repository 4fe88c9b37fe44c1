"""What every stage shares: the input errors, small performance helpers, progress lines, HTML
tables for Jupyter and safe file writing. Nothing here knows the model or the catalog."""
