"""pprofsh's web UI (`-http`, the shell's `http`): pprof's views and URL layout, plus a
flame graph, snapshots, changes and leaks. The top layer: it imports the session and
below; only the command-line and shell entry points import it."""
