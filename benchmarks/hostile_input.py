"""Issue #16: the hostile inputs that were super-linear, timed (not a test).

Run from the repository root: `PYTHONPATH=. python benchmarks/hostile_input.py`.
"""
import time, gzip, io, contextlib, sys
from pathlib import Path
sys.path.insert(0, 'tests')
from pprofsh.profile.parse import parse, gunzip
from pprofsh.filters import go_regexp
F = Path('tests/fixtures/profiles')
def t(name, fn):
    t0 = time.perf_counter(); fn(); print(f"{name:55s} {time.perf_counter()-t0:7.3f} s")
def with_line(f, i, line):
    ls = (F/f).read_text().split('\n'); ls.insert(i, line); return '\n'.join(ls).encode()
def tryparse(d):
    try: parse(d)
    except Exception: pass
t("contention text, one 60 KB digit line", lambda: tryparse(with_line('mutex.debug1.txt', 3, '1'*60000)))
t("heap text + maps, 60 KB hex and attribute lines", lambda: tryparse(((F/'heap.debug1.txt').read_text()+"\nMAPPED_LIBRARIES:\n"+'f'*60000+"\n"+'a'*60000+"=b\n").encode()))
fr = "#\t0x4f0444\tmain.sender" + "+0x24\t"*10000 + "x"
ls=(F/'goroutine.debug1.txt').read_text().split('\n'); ls[3:3]=[fr]*40
t("debug=1, 40 '#' lines of 60 KB (2.4 MB)", lambda: tryparse('\n'.join(ls).encode()))
d=(F/'goroutine.debug2.txt').read_text().split('\n'); d.insert(2,'\t'+' '*1000000+'x'); d.insert(4,'created by x'+' '*1000000+'y')
t("debug=2, 1 MB whitespace + 1 MB created-by line", lambda: tryparse('\n'.join(d).encode()))
data = gzip.compress(b'',mtime=0)*1_000_000 + (F/'goroutine.pb.gz').read_bytes()
t("1,000,000 empty gzip members (20 MB) + profile", lambda: parse(data))
rx = go_regexp('.*.*.*.*.*.*x'); t("-focus='.*.*.*.*.*.*x' on a 3000-char name", lambda: rx.search('a'*3000))
rx = go_regexp('a*a*a*a*a*a*b'); t("-ignore='a*a*a*a*a*a*b' on a 3000-char name", lambda: rx.search('a'*3000))
