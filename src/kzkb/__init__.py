"""kzkb: a command-line knowledge base for Hugo/Docsy data portals."""

__version__ = "0.1.0"
