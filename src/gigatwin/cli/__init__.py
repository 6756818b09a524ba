"""Command-line interface (Typer + Rich). An adapter: it imports the domain, never the reverse."""
