// Command goref prints what Go 1.19 answers for the standard-library behaviour
// pprofsh reproduces in pprofsh/go.py (other than float formatting, which
// tests/measurement_oracle covers), as the expected values for tests/test_go.py.
//
// It imports only the standard library and its inputs are fixed, so the output
// is stable. Regenerate the committed table with (from the repository root):
//
//	sh tests/goref/regen.sh
//
// Output: tab separated lines "function<TAB>input<TAB>Go's answer". Strings
// (inputs and answers) are written as hex of their bytes, so that tabs,
// newlines and invalid UTF-8 survive; integers in decimal; a pair as "a,b";
// float64 inputs as the hex of their IEEE 754 bits.
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

func h(s string) string { return hex.EncodeToString([]byte(s)) }

func main() {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()

	quoted := []string{
		"", "plain", `a"b`, `back\slash`, "tab\there", "new\nline", "cr\r", "bell\a",
		"\b\f\v", "\x00\x01\x1f", "\x7f", "é", "日本", "\u200b", "\u00a0", "\U0001F600",
		"\xff", "a\x80b", "\xc3", "\xed\xa0\x80", "\x1b[2J", "\u2028", "\ufeff", "~",
	}
	for _, s := range quoted {
		fmt.Fprintf(w, "quote\t%s\t%s\n", h(s), h(strconv.Quote(s)))
	}

	paths := []string{
		"", "/", "//", "///", "a", "/a", "a/", "/a/b/", "a/b/c.go", "./a", "../a", "a/../..",
		"/../a", "a//b", "//a", "///a", "/a/./b/../c/", ".", "..", "a/.", "a/..", "/a/b/c/../../d",
		"x/y/../../../z", "/usr/lib/go-1.19/src/runtime/proc.go",
	}
	for _, p := range paths {
		fmt.Fprintf(w, "base\t%s\t%s\n", h(p), h(filepath.Base(p)))
		fmt.Fprintf(w, "clean\t%s\t%s\n", h(p), h(filepath.Clean(p)))
	}

	bools := []string{"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false",
		"False", "", "yes", "no", "tRuE", "2", " true", "y"}
	for _, s := range bools {
		v, err := strconv.ParseBool(s)
		ans := strconv.FormatBool(v)
		if err != nil {
			ans = "error"
		}
		fmt.Fprintf(w, "parse_bool\t%s\t%s\n", h(s), h(ans))
	}

	ints := []int64{0, 1, -1, 2, -2, 7, -7, 3, 1000000007, math.MaxInt64, math.MinInt64,
		math.MaxInt64 - 1, math.MinInt64 + 1, 1 << 32, -(1 << 32), 1 << 62, 4611686018427387903}
	for _, a := range ints {
		for _, b := range ints {
			fmt.Fprintf(w, "add\t%d,%d\t%d\n", a, b, a+b)
			fmt.Fprintf(w, "mul\t%d,%d\t%d\n", a, b, a*b)
			if b != 0 {
				fmt.Fprintf(w, "div\t%d,%d\t%d\n", a, b, a/b)
			}
		}
	}

	// int64(math.Round(x)): how pprof scales sample values (Profile.Scale).
	floats := []float64{0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994,
		4503599627370497, 4503599627370496.5, 4503599627370495.5, 9007199254740993, 1e19, -1e19,
		9.223372036854775e18, math.Inf(1), math.NaN(), 123.456, -123.5, 1e-300}
	for _, f := range floats {
		fmt.Fprintf(w, "round_int64\t%016x\t%d\n", math.Float64bits(f), int64(math.Round(f)))
	}

	errnos := []syscall.Errno{syscall.ENOENT, syscall.EACCES, syscall.EISDIR, syscall.ENOTDIR,
		syscall.EEXIST, syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EHOSTUNREACH,
		syscall.ENETUNREACH, syscall.EINVAL, syscall.ENOSPC, syscall.EROFS, syscall.ETIMEDOUT,
		syscall.EPIPE, syscall.ELOOP, syscall.ENAMETOOLONG, syscall.EPERM, syscall.EMFILE,
		syscall.ENXIO, syscall.EADDRINUSE, syscall.ENOTCONN}
	for _, e := range errnos {
		fmt.Fprintf(w, "errno\t%d\t%s\n", int(e), h(e.Error()))
	}
}
