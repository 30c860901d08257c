"""The writer's workspace (``/write``): Markdown editor with live preview, revisions,
translations and "turn a solved ticket into an article". Files under ``articles/`` stay the
source of truth; see :mod:`portal.write.editor`."""
