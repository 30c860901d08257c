"""Mirroring the shared record of article files into this node's folder and index."""
