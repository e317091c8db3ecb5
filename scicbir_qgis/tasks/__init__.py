"""Background work: every engine call the user waits for runs in a ``QgsTask``."""
