// Command measurement_oracle prints how Go's fmt and strconv format the
// float64 values pprof formats, as the expected values for tests/test_gofmt.py.
//
// It imports only the standard library, and its inputs are deterministic
// (a fixed list plus a seeded math/rand stream), so the output is stable.
// Regenerate the committed table with Go 1.19 (from the repository root):
//
//	go run tests/measurement_oracle/main.go > tests/measurement_oracle/gofmt_cases.tsv
//
// The output is tab separated. The first line is a header: "bits" and then
// one column name per format, each a fmt verb ("%.2f", "%5.2g", "%v", ...)
// or a strconv.FormatFloat call written as "strconv:<fmt>:<prec>". Every
// other line is one float64, as its IEEE 754 bits in 16 hex digits, and
// then Go's output for each format. The last two columns are not formats
// but the numeric conversions pprof applies to scaled sample values:
// "math.Round" is strconv.FormatFloat(math.Round(v), 'g', -1, 64), and
// "int64" is int64(v) printed with %d (out-of-range results are what amd64
// gives, math.MinInt64).
package main

import (
	"bufio"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strconv"
)

func values() []float64 {
	vs := []float64{
		0, math.Copysign(0, -1), 1, -1, 0.5, 1.5, 2.5, -2.5, 0.05, 0.15, 0.25, 0.35,
		0.005, 0.015, 0.025, 0.125, 0.375, 1.005, 1.015, 1.125, 2.675, 99.95, 99.949,
		100.05, 0.0001, 0.00001, 0.000012345, 123456, 1234567, 123456789, 1e20, 1e21,
		1e22, 1e100, 1e-100, 1e308, 5e-324, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), 1.0 / 3, 2.0 / 3, 100, 1000, 1e6, 999999,
		999999.5, 9.995, 9.9949, 0.1, 0.2, 0.3, 0.7, 123.456, 1 << 53, 1<<53 + 2,
		9007199254740993, 1 << 62, 1 << 63, 12345678901234567890, 0.999, 0.9999999,
		99.5, 9.5, 0.95, 0.095, 0.0095, 0.00095, 0.000095, 4.35, 0.045, 1.45,
		0.49999999999999994, -0.49999999999999994, 4503599627370495.5,
	}
	for e := -25; e <= 25; e++ {
		p := math.Pow(10, float64(e))
		vs = append(vs, p, -p, 5*p, 9.99*p, 9.999999*p, 1.5*p, 2.5*p)
	}
	r := rand.New(rand.NewSource(20221127))
	for i := 0; i < 300; i++ {
		// Uniform over a few decades, like percentages and scaled values.
		vs = append(vs, r.Float64()*math.Pow(10, float64(r.Intn(12)-4)))
	}
	for i := 0; i < 300; i++ {
		// Values with few decimal digits: many exact ties in binary-decimal rounding.
		vs = append(vs, float64(r.Intn(200000))/float64([]int{2, 4, 8, 16, 20, 40, 200, 1000}[r.Intn(8)]))
	}
	for i := 0; i < 120; i++ {
		// Arbitrary bit patterns (finite ones), for the shortest-digit algorithm.
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		vs = append(vs, f)
	}
	for i := 0; i < 150; i++ {
		// Integers in int64 range, as float64(int64) then scaled by pprof units.
		v := float64(r.Int63n(1 << uint(r.Intn(62)+1)))
		vs = append(vs, v, v/1024, v/1e9, v/1e6, v/3600e9)
	}
	return vs
}

func main() {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	verbs := []string{"%v", "%g", "%.1f", "%.2f", "%5.2f", "%5.2g", "%.2g", "%.3g", "%.0f", "%e", "%f"}
	type conv struct {
		fmt  byte
		prec int
	}
	var convs []conv
	fmt.Fprint(w, "bits")
	for _, verb := range verbs {
		fmt.Fprintf(w, "\t%s", verb)
	}
	// (strconv 'f' with 0 and 2, and 'g' with -1 and 2, are the same
	// as the verbs %.0f, %.2f, %v and %.2g above.)
	for _, c := range []conv{{'e', -1}, {'e', 0}, {'e', 2}, {'e', 17}, {'f', -1}, {'f', 17}, {'g', 0}, {'g', 17}} {
		convs = append(convs, c)
		fmt.Fprintf(w, "\tstrconv:%c:%d", c.fmt, c.prec)
	}
	fmt.Fprint(w, "\tmath.Round\tint64\n")
	for _, v := range values() {
		fmt.Fprintf(w, "%016x", math.Float64bits(v))
		for _, verb := range verbs {
			fmt.Fprintf(w, "\t%s", fmt.Sprintf(verb, v))
		}
		for _, c := range convs {
			fmt.Fprintf(w, "\t%s", strconv.FormatFloat(v, c.fmt, c.prec, 64))
		}
		fmt.Fprintf(w, "\t%s\t%d\n", strconv.FormatFloat(math.Round(v), 'g', -1, 64), int64(v))
	}
}
