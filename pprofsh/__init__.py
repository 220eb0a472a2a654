"""pprofsh: go tool pprof as a Python program."""
