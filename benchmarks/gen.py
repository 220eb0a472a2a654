#!/usr/bin/env python3
"""Generate realistic, deterministic pprof profiles for benchmarking.

    python benchmarks/gen.py --out benchmarks/data [--scales S,M,L,XL] [--kinds cpu,heap,goroutine]

Every file is a pure function of ``--seed`` (default 1): same seed, same bytes
(gzip mtime is pinned to 0).  Next to each ``<kind>-<scale>.pb.gz`` a
``<kind>-<scale>.json`` records what was generated (sample/stack/location
counts, sizes) and a regex for a mid-hot function that the runner uses for
``-peek`` and ``-list``.

What the profiles look like:

* a synthetic Go service ``github.com/acme/platform`` on top of ~26 third-party
  modules and ~50 standard-library packages, with thousands of functions named
  the way the Go runtime names them (``pkg/path.(*Type).Method``,
  ``pkg.Func.func1``, ``pkg.(*List[...]).Push``, ``gopkg.in/yaml%2ev3.F``);
* stacks rooted in ``runtime.goexit`` (HTTP server, gRPC server, worker pools),
  ``runtime.main``/``main.main``, ``runtime.mcall``/``runtime.mstart``
  (scheduler), GC workers; walked through a layered call graph with Zipf-skewed
  edges (hot paths, long tail), recursion for deep stacks (4-60 frames);
  allocation / memmove / map / syscall / GC-assist runtime tails at the leaf;
* some locations carry inlined frames (2-3 lines per location);
* pprof labels (string, plus numeric ones with units) on request-handling
  samples, so several samples share a stack, as in a real labelled profile.

Samples are encoded by hand (the hot loop: a million messages through the
protobuf runtime would be slow and memory-hungry); everything else is built
with ``profile_pb2``, and the first samples are cross-checked against
``profile_pb2.Sample.SerializeToString()``.  A serialized protobuf message may
be split anywhere between fields, so the file is: all samples, then the
``Profile`` (minus samples) serialized by ``profile_pb2``, much like the Go
runtime writes samples before locations, functions and the string table.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import hashlib
import json
import math
import os
import random
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from itertools import accumulate
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pprofsh.profile import profile_pb2 as pb  # noqa: E402

GEN_VERSION = 1

# scale: (samples, target distinct stacks, functions in the universe)
SCALES: dict[str, tuple[int, int, int]] = {
    "S": (10_000, 3_500, 1_500),
    "M": (100_000, 30_000, 4_000),
    "L": (1_000_000, 250_000, 10_000),
    "XL": (5_000_000, 1_000_000, 16_000),
}
KINDS = ("cpu", "heap", "goroutine")
GOROUTINES = 100_000
GOROUTINE_STACKS = 500
GOROUTINE_FUNCS = 4_000

CPU_PERIOD = 10_000_000  # 100 Hz
HEAP_PERIOD = 512 * 1024
TIME_NANOS = 1_700_000_000_000_000_000

# --------------------------------------------------------------------------- names

NOUNS = """account acl action adapter addr agent alert alloc api archive arena assign audit
auth backend backoff balance batch bind blob block bloom bucket buffer build bundle cache
call canary catalog cert channel check chunk cipher claim client clock cluster codec
collector column commit compact config conn consumer cursor dag delta digest dispatch doc
driver edge endpoint engine entry event evict export feature fetch field filter flag frame
gateway gauge graph group guard handle hash header health heap hint histogram hook host
index ingest inode invoice item job join journal key lease ledger limit link listener
loader lock log lookup manifest mapper match member merge message meter metric mirror
model monitor namespace node notify offset order owner packet page partition patch payload
peer pipeline plan plugin policy pool port predicate probe producer profile proxy quota
range rate reader record region registry relay replica report request resource retry ring
role route row rule sample scan schedule schema scope score segment selector sequence
session shard shipment signal sketch slot snapshot socket span split stage state store
stream summary table tag task tenant ticket timer token topic trace tracker transform tree
trigger tuple txn upload user value vector version view volume wal watch window worker
writer zone""".split()

VERBS = """add apply build check close compute create decode delete dispatch encode ensure
evaluate fetch find flush get handle init insert list load lookup marshal merge new open
parse process put read refresh register release remove render reset resolve run save scan
send serve set split start stop sync unmarshal update validate visit wait walk write
collect compare copy drain emit expand fill format grow hash index join match move normalize
pack poll prepare push query rank reduce replay retry rotate sample seek select shrink sort
trim unpack verify""".split()

STD_PKGS = [  # import path, layer range
    ("net/http", 6, 7),
    ("encoding/json", 8, 9),
    ("reflect", 10, 11),
    ("strconv", 11, 11),
    ("bytes", 10, 11),
    ("strings", 10, 11),
    ("fmt", 9, 10),
    ("sort", 10, 11),
    ("bufio", 9, 10),
    ("io", 9, 10),
    ("compress/gzip", 8, 9),
    ("compress/flate", 9, 10),
    ("crypto/tls", 8, 9),
    ("crypto/sha256", 10, 11),
    ("crypto/aes", 10, 11),
    ("context", 9, 10),
    ("time", 10, 11),
    ("regexp", 9, 10),
    ("regexp/syntax", 10, 11),
    ("encoding/binary", 10, 11),
    ("hash/crc32", 11, 11),
    ("math/big", 10, 11),
    ("database/sql", 7, 8),
    ("net", 9, 10),
    ("internal/poll", 10, 11),
    ("os", 9, 10),
    ("sync", 11, 11),
    ("unicode/utf8", 11, 11),
    ("text/template", 8, 9),
    ("html/template", 8, 8),
    ("encoding/base64", 10, 11),
    ("mime/multipart", 8, 9),
    ("net/url", 9, 10),
    ("log", 9, 10),
    ("container/heap", 10, 11),
    ("path/filepath", 10, 11),
    ("errors", 11, 11),
    ("io/fs", 10, 11),
    ("encoding/xml", 8, 9),
    ("crypto/x509", 8, 9),
    ("crypto/ecdsa", 9, 10),
    ("hash/fnv", 11, 11),
    ("math", 11, 11),
    ("unicode", 11, 11),
    ("net/textproto", 9, 10),
    ("crypto/hmac", 10, 11),
    ("encoding/hex", 11, 11),
    ("archive/tar", 8, 9),
    ("os/exec", 8, 9),
    ("sync/atomic", 11, 11),
]

THIRD_PARTY = [  # module, version, layer range
    ("google.golang.org/grpc", "v1.56.2", 5, 7),
    ("google.golang.org/protobuf", "v1.31.0", 6, 8),
    ("golang.org/x/net", "v0.12.0", 6, 8),
    ("github.com/prometheus/client_golang", "v1.16.0", 5, 7),
    ("go.uber.org/zap", "v1.24.0", 5, 7),
    ("github.com/jackc/pgx/v5", "v5.4.2", 5, 7),
    ("github.com/redis/go-redis/v9", "v9.0.5", 5, 7),
    ("github.com/gorilla/mux", "v1.8.0", 4, 5),
    ("github.com/klauspost/compress", "v1.16.7", 7, 9),
    ("github.com/golang/snappy", "v0.0.4", 8, 9),
    ("github.com/json-iterator/go", "v1.1.12", 7, 8),
    ("gopkg.in/yaml.v3", "v3.0.1", 7, 8),
    ("go.opentelemetry.io/otel/sdk", "v1.16.0", 5, 7),
    ("github.com/cespare/xxhash/v2", "v2.2.0", 9, 10),
    ("github.com/dgraph-io/badger/v4", "v4.1.0", 5, 7),
    ("github.com/segmentio/kafka-go", "v0.4.42", 5, 7),
    ("github.com/aws/aws-sdk-go-v2/service/s3", "v1.38.1", 5, 7),
    ("k8s.io/client-go", "v0.27.4", 5, 7),
    ("k8s.io/apimachinery", "v0.27.4", 6, 8),
    ("github.com/hashicorp/golang-lru/v2", "v2.0.4", 7, 8),
    ("go.etcd.io/bbolt", "v1.3.7", 6, 8),
    ("github.com/spf13/cobra", "v1.7.0", 1, 2),
    ("github.com/valyala/fastjson", "v1.6.4", 8, 9),
    ("github.com/google/uuid", "v1.3.0", 9, 10),
    ("github.com/sirupsen/logrus", "v1.9.3", 6, 8),
    ("github.com/RoaringBitmap/roaring", "v1.3.0", 7, 9),
]

APP_MODULE = "github.com/acme/platform"
APP_ROOT = "/build/platform"
APP_KINDS = [  # sub-path prefix, layer range, entry pool, weight
    ("internal/api", 0, 1, "api", 3),
    ("internal/grpcserver", 0, 1, "api", 1),
    ("internal/worker", 1, 2, "worker", 1),
    ("internal/service", 2, 3, None, 4),
    ("internal/domain", 3, 4, None, 3),
    ("internal/store", 4, 5, None, 3),
    ("pkg", 4, 6, None, 2),
    ("cmd/platform", 0, 1, "cmd", 0),
]
MAX_LAYER = 11

RUNTIME_FILES = {
    "goexit": "asm_amd64.s",
    "mcall": "asm_amd64.s",
    "systemstack": "asm_amd64.s",
    "mstart": "asm_amd64.s",
    "morestack": "asm_amd64.s",
    "memmove": "memmove_amd64.s",
    "memclrNoHeapPointers": "memclr_amd64.s",
    "futex": "sys_linux_amd64.s",
    "usleep": "sys_linux_amd64.s",
    "epollwait": "sys_linux_amd64.s",
    "duffcopy": "duff_amd64.s",
    "duffzero": "duff_amd64.s",
    "procyield": "asm_amd64.s",
    "osyield": "sys_linux_amd64.s",
    "memequal": "memequal_amd64.s",
    "aeshashbody": "asm_amd64.s",
    "cmpstring": "compare_amd64.s",
    "futexsleep": "os_linux.go",
    "futexwakeup": "os_linux.go",
    "notesleep": "lock_futex.go",
    "lock2": "lock_futex.go",
    "unlock2": "lock_futex.go",
    "netpoll": "netpoll_epoll.go",
    "netpollblock": "netpoll.go",
    "gcBgMarkWorker": "mgc.go",
    "gcBgMarkWorker.func2": "mgc.go",
    "gcDrain": "mgcmark.go",
    "gcDrainN": "mgcmark.go",
    "scanobject": "mgcmark.go",
    "greyobject": "mgcmark.go",
    "markroot": "mgcmark.go",
    "markroot.func1": "mgcmark.go",
    "scanstack": "mgcmark.go",
    "scanframeworker": "mgcmark.go",
    "scanblock": "mgcmark.go",
    "gcAssistAlloc": "mgcmark.go",
    "gcAssistAlloc.func1": "mgcmark.go",
    "gcAssistAlloc1": "mgcmark.go",
    "markBits.isMarked": "mbitmap.go",
    "findObject": "mbitmap.go",
    "heapBitsSetType": "mbitmap.go",
    "(*gcWork).balance": "mgcwork.go",
    "(*gcWork).tryGet": "mgcwork.go",
    "bgsweep": "mgcsweep.go",
    "sweepone": "mgcsweep.go",
    "(*sweepLocked).sweep": "mgcsweep.go",
    "bgscavenge": "mgcscavenge.go",
    "(*scavengerState).run": "mgcscavenge.go",
    "(*pageAlloc).scavenge": "mgcscavenge.go",
    "mallocgc": "malloc.go",
    "newobject": "malloc.go",
    "(*mcache).nextFree": "malloc.go",
    "nextFreeFast": "malloc.go",
    "(*mcache).refill": "mcache.go",
    "(*mcentral).cacheSpan": "mcentral.go",
    "(*mcentral).grow": "mcentral.go",
    "(*mheap).alloc": "mheap.go",
    "(*mheap).alloc.func1": "mheap.go",
    "(*mheap).allocSpan": "mheap.go",
    "(*mspan).nextFreeIndex": "mbitmap.go",
    "makeslice": "slice.go",
    "growslice": "slice.go",
    "mapaccess1_fast64": "map_fast64.go",
    "mapaccess2_faststr": "map_faststr.go",
    "mapassign_faststr": "map_faststr.go",
    "mapaccess2": "map.go",
    "hashGrow": "map.go",
    "makemap": "map.go",
    "concatstrings": "string.go",
    "rawstringtmp": "string.go",
    "rawstring": "string.go",
    "slicebytetostring": "string.go",
    "convTstring": "iface.go",
    "assertE2I2": "iface.go",
    "getitab": "iface.go",
    "chansend1": "chan.go",
    "chansend": "chan.go",
    "chanrecv1": "chan.go",
    "chanrecv2": "chan.go",
    "chanrecv": "chan.go",
    "selectgo": "select.go",
    "sellock": "select.go",
    "semacquire1": "sema.go",
    "newstack": "stack.go",
    "copystack": "stack.go",
    "main": "proc.go",
    "mstart0": "proc.go",
    "mstart1": "proc.go",
    "park_m": "proc.go",
    "schedule": "proc.go",
    "findrunnable": "proc.go",
    "stopm": "proc.go",
    "sysmon": "proc.go",
    "gopark": "proc.go",
    "goparkunlock": "proc.go",
    "runqgrab": "proc.go",
    "stealWork": "proc.go",
    "malg": "proc.go",
    "newproc": "proc.go",
    "newproc.func1": "proc.go",
    "newproc1": "proc.go",
    "allocm": "proc.go",
    "newm": "proc.go",
    "startm": "proc.go",
    "forcegchelper": "proc.go",
    "runfinq": "mfinal.go",
    "cgocall": "cgocall.go",
    "asmcgocall": "asm_amd64.s",
    "nanotime1": "sys_linux_amd64.s",
    "walltime": "timestub.go",
    "checkTimers": "proc.go",
    "runtimer": "time.go",
}

INLINABLE_SPECIALS = {
    "runtime.goparkunlock",
    "runtime.nextFreeFast",
    "runtime.(*mspan).nextFreeIndex",
    "runtime.markBits.isMarked",
    "internal/poll.(*pollDesc).waitRead",
    "internal/poll.(*pollDesc).wait",
    "sync.(*Mutex).Lock",
    "runtime.chanrecv1",
    "runtime.newobject",
    "runtime.convTstring",
    "runtime.rawstringtmp",
}

# Runtime tails appended at the leaf of CPU stacks (root -> leaf), with weights.
CPU_TAILS = [
    (
        10,
        [
            "runtime.newobject",
            "runtime.mallocgc",
            "runtime.(*mcache).nextFree",
            "runtime.(*mcache).refill",
            "runtime.(*mcentral).cacheSpan",
            "runtime.(*mcentral).grow",
            "runtime.(*mheap).alloc",
            "runtime.systemstack",
            "runtime.(*mheap).alloc.func1",
            "runtime.(*mheap).allocSpan",
        ],
    ),
    (6, ["runtime.makeslice", "runtime.mallocgc", "runtime.memclrNoHeapPointers"]),
    (5, ["runtime.growslice", "runtime.mallocgc", "runtime.nextFreeFast"]),
    (4, ["runtime.growslice", "runtime.memmove"]),
    (7, ["runtime.memmove"]),
    (4, ["runtime.mapaccess2_faststr", "runtime.aeshashbody"]),
    (3, ["runtime.mapaccess1_fast64"]),
    (3, ["runtime.mapassign_faststr", "runtime.hashGrow", "runtime.makemap"]),
    (3, ["runtime.concatstrings", "runtime.rawstringtmp", "runtime.rawstring", "runtime.mallocgc"]),
    (3, ["runtime.slicebytetostring", "runtime.mallocgc", "runtime.heapBitsSetType"]),
    (2, ["runtime.convTstring", "runtime.mallocgc"]),
    (2, ["runtime.assertE2I2", "runtime.getitab"]),
    (2, ["runtime.selectgo", "runtime.sellock", "runtime.lock2", "runtime.procyield"]),
    (2, ["runtime.chansend1", "runtime.chansend", "runtime.lock2", "runtime.futex"]),
    (2, ["sync.(*Mutex).Lock", "sync.(*Mutex).lockSlow", "runtime.procyield"]),
    (4, ["syscall.Syscall", "runtime/internal/syscall.Syscall6"]),
    (2, ["runtime.morestack", "runtime.newstack", "runtime.copystack", "runtime.memmove"]),
    (
        3,
        [
            "runtime.mallocgc",
            "runtime.gcAssistAlloc",
            "runtime.systemstack",
            "runtime.gcAssistAlloc.func1",
            "runtime.gcAssistAlloc1",
            "runtime.gcDrainN",
            "runtime.scanobject",
            "runtime.findObject",
        ],
    ),
    (2, ["runtime.memequal"]),
    (2, ["runtime.cmpstring"]),
    (2, ["internal/bytealg.IndexByteString"]),
    (1, ["runtime.duffcopy"]),
    (1, ["runtime.duffzero"]),
    (1, ["runtime.nanotime1"]),
    (1, ["runtime.cgocall", "runtime.asmcgocall"]),
]

# Whole runtime-only CPU stacks (root -> leaf); each emitted with a few leaf lines.
CPU_RUNTIME_STACKS = [
    [
        "runtime.goexit",
        "runtime.gcBgMarkWorker",
        "runtime.systemstack",
        "runtime.gcBgMarkWorker.func2",
        "runtime.gcDrain",
        "runtime.scanobject",
    ],
    [
        "runtime.goexit",
        "runtime.gcBgMarkWorker",
        "runtime.systemstack",
        "runtime.gcBgMarkWorker.func2",
        "runtime.gcDrain",
        "runtime.scanobject",
        "runtime.findObject",
    ],
    [
        "runtime.goexit",
        "runtime.gcBgMarkWorker",
        "runtime.systemstack",
        "runtime.gcBgMarkWorker.func2",
        "runtime.gcDrain",
        "runtime.scanobject",
        "runtime.greyobject",
    ],
    [
        "runtime.goexit",
        "runtime.gcBgMarkWorker",
        "runtime.systemstack",
        "runtime.gcBgMarkWorker.func2",
        "runtime.gcDrain",
        "runtime.scanobject",
        "runtime.markBits.isMarked",
    ],
    [
        "runtime.goexit",
        "runtime.gcBgMarkWorker",
        "runtime.systemstack",
        "runtime.gcBgMarkWorker.func2",
        "runtime.gcDrain",
        "runtime.markroot",
        "runtime.markroot.func1",
        "runtime.scanstack",
        "runtime.scanframeworker",
        "runtime.scanblock",
    ],
    [
        "runtime.goexit",
        "runtime.gcBgMarkWorker",
        "runtime.systemstack",
        "runtime.gcBgMarkWorker.func2",
        "runtime.gcDrain",
        "runtime.(*gcWork).balance",
    ],
    [
        "runtime.goexit",
        "runtime.gcBgMarkWorker",
        "runtime.systemstack",
        "runtime.gcBgMarkWorker.func2",
        "runtime.gcDrain",
        "runtime.(*gcWork).tryGet",
    ],
    [
        "runtime.mcall",
        "runtime.park_m",
        "runtime.schedule",
        "runtime.findrunnable",
        "runtime.stopm",
        "runtime.notesleep",
        "runtime.futexsleep",
        "runtime.futex",
    ],
    [
        "runtime.mcall",
        "runtime.park_m",
        "runtime.schedule",
        "runtime.findrunnable",
        "runtime.netpoll",
        "runtime.epollwait",
    ],
    [
        "runtime.mcall",
        "runtime.park_m",
        "runtime.schedule",
        "runtime.findrunnable",
        "runtime.stealWork",
        "runtime.runqgrab",
    ],
    [
        "runtime.mcall",
        "runtime.park_m",
        "runtime.schedule",
        "runtime.findrunnable",
        "runtime.checkTimers",
        "runtime.runtimer",
    ],
    [
        "runtime.mcall",
        "runtime.park_m",
        "runtime.schedule",
        "runtime.findrunnable",
        "runtime.stealWork",
        "runtime.checkTimers",
        "runtime.nanotime1",
    ],
    ["runtime.mstart", "runtime.mstart0", "runtime.mstart1", "runtime.sysmon", "runtime.usleep"],
    [
        "runtime.mstart",
        "runtime.mstart0",
        "runtime.mstart1",
        "runtime.sysmon",
        "runtime.netpoll",
        "runtime.epollwait",
    ],
    [
        "runtime.mstart",
        "runtime.mstart0",
        "runtime.mstart1",
        "runtime.schedule",
        "runtime.findrunnable",
        "runtime.stopm",
        "runtime.notesleep",
        "runtime.futexsleep",
        "runtime.futex",
    ],
    ["runtime.goexit", "runtime.bgsweep", "runtime.sweepone", "runtime.(*sweepLocked).sweep"],
    [
        "runtime.goexit",
        "runtime.bgscavenge",
        "runtime.(*scavengerState).run",
        "runtime.(*pageAlloc).scavenge",
        "runtime.systemstack",
        "runtime.lock2",
    ],
]

HEAP_TAILS = [
    (5, ["bytes.(*Buffer).grow", "bytes.growSlice"]),
    (3, ["strings.(*Builder).grow"]),
    (4, ["encoding/json.(*decodeState).literalStore"]),
    (3, ["reflect.New", "reflect.unsafe_New"]),
    (2, ["bufio.NewReaderSize"]),
    (2, ["bufio.NewWriterSize"]),
    (2, ["compress/flate.NewWriter", "compress/flate.(*compressor).init"]),
    (
        3,
        [
            "google.golang.org/protobuf/proto.UnmarshalOptions.unmarshal",
            "google.golang.org/protobuf/internal/impl.consumeBytes",
        ],
    ),
    (2, ["fmt.Sprintf", "fmt.newPrinter", "sync.(*Pool).Get"]),
    (2, ["strconv.FormatInt", "strconv.formatBits"]),
    (2, ["errors.New"]),
    (2, ["context.WithCancel", "context.newCancelCtx"]),
]

HEAP_RUNTIME_STACKS = [
    [
        "runtime.mstart",
        "runtime.mstart0",
        "runtime.mstart1",
        "runtime.schedule",
        "runtime.startm",
        "runtime.newm",
        "runtime.allocm",
    ],
    ["runtime.systemstack", "runtime.newproc.func1", "runtime.newproc1", "runtime.malg"],
]

SIZE_CLASSES = [
    8,
    16,
    24,
    32,
    48,
    64,
    80,
    96,
    112,
    128,
    144,
    160,
    176,
    192,
    208,
    224,
    240,
    256,
    288,
    320,
    352,
    384,
    416,
    448,
    480,
    512,
    576,
    640,
    704,
    768,
    896,
    1024,
    1152,
    1280,
    1408,
    1536,
    1792,
    2048,
    2304,
    2688,
    3072,
    3200,
    3456,
    4096,
    4864,
    5376,
    6144,
    6528,
    6784,
    6912,
    8192,
    9472,
    9728,
    10240,
    10880,
    12288,
    13568,
    14336,
    16384,
    18432,
    19072,
    20480,
    21760,
    24576,
    27264,
    28672,
    32768,
    40960,
    57344,
    65536,
    81920,
    131072,
    262144,
    1048576,
    4194304,
]

# goroutine profile: blocking tails (root -> leaf), every one ends in runtime.gopark
GOROUTINE_TAILS = [
    (6, ["runtime.chanrecv1", "runtime.chanrecv", "runtime.gopark"]),
    (4, ["runtime.chanrecv2", "runtime.chanrecv", "runtime.gopark"]),
    (4, ["runtime.chansend1", "runtime.chansend", "runtime.gopark"]),
    (8, ["runtime.selectgo", "runtime.gopark"]),
    (
        3,
        [
            "sync.(*WaitGroup).Wait",
            "sync.runtime_Semacquire",
            "runtime.semacquire1",
            "runtime.goparkunlock",
            "runtime.gopark",
        ],
    ),
    (
        3,
        [
            "sync.(*Mutex).Lock",
            "sync.(*Mutex).lockSlow",
            "sync.runtime_SemacquireMutex",
            "runtime.semacquire1",
            "runtime.goparkunlock",
            "runtime.gopark",
        ],
    ),
    (
        2,
        [
            "sync.(*RWMutex).RLock",
            "sync.runtime_SemacquireMutex",
            "runtime.semacquire1",
            "runtime.goparkunlock",
            "runtime.gopark",
        ],
    ),
    (
        2,
        [
            "sync.(*Cond).Wait",
            "sync.runtime_notifyListWait",
            "runtime.goparkunlock",
            "runtime.gopark",
        ],
    ),
    (3, ["time.Sleep", "runtime.gopark"]),
    (
        6,
        [
            "bufio.(*Reader).Read",
            "net.(*conn).Read",
            "net.(*netFD).Read",
            "internal/poll.(*FD).Read",
            "internal/poll.(*pollDesc).waitRead",
            "internal/poll.(*pollDesc).wait",
            "internal/poll.runtime_pollWait",
            "runtime.netpollblock",
            "runtime.gopark",
        ],
    ),
    (
        2,
        [
            "crypto/tls.(*Conn).Read",
            "crypto/tls.(*Conn).readRecord",
            "crypto/tls.(*Conn).readRecordOrCCS",
            "crypto/tls.(*Conn).readFromUntil",
            "bytes.(*Buffer).ReadFrom",
            "crypto/tls.(*atLeastReader).Read",
            "net.(*conn).Read",
            "net.(*netFD).Read",
            "internal/poll.(*FD).Read",
            "internal/poll.(*pollDesc).waitRead",
            "internal/poll.(*pollDesc).wait",
            "internal/poll.runtime_pollWait",
            "runtime.netpollblock",
            "runtime.gopark",
        ],
    ),
]

GOROUTINE_FIXED_STACKS = [  # (count, root -> leaf)
    (
        1,
        [
            "runtime.goexit",
            "runtime.main",
            "main.main",
            "main.run",
            "github.com/acme/platform/internal/worker.(*Pool).Wait",
            "sync.(*WaitGroup).Wait",
            "sync.runtime_Semacquire",
            "runtime.semacquire1",
            "runtime.goparkunlock",
            "runtime.gopark",
        ],
    ),
    (1, ["runtime.goexit", "runtime.forcegchelper", "runtime.gopark"]),
    (1, ["runtime.goexit", "runtime.bgsweep", "runtime.gopark"]),
    (1, ["runtime.goexit", "runtime.bgscavenge", "runtime.gopark"]),
    (1, ["runtime.goexit", "runtime.runfinq", "runtime.gopark"]),
    (8, ["runtime.goexit", "runtime.gcBgMarkWorker", "runtime.gopark"]),
    (1, ["runtime.goexit", "os/signal.loop", "os/signal.signal_recv"]),
    (
        1,
        [
            "runtime.goexit",
            "net/http.(*Server).ListenAndServe",
            "net/http.(*Server).Serve",
            "net.(*TCPListener).Accept",
            "net.(*TCPListener).accept",
            "net.(*netFD).accept",
            "internal/poll.(*FD).Accept",
            "internal/poll.(*pollDesc).waitRead",
            "internal/poll.(*pollDesc).wait",
            "internal/poll.runtime_pollWait",
            "runtime.netpollblock",
            "runtime.gopark",
        ],
    ),
    (
        1,
        [
            "runtime.goexit",
            "net/http.(*conn).serve",
            "net/http.serverHandler.ServeHTTP",
            "net/http.(*ServeMux).ServeHTTP",
            "net/http/pprof.handler.ServeHTTP",
            "runtime/pprof.(*Profile).WriteTo",
            "runtime/pprof.writeGoroutine",
            "runtime/pprof.writeRuntimeProfile",
            "runtime/pprof.runtime_goroutineProfileWithLabels",
        ],
    ),
]

HTTP_PREFIX = [
    "runtime.goexit",
    "net/http.(*conn).serve",
    "net/http.serverHandler.ServeHTTP",
    "github.com/gorilla/mux.(*Router).ServeHTTP",
    "net/http.HandlerFunc.ServeHTTP",
    "github.com/acme/platform/internal/middleware.Recover.func1",
    "net/http.HandlerFunc.ServeHTTP",
    "github.com/acme/platform/internal/middleware.Trace.func1",
    "net/http.HandlerFunc.ServeHTTP",
]
GRPC_PREFIX = [
    "runtime.goexit",
    "google.golang.org/grpc.(*Server).serveStreams.func1.2",
    "google.golang.org/grpc.(*Server).handleStream",
    "google.golang.org/grpc.(*Server).processUnaryRPC",
]
GRPC_SERVICES = ["Order", "Billing", "Inventory", "Shipping", "Catalog", "Account"]
GRPC_METHODS = ["Get", "List", "Create", "Update", "Delete", "Search", "Watch", "Batch"]
WORKER_PREFIX = [
    "runtime.goexit",
    "github.com/acme/platform/internal/worker.(*Pool).Start.func1",
    "github.com/acme/platform/internal/worker.(*Pool).runJob",
]
MAIN_PREFIX = [
    "runtime.goexit",
    "runtime.main",
    "main.main",
    "main.run",
    "github.com/spf13/cobra.(*Command).Execute",
    "github.com/spf13/cobra.(*Command).ExecuteC",
    "github.com/spf13/cobra.(*Command).execute",
]
KAFKA_PREFIX = [
    "runtime.goexit",
    "github.com/segmentio/kafka-go.(*Reader).run.func1",
    "github.com/acme/platform/internal/worker.(*Consumer).loop",
    "github.com/acme/platform/internal/worker.(*Consumer).handle",
]


def camel(*words: str, exported: bool = True) -> str:
    s = "".join(w[:1].upper() + w[1:] for w in words)
    return s if exported else s[:1].lower() + s[1:]


def func_prefix(import_path: str) -> str:
    """Symbol prefix the Go linker uses for a package ('.' in the last element -> %2e)."""
    if import_path == "main" or import_path.endswith("/cmd/platform"):
        return "main"
    head, _, last = import_path.rpartition("/")
    last = last.replace(".", "%2e")
    return f"{head}/{last}" if head else last


def module_cache_path(module: str, version: str) -> str:
    enc = "".join("!" + c.lower() if c.isupper() else c for c in module)
    return f"/root/go/pkg/mod/{enc}@{version}"


def split_pkg(name: str) -> str:
    """Import-path part of a Go symbol name."""
    slash = name.rfind("/")
    dot = name.find(".", slash + 1)
    return name[:dot] if dot >= 0 else name


def closure_depth(sym: str) -> int:
    i = sym.find(".func")
    return 0 if i < 0 else 1 + sym[i + 5 :].count(".")


def crc(s: str) -> int:
    return zlib.crc32(s.encode())


def go_regex_escape(s: str) -> str:
    return "".join("\\" + c if c in r"\.+*?()|[]{}^$" else c for c in s)


# --------------------------------------------------------------------------- universe


class Universe:
    """Functions (name, file, start line, size), packages and a layered call graph."""

    def __init__(self, seed: int, nfuncs: int):
        self.rng = random.Random(f"pprofsh-bench/{seed}/universe/{nfuncs}")
        self.name: list[str] = []
        self.file: list[str] = []
        self.start: list[int] = []
        self.span: list[int] = []
        self.layer: list[int] = []
        self.inl: list[bool] = []
        self.by_name: dict[str, int] = {}
        self.pools: dict[str, list[int]] = {"api": [], "worker": [], "cmd": []}
        self.layer_funcs: list[list[int]] = [[] for _ in range(MAX_LAYER + 1)]
        self.module_of: dict[str, tuple[str, str]] = {}
        for mod, ver, _, _ in THIRD_PARTY:
            self.module_of[mod] = (mod, ver)
        self._make_packages(nfuncs)
        self._make_graph()

    # -- functions
    def add(self, name: str, file: str, start: int, span: int, layer: int, inl: bool) -> int:
        fid = len(self.name)
        self.name.append(name)
        self.file.append(file)
        self.start.append(start)
        self.span.append(span)
        self.layer.append(layer)
        self.inl.append(inl)
        self.by_name[name] = fid
        return fid

    def file_for(self, import_path: str, fname: str) -> str:
        if import_path.startswith(APP_MODULE + "/"):
            return f"{APP_ROOT}/{import_path[len(APP_MODULE) + 1 :]}/{fname}"
        if import_path == "main":
            return f"{APP_ROOT}/cmd/platform/{fname}"
        for mod, ver, _, _ in THIRD_PARTY:
            if import_path == mod or import_path.startswith(mod + "/"):
                sub = import_path[len(mod) :]
                return f"{module_cache_path(mod, ver)}{sub}/{fname}"
        return f"/usr/local/go/src/{import_path}/{fname}"

    def special(self, name: str) -> int:
        """A named function used by fixed chains (runtime, net/http, grpc, ...)."""
        fid = self.by_name.get(name)
        if fid is not None:
            return fid
        pkg = split_pkg(name)
        h = crc(name)
        if pkg == "runtime":
            fname = RUNTIME_FILES.get(name[len("runtime.") :], "proc.go")
        else:
            stem = pkg.rsplit("/", 1)[-1].replace("%2e", ".")
            base = name[len(pkg) + 1 :].replace("(*", "").replace(")", "").split(".")[0]
            fname = (NOUNS[h % len(NOUNS)] if (h >> 8) % 3 else stem) + ".go"
            if base[:1].islower() and (h >> 12) % 2:
                fname = stem + ".go"
        ipath = pkg.replace("%2e", ".")
        if ipath == "main":
            ipath = APP_MODULE + "/cmd/platform"
        file = self.file_for(ipath, fname)
        span = 8 + (h >> 4) % 70
        start = 20 + (h >> 10) % 1800
        return self.add(name, file, start, span, MAX_LAYER, name in INLINABLE_SPECIALS)

    def chain(self, names: list[str]) -> list[int]:
        return [self.special(n) for n in names]

    # -- packages and functions
    def _make_packages(self, nfuncs: int) -> None:
        rng = self.rng
        # Fixed names every universe has, so prefixes and tails always resolve.
        for names in (HTTP_PREFIX, GRPC_PREFIX, WORKER_PREFIX, MAIN_PREFIX, KAFKA_PREFIX):
            self.chain(names)
        for _, names in CPU_TAILS + HEAP_TAILS + GOROUTINE_TAILS:
            self.chain(names)
        for names in CPU_RUNTIME_STACKS + HEAP_RUNTIME_STACKS:
            self.chain(names)
        for _, names in GOROUTINE_FIXED_STACKS:
            self.chain(names)
        for svc in GRPC_SERVICES:
            for m in GRPC_METHODS:
                self.special(f"{APP_MODULE}/gen/go/{svc.lower()}/v1._{svc}Service_{m}_Handler")
        ncmd = 0
        app_weights = [k[4] for k in APP_KINDS]
        used_subs: set[str] = set()
        third_idx = 0
        std_idx = 0
        while len(self.name) < nfuncs:
            r = rng.random()
            if ncmd < 1:
                kind = APP_KINDS[-1]
                ipath, lo, hi, pool = APP_MODULE + "/" + kind[0], kind[1], kind[2], kind[3]
                ncmd += 1
            elif r < 0.5:
                kind = rng.choices(APP_KINDS, app_weights)[0]
                sub = kind[0] + "/" + rng.choice(NOUNS)
                if rng.random() < 0.3:
                    sub += "/" + rng.choice(NOUNS)
                if sub in used_subs:
                    continue
                used_subs.add(sub)
                ipath, lo, hi, pool = APP_MODULE + "/" + sub, kind[1], kind[2], kind[3]
            elif r < 0.8:
                mod, _, lo, hi = THIRD_PARTY[third_idx % len(THIRD_PARTY)]
                ipath = mod
                if third_idx >= len(THIRD_PARTY):
                    ipath = mod + "/" + rng.choice(["internal/", "", "pkg/"]) + rng.choice(NOUNS)
                    if ipath in used_subs:
                        third_idx += 1
                        continue
                    used_subs.add(ipath)
                third_idx += 1
                pool = None
            else:
                path, lo, hi = STD_PKGS[std_idx % len(STD_PKGS)]
                ipath = path
                if std_idx >= len(STD_PKGS):
                    ipath = path + "/internal/" + rng.choice(NOUNS)
                    if ipath in used_subs:
                        std_idx += 1
                        continue
                    used_subs.add(ipath)
                std_idx += 1
                pool = None
            self._make_package(ipath, lo, hi, pool, rng.randint(4, 40))

    def _make_package(self, ipath: str, lo: int, hi: int, pool: str | None, n: int) -> None:
        rng = self.rng
        prefix = func_prefix(ipath)
        stem = ipath.rsplit("/", 1)[-1]
        files = [stem + ".go"] + [rng.choice(NOUNS) + ".go" for _ in range(rng.randint(0, 5))]
        files = list(dict.fromkeys(files))
        next_line = {f: rng.randint(10, 40) for f in files}
        types = []
        for _ in range(rng.randint(0, 5)):
            words = [rng.choice(NOUNS)] + ([rng.choice(NOUNS)] if rng.random() < 0.4 else [])
            types.append(camel(*words, exported=rng.random() < 0.6))
        generic_types = {t for t in types if rng.random() < 0.1}
        made: list[str] = []
        seen: set[str] = set()
        tries = 0
        while len(made) < n and tries < n * 5:
            tries += 1
            exported = rng.random() < 0.55
            method = camel(rng.choice(VERBS), rng.choice(NOUNS), exported=exported)
            r = rng.random()
            if types and r < 0.45:
                t = rng.choice(types)
                tname = t + "[...]" if t in generic_types else t
                sym = f"(*{tname}).{method}" if rng.random() < 0.75 else f"{tname}.{method}"
            elif made and r < 0.62:
                parent = rng.choice(made)
                if closure_depth(parent) >= 2:
                    continue
                k = rng.randint(1, 4)
                sym = f"{parent}.func{k}" if ".func" not in parent else f"{parent}.{k}"
            elif r < 0.66:
                sym = camel(rng.choice(VERBS), rng.choice(NOUNS)) + "[...]"
            else:
                sym = method
            if sym in seen:
                continue
            seen.add(sym)
            made.append(sym)
            name = f"{prefix}.{sym}"
            if name in self.by_name:
                continue
            fname = rng.choice(files)
            span = max(4, int(rng.lognormvariate(3.0, 0.7)))
            start = next_line[fname]
            next_line[fname] += span + rng.randint(2, 12)
            layer = rng.randint(lo, hi)
            inl = rng.random() < (0.06 if ".func" in sym else 0.16)
            fid = self.add(name, self.file_for(ipath, fname), start, span, layer, inl)
            self.layer_funcs[layer].append(fid)
            if pool and layer == lo and ".func" not in sym:
                self.pools[pool].append(fid)

    # -- call graph
    def _make_graph(self) -> None:
        rng = self.rng
        # Zipf popularity within each layer.
        self.layer_cum: list[tuple[list[int], list[float]]] = []
        for funcs in self.layer_funcs:
            order = funcs[:]
            rng.shuffle(order)
            cum, tot = [], 0.0
            for r, _ in enumerate(order):
                tot += 1.0 / (r + 3) ** 1.1
                cum.append(tot)
            self.layer_cum.append((order, cum))
        self.pool_cum = {}
        for k, funcs in self.pools.items():
            if not funcs:
                funcs = self.layer_funcs[2][:20] or self.layer_funcs[3][:20]
                self.pools[k] = funcs
            order = funcs[:]
            rng.shuffle(order)
            cum, tot = [], 0.0
            for r, _ in enumerate(order):
                tot += 1.0 / (r + 2) ** 1.2
                cum.append(tot)
            self.pool_cum[k] = (order, cum)
        n = len(self.name)
        self.down: list[tuple[tuple[int, ...], list[float]] | None] = [None] * n
        self.same: list[tuple[tuple[int, ...], list[float]] | None] = [None] * n
        for layer, funcs in enumerate(self.layer_funcs):
            for f in funcs:
                if layer >= 10 and rng.random() < 0.4:
                    ncallee = 0
                elif layer >= 8:
                    ncallee = rng.randint(1, 4)
                else:
                    ncallee = rng.randint(2, 7)
                down: list[int] = []
                same: list[int] = []
                for _ in range(ncallee):
                    off = rng.choices((1, 2, 3), (0.6, 0.28, 0.12))[0]
                    tl = min(MAX_LAYER, layer + off)
                    if tl == layer:
                        continue
                    down.append(self._pick_in_layer(tl))
                nsame = rng.choices((0, 1, 2, 3), (0.45, 0.3, 0.15, 0.1))[0]
                for _ in range(nsame):
                    same.append(f if rng.random() < 0.05 else self._pick_in_layer(layer))
                self.down[f] = self._edges(down)
                self.same[f] = self._edges(same)

    def _pick_in_layer(self, layer: int) -> int:
        while not self.layer_funcs[layer] and layer < MAX_LAYER:
            layer += 1
        order, cum = self.layer_cum[layer]
        if not order:
            return self.special("runtime.memmove")
        return order[bisect.bisect_right(cum, self.rng.random() * cum[-1])]

    def _edges(self, callees: list[int]) -> tuple[tuple[int, ...], list[float]] | None:
        callees = list(dict.fromkeys(callees))
        if not callees:
            return None
        cum, tot = [], 0.0
        for r, _ in enumerate(callees):
            tot += 1.0 / (r + 1) ** 1.3
            cum.append(tot)
        return tuple(callees), cum

    def pick_pool(self, rng: random.Random, pool: str) -> int:
        order, cum = self.pool_cum[pool]
        return order[bisect.bisect_right(cum, rng.random() * cum[-1])]

    def walk(self, rng: random.Random, frames: list[int], target: int) -> None:
        """Extend frames (root -> leaf) through the call graph toward target depth."""
        down, same, layer = self.down, self.same, self.layer
        rnd = rng.random
        br = bisect.bisect_right
        while len(frames) < target:
            f = frames[-1]
            need = target - len(frames)
            d, s = down[f], same[f]
            if s is not None and (
                d is None or (need > (MAX_LAYER - layer[f]) * 1.3 and rnd() < 0.7) or rnd() < 0.08
            ):
                e = s
            elif d is not None:
                e = d
            else:
                break
            ids, cum = e
            frames.append(ids[br(cum, rnd() * cum[-1])])


def weighted_table(items: list[tuple[float, list[str]]], u: Universe):
    cum, tot, chains = [], 0.0, []
    for w, names in items:
        tot += w
        cum.append(tot)
        chains.append(u.chain(names))
    return chains, cum


def pick(rng: random.Random, table) -> list[int]:
    chains, cum = table
    return chains[bisect.bisect_right(cum, rng.random() * cum[-1])]


# --------------------------------------------------------------------------- encoding


def uvarint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


class Strings:
    def __init__(self) -> None:
        self.table = [""]
        self.index = {"": 0}

    def __call__(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = len(self.table)
            self.table.append(s)
            self.index[s] = i
        return i


class Writer:
    """Interns locations, encodes samples, streams them into a gzip file."""

    CHECK_SAMPLES = 200

    def __init__(self, u: Universe, path: Path):
        self.u = u
        self.path = path
        self.tmp = path.with_name(path.name + ".tmp")
        self.raw = open(self.tmp, "wb")
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, compresslevel=1, mtime=0)
        self.buf: list[bytes] = []
        self.buflen = 0
        self.raw_bytes = 0
        self.strings = Strings()
        self.loc_index: dict[tuple[int, ...], int] = {}
        self.loc_keys: list[tuple[int, ...]] = []
        self.edge_cache: dict[int, int] = {}
        self.vcache: list[bytes] = [b"\x00"]  # varint of each location id
        self.nsamples = 0
        self.checked = 0
        self.depth_sum = 0
        self.depth_max = 0
        self.nstacks = 0
        self.nfuncs = len(u.name)
        self.flat = [0] * self.nfuncs
        self.cum = [0] * self.nfuncs
        self.total = 0

    # -- locations
    def locations(self, frames: list[int], leaf_variant: int) -> list[int]:
        """Root->leaf function frames to leaf-first location ids (with inlining).

        A callee g is inlined into its caller f when g is inlinable and the (f, g)
        edge says so (a fixed hash): then f's and g's lines share one location.
        """
        u = self.u
        inl, start, span = u.inl, u.start, u.span
        edge = self.edge_cache  # (f, g) -> location id of f calling g, or 0 if g is inlined
        out: list[int] = []
        n = len(frames)
        i = 0
        while i < n:
            f = frames[i]
            if i + 1 < n:
                g = frames[i + 1]
                ek = f * 1_048_576 + g
                lid = edge.get(ek)
                if lid is None:
                    if inl[g] and (f * 2654435761 + g * 40503) % 10 < 6:
                        lid = 0
                    else:
                        lid = self.intern((f, start[f] + 1 + (f * 31 + g * 17) % span[f]))
                    edge[ek] = lid
                if lid:
                    out.append(lid)
                    i += 1
                    continue
            j = i + 1
            while (
                j < n
                and j - i < 3
                and inl[frames[j]]
                and (frames[j - 1] * 2654435761 + frames[j] * 40503) % 10 < 6
            ):
                j += 1
            key: list[int] = []
            for k in range(j - 1, i - 1, -1):  # innermost first
                f = frames[k]
                if k + 1 < n:
                    g = frames[k + 1]
                    line = start[f] + 1 + (f * 31 + g * 17) % span[f]
                else:
                    line = start[f] + 1 + (f * 7 + leaf_variant * 13) % span[f]
                key.append(f)
                key.append(line)
            out.append(self.intern(tuple(key)))
            i = j
        out.reverse()
        return out

    def intern(self, key: tuple[int, ...]) -> int:
        lid = self.loc_index.get(key)
        if lid is None:
            lid = len(self.loc_keys) + 1
            self.loc_index[key] = lid
            self.loc_keys.append(key)
            self.vcache.append(uvarint(lid))
        return lid

    def encode_stack(self, locs: list[int]) -> bytes:
        vc = self.vcache
        body = b"".join([vc[x] for x in locs])
        return b"\x0a" + uvarint(len(body)) + body

    def stats(self, frames: list[int], value: int) -> None:
        cum = self.cum
        for f in set(frames):
            cum[f] += value
        self.flat[frames[-1]] += value
        self.total += value
        d = len(frames)
        self.depth_sum += d
        self.nstacks += 1
        if d > self.depth_max:
            self.depth_max = d

    # -- labels: list of (key, str or None, num, unit) -> encoded bytes
    def encode_labels(self, labels: list[tuple[str, str | None, int, str]]) -> bytes:
        s = self.strings
        out = []
        for key, sval, num, unit in labels:
            body = b"\x08" + uvarint(s(key))
            if sval is not None:
                body += b"\x10" + uvarint(s(sval))
            else:
                if num:
                    body += b"\x18" + uvarint(num)
                if unit:
                    body += b"\x20" + uvarint(s(unit))
            out.append(b"\x1a" + uvarint(len(body)) + body)
        return b"".join(out)

    def sample(
        self,
        stack_bytes: bytes,
        values: list[int],
        label_bytes: bytes,
        check: tuple[list[int], list[tuple[str, str | None, int, str]]] | None = None,
    ) -> None:
        vals = b"".join([uvarint(v) for v in values])
        body = stack_bytes + b"\x12" + uvarint(len(vals)) + vals + label_bytes
        rec = b"\x12" + uvarint(len(body)) + body
        if check is not None and self.checked < self.CHECK_SAMPLES:
            self.checked += 1
            locs, labels = check
            s = self.strings
            ref = pb.Sample(location_id=locs, value=values)
            for key, sval, num, unit in labels:
                lab = ref.label.add(key=s(key))
                if sval is not None:
                    lab.str = s(sval)
                else:
                    lab.num = num
                    if unit:
                        lab.num_unit = s(unit)
            if ref.SerializeToString() != body:
                raise AssertionError("hand-encoded sample differs from profile_pb2's encoding")
        self.buf.append(rec)
        self.buflen += len(rec)
        self.nsamples += 1
        if self.buflen > 1 << 20:
            self.flush()

    def flush(self) -> None:
        data = b"".join(self.buf)
        self.gz.write(data)
        self.raw_bytes += len(data)
        self.buf = []
        self.buflen = 0

    def finish(
        self,
        sample_types: list[tuple[str, str]],
        period_type: tuple[str, str],
        period: int,
        duration: int,
        time_nanos: int,
        default_sample_type: str | None = None,
    ) -> dict:
        self.flush()
        u = self.u
        s = self.strings
        p = pb.Profile()
        for t, unit in sample_types:
            p.sample_type.add(type=s(t), unit=s(unit))
        # Function ids in first-use order, as the Go runtime assigns them.
        fid_map: dict[int, int] = {}
        for key in self.loc_keys:
            for k in range(0, len(key), 2):
                f = key[k]
                if f not in fid_map:
                    fid_map[f] = len(fid_map) + 1
        # Mappings: the binary (text segment sized to fit), plus libraries and [vdso].
        outer_count: dict[int, int] = {}
        for key in self.loc_keys:
            outer_count[key[-2]] = outer_count.get(key[-2], 0) + 1
        base: dict[int, int] = {}
        addr = 0x401000
        for f in sorted(fid_map, key=fid_map.get):
            base[f] = addr
            addr += (4 * outer_count.get(f, 0) + 64 + 15) & ~15
        text_end = (addr + 0xFFFF) & ~0xFFFF
        build_id = hashlib.sha1("\n".join(u.name).encode()).hexdigest()
        p.mapping.add(
            id=1,
            memory_start=0x400000,
            memory_limit=text_end,
            file_offset=0,
            filename=s("/usr/local/bin/platform"),
            build_id=s(build_id),
            has_functions=True,
            has_filenames=True,
            has_line_numbers=True,
            has_inline_frames=True,
        )
        libs = [
            ("/usr/lib/x86_64-linux-gnu/libc.so.6", 0x7F3A1C000000, 0x7F3A1C195000),
            ("/usr/lib/x86_64-linux-gnu/libpthread.so.0", 0x7F3A1C400000, 0x7F3A1C411000),
            ("[vdso]", 0x7FFD4B3F2000, 0x7FFD4B3F4000),
        ]
        for i, (fname, lo, hi) in enumerate(libs, start=2):
            p.mapping.add(id=i, memory_start=lo, memory_limit=hi, filename=s(fname))
        next_off: dict[int, int] = {}
        for lid, key in enumerate(self.loc_keys, start=1):
            outer = key[-2]
            off = next_off.get(outer, 0)
            next_off[outer] = off + 1
            loc = p.location.add(id=lid, mapping_id=1, address=base[outer] + 4 * off + 3)
            for k in range(0, len(key), 2):
                loc.line.add(function_id=fid_map[key[k]], line=key[k + 1])
        for f, fid in fid_map.items():
            nm = s(u.name[f])
            p.function.add(
                id=fid, name=nm, system_name=nm, filename=s(u.file[f]), start_line=u.start[f]
            )
        p.period_type.type = s(period_type[0])
        p.period_type.unit = s(period_type[1])
        p.period = period
        p.duration_nanos = duration
        p.time_nanos = time_nanos
        if default_sample_type:
            p.default_sample_type = s(default_sample_type)
        p.string_table.extend(s.table)
        tail = p.SerializeToString()
        self.gz.write(tail)
        self.raw_bytes += len(tail)
        self.gz.close()
        self.raw.close()
        os.replace(self.tmp, self.path)
        return {
            "samples": self.nsamples,
            "distinct_stacks": self.nstacks,
            "locations": len(self.loc_keys),
            "functions": len(fid_map),
            "inlined_locations": sum(1 for k in self.loc_keys if len(k) > 2),
            "strings": len(s.table),
            "mean_depth": round(self.depth_sum / max(1, self.nstacks), 2),
            "max_depth": self.depth_max,
            "raw_bytes": self.raw_bytes,
            "gz_bytes": self.path.stat().st_size,
        }

    def mid_hot(self, exclude: set[int]) -> tuple[str, float]:
        """A function with 1-8% cum that is not part of a fixed prefix: for -peek/-list."""
        u = self.u
        total = max(1, self.total)
        order = sorted(range(self.nfuncs), key=lambda f: (-self.cum[f], f))
        fallback = None
        for f in order:
            frac = self.cum[f] / total
            name = u.name[f]
            if f in exclude or name.startswith(("runtime.", "main.", "sync.", "syscall.")):
                continue
            if fallback is None:
                fallback = (name, frac)
            if 0.01 <= frac <= 0.08:
                return name, frac
        return fallback or (u.name[order[0]], self.cum[order[0]] / total)


# --------------------------------------------------------------------------- label pools


def label_pool(rng: random.Random, n: int) -> list[list[tuple[str, str | None, int, str]]]:
    handlers = []
    for _ in range(60):
        parts = ["api", rng.choice(["v1", "v1", "v2"]), rng.choice(NOUNS) + "s"]
        if rng.random() < 0.6:
            parts.append("{id}")
        if rng.random() < 0.3:
            parts.append(rng.choice(NOUNS))
        handlers.append("/" + "/".join(parts))
    rpcs = [f"/{s.lower()}.v1.{s}Service/{m}" for s in GRPC_SERVICES for m in GRPC_METHODS]
    regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
    pool = []
    seen = set()
    while len(pool) < n:
        lab: list[tuple[str, str | None, int, str]] = []
        if rng.random() < 0.7:
            lab.append(("handler", rng.choice(handlers), 0, ""))
        else:
            lab.append(("rpc", rng.choice(rpcs), 0, ""))
        t = min(int(rng.paretovariate(0.9)), 400)
        lab.append(("tenant", f"tenant-{t:04d}", 0, ""))
        if rng.random() < 0.1:
            lab.append(("region", rng.choice(regions), 0, ""))
        if rng.random() < 0.1:
            lab.append(("request_bytes", None, 1 << rng.randint(6, 22), "bytes"))
        if rng.random() < 0.06:
            lab.append(("queue_wait", None, rng.randint(1, 50) * 10_000, "nanoseconds"))
        key = tuple(lab)
        if key in seen:
            continue
        seen.add(key)
        pool.append(lab)
    return pool


def worker_label_pool(rng: random.Random, n: int) -> list[list[tuple[str, str | None, int, str]]]:
    pool = []
    for i in range(n):
        lab: list[tuple[str, str | None, int, str]] = [
            (
                "job",
                rng.choice(["ingest", "compact", "reindex", "export", "gc", "billing-run"]),
                0,
                "",
            ),
            ("shard", f"{i:03d}", 0, ""),
        ]
        if rng.random() < 0.3:
            lab.append(("batch_size", None, rng.choice([64, 128, 256, 512, 1024]), "count"))
        pool.append(lab)
    return pool


# --------------------------------------------------------------------------- generators


def depth_target(rng: random.Random) -> int:
    return min(60, 4 + int(rng.lognormvariate(2.38, 0.58)))


def app_roots(u: Universe):
    grpc_handlers = [
        f"{APP_MODULE}/gen/go/{s.lower()}/v1._{s}Service_{m}_Handler"
        for s in GRPC_SERVICES
        for m in GRPC_METHODS
    ]
    return (
        [
            # weight, prefix ids (root->leaf), entry pool, label pool name
            (0.40, u.chain(HTTP_PREFIX), "api", "req"),
            (0.28, None, "api", "req"),  # gRPC: prefix + per-method handler
            (0.14, u.chain(WORKER_PREFIX), "worker", "job"),
            (0.08, u.chain(KAFKA_PREFIX), "worker", "job"),
            (0.10, u.chain(MAIN_PREFIX), "cmd", None),
        ],
        u.chain(GRPC_PREFIX),
        [u.special(h) for h in grpc_handlers],
    )


class StackSource:
    """Yields distinct (frames, leaf_variant, label pool) for app stacks."""

    def __init__(
        self,
        u: Universe,
        rng: random.Random,
        tails,
        tail_prob: float,
        seen: set[int],
        truncate_tails: bool = True,
    ):
        self.u = u
        self.rng = rng
        self.roots, self.grpc_prefix, self.grpc_handlers = app_roots(u)
        self.root_cum = []
        tot = 0.0
        for r in self.roots:
            tot += r[0]
            self.root_cum.append(tot)
        self.tails = tails
        self.tail_prob = tail_prob
        self.seen = seen
        self.truncate_tails = truncate_tails
        self.dups = 0

    def next(self, target: int | None = None) -> tuple[list[int], int, str | None] | None:
        rng, u = self.rng, self.u
        for _ in range(2000):
            root = self.roots[bisect.bisect_right(self.root_cum, rng.random() * self.root_cum[-1])]
            _, prefix, pool, labels = root
            if prefix is None:
                frames = self.grpc_prefix + [
                    self.grpc_handlers[int(rng.paretovariate(1.2)) % len(self.grpc_handlers)]
                ]
            else:
                frames = list(prefix)
                if prefix[1] == u.by_name["net/http.(*conn).serve"]:
                    # drop some middleware layers: not every route has all of them
                    cut = rng.choice((5, 7, 9, 9))
                    frames = frames[:cut]
            frames.append(u.pick_pool(rng, pool))
            t = target if target is not None else depth_target(rng)
            tail = None
            if self.tails is not None and rng.random() < self.tail_prob:
                tail = pick(rng, self.tails)
                if self.truncate_tails:
                    tail = tail[: int(len(tail) * rng.random()) + 1]
                t = max(len(frames) + 1, t - len(tail))
            u.walk(rng, frames, t)
            if tail:
                frames.extend(tail)
            variant = rng.randrange(3)
            key = hash((tuple(frames), variant))
            if key in self.seen:
                self.dups += 1
                continue
            self.seen.add(key)
            return frames, variant, labels
        return None


def gen_cpu_or_heap(kind: str, scale: str, seed: int, out: Path, base: bool) -> dict:
    nsamples, nstacks, nfuncs = SCALES[scale]
    t0 = time.time()
    u = Universe(seed, nfuncs)
    rng = random.Random(f"pprofsh-bench/{seed}/{kind}/{scale}/stacks")
    vrng = random.Random(f"pprofsh-bench/{seed}/{kind}/{scale}/values")
    brng = random.Random(f"pprofsh-bench/{seed}/{kind}/{scale}/base")
    name = f"{kind}-{scale}{'-base' if base else ''}"
    w = Writer(u, out / f"{name}.pb.gz")
    pools = {"req": label_pool(rng, 1024), "job": worker_label_pool(rng, 256)}
    enc_pools = {k: [w.encode_labels(lab) for lab in v] for k, v in pools.items()}
    pool_cum = {
        k: list(accumulate(1.0 / (r + 1) ** 1.2 for r in range(len(v)))) for k, v in pools.items()
    }
    mean_variants = nsamples / nstacks
    seen: set[int] = set()
    is_cpu = kind == "cpu"
    tails = weighted_table(CPU_TAILS if is_cpu else HEAP_TAILS, u)
    src = StackSource(u, rng, tails, 0.45 if is_cpu else 0.5, seen)
    base_drop = 0
    size_labels: dict[int, tuple[list, bytes]] = {}

    planned = 0  # samples of the main profile (a base profile drops some)

    def emit(frames: list[int], variant: int, labels: str | None, hot: float, nvar: int) -> None:
        nonlocal base_drop, planned
        locs = w.locations(frames, variant)
        sb = w.encode_stack(locs)
        total = 0
        if labels is None:
            nvar = 1
        planned += nvar
        lab_enc = enc_pools[labels] if labels else None
        labs = pools[labels] if labels else None
        lab_cum = pool_cum[labels] if labels else None
        used: set[int] = set()
        base_f = math.exp(brng.gauss(0.0, 0.45)) if base else 1.0
        if base:
            if brng.random() < 0.08:
                base_f = 0.0  # new code paths: absent from the base
            elif frames[-1] % 13 == 0:
                base_f *= 0.4  # regressions: these leaves got hotter since the base
            elif frames[-1] % 17 == 0:
                base_f *= 1.8  # improvements
        if is_cpu:
            for j in range(nvar):
                c = 1 + int(hot * vrng.expovariate(1.0) * 2.0)
                total += c
                if labels is not None and (j > 0 or rng.random() < 0.8):
                    # Zipf-skewed label sets (hot tenants/handlers), distinct within a stack
                    li = bisect.bisect_right(lab_cum, rng.random() * lab_cum[-1])
                    while li in used:
                        li = (li + 1) % len(lab_cum)
                    used.add(li)
                    lb, chk = lab_enc[li], labs[li]
                else:
                    lb, chk = b"", []
                if base:
                    c = int(c * base_f + brng.random())
                    if c <= 0:
                        base_drop += 1
                        continue
                w.sample(sb, [c, c * CPU_PERIOD], lb, (locs, chk))
        else:
            sizes = rng.sample(SIZE_CLASSES, min(nvar, len(SIZE_CLASSES)))
            for size in sizes:
                # the runtime scales sampled counts up by the sampling rate
                n = 1 + int(hot * vrng.expovariate(1.0) * max(1.0, 4096 / size))
                inuse = 0 if vrng.random() < 0.4 else int(n * vrng.random())
                total += inuse * size
                if base:
                    n = int(n * base_f + brng.random())
                    inuse = min(n, int(inuse * base_f))
                    if n <= 0:
                        base_drop += 1
                        continue
                lab = size_labels.get(size)
                if lab is None:
                    lab = size_labels[size] = ([("bytes", None, size, "")], b"")
                    lab = size_labels[size] = (lab[0], w.encode_labels(lab[0]))
                w.sample(sb, [n, n * size, inuse, inuse * size], lab[1], (locs, lab[0]))
        w.stats(frames, total)

    # Runtime-only stacks first (GC, scheduler, sysmon ...): few and hot.
    fixed = CPU_RUNTIME_STACKS if is_cpu else HEAP_RUNTIME_STACKS
    for names in fixed:
        for variant in range(3):
            frames = u.chain(names)
            seen.add(hash((tuple(frames), variant)))
            emit(frames, variant, None, rng.lognormvariate(2.5, 0.8), 1)
    while planned < nsamples:
        got = src.next()
        if got is None:
            break
        frames, variant, labels = got
        hot = rng.lognormvariate(0.0, 1.1)
        if labels is None:
            nvar = 1
        else:
            nvar = 1 + int(rng.expovariate(1.0) * (mean_variants - 1) * 1.25)
        nvar = min(nvar, nsamples - planned)
        emit(frames, variant, labels, hot, max(1, nvar))

    exclude = set()
    for names in (HTTP_PREFIX, GRPC_PREFIX, WORKER_PREFIX, MAIN_PREFIX, KAFKA_PREFIX):
        exclude.update(u.chain(names))
    hot_name, hot_frac = w.mid_hot(exclude)
    if is_cpu:
        duration = max(1, w.total * CPU_PERIOD // 12)  # as if ~12 cores were busy
        meta = w.finish(
            [("samples", "count"), ("cpu", "nanoseconds")],
            ("cpu", "nanoseconds"),
            CPU_PERIOD,
            duration,
            TIME_NANOS - (3600 * 10**9 if base else 0),
        )
    else:
        meta = w.finish(
            [
                ("alloc_objects", "count"),
                ("alloc_space", "bytes"),
                ("inuse_objects", "count"),
                ("inuse_space", "bytes"),
            ],
            ("space", "bytes"),
            HEAP_PERIOD,
            0,
            TIME_NANOS,
        )
    meta.update(common_meta(kind, scale, seed, name, t0))
    meta.update(
        {
            "universe_functions": len(u.name),
            "duplicate_walks": src.dups,
            "base_dropped_samples": base_drop if base else 0,
            "hot_function": hot_name,
            "hot_function_cum_fraction": round(hot_frac, 4),
            "peek_regex": "^" + go_regex_escape(hot_name) + "$",
            "list_regex": "^" + go_regex_escape(hot_name) + "$",
        }
    )
    return meta


def gen_goroutine(seed: int, out: Path) -> dict:
    t0 = time.time()
    u = Universe(seed, GOROUTINE_FUNCS)
    rng = random.Random(f"pprofsh-bench/{seed}/goroutine/stacks")
    w = Writer(u, out / "goroutine.pb.gz")
    seen: set[int] = set()
    tails = weighted_table(GOROUTINE_TAILS, u)
    src = StackSource(u, rng, tails, 1.0, seen, truncate_tails=False)
    pools = {"req": label_pool(rng, 512), "job": worker_label_pool(rng, 64)}
    stacks = []
    for count, names in GOROUTINE_FIXED_STACKS:
        stacks.append((u.chain(names), 0, None, count))
    nfixed = sum(c for c, _ in GOROUTINE_FIXED_STACKS)
    for _ in range(GOROUTINE_STACKS - len(stacks)):
        got = src.next(target=min(40, 3 + int(rng.lognormvariate(2.2, 0.45))))
        if got is None:
            break
        frames, variant, labels = got
        stacks.append((frames, variant, labels, 0))
    # Counts: one leak holding ~40% of all goroutines, a few big pools, a long tail.
    nvar = len(stacks) - len(GOROUTINE_FIXED_STACKS)
    weights = [1.0 / (r + 1) ** 1.15 for r in range(nvar)]
    weights[0] *= 8
    remaining = GOROUTINES - nfixed - nvar
    tot = sum(weights)
    counts = [1 + int(remaining * x / tot) for x in weights]
    counts[0] += GOROUTINES - nfixed - sum(counts)
    order = list(range(nvar))
    rng.shuffle(order)
    for i, (frames, variant, labels, c) in enumerate(stacks):
        if i >= len(GOROUTINE_FIXED_STACKS):
            c = counts[order[i - len(GOROUTINE_FIXED_STACKS)]]
        locs = w.locations(frames, variant)
        sb = w.encode_stack(locs)
        if labels is not None and c > 3 and rng.random() < 0.5:
            parts = rng.randint(2, min(6, c))
            cuts = sorted(rng.sample(range(1, c), parts - 1))
            shares = [b - a for a, b in zip([0] + cuts, cuts + [c])]
            start = rng.randrange(len(pools[labels]))
            for j, share in enumerate(shares):
                lab = pools[labels][(start + j) % len(pools[labels])]
                w.sample(sb, [share], w.encode_labels(lab), (locs, lab))
        else:
            w.sample(sb, [c], b"", (locs, []))
        w.stats(frames, c)
    exclude = set()
    for names in (HTTP_PREFIX, GRPC_PREFIX, WORKER_PREFIX, MAIN_PREFIX, KAFKA_PREFIX):
        exclude.update(u.chain(names))
    hot_name, hot_frac = w.mid_hot(exclude)
    meta = w.finish([("goroutine", "count")], ("goroutine", "count"), 1, 0, TIME_NANOS)
    meta.update(common_meta("goroutine", "-", seed, "goroutine", t0))
    meta.update(
        {
            "goroutines": GOROUTINES,
            "hot_function": hot_name,
            "hot_function_cum_fraction": round(hot_frac, 4),
            "peek_regex": "^" + go_regex_escape(hot_name) + "$",
            "list_regex": "^" + go_regex_escape(hot_name) + "$",
        }
    )
    return meta


def common_meta(kind: str, scale: str, seed: int, name: str, t0: float) -> dict:
    return {
        "name": name,
        "kind": kind,
        "scale": scale,
        "seed": seed,
        "generator_version": GEN_VERSION,
        "file": f"{name}.pb.gz",
        "seconds": round(time.time() - t0, 2),
    }


def verify(path: Path, meta: dict) -> None:
    p = pb.Profile()
    p.ParseFromString(gzip.decompress(path.read_bytes()))
    assert len(p.sample) == meta["samples"], (len(p.sample), meta["samples"])
    assert len(p.location) == meta["locations"]
    assert len(p.function) == meta["functions"]
    loc_ids = {loc.id for loc in p.location}
    fn_ids = {fn.id for fn in p.function}
    for loc in p.location:
        for ln in loc.line:
            assert ln.function_id in fn_ids
    for s in p.sample[:: max(1, len(p.sample) // 5000)]:
        assert all(x in loc_ids for x in s.location_id)
        assert len(s.value) == len(p.sample_type)
    for fn in p.function:
        assert 0 < fn.name < len(p.string_table)


# --------------------------------------------------------------------------- driver


def task(spec: tuple[str, str, int, str, bool, bool]) -> dict:
    kind, scale, seed, out, base, check = spec
    outp = Path(out)
    if kind == "goroutine":
        meta = gen_goroutine(seed, outp)
    else:
        meta = gen_cpu_or_heap(kind, scale, seed, outp, base)
    if check:
        verify(outp / meta["file"], meta)
        meta["verified"] = True
    (outp / f"{meta['name']}.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def up_to_date(out: Path, name: str, seed: int) -> bool:
    mp = out / f"{name}.json"
    if not mp.exists() or not (out / f"{name}.pb.gz").exists():
        return False
    try:
        meta = json.loads(mp.read_text())
    except ValueError:
        return False
    return meta.get("seed") == seed and meta.get("generator_version") == GEN_VERSION


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "data"))
    ap.add_argument("--scales", default="S,M,L", help="comma list of S,M,L,XL (default S,M,L)")
    ap.add_argument(
        "--kinds",
        default="cpu,heap,goroutine",
        help="comma list of cpu,heap,goroutine (goroutine has one fixed size)",
    )
    ap.add_argument(
        "--base-scales",
        default="M",
        help="scales that also get a '-base' cpu profile for -base (default M)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", "-j", type=int, default=1, help="generate files in parallel")
    ap.add_argument("--force", action="store_true", help="regenerate files that are up to date")
    ap.add_argument(
        "--verify",
        action="store_true",
        help="parse every written file back with profile_pb2 and check it",
    )
    args = ap.parse_args(argv)

    scales = [s.strip().upper() for s in args.scales.split(",") if s.strip()]
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    bases = {s.strip().upper() for s in args.base_scales.split(",") if s.strip()}
    for s in scales + sorted(bases):
        if s not in SCALES:
            ap.error(f"unknown scale {s!r}")
    for k in kinds:
        if k not in KINDS:
            ap.error(f"unknown kind {k!r}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    specs = []
    for scale in sorted(scales, key=list(SCALES).index):
        for kind in kinds:
            if kind == "goroutine":
                continue
            specs.append((kind, scale, args.seed, str(out), False, args.verify))
            if kind == "cpu" and scale in bases:
                specs.append((kind, scale, args.seed, str(out), True, args.verify))
    if "goroutine" in kinds:
        specs.insert(0, ("goroutine", "-", args.seed, str(out), False, args.verify))

    todo = []
    for spec in specs:
        kind, scale, _, _, base, _ = spec
        name = "goroutine" if kind == "goroutine" else f"{kind}-{scale}{'-base' if base else ''}"
        if not args.force and up_to_date(out, name, args.seed):
            print(f"{name}: up to date (use --force to regenerate)")
            continue
        todo.append(spec)

    def report(meta: dict) -> None:
        print(
            f"{meta['name']}: {meta['gz_bytes'] / 1e6:.2f} MB gz "
            f"({meta['raw_bytes'] / 1e6:.1f} MB raw), "
            f"{meta['samples']} samples, {meta['distinct_stacks']} stacks, "
            f"{meta['locations']} locations, {meta['functions']} functions, depth "
            f"{meta['mean_depth']} mean / {meta['max_depth']} max, {meta['seconds']}s",
            flush=True,
        )

    if args.jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as ex:
            for meta in ex.map(task, todo):
                report(meta)
    else:
        for spec in todo:
            report(task(spec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
