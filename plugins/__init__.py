"""Built-in plugins of kexie-events, each registered like a third-party plugin."""
