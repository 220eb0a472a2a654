"""Goroutine leak hunting over goroutine snapshots (proto, debug=1, debug=2)."""

from pprofsh.leaks.analyze import LeakReport, Site, Snapshot, analyze
from pprofsh.leaks.render import render_json, render_text

__all__ = ["LeakReport", "Site", "Snapshot", "analyze", "render_json", "render_text"]
