"""Qt-free-of-widgets logic of the plugin: settings, engine access, results on the map, logging."""
