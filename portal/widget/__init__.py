"""The embeddable help widget: one script tag on any site (``/widget.js``), the strings and
popular articles it shows, the answer bot behind its ask box, and the cross-origin rules
for the sites allowed to call the public API from a browser."""
