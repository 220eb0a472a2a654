#!/usr/bin/env python3
"""Writes cases.tsv: the table of golden cases (run once when the table changes).

Rows are generated from the fixture kinds x the flags each report takes, plus
hand-picked error and shell cases, so that adding a flag is one line here.
"""

from pathlib import Path

P = "tests/fixtures/profiles/"
KINDS = {
    "cpu": P + "cpu.pb.gz",
    "heap": P + "heap.pb.gz",
    "allocs": P + "allocs.pb.gz",
    "goroutine": P + "goroutine.pb.gz",
    "mutex": P + "mutex.pb.gz",
    "block": P + "block.pb.gz",
    "threadcreate": P + "threadcreate.pb.gz",
    "leakbusy": P + "leak-busy.pb.gz",
    "trimpath": P + "goroutine-trimpath.pb.gz",
}

TOP_FLAGS = {
    "plain": "",
    "cum": "-cum",
    "n5": "-nodecount=5",
    "lines": "-lines",
    "files": "-files",
    "filefunctions": "-filefunctions",
    "addresses": "-addresses",
    "noinlines": "-noinlines",
    "lines_noinlines": "-lines -noinlines",
    "unit_auto": "-unit=auto",
    "nf0": "-nodefraction=0 -edgefraction=0",
    "trimfalse": "-trim=false",
    "compact": "-compact_labels",
    "text": "-text",
    "si0": "-sample_index=0",
    "divide": "-divide_by=3",
    "focus": "-focus=main",
    "ignore": "-ignore=runtime",
    "hide": "-hide=runtime",
    "show": "-show=main",
    "show_from": "-show_from=main",
    "prune_from": "-prune_from=runtime",
    "relative": "-relative_percentages -focus=main",
    "dashdash": "--top --cum",
}
PER_KIND = {
    "cpu": {
        "unit_ms": "-unit=ms",
        "unit_s": "-unit=seconds",
        "si_samples": "-sample_index=samples",
        "tagfocus": "-tagfocus=worker=a",
        "tagignore": "-tagignore=worker=b",
        "mean": "-mean",
        "si1": "-sample_index 1",
        "unit_ns": "-unit=ns",
    },
    "heap": {
        "inuse_space": "-inuse_space",
        "inuse_objects": "-inuse_objects",
        "alloc_space": "-alloc_space",
        "alloc_objects": "-alloc_objects",
        "unit_mb": "-unit=MB",
        "unit_kb": "-unit=kb",
        "mean": "-mean -sample_index=alloc_space",
        "tagfocus_range": "-tagfocus=1kb:",
        "multi": "-inuse_space -alloc_objects",
    },
    "allocs": {"alloc_space": "-alloc_space", "unit_b": "-unit=b"},
    "mutex": {
        "contentions": "-contentions",
        "mean_delay": "-mean_delay",
        "total_delay": "-total_delay",
        "unit_us": "-unit=us",
    },
    "block": {"contentions": "-contentions", "mean_delay": "-mean_delay"},
    "goroutine": {"tagfocus": "-tagfocus=role=server", "si_name": "-sample_index=goroutine"},
}
REPORTS = {
    "traces": "-traces",
    "tree": "-tree",
    "tags": "-tags",
    "raw": "-raw",
    "comments": "-comments",
    "peek_main": "-peek=main",
}
ERRORS = [
    ("err_missing", "-top nonexistent.pb.gz", ""),
    ("err_html", "-top tests/golden/inputs/page.html", ""),
    ("err_truncated", "-top tests/golden/inputs/truncated.pb.gz", ""),
    ("err_bad_flag", "-bogus " + KINDS["cpu"], ""),
    ("err_bad_int", "-top -nodecount=x " + KINDS["cpu"], ""),
    ("err_flag_needs_arg", "-top -nodecount", ""),
    ("err_bad_bool", "-top -cum=maybe " + KINDS["cpu"], ""),
    ("err_bad_sample_index", "-top -sample_index=foo " + KINDS["cpu"], ""),
    ("err_sample_index_range", "-top -sample_index=7 " + KINDS["cpu"], ""),
    ("err_bad_regex", "-top -focus=( " + KINDS["cpu"], ""),
    ("err_bad_regex2", "-top -ignore=[a " + KINDS["cpu"], ""),
    ("err_bad_regex3", "-top -hide=* " + KINDS["cpu"], ""),
    ("err_two_formats", "-top -traces " + KINDS["cpu"], ""),
    ("err_conflict", "-top -cum -flat " + KINDS["cpu"], ""),
    ("err_base_diffbase", "-top -base {0} -diff_base {0} {0}".format(KINDS["cpu"]), ""),
    ("err_normalize", "-top -normalize " + KINDS["cpu"], ""),
    ("err_no_source", "-top", ""),
    ("err_divide_zero", "-top -divide_by=0 " + KINDS["cpu"], ""),
    ("err_incompatible", "-top {} {}".format(KINDS["cpu"], KINDS["heap"]), ""),
    ("err_one_missing", "-top {} nonexistent.pb.gz".format(KINDS["cpu"]), ""),
    ("focus_nomatch", "-top -focus=zzzznomatch " + KINDS["cpu"], ""),
    ("peek_nomatch", "-peek=zzzznomatch " + KINDS["cpu"], ""),
]
DIFFS = [
    ("merge_goroutines", "-top {} {}".format(P + "leak-idle.pb.gz", P + "leak-busy.pb.gz")),
    ("base_leak", "-top -base {} {}".format(P + "leak-idle.pb.gz", P + "leak-busy.pb.gz")),
    ("base_leak_gone", "-top -base {} {}".format(P + "leak-idle.pb.gz", P + "leak-gone.pb.gz")),
    (
        "base_handshake",
        "-top -base {} {}".format(P + "handshake-before.pb.gz", P + "handshake-after.pb.gz"),
    ),
    (
        "diffbase_handshake",
        "-top -diff_base {} {}".format(P + "handshake-before.pb.gz", P + "handshake-after.pb.gz"),
    ),
    (
        "base_handshake_traces",
        "-traces -base {} {}".format(P + "handshake-before.pb.gz", P + "handshake-after.pb.gz"),
    ),
    (
        "diffbase_traces",
        "-traces -diff_base {} {}".format(P + "leak-idle.pb.gz", P + "leak-busy.pb.gz"),
    ),
    (
        "normalize",
        "-top -normalize -base {} {}".format(P + "leak-idle.pb.gz", P + "leak-busy.pb.gz"),
    ),
    (
        "base_drop_negative",
        "-top -drop_negative -base {} {}".format(P + "leak-busy.pb.gz", P + "leak-gone.pb.gz"),
    ),
    ("base_cum", "-top -cum -base {} {}".format(P + "leak-busy.pb.gz", P + "leak-gone.pb.gz")),
    (
        "base_tree",
        "-tree -base {} {}".format(P + "handshake-before.pb.gz", P + "handshake-after.pb.gz"),
    ),
]
SHELL = [
    ("shell_top", KINDS["cpu"], "top\\n"),
    ("shell_basic", KINDS["goroutine"], "top\\ntop5 -cum\\ntop 3 main\\ntraces\\n"),
    ("shell_options", KINDS["cpu"], "o\\n"),
    ("shell_help", KINDS["cpu"], "help\\n"),
    (
        "shell_help_topics",
        KINDS["cpu"],
        "help top\\nhelp nodecount\\nhelp list\\nhelp cum\\nhelp nosuch\\n",
    ),
    ("shell_errors", KINDS["cpu"], "foo\\nnodecount\\nlist\\nnodecount=x\\ncum\\ntop -(\\n"),
    ("shell_didyoumean", KINDS["cpu"], "nodecount 5\\n"),
    ("shell_assign", KINDS["cpu"], "nodecount=3\\ntop\\ncall_tree\\no\\n"),
    ("shell_comment", KINDS["cpu"], "nodecount=2 //: two\\ntop\\n"),
    (
        "shell_sampletype",
        KINDS["heap"],
        "alloc_space\\ntop\\nmean_alloc_space\\ntop3\\n:\\ntop3\\n",
    ),
    ("shell_focus", KINDS["goroutine"], "focus=main\\ntop\\n:\\ntop\\n"),
    ("shell_granularity", KINDS["cpu"], "lines=1\\ntop5\\ngranularity=files\\ntop\\n"),
    ("shell_quit", KINDS["cpu"], "top2\\nquit\\ntop\\n"),
    ("shell_exit", KINDS["cpu"], "exit\\n"),
    ("shell_peek", KINDS["cpu"], "peek main\\n"),
    ("shell_tags", KINDS["goroutine"], "tags\\ntags role\\n"),
    ("shell_heap_greeting", KINDS["heap"], ""),
    (
        "shell_leak_diff",
        "-base {} {}".format(P + "handshake-before.pb.gz", P + "handshake-after.pb.gz"),
        "top\\ntraces\\n",
    ),
]


def main() -> None:
    rows = []
    for kind, path in KINDS.items():
        for fname, flags in {**TOP_FLAGS, **PER_KIND.get(kind, {})}.items():
            rows.append((f"top_{kind}_{fname}", f"-top {flags} {path}".replace("  ", " "), ""))
        for rname, flags in REPORTS.items():
            rows.append((f"{rname}_{kind}", f"{flags} {path}", ""))
    rows += ERRORS
    rows += [(n, a, "") for n, a in DIFFS]
    rows += [(n, src, stdin) for n, src, stdin in SHELL]
    lines = ["# name\targs\tstdin (generated by make_cases.py; regenerate outputs with regen.py)"]
    lines += ["\t".join(r) for r in rows]
    (Path(__file__).parent / "cases.tsv").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
