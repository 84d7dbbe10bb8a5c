package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Point is one step of a sweep: the offered rate and what the gateway made of it.
type Point struct {
	Offered    float64 `json:"offered"`
	Throughput float64 `json:"throughput"`
	P99        float64 `json:"p99Ms"`
}

// Plot geometry, in SVG user units.
const (
	plotW, plotH             = 720, 420
	padL, padR, padT, padB   = 70, 80, 40, 60
	innerW, innerH           = plotW - padL - padR, plotH - padT - padB
	throughputColour, p99Col = "#1f6feb", "#d1242f"
)

// WriteSVG draws throughput (left axis, blue) and p99 latency (right axis, red) against
// the offered rate, with the ideal throughput = offered as a dashed diagonal.
func WriteSVG(w io.Writer, title string, pts []Point) error {
	var maxX, maxY, maxL float64
	for _, p := range pts {
		maxX, maxY, maxL = math.Max(maxX, p.Offered), math.Max(maxY, p.Throughput), math.Max(maxL, p.P99)
	}
	maxX, maxY, maxL = niceCeil(maxX), niceCeil(math.Max(maxY, maxX)), niceCeil(maxL)
	x := func(v float64) float64 { return padL + v/maxX*innerW }
	y := func(v float64) float64 { return padT + innerH - v/maxY*innerH }
	yl := func(v float64) float64 { return padT + innerH - v/maxL*innerH }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", plotW, plotH)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="14" font-weight="bold">%s</text>`+"\n", padL, escape(title))
	for i := 0; i <= 5; i++ {
		f := float64(i) / 5
		gy := padT + innerH - f*innerH
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", padL, gy, padL+innerW, gy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>`+"\n", padL-6, gy+4, throughputColour, num(f*maxY))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" fill="%s">%s</text>`+"\n", padL+innerW+6, gy+4, p99Col, num(f*maxL))
		gx := padL + f*innerW
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", gx, padT+innerH+18, num(f*maxX))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", padL, padT, innerW, innerH)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="4 4"/>`+"\n", x(0), y(0), x(maxX), y(math.Min(maxX, maxY)))
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">offered load (operations/s)</text>`+"\n", padL+innerW/2, plotH-18)
	fmt.Fprintf(&b, `<text transform="translate(18 %d) rotate(-90)" text-anchor="middle" fill="%s">throughput (operations/s)</text>`+"\n", padT+innerH/2, throughputColour)
	fmt.Fprintf(&b, `<text transform="translate(%d %d) rotate(90)" text-anchor="middle" fill="%s">p99 latency (ms)</text>`+"\n", plotW-14, padT+innerH/2, p99Col)
	series := func(colour string, fy func(Point) float64) {
		var path []string
		for _, p := range pts {
			path = append(path, fmt.Sprintf("%.1f,%.1f", x(p.Offered), fy(p)))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(path, " "), colour)
		for _, p := range pts {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`+"\n", x(p.Offered), fy(p), colour)
		}
	}
	series(throughputColour, func(p Point) float64 { return y(p.Throughput) })
	series(p99Col, func(p Point) float64 { return yl(p.P99) })
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, so that the axes' five steps
// are round numbers.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
